"""A voice disguised by the McAdams-coefficient method, the signal-processing baseline of the
VoicePrivacy Challenge: each 20 ms frame (10 ms shift) is described by linear prediction, each
complex pole's angle is raised to the power alpha (alpha < 1 moves the formants up, > 1 down,
its radius kept), and the frame is made again from its own residual through the new filter,
overlap-added under a square-root Hann window. No model, no download: numpy and scipy.

Length and timing never change: a sample's place is where it was, so segments, word times and
muted stretches stay valid. It streams: a recording of any length goes through in blocks, in
memory bounded by the block, and the result does not depend on where the blocks fall. Each
frame keeps its input's energy, so loudness follows the original instead of being normalised
over the whole recording (which streaming cannot know).

What it does not do (the challenge's own figures): it changes what a listener hears, but an
automatic speaker-verification attacker trained on disguised speech is hardly slowed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import numpy.typing as npt
from scipy.linalg import solve_toeplitz
from scipy.signal import lfilter

F64 = npt.NDArray[np.float64]
WIN_S, HOP_S = 0.020, 0.010
ORDER = 20  # the challenge's linear-prediction order
BLOCK_S = 10.0  # samples read at a time by `disguise_blocks`
_TINY = 1e-12


def lpc(frame: F64, order: int) -> F64 | None:
    """The prediction polynomial [1, a1, ..., a_order] by the autocorrelation method; None for
    a frame too quiet to describe."""
    n = len(frame)
    spec = np.fft.rfft(frame, 2 * n)
    r = np.fft.irfft(spec * np.conj(spec))[: order + 1]
    if r[0] <= _TINY:
        return None
    r[0] *= 1.0 + 1e-9  # a little white noise: a well-conditioned system
    try:
        a = solve_toeplitz(r[:order], -r[1 : order + 1])
    except np.linalg.LinAlgError:
        return None
    return np.concatenate(([1.0], a))


def moved(a: F64, alpha: float) -> F64:
    """The polynomial whose complex poles have the angles of `a`'s raised to `alpha`."""
    poles = np.roots(a)
    upper = poles[poles.imag > 0]  # one of each conjugate pair; real poles stay as they are
    angles = np.clip(np.angle(upper) ** alpha, 0.0, np.pi)
    new = np.abs(upper) * np.exp(1j * angles)
    kept = poles[np.abs(poles.imag) <= 0]
    return np.real(np.poly(np.concatenate((new, np.conj(new), kept))))


class McAdams:
    """The transform at one sample rate and alpha, frame by frame."""

    def __init__(self, rate_hz: int, alpha: float, order: int = ORDER) -> None:
        self.win = max(order + 2, int(WIN_S * rate_hz))
        self.hop = max(1, int(HOP_S * rate_hz))
        hann = np.hanning(self.win + 2)[1:-1]  # no zero at either end
        self.window = np.sqrt(hann / (hann.sum() / self.hop))
        self.alpha, self.order = alpha, order

    def frame(self, x: F64) -> F64:
        """One frame (`win` samples) made again, windowed, at its input's energy."""
        framed = x * self.window
        a = lpc(framed, self.order)
        if a is None:
            return np.asarray(framed * self.window, dtype=np.float64)
        residual = lfilter(a, [1.0], framed)
        out = lfilter([1.0], moved(a, self.alpha), residual)
        if not np.all(np.isfinite(out)):
            return np.asarray(framed * self.window, dtype=np.float64)
        energy_in, energy_out = float(np.dot(framed, framed)), float(np.dot(out, out))
        if energy_out > _TINY:
            out *= np.sqrt(energy_in / energy_out)
        return np.asarray(out * self.window, dtype=np.float64)


class Disguiser:
    """One channel disguised as it streams: `push` a block, get the samples now final (as many
    in all as went in, each where it was, whatever the blocks' sizes); `finish` gives the rest."""

    def __init__(self, rate_hz: int, alpha: float) -> None:
        self.t = McAdams(rate_hz, alpha)
        self.skip = self.t.win - self.t.hop  # zeros before the first sample: all its frames
        self.buf, self.acc = np.zeros(self.skip), np.zeros(self.skip)
        self.total = self.emitted = 0

    def _frames(self) -> int:
        """Every frame that fits in buf added into acc; where the next one would start."""
        t, pos = self.t, 0
        while pos + t.win <= len(self.buf):
            self.acc[pos : pos + t.win] += t.frame(self.buf[pos : pos + t.win])
            pos += t.hop
        return pos

    def _final(self, out: F64, most: int) -> F64:
        dropped = min(self.skip, len(out))
        self.skip -= dropped
        out = out[dropped:][:most]
        self.emitted += len(out)
        return np.clip(out, -1.0, 1.0)

    def push(self, block: npt.NDArray[np.floating]) -> F64:
        x = np.asarray(block, dtype=np.float64)
        self.total += len(x)
        self.buf = np.concatenate((self.buf, x))
        self.acc = np.concatenate((self.acc, np.zeros(len(x))))
        done = self._frames()  # samples before it get no more frames: they are final
        out = self.acc[:done]
        self.buf, self.acc = self.buf[done:], self.acc[done:]
        return self._final(out, len(out))

    def finish(self) -> F64:
        """The last samples, their frames run over zeros past the end."""
        self.buf = np.concatenate((self.buf, np.zeros(self.t.win)))
        self.acc = np.concatenate((self.acc, np.zeros(self.t.win)))
        self._frames()
        return self._final(self.acc, self.total - self.emitted)


def disguise_blocks(
    blocks: Iterable[npt.NDArray[np.floating]], rate_hz: int, alpha: float
) -> Iterator[F64]:
    """One channel's blocks in, its disguised blocks out."""
    d = Disguiser(rate_hz, alpha)
    for block in blocks:
        yield d.push(block)
    yield d.finish()


def disguise(
    samples: npt.NDArray[np.floating], rate_hz: int, alpha: float, block_s: float = BLOCK_S
) -> npt.NDArray[np.float32]:
    """A recording held in memory (frames, or frames x channels), each channel disguised."""
    x = np.asarray(samples, dtype=np.float64)
    step = max(1, int(block_s * rate_hz))

    def channel(c: F64) -> F64:
        pieces = (c[k : k + step] for k in range(0, len(c), step))
        return np.concatenate(list(disguise_blocks(pieces, rate_hz, alpha)))

    if x.ndim == 1:
        return channel(x).astype(np.float32)
    return np.stack([channel(x[:, k]) for k in range(x.shape[1])], axis=1).astype(np.float32)
