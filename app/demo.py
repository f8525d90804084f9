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
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.store.paths import resources_dir


class DemoError(Exception):
    pass


@dataclass
class DemoServer:
    url: str
    username: str
    password: str
    folder: Path
    proc: subprocess.Popen[bytes]

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
    env = {**os.environ, "EARMARK_SERVER_DATA": str(folder)}

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
    server("user", "add", "demo", "--role", "annotator", "--password-stdin", stdin=password + "\n")
    server(
        "project",
        "create",
        "Voice assistant (demo)",
        "--taxonomy",
        str(tax / "earmark-taxonomy.json"),
        "--conventions",
        str(tax / "earmark-conventions.json"),
    )
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
