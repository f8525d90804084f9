"""Time-scale modification that keeps pitch (WSOLA), streaming so any length can play."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
MIN_SPEED, MAX_SPEED = 0.5, 2.0


class WsolaStream:
    """Produces output samples on demand from a source read by `read(start, n)`.

    Frames of ~40 ms overlap by half under a Hann window; each new frame is taken from within
    ±10 ms of its ideal input position where it best continues the previous one.
    """

    def __init__(
        self, read: Callable[[int, int], F32], sample_rate_hz: int, start: int, speed: float
    ) -> None:
        if not MIN_SPEED <= speed <= MAX_SPEED:
            raise ValueError(f"speed must be within {MIN_SPEED}x-{MAX_SPEED}x")
        self._read = read
        self.speed = speed
        self.frame = max(64, int(sample_rate_hz * 0.040) // 2 * 2)
        self.hop = self.frame // 2
        self.tol = int(sample_rate_hz * 0.010)
        self._win = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(self.frame) / self.frame)).astype(
            np.float32
        )
        self._origin = start
        self._k = 0  # output frames produced
        self._prev_in = start
        self._tail = np.zeros(self.hop, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)
        # (output sample, input sample) where each frame's own samples start: for measuring
        self.frames_taken: list[tuple[int, int]] | None = None

    @property
    def source_position(self) -> float:
        """Input sample reached by the output produced so far (not counting pending)."""
        return self._origin + (self._k * self.hop - len(self._pending)) * self.speed

    def _next_frame(self) -> F32:
        ideal = int(round(self._origin + self._k * self.hop * self.speed))
        if self._k == 0:
            best = ideal
        else:
            natural = self._read(self._prev_in + self.hop, self.frame)
            lo = max(0, ideal - self.tol)
            region = self._read(lo, self.frame + 2 * self.tol)
            span = len(region) - self.frame + 1
            if span <= 1 or len(natural) < self.frame:
                best = ideal
            else:
                ref = natural[: self.frame // 2]
                corr = np.correlate(region[: span - 1 + len(ref)], ref, mode="valid")
                best = lo + int(np.argmax(corr))
        if self.frames_taken is not None:
            # frame k's first half is heard from output k * hop (under the previous tail)
            self.frames_taken.append((self._k * self.hop, best))
        seg = self._read(best, self.frame)
        if len(seg) < self.frame:
            seg = np.concatenate([seg, np.zeros(self.frame - len(seg), dtype=np.float32)])
        self._prev_in = best
        self._k += 1
        w = seg * self._win
        out = self._tail + w[: self.hop]
        self._tail = w[self.hop :].copy()
        return out

    def read(self, n: int) -> F32:
        parts = [self._pending]
        have = len(self._pending)
        while have < n:
            f = self._next_frame()
            parts.append(f)
            have += len(f)
        buf = np.concatenate(parts)
        self._pending = buf[n:]
        return buf[:n]
