"""Every kind of broken file soundfile accepts silently (or misnames) gives its typed error with
a readable sentence: empty, truncated, a header lying about its length, garbage with an audio
name, too many channels, impossible rates, NaN/Inf samples."""

import hashlib
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from app.audio import load as L
from tests.conftest import write_tone


@pytest.fixture(params=["load", "check"])
def read(request: pytest.FixtureRequest) -> object:
    """Both the full decoder and the bounded-memory check must refuse each broken file."""
    return getattr(L, request.param)


def test_good_wav_loads_as_float32(tmp_path: Path) -> None:
    a = L.load(write_tone(tmp_path / "ok.wav", 1.0, channels=2))
    assert a.samples.dtype == np.float32 and a.samples.shape == (16000, 2)
    assert a.mono().shape == (16000,)
    assert a.info.duration_s == pytest.approx(1.0)


def test_empty_file(tmp_path: Path, read: Callable[[Path], object]) -> None:
    (tmp_path / "e.wav").write_bytes(b"")
    with pytest.raises(L.EmptyAudio, match="empty"):
        read(tmp_path / "e.wav")


def test_truncated_wav(tmp_path: Path, read: Callable[[Path], object]) -> None:
    p = write_tone(tmp_path / "t.wav", 1.0)
    p.write_bytes(p.read_bytes()[:12000])
    with pytest.raises(L.TruncatedAudio, match="cut short"):
        read(p)


def test_header_lying_about_length(tmp_path: Path, read: Callable[[Path], object]) -> None:
    p = write_tone(tmp_path / "lie.wav", 0.5)
    raw = bytearray(p.read_bytes())
    k = raw.index(b"data")
    struct.pack_into("<I", raw, k + 4, 10 * 16000 * 2)  # claims 10 s
    p.write_bytes(bytes(raw))
    with pytest.raises(L.TruncatedAudio):
        read(p)


def test_garbage_with_an_audio_name(tmp_path: Path, read: Callable[[Path], object]) -> None:
    p = tmp_path / "garbage.mp3"
    p.write_bytes(b"\x00" * 100 + b"not audio at all" * 50)
    with pytest.raises(L.UnreadableAudio, match="not a recording"):
        read(p)


def test_truncated_ogg(tmp_path: Path, read: Callable[[Path], object]) -> None:
    p = tmp_path / "t.ogg"
    t = np.arange(16000 * 2) / 16000
    sf.write(
        str(p),
        (0.3 * np.sin(2 * np.pi * 300 * t)).astype(np.float32),
        16000,
        format="OGG",
        subtype="VORBIS",
    )
    p.write_bytes(p.read_bytes()[:300])
    with pytest.raises(L.AudioError):
        read(p)


def test_too_many_channels(tmp_path: Path, read: Callable[[Path], object]) -> None:
    p = tmp_path / "many.wav"
    sf.write(str(p), np.zeros((100, 16), dtype=np.float32), 16000, subtype="PCM_16")
    with pytest.raises(L.TooManyChannels, match="16 channels"):
        read(p)


def test_absurd_sample_rate(tmp_path: Path, read: Callable[[Path], object]) -> None:
    p = write_tone(tmp_path / "r.wav", 0.1)
    raw = bytearray(p.read_bytes())
    struct.pack_into("<I", raw, 24, 1_000_000)  # fmt chunk sample rate
    p.write_bytes(bytes(raw))
    with pytest.raises(L.BadSampleRate, match="sample rate"):
        read(p)


def test_nan_samples(tmp_path: Path, read: Callable[[Path], object]) -> None:
    p = tmp_path / "nan.wav"
    x = np.zeros(1600, dtype=np.float32)
    x[100] = np.nan
    sf.write(str(p), x, 16000, subtype="FLOAT")
    with pytest.raises(L.CorruptSamples, match="NaN"):
        read(p)


def test_checksum_and_duration_from_the_server(tmp_path: Path) -> None:
    p = write_tone(tmp_path / "s.wav", 1.0)
    good = hashlib.sha256(p.read_bytes()).hexdigest()
    assert L.load(p, expected_sha256=good, expected_duration_s=1.0).info.frames == 16000
    with pytest.raises(L.ChecksumMismatch):
        L.load(p, expected_sha256="0" * 64)
    with pytest.raises(L.TruncatedAudio):
        L.load(p, expected_duration_s=2.0)


def test_missing_file(tmp_path: Path, read: Callable[[Path], object]) -> None:
    with pytest.raises(L.UnreadableAudio, match="does not exist"):
        read(tmp_path / "nope.wav")
