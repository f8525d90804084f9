"""Over long playback the playhead stays on the sample being heard, at any speed."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication

from app.audio.source import memory_source
from app.workstation.player import Player

RATE = 16000


def drift(player: Player, seconds: float, speed: float) -> tuple[float, float]:
    """(worst error in ms, drift in ms per minute) of the playhead against the heard sample."""
    app = QCoreApplication.instance()
    assert app is not None
    src = player.source
    assert src is not None
    src.trace = []
    player.set_speed(speed)
    player.play(1.0)
    samples: list[tuple[float, float, int]] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        consumed, position = player.clock()
        samples.append((time.monotonic(), position, consumed))
        time.sleep(0.05)
    player.pause()
    trace = np.array(src.traced())
    src.trace = None
    out, heard = trace[:, 0], trace[:, 1]
    t = np.array([s[0] for s in samples])
    pos = np.array([s[1] for s in samples])
    consumed = np.array([s[2] for s in samples], dtype=np.float64)
    ok = (consumed >= out[0]) & (t > t[0] + 0.5)  # once the range is being heard
    assert ok.sum() > 10
    # the input sample at the device's clock: the frame playing there, advancing at the speed
    k = np.searchsorted(out, consumed[ok], side="right") - 1
    truth = (heard[k] + (consumed[ok] - out[k]) * speed) / RATE
    err_ms = (pos[ok] - truth) * 1000
    slope_ms_per_s = np.polyfit(t[ok] - t[ok][0], err_ms, 1)[0]
    return float(np.max(np.abs(err_ms))), float(slope_ms_per_s * 60)


def flowing(p: Player, samples: np.ndarray) -> Player:
    """The player with `samples` loaded, once the device consumes its stream."""
    p.set_audio(memory_source(samples, RATE))
    app = QCoreApplication.instance()
    assert app is not None
    end = time.monotonic() + 10
    while not p.flowing and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.005)
    return p


@pytest.fixture
def player(qapp: object, pulse: str) -> Player:
    rng = np.random.default_rng(3)
    return flowing(Player(), rng.uniform(-0.3, 0.3, RATE * 120).astype(np.float32))


# At 1x the playhead is the heard sample exactly, so any trend is drift. Time-stretched, each
# WSOLA frame is taken within ±10 ms of the playhead and that offset jitters from frame to
# frame; a line fitted to 12 s of it wanders by a few ms/min (5.5 was seen) with no drift at all.
# A real drift, such as a playhead advancing at a slightly wrong speed, is hundreds of ms/min.
DRIFT_TOLERANCE_MS_PER_MIN = {1.0: 5.0, 0.75: 15.0}


@pytest.mark.slow
@pytest.mark.parametrize("speed", [1.0, 0.75])
def test_playhead_error_stays_within_10_ms_and_does_not_drift(player: Player, speed: float) -> None:
    worst_ms, per_minute_ms = drift(player, 12.0, speed)
    assert worst_ms <= 10.0 + 0.1  # WSOLA takes each frame within ±10 ms of the playhead
    assert abs(per_minute_ms) <= DRIFT_TOLERANCE_MS_PER_MIN[speed]
    player.shutdown()


class DriftingPlayer(Player):
    """A fake, deliberately broken: its playhead runs 0.5% fast (300 ms a minute)."""

    def clock(self) -> tuple[int, float]:
        consumed, position = super().clock()
        return consumed, position + 0.005 * consumed / RATE


@pytest.mark.slow
def test_the_measure_catches_a_drifting_playhead(qapp: object, pulse: str) -> None:
    p = flowing(DriftingPlayer(), np.zeros(RATE * 60, dtype=np.float32))
    _worst_ms, per_minute_ms = drift(p, 6.0, 1.0)
    p.shutdown()
    assert per_minute_ms > 3 * DRIFT_TOLERANCE_MS_PER_MIN[0.75]
