"""`earmark demo`: a throwaway server on 127.0.0.1 with demo users and the sample recordings.

The server is one process that sets itself up and serves (`earmark-server demo`,
app/server/cli/demo.py); the workstation never imports the server. It is started first, before
the window's own imports, so both get ready at once. Its folder (database, sealed audio, master
key, the workstation's store) is made here and removed when the demo ends; the password is made
here at random, handed over on the server's standard input and kept in memory only.

Nothing outlives the demo. The workstation stops the server when it closes (also on SIGTERM,
SIGINT and SIGHUP, app/main.py); the server stops and removes its folder when its standard
input closes, so a workstation killed outright (SIGKILL, a crash) takes it along within a
moment; and a folder whose server and workstation were both killed is found by its lock, which
nobody holds any more, and removed by the next `earmark demo`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from app.workstation.store.paths import resources_dir

PREFIX = "earmark-demo-"
LOCK = ".lock"
READY = "earmark-demo: ready"  # what the server's demo command prints once it serves
FAILED = "earmark-demo: failed: "
STALE_AFTER_S = 60.0  # a folder younger than this may be a demo still starting: left alone


class DemoError(Exception):
    pass


@dataclass
class DemoServer:
    url: str
    username: str
    password: str
    folder: Path
    proc: subprocess.Popen[bytes]
    lock: IO[bytes] | None = None
    reviewer: str = "demo-reviewer"
    colleague: str = "demo-colleague"  # an annotator whose work the demo reviewer checks
    ready: threading.Event = field(default_factory=threading.Event)
    ended: threading.Event = field(default_factory=threading.Event)
    said: deque[str] = field(default_factory=lambda: deque(maxlen=40))  # its last lines

    def error(self) -> str:
        """Why the server did not start, as it said it."""
        failed = [line for line in self.said if line.startswith(FAILED)]
        if failed:
            return "The demo server could not be set up: " + failed[-1].removeprefix(FAILED)
        return "The demo server stopped while starting:\n" + "\n".join(list(self.said)[-8:])

    def wait(self, timeout_s: float = 60.0) -> None:
        """Until it serves (for callers without a window); DemoError if it does not."""
        end = time.monotonic() + timeout_s
        while not self.ready.wait(0.05):
            if self.ended.is_set() or time.monotonic() > end:
                self.stop()
                raise DemoError(self.error())

    def stop(self) -> None:
        """The server stopped and its folder gone (it removes the folder itself; this makes
        sure)."""
        if self.proc.stdin is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()  # the server's cue to stop
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.ended.wait(5)  # its last lines read
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        if self.lock is not None:
            self.lock.close()
            self.lock = None
        shutil.rmtree(self.folder, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _hold_lock(folder: Path) -> IO[bytes] | None:
    """An exclusive lock on the folder's lock file, held by this process and by the server it
    starts (the same open file), so it is free only once both are gone."""
    try:
        import fcntl
    except ImportError:  # not on Windows: crashed demos' folders are not found there
        return None
    f = (folder / LOCK).open("wb")
    fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    return f


def remove_stale_folders(root: Path | None = None) -> list[Path]:
    """Folders of demos that crashed (nobody holds their lock), removed; the ones removed."""
    try:
        import fcntl
    except ImportError:
        return []
    removed = []
    for folder in Path(root or tempfile.gettempdir()).glob(PREFIX + "*"):
        lock = folder / LOCK
        try:
            if time.time() - folder.stat().st_mtime < STALE_AFTER_S or not folder.is_dir():
                continue
            with lock.open("ab") as f:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:  # held (a demo running), or not ours to remove
            continue
        removed.append(folder)
    return removed


def launch_demo_server() -> DemoServer:
    """The server process started, at once; `ready` is set when it serves."""
    remove_stale_folders()
    folder = Path(tempfile.mkdtemp(prefix=PREFIX))
    lock = _hold_lock(folder)
    port = _free_port()
    tax, samples = resources_dir() / "taxonomy", resources_dir() / "samples"
    env = {k: v for k, v in os.environ.items() if not k.startswith("EARMARK_SERVER_")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app.server.cli",
            "--db",
            f"sqlite:///{folder / 'server.sqlite3'}",
            "demo",
            str(folder),
            "--port",
            str(port),
            "--manifest",
            str(samples / "manifest.jsonl"),
            "--taxonomy",
            str(tax / "earmark-taxonomy.json"),
            "--conventions",
            str(tax / "earmark-conventions.json"),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        pass_fds=() if lock is None else (lock.fileno(),),
    )
    password = secrets.token_urlsafe(16)
    demo = DemoServer(f"http://127.0.0.1:{port}", "demo", password, folder, proc, lock)
    assert proc.stdin is not None
    proc.stdin.write(password.encode() + b"\n")
    proc.stdin.flush()  # and the pipe stays open while the workstation lives
    threading.Thread(target=_listen, args=(demo,), name="demo-server", daemon=True).start()
    return demo


def _listen(demo: DemoServer) -> None:
    """The server's output read as it comes (its log lines kept in memory only, the last few
    for an error message), so its pipe never fills."""
    out = demo.proc.stdout
    assert out is not None
    with contextlib.suppress(ValueError, OSError):  # closed by stop() after a long wait
        for raw in out:
            line = raw.decode(errors="replace").rstrip("\n")
            demo.said.append(line)
            if line == READY:
                demo.ready.set()
    demo.ended.set()


def start_demo_server() -> DemoServer:
    """The demo server, serving (for callers without a window: tests, scripts)."""
    demo = launch_demo_server()
    demo.wait()
    return demo


def seed_submissions(demo: DemoServer, count: int = 6) -> int:
    """The colleague submits `count` items as the ASR heard them (its errors included), so a
    demo reviewer has work to check. Returns how many were submitted."""
    import uuid

    from app.protocol import AnnotationDoc, AnnotationPut, BatchPut
    from app.workstation.sync.client import Client

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
