"""A recording ready to show and play: mono samples and their peak pyramid."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from app.audio.load import load
from app.audio.peaks import Pyramid, compute_pyramid


@dataclass(frozen=True, slots=True)
class Clip:
    path: str
    mono: npt.NDArray[np.float32]
    pyramid: Pyramid
    sample_rate_hz: int

    @property
    def duration_s(self) -> float:
        return len(self.mono) / self.sample_rate_hz


def prepare_clip(path: str) -> Clip:
    """Decode, validate and build the pyramid: runs off the GUI thread."""
    audio = load(Path(path))
    mono = np.ascontiguousarray(audio.mono())
    return Clip(path, mono, compute_pyramid(mono), audio.info.sample_rate_hz)


class ClipCache:
    """The few most recent clips, so the next item is ready when the annotator submits."""

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self._clips: OrderedDict[str, Clip] = OrderedDict()

    def get(self, path: str) -> Clip | None:
        clip = self._clips.get(path)
        if clip is not None:
            self._clips.move_to_end(path)
        return clip

    def put(self, clip: Clip) -> None:
        self._clips[clip.path] = clip
        self._clips.move_to_end(clip.path)
        while len(self._clips) > self.size:
            self._clips.popitem(last=False)
