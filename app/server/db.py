"""Engine and sessions: SQLite by default (WAL, busy timeout), PostgreSQL by URL.

Sessions come in two kinds. A writer's transaction on SQLite begins IMMEDIATE, so writers queue
at BEGIN instead of failing when a read turns into a write; a reader's begins DEFERRED and never
takes the write lock (WAL lets readers and the one writer proceed together). On PostgreSQL
both are plain transactions. The pool holds a connection for each request a process admits
(app/server/limits.py), so no admitted request waits for one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from app.server import commit  # noqa: F401  (registers what every session writes at commit)
from app.server.anchor import KEY, AnchorKey
from app.server.limits import Limits

READ = "earmark_read"  # execution option of a reader's connections


def default_url() -> str:
    url = os.environ.get("EARMARK_SERVER_DB")
    if url:
        return url
    return f"sqlite:///{data_dir() / 'server.sqlite3'}"


def data_dir() -> Path:
    path = Path(os.environ.get("EARMARK_SERVER_DATA", "earmark-server-data"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def make_engine(url: str, limits: Limits | None = None) -> Engine:
    limits = limits or Limits()
    pool = {
        "pool_size": limits.pool_size,
        "max_overflow": limits.concurrency // 2,
        "pool_timeout": limits.db_timeout_s,
    }
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": limits.db_timeout_s, "check_same_thread": False},
            **pool,
        )
        busy_ms = int(limits.db_timeout_s * 1000)

        @event.listens_for(engine, "connect")
        def _pragmas(conn: Any, _record: Any) -> None:
            conn.isolation_level = None  # we say BEGIN ourselves, below
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute(f"PRAGMA busy_timeout={busy_ms}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA secure_delete=ON")  # what is erased is overwritten, not freed
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            read = conn.get_execution_options().get(READ, False)
            conn.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")

        return engine
    # No ping before each checkout (a round trip per request): a connection that died with a
    # restart of PostgreSQL fails its request (503, retried) and the pool is renewed.
    return create_engine(url, **pool)


def wipe_freed(db: Session) -> None:
    """After an erasure: no page of the deleted rows left in SQLite's log, and PostgreSQL
    told to reclaim them (VACUUM; its files keep the bytes until the space is reused, so a
    deployment that must wipe them at once runs VACUUM FULL in a quiet hour)."""
    bind = db.get_bind()
    if bind.dialect.name == "sqlite":
        engine = bind if isinstance(bind, Engine) else bind.engine
        raw = engine.raw_connection()  # outside any transaction: a checkpoint cannot run in one
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
        return
    with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:  # type: ignore[union-attr]
        for table in ("annotations", "review_items", "reviews", "conflicts", "changes", "tasks"):
            conn.exec_driver_sql(f"VACUUM {table}")


def sessions(engine: Engine, anchor: AnchorKey | None = None) -> sessionmaker[Session]:
    """Sessions that write (on SQLite: BEGIN IMMEDIATE). With `anchor` (the master key's
    subkey, or a function that loads it) each audit append moves the chain's anchor on
    (app/server/anchor.py); every session of the server and its commands has it."""
    info = {} if anchor is None else {KEY: anchor}
    return sessionmaker(engine, expire_on_commit=False, info=info)


def read_sessions(engine: Engine) -> sessionmaker[Session]:
    """Sessions that only read: on SQLite they never take the write lock; on PostgreSQL each
    statement runs on its own (no BEGIN and ROLLBACK round trips around a lookup)."""
    options: dict[str, Any] = {READ: True}
    if engine.dialect.name == "postgresql":
        options["isolation_level"] = "AUTOCOMMIT"
    return sessionmaker(engine.execution_options(**options), expire_on_commit=False)


@dataclass(frozen=True, slots=True)
class Database:
    engine: Engine
    write: sessionmaker[Session]
    read: sessionmaker[Session]

    @classmethod
    def open(
        cls, url: str, limits: Limits | None = None, anchor: AnchorKey | None = None
    ) -> Database:
        engine = make_engine(url, limits)
        return cls(engine, sessions(engine, anchor), read_sessions(engine))


def migrate(url: str) -> None:
    """Bring the schema to the newest revision (Alembic)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url)
    command.upgrade(cfg, "head")
