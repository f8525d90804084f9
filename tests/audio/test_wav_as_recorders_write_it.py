"""WAVE_FORMAT_EXTENSIBLE files (24-bit, more than two channels, as sox, Audition and field
recorders write them) are WAV: they open, play through the real sink and export. A damaged MP3
gives Earmark's one line, and libmpg123's own chatter never reaches the terminal."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from app.audio import load
from app.audio.load import check
from app.audio.source import MIX, open_source
from app.workstation.player import Player
from tests.workstation.test_player import run_for, wait_until

RATE = 48000


def recorder_file(path: Path, channels: int, subtype: str) -> np.ndarray:
    t = np.arange(2 * RATE) / RATE
    data = np.stack(
        [0.3 * np.sin(2 * np.pi * (200 + 50 * c) * t) for c in range(channels)], axis=1
    ).astype(np.float32)
    sf.write(str(path), data, RATE, subtype=subtype, format="WAVEX")
    assert sf.info(str(path)).format == "WAVEX"
    return data


CASES = [(2, "PCM_24"), (6, "PCM_16"), (6, "PCM_24"), (4, "FLOAT")]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args], capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(("channels", "subtype"), CASES)
def test_extensible_wav_opens_as_wav(tmp_path: Path, channels: int, subtype: str) -> None:
    path = tmp_path / "field.wav"
    data = recorder_file(path, channels, subtype)
    info = check(path)
    assert (info.format, info.channels, info.subtype) == ("WAV", channels, subtype)
    src = open_source(path, tmp_path / "decoded")
    assert (len(src), src.channels) == (2 * RATE, channels)
    got = src.read_all_channels(1000, 500)
    assert np.allclose(got, data[1000:1500], atol=1e-4)
    assert np.allclose(src.read(1000, 500, MIX), data[1000:1500].mean(axis=1), atol=1e-4)


def folder(tmp_path: Path) -> Path:
    d = tmp_path / "recorder"
    d.mkdir()
    recorder_file(d / "stereo24.wav", 2, "PCM_24")
    recorder_file(d / "six.wav", 6, "PCM_16")
    return d


def test_import_and_export_of_extensible_wav(tmp_path: Path) -> None:
    d = folder(tmp_path)
    r = run_cli("import", str(d))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "2 recording(s) queued, 0 refused" in r.stdout
    assert "not supported" not in r.stdout + r.stderr
    out = tmp_path / "all.jsonl"
    r = run_cli("export", str(d), "--all", "-o", str(out))
    assert r.returncode == 0, r.stderr
    rows = {Path(row["audio"]).name: row for row in map(json.loads, out.read_text().splitlines())}
    assert set(rows) == {"stereo24.wav", "six.wav"}
    assert all(abs(row["duration_s"] - 2.0) < 1e-6 for row in rows.values())


@pytest.fixture
def player(qapp: object, pulse: str) -> Iterator[Player]:
    p = Player()
    assert p.available, "the null sink should be the default output"
    yield p
    p.shutdown()


@pytest.mark.parametrize(("channels", "subtype"), [(2, "PCM_24"), (6, "PCM_16")])
def test_extensible_wav_plays_through_the_sink(
    player: Player, tmp_path: Path, channels: int, subtype: str
) -> None:
    path = tmp_path / "field.wav"
    recorder_file(path, channels, subtype)
    player.set_audio(open_source(path, tmp_path / "decoded"))
    wait_until(lambda: player.flowing)
    assert player.play(0.0)
    start = player.consumed_frames()
    run_for(0.8)
    assert player.playing
    assert player.consumed_frames() - start > 0.4 * RATE  # the sink really took the audio
    assert 0.4 < player.position_s() < 1.5


def damaged_mp3(path: Path) -> Path:
    """An ID3 tag and one MPEG frame header, then garbage: libmpg123 talks while it resyncs,
    every time (a real MP3 with bytes overwritten decodes differently from run to run)."""
    path.write_bytes(b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" + b"\x00junk" * 300)
    return path


def test_a_damaged_mp3_prints_only_earmarks_line(tmp_path: Path) -> None:
    d = tmp_path / "mp3"
    d.mkdir()
    damaged_mp3(d / "call.mp3")
    r = run_cli("import", str(d))
    assert r.returncode == 1
    assert r.stdout.splitlines()[0] == (
        "refused: call.mp3: not a recording Earmark can read: damaged, or not audio at all."
    )
    assert r.stderr == "", r.stderr  # no "Note: Illegal Audio-MPEG-Header", no "[src/libmpg123"


def test_the_harness_sees_libmpg123_when_it_is_not_quieted(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Broken variant: without the redirection the decoder's text reaches descriptor 2."""
    path = damaged_mp3(tmp_path / "call.mp3")
    monkeypatch.setattr(load, "c_stderr_to_log", lambda _name: nullcontext())
    with pytest.raises(load.AudioError):
        check(path)
    said = capfd.readouterr().err
    assert "MPEG" in said or "mpg123" in said, said
