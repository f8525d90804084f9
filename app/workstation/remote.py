"""A server's project on this workstation: its local store, taxonomy and sync engine."""

from __future__ import annotations

import contextlib
import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.model.conventions import conventions_from
from app.model.taxonomy import taxonomy_from
from app.protocol import LOCK_AFTER_S, ReviewPolicy
from app.workstation.project import Project
from app.workstation.store.db import Store
from app.workstation.store.paths import cache_dir, data_dir
from app.workstation.sync.client import Client, SyncError
from app.workstation.sync.engine import SyncEngine
from app.workstation.sync.review import ReviewEngine


@dataclass
class Remote:
    project: Project
    engine: SyncEngine | ReviewEngine
    client: Client
    username: str
    policy: ReviewPolicy | None = None  # review mode: the project's reason codes and more
    # the project's screen: idle seconds before the window locks (0: never), a watermark
    lock_after_s: int = LOCK_AFTER_S
    watermark: bool = False


def open_remote(
    client: Client,
    username: str,
    cache_key: bytes,
    project_id: str | None = None,
    review: bool = False,
) -> Remote:
    """The first project (or the one named) of a signed-in client, with its own local store:
    its work queue, or with `review` its review queue.

    Its recordings are cached sealed with `cache_key` (app/audio/vault.py).
    """
    projects = client.projects()
    chosen = next((p for p in projects if project_id in (None, p.id)), None)
    if chosen is None:
        raise LookupError("The server has no project for you yet; ask your lead.")
    try:
        taxonomy, conventions = taxonomy_from(chosen.taxonomy), conventions_from(chosen.conventions)
    except ValueError as exc:  # checked when the project was created, unless made before that
        raise SyncError(
            f"The project {chosen.name} on the server is not set up right: {exc}."
        ) from exc
    mode = "|review" if review else ""
    key = hashlib.sha256(f"{client.server}|{username}|{chosen.id}{mode}".encode()).hexdigest()[:16]
    store = Store(data_dir() / "remote" / f"{key}.sqlite3")
    project = Project(Path(client.server), store, taxonomy, conventions, cache_key)
    audio = cache_dir() / "audio" / key
    lock, mark = chosen.lock_after_s, chosen.watermark
    if review:
        policy = client.review_policy(chosen.id)
        reviews = ReviewEngine(store, client, chosen.id, audio, cache_key)
        return Remote(project, reviews, client, username, policy, lock, mark)
    engine = SyncEngine(store, client, chosen.id, audio, cache_key)
    return Remote(project, engine, client, username, None, lock, mark)


def sign_out(remote: Remote, forget_secrets: Callable[[], None]) -> None:
    """Revoke the session on the server (if it can be reached), forget the token and the
    cache's key here, and delete the cached recordings."""
    with contextlib.suppress(SyncError):  # offline: forgotten here anyway; it expires there
        remote.client.logout()
    forget_secrets()
    shutil.rmtree(remote.engine.audio_dir, ignore_errors=True)
