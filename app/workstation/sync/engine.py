"""An annotator's sync pass: push the outbox, lease what the queue lacks, read the feed, fetch
the audio of leased items.

Every edit already sits in the local store with its outbox row (app/workstation/store/db.py), so
a pass can fail anywhere and the next one picks up where it stopped: puts are idempotent on the
client-made UUID, and the feed's cursor moves only with the page it covers.
"""

from __future__ import annotations

import logging
import time
import uuid
from pathlib import Path

from pydantic import ValidationError

from app.model.annotation import Status
from app.protocol import AnnotationDoc, AnnotationPut, BatchPut, Change, ChangesPage, TaskOut
from app.workstation.store.db import Store
from app.workstation.store.sync_tables import ReviewNote, SyncTables
from app.workstation.sync.base import LEASE_COUNT, EngineBase, SyncStatus, task_from
from app.workstation.sync.client import Client

log = logging.getLogger(__name__)
BATCH = 500
RENEW_EVERY_S = 300.0  # leases are renewed this often even when the queue is full
CLOSED = (Status.SUBMITTED.value, Status.SKIPPED.value)
__all__ = ["BATCH", "LEASE_COUNT", "RENEW_EVERY_S", "SyncEngine"]


class SyncEngine(EngineBase):
    def __init__(
        self, store: Store, client: Client, project_id: str, audio_dir: Path, key: bytes
    ) -> None:
        super().__init__(store, client, project_id, audio_dir, key)
        self.tables = SyncTables(store)
        # what the last lease answer held, less what was submitted or skipped since: a pass
        # asks for more only when this runs short (or the leases need renewing)
        self._open: set[str] = set()
        self._leased_at = float("-inf")
        self.unsendable: set[str] = set()  # items whose document the protocol refuses
        self.refused: set[str] = set()  # items the server no longer takes from this annotator

    def _pass(self, status: SyncStatus) -> None:
        status.pushed, _ = self.push()
        status.assigned, status.removed, status.reviewed = self.pull()

    def _report(self, status: SyncStatus) -> None:
        said = [status.message] if status.message else []
        if self.unsendable:
            said.append(
                f"{len(self.unsendable)} item(s) cannot be sent: their annotation does not fit "
                "what the server accepts (the log says why); they are kept here."
            )
        if self.refused:
            said.append(
                f"The server no longer takes {len(self.refused)} item(s) from you (their lease "
                "went to someone else); your work on them is kept here."
            )
        status.message = " ".join(said)
        conflicts = self.tables.conflicts()
        status.pending = len(self.tables.pending())
        status.conflicts, status.conflict_docs = len(conflicts), conflicts
        status.notes = self.tables.review_notes()
        if status.assigned or status.removed:
            status.tasks = self.store.tasks()

    def push(self) -> tuple[int, int]:
        """(acknowledged, conflicts) after sending the outbox, BATCH at a time."""
        pending = self.tables.pending()
        acked = conflicts = 0
        for k in range(0, len(pending), BATCH):
            chunk = pending[k : k + BATCH]
            items = {}
            for p in chunk:
                try:
                    doc = AnnotationDoc.model_validate(p.doc)
                except ValidationError as exc:  # kept here; the server would refuse it anyway
                    log.error("annotation of %s does not fit the protocol: %s", p.task_id, exc)
                    self.unsendable.add(p.task_id)
                    continue
                items[p.annotation_id] = AnnotationPut(
                    task_id=p.task_id, base_version=p.server_version, doc=doc
                )
            if not items:
                continue
            batch = BatchPut(items=items)
            result = self.client.put_batch(batch)
            by_ann = {p.annotation_id: p for p in chunk}
            self.tables.pushed(
                [(by_ann[a].task_id, by_ann[a].rev, v) for a, v in result.stored.items()]
            )
            for a, server in result.conflicts.items():
                self.tables.conflicted(by_ann[a].task_id, server.version, server.doc, server.id)
            for a, reason in result.refused.items():
                log.warning("server refused annotation of %s: %s", by_ann[a].task_id, reason)
                self.refused.add(by_ann[a].task_id)
            self.tables.withdrawn([by_ann[a].task_id for a in result.refused])
            acked += len(result.stored)
            conflicts += len(result.conflicts)
            self._open -= {
                by_ann[a].task_id for a in result.stored if by_ann[a].doc.get("status") in CLOSED
            }
        return acked, conflicts

    def _needs_lease(self) -> bool:
        full = len(self._open) >= LEASE_COUNT
        return not full or time.monotonic() - self._leased_at > RENEW_EVERY_S

    def pull(self) -> tuple[int, list[str], list[str]]:
        """(items assigned, items removed, items reviewed): the lease topped up when the queue
        runs short (and renewed now and then), then the feed to its end."""
        leased: list[TaskOut] = []
        if self._needs_lease():
            leased = self.client.lease(self.project_id, LEASE_COUNT)
            self._open = {t.id for t in leased}
            self._leased_at = time.monotonic()
        for t in leased:
            self.audio.fetch(t, self.audio_path(t.id))
        known = self.tables.remote_ids()
        fresh = [t for t in leased if t.id not in known]
        tasks = [task_from(t, t.id, self.audio_path(t.id)) for t in leased]
        new_ids = {t.id: str(uuid.uuid4()) for t in leased}
        removed: list[str] = []
        reviewed: list[str] = []

        def apply(page: ChangesPage) -> None:
            nonlocal tasks
            purge = [c.task_id for c in page.changes if c.kind == "deleted"]
            drop = [c.task_id for c in page.changes if c.kind == "revoked"]
            notes = [_note(c) for c in page.changes if c.kind == "review"]
            self.tables.apply_page(tasks, purge, drop, new_ids, page.next_since, notes)
            tasks = []  # the leased tasks go in with the first page
            for task_id in purge:
                self.audio.forget(self.audio_path(task_id))
            removed.extend(purge + drop)
            reviewed.extend(n.task_id for n in notes)
            self._open -= set(purge + drop)

        self.read_feed(self.tables.cursor(), apply)
        if removed:
            self.store.wipe_freed()
        return len(fresh), removed, reviewed


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
