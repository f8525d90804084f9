import numpy as np
import pytest

from app.audio.peaks import BASE_BLOCK, compute_pyramid, envelope


def reader(x: np.ndarray):  # type: ignore[no-untyped-def]
    return lambda start, n: x[start : start + n]


@pytest.mark.parametrize("n", [1, 255, 256, 257, 100_003])
def test_every_level_matches_brute_force(n: int) -> None:
    x = np.random.default_rng(n).uniform(-1, 1, n).astype(np.float32)
    pyr = compute_pyramid(x)
    for lv in pyr.levels:
        blocks = -(-n // lv.block)
        assert len(lv.mins) >= blocks
        for k in range(blocks):
            seg = x[k * lv.block : (k + 1) * lv.block]
            assert lv.mins[k] == seg.min() and lv.maxs[k] == seg.max()
    assert len(pyr.levels[-1].mins) == 1


def test_envelope_picks_a_level_no_coarser_than_a_pixel_and_covers_the_view() -> None:
    x = np.random.default_rng(1).uniform(-1, 1, 1_000_000).astype(np.float32)
    pyr = compute_pyramid(x)
    start, stop, px = 123_457, 876_543, 800
    xs, lo, hi = envelope(reader(x), pyr, start, stop, px)
    block = int(xs[1] - xs[0])
    assert BASE_BLOCK <= block <= (stop - start) / px
    assert xs[0] <= start and xs[-1] + block >= stop
    for k in range(0, len(xs), 37):
        seg = x[int(xs[k]) : int(xs[k]) + block]
        assert lo[k] == seg.min() and hi[k] == seg.max()


def test_envelope_below_the_base_level_uses_raw_samples() -> None:
    x = np.random.default_rng(2).uniform(-1, 1, 10_000).astype(np.float32)
    xs, lo, hi = envelope(reader(x), compute_pyramid(x), 1000, 1400, 200)
    assert len(xs) == 200
    assert lo[0] == x[1000:1002].min() and hi[-1] == x[1398:1400].max()


def test_envelope_at_the_edges() -> None:
    x = np.arange(1000, dtype=np.float32)
    pyr = compute_pyramid(x)
    assert len(envelope(reader(x), pyr, 990, 2000, 10)[0]) >= 1
    assert len(envelope(reader(x), pyr, 2000, 3000, 10)[0]) == 0
