"""A recording in a local work queue, as read from a folder or a JSONL manifest."""

from __future__ import annotations

from dataclasses import dataclass

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

    @property
    def name(self) -> str:
        return self.title or self.audio_path.rsplit("/", 1)[-1]
