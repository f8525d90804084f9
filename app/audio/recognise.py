"""A rough draft transcript from PocketSphinx's English language model, for a recording that
came without an ASR hypothesis (the `align` extra, like the aligner).

The recording is decoded in its speech spans (found from pauses), a long span cut into pieces
of at most 30 s, on a worker; each piece becomes a segment of the draft. It is a first draft to
correct, never a hypothesis from the team's own recogniser, and it is marked as such wherever
it goes.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from app.audio.align import RATE_HZ, decode, to_pcm16
from app.audio.pauses import peaks_of_file, speech_spans
from app.audio.peaks import BASE_BLOCK
from app.audio.source import MIX, open_source
from app.model.annotation import Segment

F32 = npt.NDArray[np.float32]
MAX_PIECE_S = 30.0
EDGE_S = 0.25  # quiet before and after each piece: the decoder finds speech onsets from it


def pieces(
    spans: Sequence[tuple[float, float]], max_s: float = MAX_PIECE_S
) -> list[tuple[float, float]]:
    """The spans, each longer than `max_s` cut into equal pieces no longer than it."""
    out = []
    for a, b in spans:
        n = max(1, math.ceil((b - a) / max_s))
        out += [(a + (b - a) * k / n, a + (b - a) * (k + 1) / n) for k in range(n)]
    return out


def recogniser_name() -> str:
    try:
        return f"PocketSphinx {version('pocketsphinx')}, en-us model"
    except PackageNotFoundError:
        return "PocketSphinx"


class Recogniser:
    """One decoder with the English language model, made on first use (about 0.3 s)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._decoder: Any = None
        self._cmn = ""

    def _dec(self) -> Any:
        if self._decoder is None:
            from pocketsphinx import Decoder  # type: ignore[import-untyped]  # the optional extra

            self._decoder = Decoder(samprate=RATE_HZ, loglevel="FATAL")
            self._cmn = self._decoder.get_cmn(False)
        return self._decoder

    def draft(
        self,
        read: Callable[[int, int], F32],
        rate_hz: int,
        spans: Sequence[tuple[float, float]],
        progress: Callable[[float], None] = lambda _f: None,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> tuple[Segment, ...] | None:
        """A segment with the words heard for each piece of speech in `spans` (pieces where
        nothing was heard left out); None if cancelled. `read(first_frame, n)` gives mono
        samples; `progress` gets the share of the speech done."""
        todo = pieces(spans)
        total = sum(b - a for a, b in todo) or 1.0
        done, out = 0.0, []
        with self._lock:
            dec = self._dec()
            dec.set_cmn(self._cmn)  # the recording's own level is learnt from its first piece
            for a, b in todo:
                first = int(a * rate_hz)
                samples = _padded(read(first, max(0, int(b * rate_hz) - first)), rate_hz)
                if not decode(dec, to_pcm16(samples, rate_hz), cancelled):
                    return None
                hyp = dec.hyp()
                text = " ".join(hyp.hypstr.split()) if hyp is not None else ""
                if text:
                    out.append(Segment(a, b, text))
                done += b - a
                progress(done / total)
        return tuple(out)


def _padded(samples: F32, rate_hz: int) -> F32:
    edge = np.zeros(int(EDGE_S * rate_hz), np.float32)
    return np.concatenate([edge, samples, edge])  # dithered, like all, by to_pcm16


def draft_file(
    rec: Recogniser,
    path: Path,
    segments: Sequence[Segment],
    decode_cache: Path,
    progress: Callable[[float], None] = lambda _f: None,
) -> tuple[Segment, ...]:
    """A draft of a recording on disk (for `earmark import --draft`): its speech inside the
    given segments (or the whole recording), found from pauses in its peak data."""
    mins, maxs, rate = peaks_of_file(path)
    bounds = [(s.start_s, s.end_s) for s in segments] or [(0.0, len(mins) * BASE_BLOCK / rate)]
    spans = [
        span
        for a, b in bounds
        for span in speech_spans(mins, maxs, BASE_BLOCK, rate, start_s=a, end_s=b)
    ]
    source = open_source(path, decode_cache)
    draft = rec.draft(lambda first, n: source.read(first, n, MIX), rate, spans, progress)
    return draft or ()
