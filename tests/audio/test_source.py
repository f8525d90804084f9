"""Sources read any length without loading it; pyramids stream, cache, and rebuild on change."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from app.audio.clip import prepare_clip
from app.audio.peaks import BASE_BLOCK, PeakCache, PyramidBuilder, compute_pyramid
from app.audio.source import MIX, open_source


def noise(frames: int, channels: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-0.9, 0.9, (frames, channels)).astype(np.float32)


@pytest.mark.parametrize(
    ("subtype", "fmt", "suffix", "tol"),
    [
        ("PCM_16", "WAV", ".wav", 1 / 32768),
        ("PCM_24", "WAV", ".wav", 1e-6),
        ("PCM_32", "WAV", ".wav", 1e-7),
        ("FLOAT", "WAV", ".wav", 0.0),
        ("PCM_U8", "WAV", ".wav", 1 / 128),
        ("PCM_16", "FLAC", ".flac", 1 / 32768),
    ],
)
def test_sources_read_what_soundfile_reads(
    tmp_path: Path, subtype: str, fmt: str, suffix: str, tol: float
) -> None:
    path = tmp_path / f"x{suffix}"
    sf.write(str(path), noise(40_000, 2), 16000, subtype=subtype, format=fmt)
    expect, _ = sf.read(str(path), dtype="float32", always_2d=True)
    src = open_source(path, tmp_path / "decoded")
    assert (len(src), src.channels, src.rate) == (40_000, 2, 16000)
    for start, n in ((0, 100), (12_345, 5000), (39_990, 100)):
        got = src.read_all_channels(start, n)
        assert np.allclose(got, expect[start : start + n], atol=tol * 1.01)
        assert np.allclose(src.read(start, n, 1), expect[start : start + n, 1], atol=tol * 1.01)
        assert np.allclose(
            src.read(start, n, MIX), expect[start : start + n].mean(axis=1), atol=tol * 1.01
        )


def test_wav_is_mapped_not_copied(tmp_path: Path) -> None:
    path = tmp_path / "m.wav"
    sf.write(str(path), noise(10_000, 1), 16000, subtype="PCM_16")
    src = open_source(path, tmp_path / "decoded")
    assert isinstance(src._frames, np.memmap)
    assert not (tmp_path / "decoded").exists() or not any((tmp_path / "decoded").iterdir())


def test_streaming_builder_equals_the_one_shot_pyramid_at_every_stage() -> None:
    x = noise(1_000_003, 1)[:, 0]
    b = PyramidBuilder(len(x))
    block = BASE_BLOCK * 1000
    for k in range(0, len(x), block):
        b.feed(x[k : k + block])
        part = b.snapshot()
        ref = compute_pyramid(x[: part.frames])
        for lv, rv in zip(part.levels, ref.levels, strict=True):
            assert np.array_equal(lv.mins, rv.mins) and np.array_equal(lv.maxs, rv.maxs)
    assert b.complete


def test_cached_pyramid_is_reused_and_rebuilt_when_the_audio_changes(tmp_path: Path) -> None:
    path = tmp_path / "long.wav"
    sf.write(str(path), noise(16000 * 150, 2), 16000, subtype="PCM_16")  # over SMALL_FRAMES
    cache = PeakCache(tmp_path / "peaks")
    clip = prepare_clip(str(path), cache, tmp_path / "decoded")
    assert not clip.complete and set(clip.builders) == {MIX, 0, 1}
    assert clip.build(cache) and clip.complete
    files = sorted(p.name for p in (tmp_path / "peaks").glob("*.npz"))
    assert len(files) == 1
    again = prepare_clip(str(path), cache, tmp_path / "decoded")
    assert again.complete  # straight from the cache
    for ch in (MIX, 0, 1):
        a, b = clip.pyramid(ch), again.pyramid(ch)
        assert all(np.array_equal(x.mins, y.mins) for x, y in zip(a.levels, b.levels, strict=True))
    sf.write(str(path), noise(16000 * 150, 2, seed=9), 16000, subtype="PCM_16")
    os.utime(path, ns=(1, 1))  # a different file now, whatever the clock
    changed = prepare_clip(str(path), cache, tmp_path / "decoded")
    assert not changed.complete
    changed.build(cache)
    assert not np.array_equal(changed.pyramid(0).levels[0].mins, clip.pyramid(0).levels[0].mins)


EIGHT_HOURS = r"""
import sys, tracemalloc
from pathlib import Path
import numpy as np, soundfile as sf
path, cache = Path(sys.argv[1]), Path(sys.argv[2])
rate, hours = 16000, float(sys.argv[3])
with sf.SoundFile(str(path), "w", rate, 1, "PCM_16") as f:
    block = (0.3 * np.sin(np.arange(rate * 60) / 7)).astype(np.float32)
    for _ in range(int(hours * 60)):
        f.write(block)
from app.audio.clip import prepare_clip
from app.audio.peaks import PeakCache, envelope
tracemalloc.start()
clip = prepare_clip(str(path), PeakCache(cache / "peaks"), cache / "decoded")
clip.build(PeakCache(cache / "peaks"))
pyr = clip.pyramid()
for k in range(50):  # pan and zoom about
    start = int(k / 50 * (len(clip.source) - rate))
    envelope(lambda s, n: clip.source.read(s, n), pyr, start, start + rate * 10 ** (k % 5), 1600)
clip.source.read(len(clip.source) - rate, rate)  # play near the end
print(tracemalloc.get_traced_memory()[1] // (1024 * 1024))
"""


def heap_mb(tmp_path: Path, hours: float) -> int:
    r = subprocess.run(
        [
            sys.executable,
            "-c",
            EIGHT_HOURS,
            str(tmp_path / f"{hours}h.wav"),
            str(tmp_path),
            str(hours),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    (tmp_path / f"{hours}h.wav").unlink()
    return int(r.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_eight_hours_stay_within_the_heap_bound(tmp_path: Path) -> None:
    """B3: heap at most 300 MB for 8 h, and at most 50 MB more than for 1 h."""
    one, eight = heap_mb(tmp_path, 1.0), heap_mb(tmp_path, 8.0)
    assert eight <= 300, f"8 h took {eight} MB of heap"
    assert eight - one <= 50, f"8 h took {eight - one} MB more than 1 h"
