"""Playback through a real PulseAudio null sink (started by tests/conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication

from app.audio.source import memory_source
from app.workstation.player import Player

RATE = 16000


def tone(seconds: float, freq: float = 200.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.4 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def wait_until(cond: Callable[[], bool], timeout_s: float = 10.0) -> None:
    app = QCoreApplication.instance()
    assert app is not None
    deadline = time.monotonic() + timeout_s
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        app.processEvents()
        time.sleep(0.005)


def run_for(seconds: float, every: Callable[[], None] | None = None) -> None:
    app = QCoreApplication.instance()
    assert app is not None
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        if every is not None:
            every()
        time.sleep(0.01)


@pytest.fixture
def player(qapp: object, pulse: str) -> Iterator[Player]:
    p = Player()
    assert p.available, "the null sink should be the default output"
    p.set_audio(memory_source(tone(6.0), RATE))
    wait_until(lambda: p.flowing)
    yield p
    p.shutdown()


def test_sink_clock_advances_and_playhead_follows_it(player: Player) -> None:
    assert player.play(1.0)
    samples: list[tuple[int, float]] = []
    run_for(1.0, lambda: samples.append((player.consumed_frames(), player.position_s())))
    assert player.playing
    consumed = [c for c, _ in samples]
    assert consumed[-1] - consumed[0] > 0.7 * RATE  # the device really consumed ~1 s
    positions = [p for _, p in samples]
    assert positions == sorted(positions) and 1.5 < positions[-1] < 2.3
    # The playhead is the device clock mapped to the recording: same slope as consumed frames.
    (c0, p0), (c1, p1) = samples[len(samples) // 4], samples[-1]
    assert (p1 - p0) == pytest.approx((c1 - c0) / RATE, abs=0.02)


def test_a_segment_stops_at_its_end(player: Player) -> None:
    player.play(2.0, 2.5)
    wait_until(lambda: not player.playing, 5)
    run_for(0.3)
    assert player.position_s() == pytest.approx(2.5, abs=0.01)
    run_for(0.2)
    assert not player.playing


def test_loop_loops(player: Player) -> None:
    player.loop = True
    player.play(1.0, 1.3)
    seen: list[float] = []
    run_for(1.2, lambda: seen.append(player.position_s()))
    assert player.playing
    assert all(0.99 <= s <= 1.31 for s in seen)
    wraps = sum(1 for a, b in zip(seen, seen[1:], strict=False) if b < a - 0.1)
    assert wraps >= 2
    player.pause()
    assert not player.playing


def test_pause_rests_where_it_was_and_rewinds_when_asked(player: Player) -> None:
    player.rewind_on_pause_s = 0.5
    player.play(3.0)
    run_for(0.6)
    heard = player.position_s()
    player.pause()
    assert player.position_s() == pytest.approx(heard - 0.5, abs=0.05)
    player.rewind_on_pause_s = 0.0


def test_half_speed_keeps_a_200_hz_tone_at_200_hz_at_the_sink(
    player: Player, pulse: str, tmp_path: Path
) -> None:
    """Recorded from the null sink's monitor: what a listener would hear.

    The recording goes to a file, not a pipe: nobody drains a pipe while the test runs, and
    parec stalls once the pipe's 64 KiB are full (about a second of this stream).
    """
    capture = tmp_path / "heard.f32"
    out = capture.open("wb")
    rec = subprocess.Popen(
        [
            "parec",
            "-d",
            f"{pulse}.monitor",
            "--rate=16000",
            "--channels=1",
            "--format=float32le",
            "--raw",
            "--latency-msec=20",
        ],
        stdout=out,
        stderr=subprocess.DEVNULL,
    )
    try:
        run_for(0.3)
        player.set_speed(0.5)
        player.play(0.5, 2.5)
        run_for(2.5)
    finally:
        rec.terminate()
        rec.wait(timeout=10)
        out.close()
    x = np.fromfile(capture, dtype=np.float32)
    assert len(x) > 2.0 * RATE, "the capture itself should cover the test's 2.8 s"
    loud = np.flatnonzero(np.abs(x) > 0.05)
    assert len(loud) > RATE, "the tone should be audible on the sink for over a second"
    body = x[loud[0] + RATE // 4 : loud[0] + RATE // 4 + RATE]
    n = 1 << 18
    f = np.argmax(np.abs(np.fft.rfft(body * np.hanning(len(body)), n=n))) * RATE / n
    assert f == pytest.approx(200.0, rel=0.02)
    # and at half speed, 2 s of recording takes about 4 s: still playing after 2.5 s
    assert player.playing


def test_no_output_device_is_a_message_not_a_crash(tmp_path: object) -> None:
    code = (
        "from PySide6.QtCore import QCoreApplication\n"
        "app = QCoreApplication([])\n"
        "import numpy as np\n"
        "from app.workstation.player import Player\n"
        "p = Player()\n"
        "from app.audio.source import memory_source\n"
        "p.set_audio(memory_source(np.zeros(1600, np.float32), 16000))\n"
        "print(p.available, p.play(0.0))\n"
        "print(p.error)\n"
    )
    env = {**os.environ, "XDG_RUNTIME_DIR": str(tmp_path), "PULSE_SERVER": "unix:/nonexistent"}
    r = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    first, second = r.stdout.splitlines()[:2]
    assert first == "False False"
    assert "No sound output device" in second and "Annotation still works" in second
