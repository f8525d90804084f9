"""Recordings from a server are sealed in the cache: readable with the key, noise without it."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from app.audio.clip import prepare_clip
from app.audio.peaks import PeakCache
from app.audio.source import MIX, open_source
from app.audio.vault import CHUNK, VaultError, VaultReader, new_key, seal

AUDIO_MAGICS = (b"RIFF", b"WAVE", b"fLaC", b"OggS", b"ID3")


def noise(frames: int, channels: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-0.9, 0.9, (frames, channels)).astype(np.float32)


def sealed_recording(tmp_path: Path, key: bytes, fmt: str = "WAV", channels: int = 2) -> Path:
    plain = tmp_path / f"plain.{fmt.lower()}"
    # long enough to span several chunks, so reads cross chunk edges
    sf.write(str(plain), noise(700_000, channels), 16000, subtype="PCM_16", format=fmt)
    target = tmp_path / "cache" / "task.emk"
    target.parent.mkdir()
    seal(plain.read_bytes(), key, target)
    return target


def test_any_byte_range_reads_back(tmp_path: Path) -> None:
    key = new_key()
    data = os.urandom(3 * CHUNK + 12_345)
    seal(data, key, tmp_path / "x.emk")
    reader = VaultReader(tmp_path / "x.emk", key)
    rng = np.random.default_rng(1)
    edges = [(CHUNK - 3, 10), (0, len(data)), (len(data) - 5, 100), (2 * CHUNK, CHUNK)]
    for offset, n in edges + [(int(rng.integers(len(data))), 70_000) for _ in range(50)]:
        assert reader.pread(offset, n) == data[offset : offset + n]
    reader.seek(CHUNK - 1)
    assert reader.read(4) == data[CHUNK - 1 : CHUNK + 3]
    reader.close()


@pytest.mark.parametrize(("fmt", "channels"), [("WAV", 2), ("WAV", 1), ("FLAC", 1)])
def test_a_sealed_recording_reads_as_the_plain_one(tmp_path: Path, fmt: str, channels: int) -> None:
    key = new_key()
    path = sealed_recording(tmp_path, key, fmt, channels)
    plain = open_source(tmp_path / f"plain.{fmt.lower()}", tmp_path / "decoded")
    sealed = open_source(path, tmp_path / "decoded-sealed", key=key)
    assert (len(sealed), sealed.channels, sealed.rate) == (len(plain), channels, 16000)
    for start, n in [(0, 100), (CHUNK // 4 - 7, 50_000), (len(plain) - 10, 100), (1234, 600_000)]:
        np.testing.assert_array_equal(sealed.read(start, n, MIX), plain.read(start, n, MIX))
        np.testing.assert_array_equal(
            sealed.read_all_channels(start, n), plain.read_all_channels(start, n)
        )
    assert not (tmp_path / "decoded-sealed").exists(), "nothing plain is decoded to disk"


def test_the_cache_holds_no_audio_in_the_clear(tmp_path: Path) -> None:
    path = sealed_recording(tmp_path, new_key())
    plain = (tmp_path / "plain.wav").read_bytes()
    assert not leaks(path.read_bytes(), plain)
    # and the scan can fail: an unsealed copy is caught, by its header and by its samples
    assert leaks(plain, plain)
    assert leaks(b"\0" * 64 + plain[100_000:200_000], plain)


def leaks(blob: bytes, plain: bytes) -> bool:
    """Whether a file shows an audio header where sniffers look, or any 32-byte run of the
    recording (a 3-byte magic somewhere in a megabyte of ciphertext is mere chance)."""
    if any(m in blob[:64] for m in AUDIO_MAGICS):
        return True
    step = len(plain) // 400
    return any(plain[i : i + 32] in blob for i in range(0, len(plain) - 32, step))


def test_without_the_right_key_it_is_a_clear_error(tmp_path: Path) -> None:
    key = new_key()
    path = sealed_recording(tmp_path, key)
    with pytest.raises(VaultError, match="encrypted with the workstation's key"):
        open_source(path, tmp_path / "decoded")
    with pytest.raises(VaultError, match="another key"):
        open_source(path, tmp_path / "decoded", key=new_key())


def test_a_damaged_chunk_is_found(tmp_path: Path) -> None:
    key = new_key()
    path = sealed_recording(tmp_path, key)
    raw = bytearray(path.read_bytes())
    raw[CHUNK + 500] ^= 1  # a bit flipped in the second chunk
    path.write_bytes(bytes(raw))
    src = open_source(path, tmp_path / "decoded", key=key)  # the header chunk is intact
    src.read(0, 1000)
    with pytest.raises(VaultError, match="damaged"):
        src.read(0, len(src))


def test_a_sealed_recording_gets_its_waveform(tmp_path: Path) -> None:
    key = new_key()
    path = sealed_recording(tmp_path, key)
    clip = prepare_clip(str(path), PeakCache(tmp_path / "peaks"), tmp_path / "decoded", key)
    assert clip.complete and clip.duration_s == pytest.approx(700_000 / 16000)
    pyr = clip.pyramid(MIX)
    assert pyr.levels[0].maxs.max() > 0.5
