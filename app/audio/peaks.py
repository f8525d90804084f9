"""Min/max peak pyramid: the waveform of any length without handing raw samples to the plot."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

BASE_BLOCK = 256
FACTOR = 4

F32 = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class PeakLevel:
    block: int  # samples per min/max pair
    mins: F32
    maxs: F32


@dataclass(frozen=True, slots=True)
class Pyramid:
    levels: tuple[PeakLevel, ...]
    frames: int


def compute_pyramid(mono: F32) -> Pyramid:
    """One pass over the samples for the base level; coarser levels from the level below."""
    n = len(mono)
    full = n // BASE_BLOCK
    mins = np.empty(full + (n % BASE_BLOCK > 0), dtype=np.float32)
    maxs = np.empty_like(mins)
    if full:
        body = mono[: full * BASE_BLOCK].reshape(full, BASE_BLOCK)
        mins[:full] = body.min(axis=1)
        maxs[:full] = body.max(axis=1)
    if n % BASE_BLOCK:
        mins[-1] = mono[full * BASE_BLOCK :].min()
        maxs[-1] = mono[full * BASE_BLOCK :].max()
    levels = [PeakLevel(BASE_BLOCK, mins, maxs)]
    while len(levels[-1].mins) > 1:
        lo, hi = levels[-1].mins, levels[-1].maxs
        pad = (-len(lo)) % FACTOR
        if pad:
            lo = np.concatenate([lo, np.repeat(lo[-1:], pad)])
            hi = np.concatenate([hi, np.repeat(hi[-1:], pad)])
        levels.append(
            PeakLevel(
                levels[-1].block * FACTOR,
                lo.reshape(-1, FACTOR).min(axis=1),
                hi.reshape(-1, FACTOR).max(axis=1),
            )
        )
    return Pyramid(tuple(levels), n)


def envelope(
    mono: F32, pyramid: Pyramid, start: int, stop: int, pixels: int
) -> tuple[npt.NDArray[np.float64], F32, F32]:
    """x (sample index), min and max per column for samples [start, stop) at about `pixels` columns.

    Picks the coarsest level whose block is at most the samples per pixel; below the base level
    the window's raw samples are used.
    """
    start, stop = max(0, start), min(pyramid.frames, stop)
    if stop <= start or pixels <= 0:
        empty = np.zeros(0, dtype=np.float32)
        return np.zeros(0), empty, empty
    spp = (stop - start) / pixels
    level = None
    for lv in pyramid.levels:
        if lv.block <= spp:
            level = lv
    if level is None:
        step = max(1, int(spp))
        raw = mono[start:stop]
        cols = len(raw) // step
        if cols == 0:
            return np.array([start], dtype=np.float64), raw[:1], raw[:1]
        body = raw[: cols * step].reshape(cols, step)
        x = start + np.arange(cols, dtype=np.float64) * step
        return x, body.min(axis=1), body.max(axis=1)
    i0, i1 = start // level.block, -(-stop // level.block)
    x = np.arange(i0, i1, dtype=np.float64) * level.block
    return x, level.mins[i0:i1], level.maxs[i0:i1]
