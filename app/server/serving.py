"""Whether a server serves a database and data folder: every serving process holds a shared
lock for as long as it lives, and `restore` and `keys rotate` must take it alone, or refuse.

The locks are let go by the kernel or by the database when their holder ends, however it ends
(kill -9 too), so no stale pid file can mislead:
- an flock(2) on `serving.lock` in the data folder and, for SQLite, on `<database>.serving`
  beside the database file (the database may lie outside the data folder);
- on PostgreSQL, also a session-level advisory lock on a connection of its own, so that
  servers on other machines sharing the database are seen too.
While `restore` or `keys rotate` holds them alone, a server does not start.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, create_engine, make_url, pool

from app.server import locks

LOCK_FILE = "serving.lock"
ADVISORY = locks.SERVING << 32


class ServerRunning(Exception):
    """A server serves what a command would change, or that command runs while a server
    starts; str() says which and what to do."""


@dataclass
class Hold:
    """Locks held; let go by `release`, or when the process ends."""

    fds: list[int] = field(default_factory=list)
    connection: Connection | None = None

    def release(self) -> None:
        for fd in self.fds:
            os.close(fd)  # closing the descriptor lets its flock go
        self.fds = []
        if self.connection is not None:
            engine = self.connection.engine
            self.connection.close()  # the session ends: its advisory lock goes
            engine.dispose()
            self.connection = None


def lock_files(url: str, data: Path) -> list[Path]:
    files = [data / LOCK_FILE]
    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database not in (None, "", ":memory:"):
        db = Path(u.database or "")
        files.append(db.with_name(db.name + ".serving"))
    return files


def _take(url: str, data: Path, shared: bool) -> tuple[Hold, str]:
    """Every lock taken (shared or alone) without waiting; else none, and what was busy."""
    hold = Hold()
    try:
        for path in lock_files(url, data):
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            hold.fds.append(fd)
            try:
                fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
            except BlockingIOError:
                hold.release()
                return hold, str(path.parent if path.name == LOCK_FILE else path.with_suffix(""))
        if make_url(url).get_backend_name() == "postgresql":
            engine = create_engine(url, poolclass=pool.NullPool)
            hold.connection = engine.execution_options(isolation_level="AUTOCOMMIT").connect()
            verb = "pg_try_advisory_lock_shared" if shared else "pg_try_advisory_lock"
            if not hold.connection.exec_driver_sql(f"SELECT {verb}({ADVISORY})").scalar():
                hold.release()
                return hold, "its PostgreSQL database"
    except BaseException:
        hold.release()
        raise
    return hold, ""


def serving(url: str, data: Path) -> Hold:
    """For a serving process, held until it ends; ServerRunning while a restore or a key
    rotation runs on the same database or data folder."""
    hold, busy = _take(url, data, shared=True)
    if busy:
        raise ServerRunning(
            f"a restore or a key rotation is running on {busy}: start the server when it"
            " has finished"
        )
    return hold


@contextlib.contextmanager
def alone(url: str, data: Path, doing: str) -> Iterator[None]:
    """No server serves `url` or `data` while `doing` runs, and none starts meanwhile."""
    hold, busy = _take(url, data, shared=False)
    if busy:
        raise ServerRunning(
            f"a server is running on {busy}: stop every server process on it before {doing}"
        )
    try:
        yield
    finally:
        hold.release()
