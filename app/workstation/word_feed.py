"""Words of the open recording's segments aligned on a worker, one segment at a time, the selected
one first; typing settles before its segment is aligned again, and only a segment whose text or
bounds changed is aligned again. Shows the result in the transcript panel."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Sequence

from PySide6.QtCore import QTimer

from app.audio.align import Aligner, unavailable
from app.audio.clip import Clip
from app.audio.source import MIX
from app.model.annotation import Segment
from app.model.conventions import Conventions
from app.model.words import SegmentWords
from app.ui.transcript_panel import TranscriptPanel
from app.workstation.tasks import QtRunner, log_failure

SETTLE_MS = 500  # after the last keystroke, before the edited segment is aligned again
KEEP = 20000  # segments' alignments kept in memory

Key = tuple[str, float, float, str]


def key_of(path: str, seg: Segment) -> Key:
    return (path, round(seg.start_s, 4), round(seg.end_s, 4), seg.text)


class WordFeed:
    def __init__(self, runner: QtRunner, conv: Conventions, panel: TranscriptPanel) -> None:
        self.runner, self.conv, self.panel = runner, conv, panel
        self.aligner = Aligner()
        self.unavailable = unavailable(conv)
        self.cache: OrderedDict[Key, SegmentWords] = OrderedDict()
        self.pending: list[tuple[Key, Clip, Segment]] = []
        self.busy: Key | None = None
        self.aligned: list[Key] = []  # in the order they were aligned: for tests
        self.took_ms: list[float] = []  # worker time of each, for the benchmark
        self._wanted_at = 0.0
        self.on_aligned: Callable[[], None] = lambda: None
        self._timer = QTimer()
        self._timer.setSingleShot(True)
        self._timer.setInterval(SETTLE_MS)
        self._timer.timeout.connect(self._next)

    # -- what to align ------------------------------------------------------------------------
    def want(self, clip: Clip | None, segments: Sequence[Segment], selected: int) -> None:
        """The segments as they are now: those not aligned yet are queued, the selected first."""
        if self.unavailable or clip is None:
            self.pending = []
            return
        n = len(segments)
        order = [selected, *range(selected + 1, n), *range(0, selected)]
        self.pending = [
            (key, clip, segments[k])
            for k in order
            if 0 <= k < n
            and segments[k].text.strip()
            and (key := key_of(clip.path, segments[k])) not in self.cache
            and key != self.busy
        ]
        self._wanted_at = time.monotonic()
        if self.pending and self.busy is None:
            self._timer.start()  # restarted by every keystroke: aligned once typing settles

    def words(self, clip: Clip | None, seg: Segment | None) -> SegmentWords | None:
        if clip is None or seg is None:
            return None
        return self.cache.get(key_of(clip.path, seg))

    def _next(self) -> None:
        if self.busy is not None or not self.pending:
            return
        key, clip, seg = self.pending.pop(0)
        self.busy = key
        aligner, conv, rate = self.aligner, self.conv, clip.sample_rate_hz

        def work() -> tuple[SegmentWords, float]:
            t0 = time.perf_counter()
            first = int(seg.start_s * rate)
            samples = clip.source.read(first, max(0, int(seg.end_s * rate) - first), MIX)
            result = aligner.align(samples, rate, first / rate, seg.text, conv)
            return result, (time.perf_counter() - t0) * 1000

        def done(out: tuple[SegmentWords, float]) -> None:
            self.busy = None
            self.cache[key] = out[0]
            while len(self.cache) > KEEP:
                self.cache.popitem(last=False)
            self.aligned.append(key)
            self.took_ms.append(out[1])
            self.on_aligned()
            self._continue()

        def failed(exc: BaseException) -> None:
            self.busy = None
            log_failure("word alignment")(exc)
            self._continue()

        self.runner.background(work, done, failed)

    def _continue(self) -> None:
        if (time.monotonic() - self._wanted_at) * 1000 < SETTLE_MS:
            self._timer.start()  # still typing: wait for it to settle
        else:
            self._next()

    # -- what the panel shows -----------------------------------------------------------------
    def show(self, clip: Clip | None, seg: Segment | None) -> None:
        """The selected segment's words: which are placed, and a line saying how it stands."""
        words = self.words(clip, seg)
        self.panel.show_words(words, self._status(clip, seg, words))

    def _status(self, clip: Clip | None, seg: Segment | None, words: SegmentWords | None) -> str:
        if self.unavailable:
            return self.unavailable
        if seg is None or not seg.text.strip():
            return ""
        if words is None:
            return "Words: being aligned to the audio…" if clip is not None else ""
        if not words.words:
            return ""
        if not any(w.has_time for w in words.words):
            return f"Words not tied to the audio. {words.note}"
        placed = sum(w.has_time for w in words.words) - len(words.guessed)
        parts = [f"Words tied to the audio: {placed} of {len(words.words)}"]
        if words.guessed:
            names = ", ".join(f"“{w.word}”" for w in words.guessed)
            parts.append(f"guessed (not in the dictionary): {names}")
        if words.note:
            parts.append(words.note)
        return " · ".join(parts)

    def heard(self, clip: Clip | None, seg: Segment | None, pos_s: float, playing: bool) -> int:
        """Highlight the word being heard; its character position (or -1 if none)."""
        words = self.words(clip, seg)
        word = words.at(pos_s) if words is not None and playing else None
        return self.panel.set_current_word(None if word is None else word.index)
