"""A voice disguised by the McAdams-coefficient method, the signal-processing baseline of the
VoicePrivacy Challenge: each 20 ms frame (10 ms shift) is described by linear prediction, each
complex pole's angle is raised to the power alpha (its radius kept), and the frame is made
again from its own residual through the new filter, overlap-added under a square-root Hann
window. No model, no download: numpy and scipy.

The angle is taken on the challenge's 16 kHz scale whatever the recording's rate (pi is 8 kHz),
so an alpha moves a formant to the same frequency at 16, 44.1 or 48 kHz: with alpha < 1, a
resonance below 16 kHz / 2 pi (about 2.5 kHz: F1, F2) goes up and one above goes down, at 0.8
700 Hz to about 910 Hz. The window is the periodic Hann's square root, so analysis and synthesis
together add up to exactly one wherever frames overlap by half: alpha 1 gives the input back.

Length and timing never change: a sample's place is where it was, so segments, word times and
muted stretches stay valid. It streams: a recording of any length goes through in blocks, in
memory bounded by the block, and the result does not depend on where the blocks fall. Each
frame keeps its input's energy, so loudness follows the original instead of being normalised
over the whole recording (which streaming cannot know).

What it does not do (the challenge's own figures): it changes what a listener hears, but an
automatic speaker-verification attacker trained on disguised speech is hardly slowed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

import numpy as np
import numpy.typing as npt
from scipy.signal import lfilter

F64 = npt.NDArray[np.float64]
WIN_S, HOP_S = 0.020, 0.010
ORDER = 20  # the challenge's linear-prediction order, at its rate:
SCALE_HZ = 16_000  # the rate the challenge's alpha and order are defined at


def order_at(rate_hz: int) -> int:
    """The prediction order at `rate_hz`: the challenge's at 16 kHz, growing with the square
    root of the rate (33 at 44.1 kHz, 35 at 48 kHz), where Praat measures the formants moved
    as at 16 kHz within 2 % (at order 20 a 48 kHz voice moved 5 % short; at 60, too far)."""
    return max(8, round(ORDER * math.sqrt(rate_hz / SCALE_HZ)))


BLOCK_S = 10.0  # samples read at a time by `disguise_blocks`
_TINY = 1e-12


def levinson(r: F64) -> F64:
    """Prediction polynomials [1, a1, ..., ap] of many frames at once from their
    autocorrelations (frames x p + 1), by the Levinson-Durbin recursion."""
    frames, p1 = r.shape
    a = np.zeros((frames, p1))
    a[:, 0] = 1.0
    err = r[:, 0].copy()
    for i in range(1, p1):
        acc = r[:, i] + np.sum(a[:, 1:i] * r[:, i - 1 : 0 : -1], axis=1)
        k = -acc / err
        a[:, 1:i] = a[:, 1:i] + k[:, None] * a[:, i - 1 : 0 : -1]
        a[:, i] = k
        err = err * (1.0 - k * k)
    return a


def moved_many(a: F64, alpha: float, scale: float = 1.0) -> F64:
    """Many polynomials at once (frames x p + 1): their roots as the eigenvalues of their
    companion matrices, each complex one's angle raised to `alpha` on a scale `scale` times
    the rate's (a conjugate's with it), the polynomials made again."""
    frames, p1 = a.shape
    p = p1 - 1
    companion = np.zeros((frames, p, p))
    companion[:, 0, :] = -a[:, 1:]
    companion[:, np.arange(1, p), np.arange(p - 1)] = 1.0
    poles = np.linalg.eigvals(companion)
    turned = (np.abs(np.angle(poles)) * scale) ** alpha / scale
    angle = np.clip(turned, 0.0, np.pi) * np.sign(poles.imag)
    poles = np.where(poles.imag != 0, np.abs(poles) * np.exp(1j * angle), poles)
    c = np.zeros((frames, p1), dtype=complex)
    c[:, 0] = 1.0
    for j in range(p):
        c[:, 1 : j + 2] = c[:, 1 : j + 2] - poles[:, j : j + 1] * c[:, 0 : j + 1].copy()
    return np.asarray(np.real(c), dtype=np.float64)


class McAdams:
    """The transform at one sample rate and alpha, many frames at a time."""

    def __init__(self, rate_hz: int, alpha: float, order: int | None = None) -> None:
        order = order_at(rate_hz) if order is None else order
        self.win = max(order + 2, int(WIN_S * rate_hz))
        self.hop = max(1, int(HOP_S * rate_hz))
        hann = np.hanning(self.win + 1)[:-1]  # periodic: overlapped by half, it sums to one
        self.window = np.sqrt(hann / (hann.sum() / self.hop))
        self.alpha, self.order = alpha, order
        self.scale = rate_hz / SCALE_HZ

    def frames(self, xs: F64) -> F64:
        """Frames (frames x `win`) made again, each windowed and at its input's energy; a frame
        too quiet to describe, or whose filter fails, is left as it was."""
        framed = xs * self.window
        out: F64 = np.asarray(framed * self.window, dtype=np.float64)
        spec = np.fft.rfft(framed, 2 * self.win, axis=1)
        r = np.fft.irfft(spec * np.conj(spec), axis=1)[:, : self.order + 1]
        loud = np.flatnonzero(r[:, 0] > _TINY)
        if not len(loud):
            return out
        r = r[loud]
        r[:, 0] *= 1.0 + 1e-9  # a little white noise: a well-conditioned system
        a = levinson(r)
        b = moved_many(a, self.alpha, self.scale)
        for row, k in enumerate(loud):
            made = lfilter([1.0], b[row], lfilter(a[row], [1.0], framed[k]))
            if not np.all(np.isfinite(made)):
                continue
            energy_in, energy_out = float(np.dot(framed[k], framed[k])), float(np.dot(made, made))
            if energy_out > _TINY:
                made *= np.sqrt(energy_in / energy_out)
            out[k] = made * self.window
        return out


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
        t = self.t
        n = 0 if len(self.buf) < t.win else (len(self.buf) - t.win) // t.hop + 1
        if n:
            starts = np.arange(n) * t.hop
            made = t.frames(self.buf[starts[:, None] + np.arange(t.win)])
            for k, s in enumerate(starts):
                self.acc[s : s + t.win] += made[k]
        return n * t.hop

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
