import numpy as np
import pytest

from app.audio.spectrogram import (
    BASE_HOP,
    N_FFT,
    TILE_COLS,
    SpectrogramTiles,
    hop_for,
    stft_db,
)

RATE = 16000


def chirp(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.5 * np.sin(2 * np.pi * (200 + 300 * t) * t)).astype(np.float32)


def direct(x: np.ndarray, start: int, hop: int, columns: int) -> np.ndarray:
    """A plain STFT written out column by column."""
    win = np.hanning(N_FFT)
    out = []
    for k in range(columns):
        seg = x[start + k * hop : start + k * hop + N_FFT]
        seg = np.pad(seg, (0, N_FFT - len(seg)))
        out.append(10 * np.log10(np.maximum(np.abs(np.fft.rfft(seg * win)) ** 2, 1e-12)))
    return np.clip(np.array(out), -120, None)


def test_tiles_match_a_direct_stft_of_the_same_window() -> None:
    x = chirp(20.0)
    tiles = SpectrogramTiles()
    read = lambda s, n: x[s : s + n]  # noqa: E731
    w = tiles.window("a", -1, read, len(x), 3 * RATE, 9 * RATE, 800)
    assert w.hop == hop_for(6 * RATE, 800) and w.start <= 3 * RATE
    ref = direct(x, w.start, w.hop, len(w.image))
    assert w.image.shape == ref.shape
    shown = ref > ref.max() - 90  # what any display range shows; float32 differs in the floor
    assert shown.sum() > 10_000  # the chirp is there to compare
    assert np.allclose(w.image[shown], ref[shown], atol=0.05)


def test_a_tone_peaks_in_its_frequency_bin() -> None:
    t = np.arange(RATE) / RATE
    x = np.sin(2 * np.pi * 1000 * t).astype(np.float32)
    img = stft_db(x, BASE_HOP, 10)
    assert np.all(np.argmax(img, axis=1) == round(1000 / (RATE / N_FFT)))


def test_tiles_are_cached_and_levels_follow_the_zoom() -> None:
    x = chirp(30.0)
    tiles = SpectrogramTiles()
    read = lambda s, n: x[s : s + n]  # noqa: E731
    tiles.window("a", -1, read, len(x), 0, 5 * RATE, 1000)
    computed = tiles.computed
    tiles.window("a", -1, read, len(x), RATE, 4 * RATE, 1000)  # inside: same level
    assert tiles.computed == computed or hop_for(3 * RATE, 1000) != hop_for(5 * RATE, 1000)
    assert hop_for(30 * RATE, 1000) > hop_for(RATE, 1000)
    assert hop_for(10, 1000) == BASE_HOP


def test_window_at_the_end_of_the_file() -> None:
    x = chirp(2.0)
    w = SpectrogramTiles().window(
        "a", -1, lambda s, n: x[s : s + n], len(x), len(x) - 4000, len(x), 500
    )
    assert w.start + (len(w.image) - 1) * w.hop < len(x)
    assert len(w.image) <= TILE_COLS * 2


@pytest.mark.parametrize("pixels", [1, 10_000])
def test_hop_is_a_power_of_two_times_the_base(pixels: int) -> None:
    h = hop_for(RATE * 3600, pixels)
    assert h % BASE_HOP == 0 and (h // BASE_HOP) & (h // BASE_HOP - 1) == 0


def test_far_zoom_reads_only_the_columns_windows() -> None:
    from app.audio.spectrogram import SPARSE_HOP

    x = chirp(600.0)
    asked: list[int] = []

    def read(s: int, n: int) -> np.ndarray:
        asked.append(n)
        return x[s : s + n]

    tiles = SpectrogramTiles()
    w = tiles.window("a", -1, read, len(x), 0, len(x), 300)
    assert w.hop > SPARSE_HOP
    assert max(asked) == N_FFT and sum(asked) <= len(w.image) * N_FFT * 2
    ref = direct(x, w.start, w.hop, len(w.image))
    shown = ref > ref.max() - 90
    assert np.allclose(w.image[shown], ref[shown], atol=0.05)
