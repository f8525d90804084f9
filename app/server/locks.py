"""PostgreSQL advisory locks held to the end of a transaction, by (namespace, key).

SQLite needs none: its writers are one at a time (BEGIN IMMEDIATE, app/server/db.py).
"""

from __future__ import annotations

import zlib

from sqlalchemy import text
from sqlalchemy.orm import Session

FEED = 0x46454544  # "FEED": a user's changes feed (app/server/feed.py)
LEASE = 0x4C454153  # "LEAS": a user's leases (app/server/service.py)
AUDIT = 0x45415244  # "EARD": the audit chain, one for all (app/server/audit.py)
SERVING = 0x53455256  # "SERV": held for a session while serving (app/server/serving.py)


def lock(db: Session, namespace: int, key: str = "") -> None:
    if db.get_bind().dialect.name == "postgresql":
        db.execute(
            text("SELECT pg_advisory_xact_lock(:k)"),
            {"k": namespace << 32 | zlib.crc32(key.encode())},
        )
