"""`earmark demo`: a throwaway server on 127.0.0.1 with demo users and the sample recordings.

The server runs as its own process through the earmark-server command (the workstation never
imports the server). Its database and audio live in a temporary folder removed on exit; the
demo password is made here at random and kept in memory only.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.protocol import AnnotationDoc, AnnotationPut, BatchPut
from app.store.paths import resources_dir
from app.sync.client import Client


class DemoError(Exception):
    pass


@dataclass
class DemoServer:
    url: str
    username: str
    password: str
    folder: Path
    proc: subprocess.Popen[bytes]
    reviewer: str = "demo-reviewer"
    colleague: str = "demo-colleague"  # an annotator whose work the demo reviewer checks

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_demo_server() -> DemoServer:
    folder = Path(tempfile.mkdtemp(prefix="earmark-demo-"))
    db = f"sqlite:///{folder / 'server.sqlite3'}"
    # the demo's own throwaway master key, beside its data folder, never the machine's own
    env = {
        **os.environ,
        "EARMARK_SERVER_DATA": str(folder / "data"),
        "EARMARK_SERVER_KEY_FILE": str(folder / "master.key"),
    }

    def server(*args: str, stdin: str = "") -> None:
        r = subprocess.run(
            [sys.executable, "-m", "app.server.cli", "--db", db, *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        )
        if r.returncode not in (0, 1):
            raise DemoError(
                "The demo server could not be set up. Is the server part installed? "
                "(pip install 'earmark[server]')\n" + r.stderr[-1500:]
            )

    password = secrets.token_urlsafe(16)
    tax = resources_dir() / "taxonomy"
    server("init")
    for name, role in (
        ("demo", "annotator"),
        ("demo-colleague", "annotator"),
        ("demo-reviewer", "reviewer"),
    ):
        server("user", "add", name, "--role", role, "--password-stdin", stdin=password + "\n")
    server(
        "project",
        "create",
        "Voice assistant (demo)",
        "--taxonomy",
        str(tax / "earmark-taxonomy.json"),
        "--conventions",
        str(tax / "earmark-conventions.json"),
    )
    for name, role in (
        ("demo", "annotator"),
        ("demo-colleague", "annotator"),
        ("demo-reviewer", "reviewer"),
    ):
        server("project", "member", "add", "Voice assistant (demo)", name, "--role", role)
    server("import", "Voice assistant (demo)", str(resources_dir() / "samples" / "manifest.jsonl"))
    port = _free_port()
    log = (folder / "server.log").open("ab")
    with log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "app.server.cli",
                "--db",
                db,
                "serve",
                "--demo",
                "--port",
                str(port),
            ],
            env=env,
            stdout=log,
            stderr=log,
        )
    url = f"http://127.0.0.1:{port}"
    end = time.monotonic() + 30
    while time.monotonic() < end:
        try:
            httpx.get(f"{url}/api/v1/openapi.json", timeout=1)
            return DemoServer(url, "demo", password, folder, proc)
        except httpx.TransportError:
            if proc.poll() is not None:
                break
            time.sleep(0.1)
    proc.kill()
    raise DemoError(
        "The demo server did not start: "
        + (folder / "server.log").read_text(errors="replace")[-1500:]
    )


def seed_submissions(demo: DemoServer, count: int = 6) -> int:
    """The colleague submits `count` items as the ASR heard them (its errors included), so a
    demo reviewer has work to check. Returns how many were submitted."""
    client = Client.in_memory(demo.url)
    try:
        client.login(demo.colleague, demo.password, "")
        project = client.projects()[0]
        leased = client.lease(project.id, count)
        items = {}
        for k, t in enumerate(leased):
            doc = {
                "segments": [
                    {
                        "start_s": 0.0,
                        "end_s": round(t.duration_s, 6),
                        "text": t.asr_text,
                        "slots": [s.model_dump() for s in t.predicted_slots],
                    }
                ],
                "intent": t.predicted_intent,
                "flags": [],
                "status": "submitted",
                "skip_reason": "",
                "active_ms": 20_000 + 7_000 * k,
                "submissions": 1,
            }
            put = AnnotationPut(task_id=t.id, base_version=0, doc=AnnotationDoc.model_validate(doc))
            items[str(uuid.uuid4())] = put
        return len(client.put_batch(BatchPut(items=items)).stored)
    finally:
        client.close()
