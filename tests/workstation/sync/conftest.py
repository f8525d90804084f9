"""The real server under uvicorn on 127.0.0.1, set up through the earmark-server command."""

from __future__ import annotations

import contextlib
import io
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyotp
import pytest

from app.server.cli import main as cli_main
from app.server.config import S3_KEYS
from app.server.storage import STORE_ENV
from tests.conftest import write_tone
from tests.pg import copy_pg_database, on_test_cluster, pg_template

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "a long enough password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    db: str
    data: Path
    port: int
    totp: dict[str, pyotp.TOTP] = field(default_factory=dict)
    project_id: str = ""
    proc: subprocess.Popen[bytes] | None = None
    module: str = "app.server.cli"
    admin_token: str = ""
    log: Path | None = None
    key_file: Path | None = None  # the master key, when not the tests' own (tests/conftest.py)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = {**os.environ, "EARMARK_SERVER_DATA": str(self.data), "EARMARK_SERVER_DB": self.db}
        if self.key_file is not None:
            env["EARMARK_SERVER_KEY_FILE"] = str(self.key_file)
        return env

    def cli(self, *args: str, stdin: str = "", ok: tuple[int, ...] = (0, 1)) -> str:
        """earmark-server's own entry point, run in this process (start() runs it as a server)."""
        out = io.StringIO()
        old_env = os.environ.get("EARMARK_SERVER_DATA")
        # what a configuration file puts in the environment stays with this one command
        kept = {k: os.environ.get(k) for k in (STORE_ENV, *S3_KEYS.values())}
        os.environ["EARMARK_SERVER_DATA"] = str(self.data)
        old_stdin = sys.stdin
        sys.stdin = io.StringIO(stdin)
        try:
            keys = ["--key-file", str(self.key_file)] if self.key_file is not None else []
            with contextlib.redirect_stdout(out):
                code = cli_main(["--db", self.db, *keys, *args])
        finally:
            sys.stdin = old_stdin
            for k, v in kept.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            if old_env is None:
                os.environ.pop("EARMARK_SERVER_DATA", None)
            else:
                os.environ["EARMARK_SERVER_DATA"] = old_env
        assert code in ok, out.getvalue()
        return out.getvalue()

    def start(self, *serve_args: str) -> None:
        self.log = self.log or self.data / "server.log"
        with self.log.open("ab") as out:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen(
                [sys.executable, "-m", self.module, "serve", "--port", str(self.port), *serve_args],
                cwd=ROOT,
                env=self.env(),
                stdout=out,
                stderr=out,
            )
        end = time.monotonic() + 30
        while time.monotonic() < end:
            try:
                httpx.get(f"{self.url}/api/v1/health", timeout=1)  # cheaper than the schema
                return
            except httpx.TransportError:
                time.sleep(0.05)
        raise AssertionError("the server did not start: " + self.log.read_text()[-2000:])

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None

    def add_user(self, name: str, role: str) -> None:
        out = self.cli(
            "user", "add", name, "--role", role, "--password-stdin", stdin=PASSWORD + "\n"
        )
        secret = re.search(r"secret=([A-Z2-7]+)", out)
        assert secret, out
        self.totp[name] = pyotp.TOTP(secret.group(1))

    def delete_task(self, task_id: str) -> int:
        """The admin deletes a recording; the status code of the answer."""
        r = httpx.delete(
            f"{self.url}/api/v1/tasks/{task_id}",
            headers={"Authorization": f"Bearer {self.admin_token}"},
        )
        return r.status_code

    def code(self, name: str) -> str:
        """A code not used yet. The server accepts the previous step's code, this step's and
        the next one's, each once and in order, so three sign-ins in a row need no wait; only
        a fourth waits for the next step. The previous step's is used only early in a step,
        so that it cannot run out on its way."""
        used: dict[str, int] = getattr(self, "_used", {})
        now = time.time()
        step = int(now // 30)
        lowest = step - 1 if now % 30 < 25 else step
        chosen = max(lowest, used.get(name, lowest - 1) + 1)
        if chosen > step + 1:
            time.sleep(30 * (step + 1) - now + 0.2)
            return self.code(name)
        used[name] = chosen
        self._used = used
        return self.totp[name].at(chosen * 30)


USERS = (("ann_a", "annotator"), ("ann_b", "annotator"), ("admin", "admin"), ("rev", "reviewer"))
# what every server starts from (users, the project, its members), set up once per kind of
# database and master key through earmark-server, then copied: each setting-up took a second
# and a half, mostly password hashing and migrations
_TEMPLATES: dict[tuple[str, str], tuple[Server, Path]] = {}
_TEMPLATE_ROOT = Path(tempfile.mkdtemp(prefix="earmark-server-templates-"))


def _set_up(server: Server) -> None:
    server.cli("init")
    for name, role in USERS:
        server.add_user(name, role)
    tax = ROOT / "resources" / "taxonomy"
    server.cli(
        "project",
        "create",
        "va",
        "--taxonomy",
        str(tax / "earmark-taxonomy.json"),
        "--conventions",
        str(tax / "earmark-conventions.json"),
    )
    for name, role in (("ann_a", "annotator"), ("ann_b", "annotator"), ("rev", "reviewer")):
        server.cli("project", "member", "add", "va", name, "--role", role)


def _template(kind: str) -> tuple[Server, Path]:
    key = (kind, os.environ["EARMARK_SERVER_KEY_FILE"])
    if key not in _TEMPLATES:
        folder = Path(tempfile.mkdtemp(dir=_TEMPLATE_ROOT))
        if kind == "sqlite":
            db = f"sqlite:///{folder / 'server.sqlite3'}"
        else:
            db = pg_template(f"earmark_tmpl_{secrets.token_hex(4)}")
        template = Server(db=db, data=folder / "data", port=0)
        template.data.mkdir()
        _set_up(template)
        _TEMPLATES[key] = (template, folder)
    return _TEMPLATES[key]


def make_server(tmp: Path, recordings: int = 6, db: str | None = None) -> Server:
    """A server set up through earmark-server (SQLite here unless `db` names an empty
    PostgreSQL database): a copy of the set-up template, then its recordings imported."""
    kind = "sqlite" if db is None or db.startswith("sqlite") else "postgresql"
    tmp.mkdir(parents=True, exist_ok=True)
    if kind == "postgresql" and not on_test_cluster(db or ""):  # a PostgreSQL of the test's own
        server = Server(db=db or "", data=tmp / "data", port=free_port())
        server.data.mkdir()
        _set_up(server)
        _import(server, tmp, recordings)
        return server
    template, folder = _template(kind)
    if kind == "sqlite":
        db = db or f"sqlite:///{tmp / 'server.sqlite3'}"
        shutil.copyfile(folder / "server.sqlite3", db.removeprefix("sqlite:///"))
    else:
        assert db is not None
        copy_pg_database(template.db, db)
    server = Server(db=db, data=tmp / "data", port=free_port(), totp=dict(template.totp))
    shutil.copytree(template.data, server.data)
    _import(server, tmp, recordings)
    return server


def _import(server: Server, tmp: Path, recordings: int) -> None:
    rec = tmp / "recordings"
    rec.mkdir()
    for k in range(recordings):
        write_tone(rec / f"r{k:04d}.wav", 0.2 + 0.01 * (k % 10))
    server.cli("import", "va", str(rec))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    s = make_server(tmp_path)
    s.start()
    r = httpx.post(
        f"{s.url}/api/v1/auth/login",
        json={"username": "admin", "password": PASSWORD, "totp_code": s.code("admin")},
    )
    token = r.json()["access_token"]
    s.admin_token = token
    s.project_id = httpx.get(
        f"{s.url}/api/v1/projects", headers={"Authorization": f"Bearer {token}"}
    ).json()[0]["id"]
    yield s
    s.kill()
