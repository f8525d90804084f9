"""Personal data taken out of a recording: the stretches where spans of words are said, from
the word alignment (app/audio/align.py) and padded, silenced or covered by a soft tone.

Qt-free, for the server: a redacted export writes recordings this way, and a project that
mutes spoken data serves its recordings this way from import on. Length and timing never
change, so segments and word times stay valid.

A span is covered by its words' times only when every word of it was placed; otherwise its
times would be a guess, and the caller decides: an export covers the span's whole segment
(and says so), an import mutes nothing for that recording (and says so).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.model.words import SegmentWords

PAD_S = 0.12  # before and after a span's words: a word's edges are never exactly where aligned
TONE_HZ = 1000.0
TONE_LEVEL = 0.05  # about -26 dBFS: heard as a beep, never loud
RAMP_S = 0.01  # the tone fades in and out over 10 ms: no click


@dataclass(frozen=True, slots=True)
class Stretch:
    start_s: float
    end_s: float
    kind: str
    timed: bool = True  # False: the span's words had no times; this is its whole segment


def span_stretch(
    words: SegmentWords | None,
    start_word: int,
    end_word: int,
    kind: str,
    seg: tuple[float, float],
    pad_s: float = PAD_S,
) -> Stretch:
    """Where words [start_word, end_word) are said, padded and kept inside the segment `seg`;
    the whole segment, untimed, when any of them has no time."""
    placed = [] if words is None else [words.word(k) for k in range(start_word, end_word)]
    if not placed or any(w is None or not w.has_time for w in placed):
        return Stretch(seg[0], seg[1], kind, timed=False)
    first, last = placed[0], placed[-1]
    assert first is not None and last is not None
    return Stretch(max(seg[0], first.start_s - pad_s), min(seg[1], last.end_s + pad_s), kind)


def merged(stretches: Iterable[Stretch]) -> list[Stretch]:
    """In time order, overlapping ones joined (the first one's kind)."""
    out: list[Stretch] = []
    for s in sorted(stretches, key=lambda s: s.start_s):
        if out and s.start_s <= out[-1].end_s:
            last = out[-1]
            out[-1] = Stretch(
                last.start_s, max(last.end_s, s.end_s), last.kind, last.timed and s.timed
            )
        else:
            out.append(s)
    return out


def cover(
    samples: npt.NDArray[np.floating],
    rate_hz: int,
    stretches: Sequence[Stretch],
    tone: bool,
    first: int = 0,
) -> npt.NDArray[np.float32]:
    """A copy of `samples` (frames, or frames x channels; its first frame is frame `first` of
    the recording, for a recording covered block by block) with each stretch silent, or a soft
    tone in every channel; every other sample as it was."""
    out = np.array(samples, dtype=np.float32, copy=True)
    n = len(out)
    for s in stretches:
        lo = int(np.floor(s.start_s * rate_hz))  # in the recording
        hi = int(np.ceil(s.end_s * rate_hz))
        a, b = max(0, min(n, lo - first)), max(0, min(n, hi - first))
        if b <= a:
            continue
        if not tone:
            out[a:b] = 0.0
            continue
        k = np.arange(first + a, first + b)  # the frames' places: one tone across blocks
        beep = TONE_LEVEL * np.sin(2 * np.pi * TONE_HZ * k / rate_hz)
        ramp = max(1, int(RAMP_S * rate_hz))
        envelope = np.minimum(1.0, np.minimum(k - lo + 1, hi - k) / ramp)
        wave = (beep * envelope).astype(np.float32)
        out[a:b] = wave[:, None] if out.ndim == 2 else wave
    return out


def wav_subtype(subtype: str) -> str:
    """The sample format to write a covered copy in: the original's where WAV holds it (every
    unchanged sample then stays exactly as it was), else 16-bit PCM."""
    import soundfile as sf

    return subtype if subtype in sf.available_subtypes("WAV") else "PCM_16"
