"""Stores written before recordings were chunked and keys wrapped, brought up to date once, by
`earmark-server init` and at `serve` (it needs the master key, which migrations cannot reach).

Recordings of the old single-blob format are sealed again in chunks under a new key, one at a
time, each committed on its own so that an interrupted upgrade goes on where it stopped. TOTP
secrets and projects' pseudonym keys kept in plain are wrapped; an audit log never anchored
(a store before migration 0009) is anchored at its head as it stands.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.server import models as m
from app.server.anchor import KEY, anchor_key
from app.server.audit import audit, request_anchor
from app.server.keys import Keys, is_wrapped, is_wrapped_text, pseudonym_context, pseudonym_key
from app.server.storage import AudioStore


def upgrade_store(maker: sessionmaker[Session], store: AudioStore, keys: Keys) -> dict[str, int]:
    """What was left in the old forms, in the new, once a check shows that this master key
    opens what the store holds (MasterKeyError names the problem: a server with the wrong key
    would otherwise start and fail every sign-in, and wrap or anchor under a key nobody keeps)."""
    with maker() as db:
        check_key(db, keys)
    done = {"recordings": 0, "totp_secrets": 0, "pseudonym_keys": 0}
    # one query and one look at the store, however many recordings: only those left in the
    # old form, or whose upgrade stopped half way, are opened one by one
    pending = store.pending_reseals()
    with maker() as db:
        keyed = db.execute(select(m.Task.id, m.Task.audio_key).where(m.Task.audio_key.is_not(None)))
        ids = [t for t, blob in keyed if t in pending or not is_wrapped(blob or b"")]
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
        db.info[KEY] = anchor_key(keys)
        for u in db.scalars(select(m.User)):
            if not is_wrapped_text(u.totp_secret):
                u.totp_secret = keys.wrap_text(u.totp_secret, f"totp:{u.id}")
                done["totp_secrets"] += 1
        for p in db.scalars(select(m.Project)):
            if not is_wrapped(p.pseudonym_key):
                p.pseudonym_key = keys.wrap(p.pseudonym_key, pseudonym_context(p.id))
                done["pseudonym_keys"] += 1
        if any(done.values()):
            audit(db, None, "store_upgrade", "", **done)
        request_anchor(db)  # anchored now if it never was (app/server/anchor.py)
        db.commit()
    return done


def check_key(db: Session, keys: Keys) -> None:
    """MasterKeyError unless `keys` opens the first wrapped value of each kind."""
    for u in db.scalars(select(m.User)):
        if is_wrapped_text(u.totp_secret):
            keys.unwrap_text(u.totp_secret, f"totp:{u.id}")
            break
    for p in db.scalars(select(m.Project)):
        if is_wrapped(p.pseudonym_key):
            pseudonym_key(keys, p.id, p.pseudonym_key)
            break
    recordings = select(m.Task.id, m.Task.audio_key).where(m.Task.audio_key.is_not(None))
    for task_id, blob in db.execute(recordings.limit(1000)):  # a legacy store: the first few
        if is_wrapped(blob):
            keys.unwrap(blob or b"", f"task:{task_id}")
            break
