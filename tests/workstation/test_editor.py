from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.model import annotation as ops
from app.model.annotation import Status
from app.model.task import Task
from app.workstation.editor import COALESCE_S, IDLE_AFTER_S, Editor, InlineRunner
from app.workstation.store.db import Store


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


class DeferredRunner:
    """Holds writes until flushed, to see what the editor shows before a commit."""

    def __init__(self) -> None:
        self.queue: list[Callable[[], None]] = []

    def write(
        self,
        work: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_fail: Callable[[BaseException], None],
    ) -> None:
        def run() -> None:
            try:
                r = work()
            except Exception as exc:
                on_fail(exc)
            else:
                on_done(r)

        self.queue.append(run)

    def flush(self) -> None:
        while self.queue:
            self.queue.pop(0)()


def make(tmp_path: Path, runner: Any = None, n: int = 3) -> tuple[Editor, Clock]:
    store = Store(tmp_path / "s.db")
    store.upsert_tasks(
        [
            Task(
                f"t{k}",
                f"/x/{k}.wav",
                3.0,
                16000,
                1,
                "turn of the lights",
                "iot_hue_lightoff",
                (),
                k,
            )
            for k in range(n)
        ]
    )
    clock = Clock()
    e = Editor(store, runner or InlineRunner(), clock)
    e.resume()
    return e, clock


def test_prefilled_from_asr_and_prediction(tmp_path: Path) -> None:
    e, _ = make(tmp_path)
    assert e.annotation is not None
    assert e.annotation.transcript == "turn of the lights"
    assert e.annotation.intent == "iot_hue_lightoff"


def test_undo_redo_every_edit(tmp_path: Path) -> None:
    e, clock = make(tmp_path)
    e.apply("Intent", ops.set_intent, "iot_hue_lighton")
    clock.t += 5
    e.apply("Split", ops.split_segment, 1.0, 4)
    assert len(e.annotation.segments) == 2  # type: ignore[union-attr]
    assert e.undo() == "Split"
    assert len(e.annotation.segments) == 1  # type: ignore[union-attr]
    assert e.undo() == "Intent"
    assert e.annotation.intent == "iot_hue_lightoff"  # type: ignore[union-attr]
    assert e.undo() is None
    assert e.redo() == "Intent" and e.redo() == "Split"
    assert e.store.annotation("t0")[1] == e.annotation  # type: ignore[index]


def test_typing_coalesces_into_one_undo_step(tmp_path: Path) -> None:
    e, clock = make(tmp_path)
    key = ("text", 0, 0)
    for text in ("turn o", "turn of", "turn off"):
        clock.t += 0.2
        e.apply("Typing", ops.set_text, 0, text, coalesce_key=key)
    clock.t += COALESCE_S + 1
    e.apply("Typing", ops.set_text, 0, "turn off the", coalesce_key=key)
    e.undo()
    assert e.annotation.segments[0].text == "turn off"  # type: ignore[union-attr]
    e.undo()
    assert e.annotation.segments[0].text == "turn of the lights"  # type: ignore[union-attr]


def test_saved_is_shown_only_after_the_commit(tmp_path: Path) -> None:
    runner = DeferredRunner()
    e, _ = make(tmp_path, runner)
    runner.flush()
    e.apply("Intent", ops.set_intent, "iot_hue_lighton")
    assert not e.is_saved
    assert e.store.annotation("t0") is None
    runner.flush()
    assert e.is_saved
    assert e.store.annotation("t0")[1].intent == "iot_hue_lighton"  # type: ignore[index]


def test_a_failed_save_is_reported_and_not_shown_saved(tmp_path: Path) -> None:
    e, _ = make(tmp_path)
    errors: list[str] = []
    e.error.append(errors.append)
    e.store._db.execute(
        "CREATE TRIGGER full BEFORE INSERT ON outbox"
        " BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END"
    )
    e.apply("Intent", ops.set_intent, "iot_hue_lighton")
    assert not e.is_saved and "disk is full" in e.save_error.lower()
    assert errors
    e.store._db.execute("DROP TRIGGER full")
    e.retry_save()
    assert e.is_saved
    assert e.annotation.intent == "iot_hue_lighton"  # type: ignore[union-attr]  # nothing lost


def test_edit_errors_are_messages_not_exceptions(tmp_path: Path) -> None:
    e, _ = make(tmp_path)
    errors: list[str] = []
    e.error.append(errors.append)
    assert not e.apply("Delete", ops.delete_segment, 0)
    assert errors and "at least one segment" in errors[0]


def test_submit_blocks_on_problems_then_moves_on(tmp_path: Path) -> None:
    e, _ = make(tmp_path)
    errors: list[str] = []
    e.error.append(errors.append)
    assert not e.submit_and_next(lambda a: ["Unknown tag [dog]."])
    assert "Not submitted" in errors[0] and e.index == 0
    assert e.submit_and_next(lambda a: [])
    assert e.index == 1
    assert e.statuses() == {"t0": Status.SUBMITTED}
    e.skip_and_next("No speech")
    assert e.index == 2 and e.statuses()["t1"] == Status.SKIPPED


def test_time_spent_counts_activity_not_idle(tmp_path: Path) -> None:
    e, clock = make(tmp_path)
    e.note_activity()
    clock.t += 10
    e.note_activity()
    clock.t += IDLE_AFTER_S + 100  # lunch
    e.note_activity()
    clock.t += 5
    e.note_activity()
    e.apply("Intent", ops.set_intent, "iot_hue_lighton")
    assert e.annotation.active_ms == pytest.approx(15_000, abs=5)  # type: ignore[union-attr]
    e.undo()
    assert e.annotation.active_ms >= 15_000  # type: ignore[union-attr]  # undo never erases work time


def test_reopening_returns_to_the_same_place(tmp_path: Path) -> None:
    e, _ = make(tmp_path)
    e.open_task(2)
    e.apply("Split", ops.split_segment, 1.5, None)
    e.select_segment(1)
    e.playhead_s = 2.25
    e.view = (1.0, 2.5)
    e.save_session()
    e.store.close()
    again = Editor(Store(tmp_path / "s.db"), InlineRunner())
    again.resume()
    assert (again.index, again.segment, again.playhead_s) == (2, 1, 2.25)
    assert again.view == (1.0, 2.5)
    assert again.annotation == e.annotation
