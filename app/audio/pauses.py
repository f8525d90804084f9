"""Segments from pauses: speech between silences, found in the waveform's own peak data (the
base level of the pyramid: one min/max pair per 256 samples), so an 8-hour recording takes one
vectorised pass over data already in memory, not a decode.

The threshold is relative to the recording's own level: `threshold_db` below its loud part (the
95th percentile of block peaks), and never less than 6 dB over its floor (the 10th percentile),
so steady noise is not taken for speech.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile as sf

from app.audio.load import AudioInfo, decoder_quiet
from app.audio.peaks import BASE_BLOCK, pairs
from app.model.annotation import Segment

F32 = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class PauseSettings:
    threshold_db: float = -30.0  # below the recording's loud part
    min_pause_s: float = 0.30  # a shorter silence is inside a segment
    min_segment_s: float = 0.20  # a shorter burst is noise, not a segment
    padding_s: float = 0.05  # kept on each side of the speech


DEFAULTS = PauseSettings()


def speech_spans(
    mins: F32,
    maxs: F32,
    block: int,
    rate: int,
    settings: PauseSettings = DEFAULTS,
    start_s: float = 0.0,
    end_s: float | None = None,
) -> list[tuple[float, float]]:
    """Speech between pauses in [start_s, end_s), as (start, end) seconds, in time order."""
    n = len(mins)
    per_s = rate / block
    i0 = max(0, int(start_s * per_s))
    i1 = n if end_s is None else min(n, math.ceil(end_s * per_s))
    if i1 <= i0:
        return []
    peak = np.maximum(np.abs(mins[i0:i1]), np.abs(maxs[i0:i1]))
    db = 20.0 * np.log10(peak.astype(np.float64) + 1e-9)
    sample = db[:: max(1, len(db) // 200_000)]  # the level of hours, from a fixed-size sample
    loud, floor = np.percentile(sample, 95), np.percentile(sample, 10)
    threshold = max(loud + settings.threshold_db, floor + 6.0)
    voiced = db > threshold
    if not voiced.any():
        return []
    edges = np.flatnonzero(np.diff(np.concatenate(([0], voiced.astype(np.int8), [0]))))
    starts, ends = edges[::2], edges[1::2]  # block indices, end exclusive
    if len(starts) > 1:  # a silence shorter than a pause joins its neighbours
        joined = (starts[1:] - ends[:-1]) >= settings.min_pause_s * per_s
        starts = np.concatenate((starts[:1], starts[1:][joined]))
        ends = np.concatenate((ends[:-1][joined], ends[-1:]))
    long_enough = (ends - starts) >= settings.min_segment_s * per_s
    starts, ends = starts[long_enough], ends[long_enough]
    lo = i0 / per_s if start_s is None else max(start_s, i0 / per_s)
    hi = i1 / per_s if end_s is None else min(end_s, i1 / per_s)
    out: list[tuple[float, float]] = []
    for a, b in zip(starts, ends, strict=True):
        s = max(lo, (i0 + a) / per_s - settings.padding_s)
        e = min(hi, (i0 + b) / per_s + settings.padding_s)
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def peaks_of_file(path: Path) -> tuple[F32, F32, int]:
    """The waveform's base peak data of a recording on disk (the mix of its channels), made in
    one streaming pass in bounded memory: mins, maxs, and the sample rate."""
    info = sf.info(str(path))
    mins: list[F32] = [np.zeros(0, dtype=np.float32)]
    maxs: list[F32] = [np.zeros(0, dtype=np.float32)]
    quiet = AudioInfo(path, info.samplerate, info.channels, info.frames, info.format, "")
    with decoder_quiet(quiet):
        for chunk in sf.blocks(
            str(path), blocksize=BASE_BLOCK * 4096, dtype="float32", always_2d=True
        ):
            lo, hi = pairs(chunk.mean(axis=1, dtype=np.float32))
            mins.append(lo)
            maxs.append(hi)
    return np.concatenate(mins), np.concatenate(maxs), info.samplerate


def segments_of_file(path: Path, settings: PauseSettings = DEFAULTS) -> tuple[Segment, ...]:
    """Speech between pauses in a recording on disk, as empty segments, for import: from the
    same peak data the waveform draws, so the segments the window would propose."""
    mins, maxs, rate = peaks_of_file(path)
    spans = speech_spans(mins, maxs, BASE_BLOCK, rate, settings) if len(mins) else []
    return tuple(Segment(a, b) for a, b in spans)
