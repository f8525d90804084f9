"""What both sync engines do alike, and what the window needs of either.

An engine runs one pass at a time on a worker (`sync_once`): it sends what the local store
holds for the server, reads the changes feed to its end a page at a time (each page applied
with its cursor in one local transaction), leases what its queue needs and fetches the audio.
It never raises for the network: the pass's `SyncStatus` says what happened, and carries what
the window shows afterwards (the queue, review notes, conflicts, review items and decisions),
read here on the worker so that the GUI thread never waits on the store.
"""

from __future__ import annotations

import hashlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from app.audio.vault import SUFFIX, opens_with, seal
from app.model.annotation import Annotation, Flag, segments_from_json
from app.model.slots import Slot
from app.model.task import Task
from app.protocol import ChangesPage, TaskOut
from app.workstation.store.db import Store
from app.workstation.store.sync_tables import Decision, ReviewItem, ReviewNote
from app.workstation.sync.client import Busy, Client, Offline, SessionExpired, SyncError

log = logging.getLogger(__name__)
LEASE_COUNT = 20  # open items a workstation holds (annotation) or reviews ahead (review)
BACKOFF_MIN_S = 2.0
BACKOFF_MAX_S = 60.0


@dataclass
class SyncStatus:
    online: bool = False
    pending: int = 0
    conflicts: int = 0
    message: str = ""
    session_ended: bool = False  # signed out elsewhere, or expired: the window locks
    pushed: int = 0
    assigned: int = 0
    removed: list[str] = field(default_factory=list)
    reviewed: list[str] = field(default_factory=list)  # items a reviewer decided on, just now
    # read after the pass, for the window
    tasks: list[Task] | None = None  # the queue, when the pass changed it
    annotations: dict[str, tuple[int, Annotation]] = field(default_factory=dict)  # it wrote
    notes: dict[str, ReviewNote] = field(default_factory=dict)
    conflict_docs: dict[str, dict[str, Any]] = field(default_factory=dict)
    items: dict[str, ReviewItem] = field(default_factory=dict)  # review mode
    decisions: dict[str, Decision] = field(default_factory=dict)  # review mode


class Engine(Protocol):
    """What the window needs of a sync engine."""

    audio_dir: Path
    backoff_s: float

    def sync_once(self) -> SyncStatus: ...


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


class EngineBase(ABC):
    """The parts both engines share; each says what its pass does and what it reports."""

    def __init__(
        self, store: Store, client: Client, project_id: str, audio_dir: Path, key: bytes
    ) -> None:
        self.store, self.client, self.project_id = store, client, project_id
        self.audio_dir = audio_dir
        self.audio = SealedAudio(client, key)
        audio_dir.mkdir(parents=True, exist_ok=True)
        self.backoff_s = 0.0

    def audio_path(self, name: str) -> Path:
        return self.audio_dir / f"{name}{SUFFIX}"

    def sync_once(self) -> SyncStatus:
        """One pass; never raises for the network: the status says what happened."""
        status = SyncStatus()
        try:
            self._pass(status)
            status.online = True
            self.backoff_s = 0.0
        except Busy as exc:
            status.online, status.message = True, str(exc)
            self.backoff_s = max(exc.retry_after_s, self._next_backoff())
        except SyncError as exc:
            status.online, status.message = not isinstance(exc, Offline), str(exc)
            status.session_ended = isinstance(exc, SessionExpired)
            self.backoff_s = self._next_backoff()
        self._report(status)
        return status

    def _next_backoff(self) -> float:
        return min(BACKOFF_MAX_S, max(BACKOFF_MIN_S, self.backoff_s * 2))

    def read_feed(self, since: int, apply: Callable[[ChangesPage], None]) -> None:
        """The changes feed from `since` to its end; `apply` stores each page with its cursor."""
        while True:
            page = self.client.changes(since)
            apply(page)
            since = page.next_since
            if not page.more:
                return

    @abstractmethod
    def _pass(self, status: SyncStatus) -> None:
        """Send, read the feed, lease, fetch: raises SyncError when it cannot go on."""

    @abstractmethod
    def _report(self, status: SyncStatus) -> None:
        """Fill in what the window shows after the pass, from the local store."""


def task_from(t: TaskOut, local_id: str, audio: Path, who: str = "") -> Task:
    """A queue entry for a server's task, in item order; named by its number, with whose work
    it is (review)."""
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
        position=t.number,
        title=f"{title} · {who}" if who else title,
        prefill=segments_from_json([s.model_dump() for s in t.prefill.segments])
        if t.prefill
        else (),
        prefill_flags=frozenset(Flag(f) for f in t.prefill.flags) if t.prefill else frozenset(),
        muted=tuple((s.start_s, s.end_s, s.kind) for s in t.muted),
    )
