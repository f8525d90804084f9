"""Recordings opened on a worker and kept in a small cache, the next ones fetched ahead; a long
recording's waveform fills in, redrawn on a timer, while its pyramids are built."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer

from app.audio.clip import Clip, ClipCache, prepare_clip
from app.audio.peaks import PeakCache
from app.ui.main_window import MainWindow
from app.workstation.store.paths import decode_cache_dir, peak_cache_dir
from app.workstation.tasks import QtRunner, log_failure

PEAKS_REDRAW_MS = 100


class ClipFeed(QObject):
    def __init__(
        self,
        runner: QtRunner,
        window: MainWindow,
        audio_key: bytes | None,
        shown: Callable[[], Clip | None],
        wanted: Callable[[], str | None],
        show: Callable[[Clip], None],
    ) -> None:
        """`shown` is the clip on screen, `wanted` the path of the open item's recording, and
        `show` puts a clip on screen."""
        super().__init__()
        self.runner, self.window, self.audio_key = runner, window, audio_key
        self.shown, self.wanted, self.show = shown, wanted, show
        self.clips = ClipCache()
        self.peak_cache = PeakCache(peak_cache_dir())
        self._loading: set[str] = set()
        self._timer = QTimer(self)
        self._timer.setInterval(PEAKS_REDRAW_MS)
        self._timer.timeout.connect(self._tick)

    def get(self, path: str) -> Clip | None:
        return self.clips.get(path)

    def load(self, path: str) -> None:
        if path in self._loading:
            return
        self._loading.add(path)

        def done(clip: Clip) -> None:
            self._loading.discard(path)
            self.clips.put(clip)
            if self.wanted() == path and self.shown() is None:
                self.show(clip)
            if not clip.complete:
                self._build(clip)

        def failed(exc: BaseException) -> None:
            self._loading.discard(path)
            if self.wanted() == path:
                self.window.say(f"Cannot play this recording: {exc}", error=True)

        peaks, decoded, key = self.peak_cache, decode_cache_dir(), self.audio_key
        self.runner.background(lambda: prepare_clip(path, peaks, decoded, key), done, failed)

    def prefetch(self, paths: Iterable[str]) -> None:
        for path in paths:
            if self.clips.get(path) is None:
                self.load(path)

    def _build(self, clip: Clip) -> None:
        """Pyramids of a long recording, on a worker; the waveform fills in meanwhile."""
        peaks = self.peak_cache

        def done(_ok: bool) -> None:
            if self.shown() is clip:
                self.window.waveform.refresh_peaks()
                self.window.say(f"Waveform of {Path(clip.path).name} complete.")

        self.runner.background(lambda: clip.build(peaks), done, log_failure("peak building"))
        if not self._timer.isActive():
            self._timer.start()

    def _tick(self) -> None:
        clip = self.shown()
        # read once: the building worker replaces the dict (never empties it) when it finishes
        builders = list(clip.builders.values()) if clip is not None else []
        if not builders:
            if all(c.complete for c in self.clips.values()):
                self._timer.stop()
            return
        self.window.waveform.refresh_peaks()
        b = builders[0]
        self.window.say(f"Drawing the waveform: {100 * b.filled // max(1, b.frames)} %")
