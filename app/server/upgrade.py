"""Stores written before recordings were chunked and keys wrapped, brought up to date once, by
`earmark-server init` and at `serve` (it needs the master key, which migrations cannot reach).

Recordings of the old single-blob format are sealed again in chunks under a new key, one at a
time, each committed on its own so that an interrupted upgrade goes on where it stopped.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.server import models as m
from app.server.audit import audit
from app.server.keys import Keys, is_wrapped, is_wrapped_text
from app.server.storage import AudioStore


def upgrade_store(maker: sessionmaker[Session], store: AudioStore, keys: Keys) -> dict[str, int]:
    """What was left in the old forms, in the new; then a check that this master key opens
    what the store holds (MasterKeyError names the problem: a server with the wrong key would
    otherwise start and fail every sign-in)."""
    done = {"recordings": 0, "totp_secrets": 0}
    with maker() as db:
        ids = list(db.scalars(select(m.Task.id).where(m.Task.audio_key.is_not(None))))
    for task_id in ids:
        with maker() as db:
            t = db.get(m.Task, task_id)
            if t is None or t.audio_key is None:
                continue
            if is_wrapped(t.audio_key):
                if store.pending_reseal(task_id):  # stopped after the key was kept
                    store.finish_reseal(task_id)
                continue
            key = t.audio_key
            store.drop_reseal(task_id)  # stopped before the key was kept: start it again
            if store.is_legacy(task_id):
                key = store.reseal_legacy(task_id, key)
            t.audio_key = keys.wrap(key, f"task:{task_id}")
            db.commit()
            if store.pending_reseal(task_id):
                store.finish_reseal(task_id)
            done["recordings"] += 1
    with maker() as db:
        for u in db.scalars(select(m.User)):
            if not is_wrapped_text(u.totp_secret):
                u.totp_secret = keys.wrap_text(u.totp_secret, f"totp:{u.id}")
                done["totp_secrets"] += 1
        if any(done.values()):
            audit(db, None, "store_upgrade", "", **done)
        db.commit()
        user = db.scalars(select(m.User).limit(1)).first()
        if user is not None:
            keys.unwrap_text(user.totp_secret, f"totp:{user.id}")
        task = db.scalars(select(m.Task).where(m.Task.audio_key.is_not(None)).limit(1)).first()
        if task is not None:
            keys.unwrap(task.audio_key or b"", f"task:{task.id}")
    return done
