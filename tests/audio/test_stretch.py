import numpy as np
import pytest

from app.audio.stretch import WsolaStream


def stretched(x: np.ndarray, rate: int, speed: float) -> np.ndarray:
    """As the player plays it: a stream over the recording, read to its length at that speed."""
    stream = WsolaStream(lambda start, n: x[max(0, start) : max(0, start) + n], rate, 0, speed)
    return stream.read(int(len(x) / speed))


def dominant_hz(x: np.ndarray, rate: int) -> float:
    n = 1 << 18
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x)), n=n))
    return float(np.argmax(spec) * rate / n)


@pytest.mark.parametrize("speed", [0.5, 0.75, 1.5, 2.0])
def test_speed_changes_length_not_pitch(speed: float) -> None:
    rate = 16000
    t = np.arange(rate * 2) / rate
    x = (0.5 * np.sin(2 * np.pi * 200 * t)).astype(np.float32)
    y = stretched(x, rate, speed)
    assert len(y) == pytest.approx(len(x) / speed, rel=0.01)
    body = y[len(y) // 8 : -len(y) // 8]
    assert dominant_hz(body, rate) == pytest.approx(200, rel=0.02)
    assert np.abs(body).max() == pytest.approx(0.5, rel=0.1)  # no dips or doubling


def test_stream_reports_where_it_is_in_the_source() -> None:
    x = np.zeros(16000, dtype=np.float32)
    s = WsolaStream(lambda a, n: x[a : a + n], 16000, 1000, 0.5)
    s.read(4000)
    assert s.source_position == pytest.approx(1000 + 2000, abs=1)


def test_speed_outside_the_range_is_refused() -> None:
    with pytest.raises(ValueError):
        WsolaStream(lambda a, n: np.zeros(0, np.float32), 16000, 0, 3.0)
