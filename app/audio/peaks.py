"""Min/max peak pyramid: the waveform of any length without handing raw samples to the plot.

Built in one streaming pass (readable while it builds), and cached on disk under the SHA-256 of
the file's bytes, so a second opening costs a small file read whatever the recording's length.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

BASE_BLOCK = 256
FACTOR = 4
STREAM_BLOCK_FRAMES = 1 << 20

F32 = npt.NDArray[np.float32]
Reader = Callable[[int, int], F32]


@dataclass(frozen=True, slots=True)
class PeakLevel:
    block: int  # samples per min/max pair
    mins: F32
    maxs: F32


@dataclass(frozen=True, slots=True)
class Pyramid:
    levels: tuple[PeakLevel, ...]
    frames: int  # frames covered (less than the file's while building)


def pairs(block: F32) -> tuple[F32, F32]:
    full = len(block) // BASE_BLOCK
    mins = np.empty(full + (len(block) % BASE_BLOCK > 0), dtype=np.float32)
    maxs = np.empty_like(mins)
    if full:
        body = block[: full * BASE_BLOCK].reshape(full, BASE_BLOCK)
        mins[:full] = body.min(axis=1)
        maxs[:full] = body.max(axis=1)
    if len(block) % BASE_BLOCK:
        tail = block[full * BASE_BLOCK :]
        mins[-1], maxs[-1] = tail.min(), tail.max()
    return mins, maxs


def pyramid_from_base(mins: F32, maxs: F32, frames: int) -> Pyramid:
    """Coarser levels by factor 4 from the base level: cheap, so never stored."""
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
    return Pyramid(tuple(levels), frames)


def compute_pyramid(mono: F32) -> Pyramid:
    mins, maxs = pairs(mono)
    return pyramid_from_base(mins, maxs, len(mono))


class PyramidBuilder:
    """Base level filled in order, block by block; `snapshot` is safe to call meanwhile."""

    def __init__(self, frames: int) -> None:
        n = -(-frames // BASE_BLOCK)
        self.frames = frames
        self.mins = np.zeros(n, dtype=np.float32)
        self.maxs = np.zeros(n, dtype=np.float32)
        self.filled = 0  # frames done; always a multiple of BASE_BLOCK until the last block

    def feed(self, block: F32) -> None:
        """The next frames in order; every block but the last is a multiple of BASE_BLOCK."""
        lo, hi = pairs(block)
        k = self.filled // BASE_BLOCK
        self.mins[k : k + len(lo)] = lo
        self.maxs[k : k + len(hi)] = hi
        self.filled += len(block)  # published last: snapshot never sees unwritten pairs

    @property
    def complete(self) -> bool:
        return self.filled >= self.frames

    def snapshot(self) -> Pyramid:
        filled = self.filled
        n = -(-filled // BASE_BLOCK)
        return pyramid_from_base(self.mins[:n], self.maxs[:n], filled)


def envelope(
    read: Reader, pyramid: Pyramid, start: int, stop: int, pixels: int
) -> tuple[npt.NDArray[np.float64], F32, F32]:
    """x (sample index), min and max per column for samples [start, stop) at about `pixels` columns.

    Picks the coarsest level whose block is at most the samples per pixel; below the base level
    the window's raw samples are read.
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
        raw = read(start, stop - start)
        cols = len(raw) // step
        if cols == 0:
            return np.array([start], dtype=np.float64), raw[:1], raw[:1]
        body = raw[: cols * step].reshape(cols, step)
        x = start + np.arange(cols, dtype=np.float64) * step
        return x, body.min(axis=1), body.max(axis=1)
    i0, i1 = start // level.block, -(-stop // level.block)
    i1 = min(i1, len(level.mins))
    x = np.arange(i0, i1, dtype=np.float64) * level.block
    return x, level.mins[i0:i1], level.maxs[i0:i1]


class PeakCache:
    """Pyramids on disk by content hash; an index maps (path, size, mtime) to that hash."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._index_path = folder / "index.json"
        self._lock = threading.Lock()

    @staticmethod
    def stamp(path: Path) -> str:
        st = path.stat()
        return f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"

    def _index(self) -> dict[str, str]:
        try:
            data = json.loads(self._index_path.read_text(encoding="utf-8"))
            return {str(k): str(v) for k, v in data.items()}
        except (OSError, ValueError):
            return {}

    def lookup(self, path: Path) -> dict[int, Pyramid] | None:
        """The cached pyramids of this file as it is now, or None (never built, or changed)."""
        sha = self._index().get(self.stamp(path))
        if sha is None:
            return None
        try:
            with np.load(self.folder / f"{sha}.npz") as z:
                frames = int(z["frames"])
                out = {}
                for key in z.files:
                    if key.startswith("mins_"):
                        ch = int(key[5:])
                        out[ch] = pyramid_from_base(z[key], z[f"maxs_{ch}"], frames)
                return out
        except (OSError, ValueError, KeyError):
            return None

    def store(self, path: Path, stamp: str, sha: str, builders: dict[int, PyramidBuilder]) -> None:
        arrays: dict[str, npt.NDArray[np.generic]] = {}
        frames = 0
        for ch, b in builders.items():
            arrays[f"mins_{ch}"] = b.mins
            arrays[f"maxs_{ch}"] = b.maxs
            frames = b.frames
        tmp = self.folder / f"{sha}.part.npz"
        np.savez(tmp, frames=np.array(frames), **arrays)  # type: ignore[arg-type]
        tmp.replace(self.folder / f"{sha}.npz")
        with self._lock:
            index = self._index()
            index[stamp] = sha
            part = self._index_path.with_suffix(".part")
            part.write_text(json.dumps(index), encoding="utf-8")
            part.replace(self._index_path)


def build_pyramids(
    path: Path,
    frames: int,
    read_block: Callable[[int, int], F32],
    builders: dict[int, PyramidBuilder],
    cache: PeakCache,
    cancelled: Callable[[], bool] = lambda: False,
) -> bool:
    """One pass: every channel's and the mix's base level, and the SHA-256 of the file's bytes.

    `read_block(start, n)` gives (n, channels) float32; builders are keyed by channel, -1 = mix.
    Returns False if cancelled (nothing is cached then).
    """
    stamp = PeakCache.stamp(path)
    size = path.stat().st_size
    steps = max(1, -(-frames // STREAM_BLOCK_FRAMES))
    per_step = -(-size // steps)
    h = hashlib.sha256()
    with path.open("rb") as f:
        for k in range(steps):
            if cancelled():
                return False
            block = read_block(k * STREAM_BLOCK_FRAMES, STREAM_BLOCK_FRAMES)
            for ch, b in builders.items():
                if ch < 0:
                    b.feed(
                        block.mean(axis=1, dtype=np.float32) if block.shape[1] > 1 else block[:, 0]
                    )
                else:
                    b.feed(block[:, ch])
            h.update(f.read(per_step))
        h.update(f.read())
    cache.store(path, stamp, h.hexdigest(), builders)
    return True
