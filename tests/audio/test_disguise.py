"""The McAdams voice disguise: the formants move as alpha says (a resonance at angle theta goes
to theta ** alpha), the length and the timing of every sound stay, the result does not depend
on where the blocks fall, and the loudness follows the original."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.linalg import solve_toeplitz
from scipy.signal import lfilter

from app.audio.disguise import ORDER, disguise
from tests.audio.test_align import RATE, spoken

FS = 16000


def resonance(f_hz: float, seconds: float = 1.0, seed: int = 3) -> np.ndarray:
    """Noise through one sharp resonance at f_hz."""
    theta = 2 * np.pi * f_hz / FS
    r = 0.97
    a = [1.0, -2 * r * np.cos(theta), r * r]
    x = np.random.default_rng(seed).normal(0, 0.05, int(seconds * FS))
    return np.asarray(lfilter([1.0], a, x), dtype=np.float64)


def lpc(frame: np.ndarray, order: int) -> np.ndarray:
    """The measurement's own linear prediction (autocorrelation method, scipy's solver), apart
    from the code under test."""
    r = np.correlate(frame, frame, "full")[len(frame) - 1 : len(frame) + order]
    return np.concatenate(([1.0], solve_toeplitz(r[:order], -r[1 : order + 1])))


def peak_hz(x: np.ndarray) -> float:
    """The strongest resonance of the middle of `x`, from its linear prediction."""
    mid = x[len(x) // 4 : 3 * len(x) // 4]
    a = lpc(mid * np.hanning(len(mid)), ORDER)
    w = np.linspace(0, np.pi, 4096)
    h = 1.0 / np.abs(np.polyval(a[::-1], np.exp(-1j * w)))
    return float(w[np.argmax(h)] * FS / (2 * np.pi))


@pytest.mark.parametrize(("f_hz", "alpha"), [(1000.0, 0.8), (1000.0, 0.9), (600.0, 1.1)])
def test_a_resonance_moves_to_theta_to_the_alpha(f_hz: float, alpha: float) -> None:
    x = resonance(f_hz)
    y = disguise(x, FS, alpha)
    theta = 2 * np.pi * f_hz / FS
    expected = theta**alpha * FS / (2 * np.pi)
    assert abs(peak_hz(x) - f_hz) < 40
    assert abs(peak_hz(y) - expected) < 60, (peak_hz(y), expected)
    assert len(y) == len(x)


def test_blocks_of_any_size_give_the_same_result() -> None:
    x = resonance(1000.0, seconds=0.7)
    whole = disguise(x, FS, 0.8, block_s=100.0)
    for block_s in (0.001, 0.0137, 0.25):
        assert np.allclose(disguise(x, FS, 0.8, block_s=block_s), whole, atol=1e-6), block_s


def test_speech_keeps_its_length_timing_and_loudness(tmp_path: Path) -> None:
    words = ["please", "call", "my", "sister", "tomorrow"]
    x, spans = spoken(words, tmp_path)
    stereo = np.stack([x, 0.5 * x], axis=1)
    y = disguise(stereo, RATE, 0.8)
    assert y.shape == stereo.shape and y.dtype == np.float32
    assert not np.allclose(y[:, 0], x, atol=1e-3)  # a different voice
    for a, b in spans:  # each word is still where it was said, about as loud
        i, j = int(a * RATE), int(b * RATE)
        word_in, word_out = np.sqrt(np.mean(x[i:j] ** 2)), np.sqrt(np.mean(y[i:j, 0] ** 2))
        assert 0.5 < word_out / word_in < 2.0
    gap_in = x[: int(spans[0][0] * RATE) - 400]
    assert np.sqrt(np.mean(y[: len(gap_in), 0] ** 2)) < 3 * np.sqrt(np.mean(gap_in**2)) + 1e-3
    assert np.allclose(y[:, 1], disguise(0.5 * x, RATE, 0.8), atol=1e-6)  # channel by channel


def test_silence_stays_silent() -> None:
    assert not disguise(np.zeros(3000), FS, 0.8).any()
