"""One sync pass: push what the server lacks, pull the feed, fetch audio of leased items.

Every edit already sits in the local store with its outbox row (app/store/db.py), so a pass can
fail anywhere and the next one picks up where it stopped: puts are idempotent on the client-made
UUID, and the feed's cursor moves only with the page it covers.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.audio.vault import SUFFIX, opens_with, seal
from app.model.slots import Slot
from app.model.task import Task
from app.protocol import AnnotationPut, BatchPut, Change, TaskOut
from app.store.db import Store
from app.store.sync_tables import ReviewNote, SyncTables
from app.sync.client import Busy, Client, Offline, SyncError

log = logging.getLogger(__name__)
BATCH = 500
LEASE_COUNT = 20  # open items a workstation holds
RENEW_EVERY_S = 300.0  # leases are renewed this often even when the queue is full
BACKOFF_MAX_S = 60.0
CLOSED = ("submitted", "skipped")


@dataclass
class SyncStatus:
    online: bool = False
    pending: int = 0
    conflicts: int = 0
    message: str = ""
    pushed: int = 0
    assigned: int = 0
    removed: list[str] = field(default_factory=list)
    reviewed: list[str] = field(default_factory=list)  # items a reviewer decided on, just now


class SealedAudio:
    """Recordings of leased items in the cache, sealed with the account's key. Each file is
    checked against the key once per session (a reset keyring makes a new key), not at every
    pass, and fetched again when it does not open."""

    def __init__(self, client: Client, key: bytes) -> None:
        self.client, self.key = client, key
        self._good: set[Path] = set()

    def fetch(self, t: TaskOut, path: Path) -> None:
        if path in self._good:
            return
        if not opens_with(path, self.key):
            data = self.client.audio(t.id)
            if hashlib.sha256(data).hexdigest() != t.audio_sha256.lower():
                raise SyncError(
                    "A recording arrived damaged (checksum mismatch); it is fetched again "
                    "at the next sync."
                )
            seal(data, self.key, path)  # encrypted at rest: never a plain file here
        self._good.add(path)

    def forget(self, path: Path) -> None:
        path.unlink(missing_ok=True)
        self._good.discard(path)


class SyncEngine:
    def __init__(
        self, store: Store, client: Client, project_id: str, audio_dir: Path, key: bytes
    ) -> None:
        self.store = store
        self.audio = SealedAudio(client, key)
        self.tables = SyncTables(store)
        self.client = client
        self.project_id = project_id
        self.audio_dir = audio_dir
        audio_dir.mkdir(parents=True, exist_ok=True)
        self.backoff_s = 0.0
        self.reviewed: list[str] = []  # items with a review that arrived in the last pass
        # what the last lease answer held, less what was submitted or skipped since: a pass
        # asks for more only when this runs short (or the leases need renewing)
        self._open: set[str] = set()
        self._leased_at = float("-inf")

    def review_notes(self) -> dict[str, ReviewNote]:
        return self.tables.review_notes()

    def conflicts(self) -> dict[str, dict[str, Any]]:
        return self.tables.conflicts()

    def _audio_path(self, task_id: str) -> Path:
        return self.audio_dir / f"{task_id}{SUFFIX}"

    def push(self) -> tuple[int, int]:
        """(acknowledged, conflicts) after sending every pending item, BATCH at a time."""
        pending = self.tables.pending()
        acked = conflicts = 0
        for k in range(0, len(pending), BATCH):
            chunk = pending[k : k + BATCH]
            batch = BatchPut(
                items={
                    p.annotation_id: AnnotationPut(
                        task_id=p.task_id, base_version=p.server_version, doc=p.doc
                    )
                    for p in chunk
                }
            )
            result = self.client.put_batch(batch)
            by_ann = {p.annotation_id: p for p in chunk}
            self.tables.pushed(
                [(by_ann[a].task_id, by_ann[a].rev, v) for a, v in result.stored.items()]
            )
            for a, server in result.conflicts.items():
                self.tables.conflicted(by_ann[a].task_id, server.version, server.doc)
            for a, reason in result.refused.items():
                log.warning("server refused annotation of %s: %s", by_ann[a].task_id, reason)
            acked += len(result.stored)
            conflicts += len(result.conflicts)
            self._open -= {
                by_ann[a].task_id for a in result.stored if by_ann[a].doc.get("status") in CLOSED
            }
        return acked, conflicts

    def _needs_lease(self) -> bool:
        full = len(self._open) >= LEASE_COUNT
        return not full or time.monotonic() - self._leased_at > RENEW_EVERY_S

    def pull(self) -> tuple[int, list[str]]:
        """(items assigned, items removed): leases topped up when the queue runs short (and
        renewed now and then), then the feed to its end."""
        leased: list[TaskOut] = []
        if self._needs_lease():
            leased = self.client.lease(self.project_id, LEASE_COUNT)
            self._open = {t.id for t in leased}
            self._leased_at = time.monotonic()
        for t in leased:
            self.audio.fetch(t, self._audio_path(t.id))
        known = self.tables.remote_ids()
        fresh = [t for t in leased if t.id not in known]
        removed: list[str] = []
        reviewed: list[str] = []
        tasks = [self._task(t) for t in leased]
        new_ids = {t.id: str(uuid.uuid4()) for t in leased}
        since = self.tables.cursor()
        first = True
        while True:
            page = self.client.changes(since)
            purge = [c.task_id for c in page.changes if c.kind == "deleted"]
            drop = [c.task_id for c in page.changes if c.kind == "revoked"]
            notes = [_note(c) for c in page.changes if c.kind == "review"]
            self.tables.apply_page(
                tasks if first else [], purge, drop, new_ids, page.next_since, notes
            )
            reviewed += [n.task_id for n in notes]
            first = False
            for task_id in purge:
                self.audio.forget(self._audio_path(task_id))
            removed += purge + drop
            self._open -= set(purge + drop)
            since = page.next_since
            if not page.more:
                break
        self.reviewed = reviewed
        return len(fresh), removed

    def _task(self, t: TaskOut) -> Task:
        return task_from(t, t.id, self._audio_path(t.id), t.number)  # the queue in item order

    def sync_once(self) -> SyncStatus:
        """One pass; never raises for the network: the status says what happened."""
        status = SyncStatus()
        try:
            status.pushed, _ = self.push()
            status.assigned, status.removed = self.pull()
            status.reviewed = self.reviewed
            status.online = True
            self.backoff_s = 0.0
        except Offline as exc:
            status.message = str(exc)
            self.backoff_s = min(BACKOFF_MAX_S, max(2.0, self.backoff_s * 2))
        except Busy as exc:
            status.online = True
            status.message = str(exc)
            self.backoff_s = max(exc.retry_after_s, min(BACKOFF_MAX_S, self.backoff_s * 2))
        except SyncError as exc:
            status.online = not isinstance(exc, Offline)
            status.message = str(exc)
            self.backoff_s = min(BACKOFF_MAX_S, max(2.0, self.backoff_s * 2))
        status.pending = len(self.tables.pending())
        status.conflicts = len(self.tables.conflicts())
        return status


def task_from(t: TaskOut, local_id: str, audio: Path, position: int, who: str = "") -> Task:
    """A queue entry for a server's task; named by its number, with whose work it is (review)."""
    title = f"Item {t.number}" if t.number else ""
    return Task(
        id=local_id,
        audio_path=str(audio),
        duration_s=t.duration_s,
        sample_rate_hz=t.sample_rate_hz,
        channels=t.channels,
        asr_text=t.asr_text,
        predicted_intent=t.predicted_intent,
        predicted_slots=tuple(Slot(s.type, s.start_word, s.end_word) for s in t.predicted_slots),
        position=position,
        title=f"{title} · {who}" if who else title,
    )


def _note(c: Change) -> ReviewNote:
    p = c.payload
    return ReviewNote(
        task_id=c.task_id,
        outcome=str(p.get("outcome", "")),
        reason=str(p.get("reason", "")),
        reason_title=str(p.get("reason_title", "")),
        comment=str(p.get("comment", "")),
        start_s=p.get("start_s"),
        end_s=p.get("end_s"),
        submission=int(p.get("submission", 0)),
    )
