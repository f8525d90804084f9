"""Spectrogram tiles for the visible window, computed on a worker once zooming settles; a
newer request makes older ones moot."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from app.audio.clip import Clip
from app.audio.spectrogram import SpectrogramTiles, Window
from app.ui.spectrogram_view import SpectrogramView
from app.workstation.tasks import QtRunner, log_failure


class SpectrogramFeed:
    def __init__(
        self, runner: QtRunner, view: SpectrogramView, current: Callable[[], Clip | None]
    ) -> None:
        self.runner, self.view, self.current = runner, view, current
        self.tiles = SpectrogramTiles()
        self._generation = 0
        self.ready_ms: list[float] = []  # request to shown, for the benchmark (B7)

    def ask(self, clip: Clip | None, channel: int, x0: float, x1: float, pixels: int) -> None:
        if clip is None:
            return
        self._generation += 1
        generation, tiles = self._generation, self.tiles
        rate, asked = clip.sample_rate_hz, time.perf_counter()

        def work() -> Window:
            def read(s: int, n: int) -> np.ndarray:
                return clip.source.read(s, n, channel)

            return tiles.window(
                clip.path,
                channel,
                read,
                len(clip.source),
                int(x0 * rate),
                int(x1 * rate) + 1,
                pixels,
            )

        def done(window: Window) -> None:
            if generation == self._generation and self.current() is clip:
                self.view.show_window(window)
                self.ready_ms.append((time.perf_counter() - asked) * 1000)

        self.runner.background(work, done, log_failure("spectrogram"))
