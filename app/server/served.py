"""The recording annotators and reviewers hear, where a project changes it: the speaker's voice
disguised (app/audio/disguise.py, alpha drawn per recording from the project's range) and the
personal data its hypothesis says covered by a tone (app/server/muting.py). Made once, at
import, block by block (memory bounded by the block, for recordings of any length), written as
WAV in the original's sample format where WAV holds it. Length and timing stay: segments, word
times and muted stretches are valid in it. The original is kept sealed beside it, served to
nobody (app/server/storage.py).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from app.audio.redact import Stretch, cover, wav_subtype

BLOCK_S = 10.0
ALPHA_MIN, ALPHA_MAX = 0.3, 1.5  # beyond these the voice is no longer speech-like
DEFAULT_RANGE = (0.5, 0.9)  # the VoicePrivacy Challenge's own


@dataclass(frozen=True, slots=True)
class Voice:
    """A project's voice disguise: alpha drawn uniformly from [low, high] per recording."""

    low: float
    high: float

    def draw(self) -> float:
        return self.low + (self.high - self.low) * secrets.SystemRandom().random()

    def to_json(self) -> dict[str, float]:
        return {"low": self.low, "high": self.high}


def voice_of(setting: dict[str, Any] | None) -> Voice | None:
    return None if not setting else Voice(float(setting["low"]), float(setting["high"]))


def voice_range(text: str) -> Voice:
    """`LOW-HIGH` (or one value) as a command takes it; ValueError says what is wrong."""
    parts = text.split("-")
    try:
        low, high = (float(parts[0]), float(parts[-1])) if len(parts) <= 2 else (0.0, -1.0)
    except ValueError:
        low, high = 0.0, -1.0
    if not (ALPHA_MIN <= low <= high <= ALPHA_MAX) or not np.isfinite([low, high]).all():
        raise ValueError(
            f"a range of McAdams coefficients LOW-HIGH between {ALPHA_MIN} and {ALPHA_MAX}, such"
            f" as {DEFAULT_RANGE[0]}-{DEFAULT_RANGE[1]}, not {text!r}"
        )
    return Voice(low, high)


def served_copy(
    source: Path, target: Path, alpha: float | None, stretches: Sequence[Stretch]
) -> None:
    """`source` as annotators will hear it, into the new file `target`."""
    from app.audio.disguise import Disguiser  # scipy: imported by the projects that disguise

    with sf.SoundFile(str(source)) as f:
        rate, channels = f.samplerate, f.channels
        voices = [Disguiser(rate, alpha) for _ in range(channels)] if alpha is not None else []
        done = 0
        with sf.SoundFile(
            str(target), "w", rate, channels, subtype=wav_subtype(f.subtype), format="WAV"
        ) as out:

            def write(block: np.ndarray) -> None:
                nonlocal done
                out.write(cover(block, rate, stretches, tone=True, first=done))
                done += len(block)

            for block in f.blocks(int(BLOCK_S * rate), dtype="float32", always_2d=True):
                if voices:
                    block = np.stack([v.push(block[:, c]) for c, v in enumerate(voices)], axis=1)
                write(block)
            if voices:
                write(np.stack([v.finish() for v in voices], axis=1))
