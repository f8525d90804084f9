import sqlite3
from pathlib import Path

import pytest

from app.model.annotation import Annotation, Segment
from app.model.slots import Slot
from app.model.task import Task
from app.workstation.store.db import SessionState, Store


def outbox_count(store: Store) -> int:
    """Items with a revision not yet sent (local projects never send: every edited item)."""
    return int(store.rows("SELECT count(*) FROM outbox")[0][0])


def task(n: int = 0) -> Task:
    return Task(
        f"t{n}", f"/a/{n}.wav", 2.0, 16000, 1, "hello", "general_joke", (Slot("x", 0, 1),), n
    )


def test_durability_settings(tmp_path: Path) -> None:
    s = Store(tmp_path / "s.db")
    assert s._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert s._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_annotation_and_outbox_in_one_transaction(tmp_path: Path) -> None:
    s = Store(tmp_path / "s.db")
    s.upsert_tasks([task()])
    a = Annotation((Segment(0, 2, "hi"),), intent="general_joke")
    s.save_annotation("t0", 1, a, SessionState("t0", 0, 1.25))
    s.save_annotation("t0", 2, Annotation((Segment(0, 2, "hi there"),)))
    assert s.annotation("t0") == (2, Annotation((Segment(0, 2, "hi there"),)))
    assert outbox_count(s) == 1  # one item to send, at its newest revision
    assert s._db.execute("SELECT rev FROM outbox").fetchall() == [(2,)]
    assert s.session() == SessionState("t0", 0, 1.25)
    # An older revision arriving late never overwrites a newer one.
    s.save_annotation("t0", 1, a)
    assert s.annotation("t0") is not None and s.annotation("t0")[0] == 2  # type: ignore[index]


def test_tasks_round_trip_and_reimport_is_idempotent(tmp_path: Path) -> None:
    s = Store(tmp_path / "s.db")
    s.upsert_tasks([task(0), task(1)])
    s.upsert_tasks([task(0), task(1)])
    assert s.tasks() == [task(0), task(1)]


def test_a_failed_write_rolls_back_both_rows(tmp_path: Path) -> None:
    s = Store(tmp_path / "s.db")
    s.upsert_tasks([task()])
    s._db.execute("CREATE TRIGGER boom BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'x'); END")
    with pytest.raises(sqlite3.DatabaseError):
        s.save_annotation("t0", 1, Annotation((Segment(0, 2, "lost"),)))
    assert s.annotation("t0") is None


def test_muted_stretches_and_personal_spans_are_kept(tmp_path: Path) -> None:
    """What a muting project's server said about a recording, and spans a person confirmed."""
    from dataclasses import replace

    s = Store(tmp_path / "s.db")
    muted = replace(task(0), asr_text="call [phone] now", muted=((0.4, 1.6, "phone"),))
    s.upsert_tasks([muted])
    assert s.tasks() == [muted]
    said = Annotation(
        (Segment(0, 2, "call five five five one two three four", (), (Slot("phone", 1, 8),)),)
    )
    s.save_annotation("t0", 1, said)
    assert s.annotation("t0") == (1, said)
