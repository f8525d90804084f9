"""earmark-server backup while a stream of puts goes on, then restore into a new database and
data folder: every put acknowledged before the backup began is there, with the text it was
sent with, and the recordings play the same; on SQLite and on PostgreSQL. A naive backup (the
SQLite file copied as it lies) is caught by the same check."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from app.server import models as m
from app.server.db import make_engine, sessions
from tests.pg import pg_database
from tests.server.conftest import text_doc
from tests.workstation.sync.conftest import PASSWORD, ROOT, Server, free_port, make_server

Acks = list[tuple[float, str, int, str]]  # when, annotation id, version, text


def server_cli(s: Server, *args: str) -> subprocess.CompletedProcess[str]:
    """earmark-server as an operator runs it, in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "app.server.cli", *args],
        cwd=ROOT,
        env=s.env(),
        capture_output=True,
        text=True,
        timeout=300,
    )


def sign_in(s: Server, name: str) -> dict[str, str]:
    r = httpx.post(
        f"{s.url}/api/v1/auth/login",
        json={"username": name, "password": PASSWORD, "totp_code": s.code(name)},
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def stream_puts(s: Server, stop: threading.Event, acks: Acks, tasks: list[str]) -> None:
    """ann_a saving its work again and again, across six items, as fast as the server takes it."""
    headers = sign_in(s, "ann_a")
    ids = {t: str(uuid.uuid4()) for t in tasks}
    version = dict.fromkeys(tasks, 0)
    with httpx.Client(base_url=s.url, headers=headers, timeout=30) as c:
        k = 0
        while not stop.is_set():
            task = tasks[k % len(tasks)]
            said = f"put number {k}"
            r = c.put(
                f"/api/v1/annotations/{ids[task]}",
                json={"task_id": task, "base_version": version[task], "doc": text_doc(said)},
            )
            if r.status_code == 200:
                version[task] = r.json()["version"]
                acks.append((time.time(), ids[task], version[task], said))
            k += 1


def held(db_url: str) -> dict[str, tuple[int, str]]:
    engine = make_engine(db_url)
    try:
        with sessions(engine)() as db:
            return {
                a.id: (a.version, a.doc["segments"][0]["text"])
                for a in db.scalars(select(m.Annotation))
            }
    finally:
        engine.dispose()


def lost(acks: Acks, before: float, restored: dict[str, tuple[int, str]]) -> list[str]:
    """Puts acknowledged before `before` that the restored database does not hold, and
    annotations whose restored version holds another text than the one sent with it."""
    sent = {(a, v): t for _w, a, v, t in acks}
    newest: dict[str, int] = {}
    for when, a, v, _t in acks:
        if when < before:
            newest[a] = max(newest.get(a, 0), v)
    out = [f"{a} v{v} lost" for a, v in newest.items() if restored.get(a, (0, ""))[0] < v]
    out += [
        f"{a} v{v} holds {t!r}"
        for a, (v, t) in restored.items()
        if (a, v) in sent and sent[(a, v)] != t
    ]
    return out


def audio_sha(s: Server, headers: dict[str, str], task: str) -> str:
    r = httpx.get(f"{s.url}/api/v1/tasks/{task}/audio", headers=headers)
    assert r.status_code == 200, r.text
    return hashlib.sha256(r.content).hexdigest()


def run_backup_during_puts(tmp_path: Path, db: str, restore_db: str) -> None:
    s = make_server(tmp_path / "live", db=db)
    s.start()
    try:
        admin = sign_in(s, "ann_a")
        r = httpx.post(
            f"{s.url}/api/v1/leases",
            headers=admin,
            json={"project_id": project_of(s, admin), "count": 6},
        )
        tasks = [t["id"] for t in r.json()]
        assert len(tasks) == 6
        before_audio = {t: audio_sha(s, admin, t) for t in tasks}
        stop, acks = threading.Event(), []
        writer = threading.Thread(target=stream_puts, args=(s, stop, acks, tasks))
        writer.start()
        while len(acks) < 30:
            time.sleep(0.01)
        began = time.time()
        out = tmp_path / "backup"
        naive = tmp_path / "naive.sqlite3"
        if db.startswith("sqlite"):
            shutil.copyfile(db.removeprefix("sqlite:///"), naive)  # the broken variant
        r = server_cli(s, "backup", str(out))
        assert r.returncode == 0, r.stdout + r.stderr
        n_during = len(acks)
        while len(acks) < n_during + 30:  # the stream went on through the backup, and after
            time.sleep(0.01)
        stop.set()
        writer.join(30)
        assert "master key is not in it" in r.stdout
    finally:
        s.kill()

    back = Server(db=restore_db, data=tmp_path / "restored", port=free_port())
    back.data.mkdir()
    back.totp, back._used = s.totp, s._used  # type: ignore[attr-defined]
    r = server_cli(back, "restore", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    restored = held(restore_db)
    assert lost(acks, began, restored) == []
    assert len(restored) == 6
    back.start()
    try:
        headers = sign_in(back, "ann_a")
        assert {t: audio_sha(back, headers, t) for t in tasks} == before_audio
    finally:
        back.kill()
    if db.startswith("sqlite"):  # the harness can fail: a file copied as it lies misses puts
        assert lost(acks, began, held(f"sqlite:///{naive}")) != []


def project_of(s: Server, headers: dict[str, str]) -> str:
    return str(httpx.get(f"{s.url}/api/v1/projects", headers=headers).json()[0]["id"])


@pytest.mark.slow
def test_backup_during_puts_restores_every_acknowledged_put_sqlite(tmp_path: Path) -> None:
    run_backup_during_puts(
        tmp_path, f"sqlite:///{tmp_path / 'live.sqlite3'}", f"sqlite:///{tmp_path / 'back.sqlite3'}"
    )


@pytest.mark.slow
def test_backup_during_puts_restores_every_acknowledged_put_postgresql(tmp_path: Path) -> None:
    with pg_database() as live, pg_database() as target:
        run_backup_during_puts(tmp_path, live, target)


def test_a_damaged_backup_restores_nothing(tmp_path: Path) -> None:
    s = make_server(tmp_path / "live")
    out = tmp_path / "backup"
    assert server_cli(s, "backup", str(out)).returncode == 0
    assert server_cli(s, "backup", str(out)).returncode == 2  # never over an earlier backup
    victim = next((out / "audio").glob("*.bin"))
    body = victim.read_bytes()
    victim.write_bytes(body[:-1] + bytes([body[-1] ^ 0xFF]))  # always a change
    before = held(s.db)
    r = server_cli(s, "restore", str(out))
    assert r.returncode == 2 and "missing or changed" in r.stdout
    assert held(s.db) == before and not list(s.data.glob("audio.before-restore-*"))
