"""A recording in a local work queue, as read from a folder or a JSONL manifest."""

from __future__ import annotations

from dataclasses import dataclass

from app.model.annotation import Annotation, Flag, Segment, fill_empty, initial_annotation
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
    # a draft made on this workstation for a recording that came without a hypothesis
    draft: tuple[Segment, ...] = ()
    draft_by: str = ""  # the recogniser that made it
    # (start_s, end_s, kind) covered by a tone in the audio a muting project served
    muted: tuple[tuple[float, float, str], ...] = ()

    @property
    def name(self) -> str:
        return self.title or self.audio_path.rsplit("/", 1)[-1]

    @property
    def draft_text(self) -> str:
        return " ".join(s.text for s in self.draft if s.text)

    @property
    def hypothesis(self) -> str:
        """What to compare the transcript with: the hypothesis it came with, or the draft."""
        return self.asr_text or self.draft_text


def fresh_annotation(task: Task) -> Annotation:
    """Where the annotator starts on a task: what its file brought, or its hypothesis; failing
    both, the draft."""
    prefill = task.prefill
    if not task.asr_text and task.draft and prefill:
        prefill = fill_empty(prefill, task.draft)
    return initial_annotation(
        task.duration_s,
        task.hypothesis,
        task.predicted_intent,
        task.predicted_slots,
        prefill,
        task.prefill_flags,
    )
