"""Spectrogram of the visible window, as cached tiles of a power STFT in dB (numpy only).

A zoom level is a hop size (a power of two times the base hop); a tile is TILE_COLS columns of
one hop size. Each column is one Hann-windowed FFT of N_FFT samples starting at col * hop.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
N_FFT = 512
BASE_HOP = 128
TILE_COLS = 256
FLOOR_DB = -120.0
SPARSE_HOP = 16 * N_FFT  # beyond this a tile reads its columns' windows one by one

_WINDOW = np.hanning(N_FFT).astype(np.float32)


def stft_db(x: F32, hop: int, columns: int) -> F32:
    """(columns, N_FFT // 2 + 1) power in dB; column k is the window starting at k * hop."""
    need = (columns - 1) * hop + N_FFT
    if len(x) < need:
        x = np.concatenate([x, np.zeros(need - len(x), dtype=np.float32)])
    idx = np.arange(columns)[:, None] * hop + np.arange(N_FFT)[None, :]
    return frames_db(x[idx])


def frames_db(frames: F32) -> F32:
    """Power in dB of each row: one N_FFT-sample window per column."""
    power = np.abs(np.fft.rfft(frames * _WINDOW, axis=1)) ** 2
    db = 10.0 * np.log10(np.maximum(power, 1e-12))
    return np.asarray(db.clip(FLOOR_DB), dtype=np.float32)


def hop_for(samples_in_view: int, pixels: int) -> int:
    """The zoom level: about one column per pixel, never finer than the base hop."""
    want = max(1, samples_in_view // max(1, pixels))
    hop = BASE_HOP
    while hop * 2 <= want:
        hop *= 2
    return hop


@dataclass(frozen=True, slots=True)
class Window:
    image: F32  # (columns, bins)
    start: int  # sample of the first column
    hop: int


class SpectrogramTiles:
    """Tiles by (recording, channel, hop, tile); shared by workers, so guarded by a lock."""

    def __init__(self, max_tiles: int = 512) -> None:
        self.max_tiles = max_tiles
        self._tiles: OrderedDict[tuple[str, int, int, int], F32] = OrderedDict()
        self._lock = threading.Lock()
        self.computed = 0  # tiles computed, not served from the cache (tests and benchmarks)

    def tile(
        self, key: str, channel: int, read: Callable[[int, int], F32], hop: int, index: int
    ) -> F32:
        k = (key, channel, hop, index)
        with self._lock:
            if k in self._tiles:
                self._tiles.move_to_end(k)
                return self._tiles[k]
        start = index * TILE_COLS * hop
        if hop <= SPARSE_HOP:
            img = stft_db(read(start, (TILE_COLS - 1) * hop + N_FFT), hop, TILE_COLS)
        else:
            # zoomed far out: read each column's own window, not the whole stretch between
            frames = np.zeros((TILE_COLS, N_FFT), dtype=np.float32)
            for col in range(TILE_COLS):
                window = read(start + col * hop, N_FFT)
                frames[col, : len(window)] = window
            img = frames_db(frames)
        with self._lock:
            self._tiles[k] = img
            self.computed += 1
            while len(self._tiles) > self.max_tiles:
                self._tiles.popitem(last=False)
        return img

    def window(
        self,
        key: str,
        channel: int,
        read: Callable[[int, int], F32],
        frames: int,
        start: int,
        stop: int,
        pixels: int,
    ) -> Window:
        """The tiles covering [start, stop) at the level that suits `pixels` columns."""
        start = max(0, min(start, frames - 1))
        stop = min(frames, max(start + 1, stop))
        hop = hop_for(stop - start, pixels)
        span = TILE_COLS * hop
        first, last = start // span, (stop - 1) // span
        parts = [self.tile(key, channel, read, hop, t) for t in range(first, last + 1)]
        image = np.concatenate(parts, axis=0)
        last_col = -(-(frames - 0) // hop)  # columns past the end of the file are dropped
        keep = max(1, min(len(image), last_col - first * TILE_COLS))
        return Window(image[:keep], first * span, hop)
