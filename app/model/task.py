"""A recording in a local work queue, as read from a folder or a JSONL manifest."""

from __future__ import annotations

from dataclasses import dataclass

from app.model.annotation import Annotation, Flag, Segment, initial_annotation
from app.model.slots import Slot


@dataclass(frozen=True, slots=True)
class Task:
    id: str
    audio_path: str
    duration_s: float
    sample_rate_hz: int
    channels: int
    asr_text: str = ""
    predicted_intent: str | None = None
    predicted_slots: tuple[Slot, ...] = ()
    position: int = 0
    title: str = ""  # a server's name for the item; local items go by their file name
    # segments and flags a file brought (a TextGrid's tier, a Label Studio annotation): the
    # annotation starts from them instead of one segment holding the hypothesis
    prefill: tuple[Segment, ...] = ()
    prefill_flags: frozenset[Flag] = frozenset()

    @property
    def name(self) -> str:
        return self.title or self.audio_path.rsplit("/", 1)[-1]


def fresh_annotation(task: Task) -> Annotation:
    """Where the annotator starts on a task: what its file brought, or its hypothesis."""
    return initial_annotation(
        task.duration_s,
        task.asr_text,
        task.predicted_intent,
        task.predicted_slots,
        task.prefill,
        task.prefill_flags,
    )
