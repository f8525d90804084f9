"""Forced alignment of a segment's words to its audio with PocketSphinx (the `align` extra).

PocketSphinx's wheel ships an English acoustic model and a 134,000-word dictionary, so this
works offline with no download. Without the extra, or for a project in another language,
nothing is aligned and `unavailable` says why. Runs on a worker: the decoder holds the GIL
while it works, so the audio is fed in 0.1 s pieces, handing the GIL over after each one.
"""

from __future__ import annotations

import importlib.util
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from app.model.conventions import Conventions
from app.model.pronounce import guess_phones
from app.model.words import Placed, SegmentWords, WordTime, spoken_words

F32 = npt.NDArray[np.float32]
RATE_HZ = 16000  # the model's rate
MAX_SEGMENT_S = 90.0  # longer segments are not aligned: split them first
MAX_WORD_S = 2.5  # a "word" stretched longer than this soaked up a pause or another word
DITHER = 3e-4  # about -70 dBFS of noise: digital silence (zeros) throws the decoder's features
PIECE = RATE_HZ // 10  # 0.1 s of audio: about 2 ms of decoding between handovers
EXTRA_HINT = "install the aligner with: pip install 'earmark[align]'"


def unavailable(conv: Conventions, what: str = "Words are not tied to the audio") -> str:
    """Why the recogniser cannot work in this project (`what` it would have done), or "" when
    it can."""
    if importlib.util.find_spec("pocketsphinx") is None:
        return f"{what}: the aligner is not installed ({EXTRA_HINT})."
    if not conv.language.lower().startswith("en"):
        return (
            f"{what}: the aligner has an English model only, and this project's language is"
            f" '{conv.language}'."
        )
    return ""


def _resample(x: npt.NDArray[np.float64], n_out: int) -> npt.NDArray[np.float64]:
    """Band-limited resampling through the FFT: the spectrum cut (or padded) to fit."""
    spec = np.fft.rfft(x)
    keep = n_out // 2 + 1
    spec = spec[:keep] if len(spec) >= keep else np.pad(spec, (0, keep - len(spec)))
    return np.fft.irfft(spec, n_out) * (n_out / len(x))


def to_pcm16(samples: F32, rate_hz: int, pause: Callable[[], None] = lambda: None) -> bytes:
    """Mono samples at any rate as 16 kHz 16-bit PCM, dithered. Resampled one second at a time
    with 0.1 s either side (cut off again), so that no FFT holds the GIL long; `pause` runs
    between."""
    x = np.asarray(samples, dtype=np.float64)
    if rate_hz != RATE_HZ and len(x):
        ratio = RATE_HZ / rate_hz
        pad = rate_hz // 10
        pieces = []
        for a in range(0, len(x), rate_hz):
            b = min(len(x), a + rate_hz)
            lo, hi = max(0, a - pad), min(len(x), b + pad)
            out = _resample(x[lo:hi], max(1, round((hi - lo) * ratio)))
            first = round((a - lo) * ratio)
            pieces.append(out[first : first + round(b * ratio) - round(a * ratio)])
            pause()
        x = np.concatenate(pieces)
    x = x + np.random.default_rng(0).normal(0.0, DITHER, len(x))
    return (np.clip(x, -1.0, 1.0) * 32767).astype("<i2").tobytes()


class Aligner:
    """One PocketSphinx decoder, made on first use and used by one alignment at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._decoder: Any = None
        self._cmn = ""  # the model's starting cepstral mean
        self.runs = 0  # alignments done, for tests and the benchmark

    def _dec(self) -> Any:
        if self._decoder is None:
            from pocketsphinx import Decoder  # type: ignore[import-untyped]  # the optional extra

            self._decoder = Decoder(samprate=RATE_HZ, lm=None, loglevel="FATAL")
            self._cmn = self._decoder.get_cmn(False)
        return self._decoder

    def _dictionary_name(self, dec: Any, word: str) -> tuple[str, Placed, int]:
        """The name to put in the align text for `word`, adding a guessed pronunciation when the
        dictionary lacks it, and its number of phones; ("", NOT_PLACED, 0) when nothing can be
        said for it."""
        known = dec.lookup_word(word)
        if known is not None:
            return word, Placed.SURE, len(known.split())
        parts = [p for p in word.replace("_", "-").split("-") if p]
        phones = [dec.lookup_word(p) for p in parts]
        if len(parts) > 1 and all(phones):
            pron, placed = " ".join(phones), Placed.SURE
        else:
            pron, placed = guess_phones(word), Placed.GUESSED
        if not pron:
            return "", Placed.NOT_PLACED, 0
        name = "earmark-" + pron.lower().replace(" ", "-")
        if dec.lookup_word(name) is None:
            dec.add_word(name, pron, True)
        return name, placed, len(pron.split())

    def align(
        self,
        samples: F32,
        rate_hz: int,
        start_s: float,
        text: str,
        conv: Conventions,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> SegmentWords:
        """The words of `text` placed in `samples` (a segment starting at `start_s`)."""
        end_s = start_s + len(samples) / rate_hz
        words = spoken_words(text, conv)
        unplaced = tuple(WordTime(k, w) for k, w in words)

        def nothing(note: str) -> SegmentWords:
            return SegmentWords(text, start_s, end_s, unplaced, note)

        if not words:
            return SegmentWords(text, start_s, end_s, ())
        if rate_hz < RATE_HZ:
            return nothing(
                f"Not aligned: the aligner's English model needs audio sampled at {RATE_HZ} Hz or"
                f" more, and this recording is {rate_hz} Hz (telephone audio is not covered)."
            )
        if end_s - start_s > MAX_SEGMENT_S:
            return nothing(
                f"Not aligned: the segment is {end_s - start_s:.0f} s long, over"
                f" {MAX_SEGMENT_S:.0f} s; split it first (Segments from pauses finds the places)."
            )
        with self._lock:
            self.runs += 1
            return self._align_locked(
                samples, rate_hz, start_s, end_s, text, words, cancelled, unplaced
            )

    def _align_locked(
        self,
        samples: F32,
        rate_hz: int,
        start_s: float,
        end_s: float,
        text: str,
        words: list[tuple[int, str]],
        cancelled: Callable[[], bool],
        unplaced: tuple[WordTime, ...],
    ) -> SegmentWords:
        dec = self._dec()
        named = [(k, *self._dictionary_name(dec, w)) for k, w in words]
        aligned = [(k, name, placed, phones) for k, name, placed, phones in named if name]
        if not aligned:
            return SegmentWords(text, start_s, end_s, unplaced, "No word here can be aligned.")
        try:
            dec.set_align_text(" ".join(name for _k, name, _p, _n in aligned))
        except RuntimeError as exc:
            return SegmentWords(text, start_s, end_s, unplaced, f"Not aligned: {exc}")
        pcm = to_pcm16(samples, rate_hz, _hand_over)
        # Each segment from the model's own starting mean: the decoder would otherwise carry
        # what it learnt of the last segment's audio into this one, and one odd segment (or
        # just a long one) makes it fail on every segment after.
        dec.set_cmn(self._cmn)
        if not decode(dec, pcm, cancelled):
            return SegmentWords(text, start_s, end_s, unplaced, "Alignment cancelled.")
        frate = float(dec.config["frate"])
        found = [] if dec.hyp() is None else [s for s in dec.seg() if _is_word(s.word)]
        if len(found) != len(aligned):
            return SegmentWords(
                text,
                start_s,
                end_s,
                unplaced,
                "The aligner found no way to fit these words to this segment's audio: are they"
                " what is said in it?",
            )
        times = {}
        for (k, _name, placed, phones), s in zip(aligned, found, strict=True):
            frames = s.end_frame + 1 - s.start_frame
            a, b = start_s + s.start_frame / frate, min(end_s, start_s + (s.end_frame + 1) / frate)
            # Squeezed to the model's least (3 frames a phone), or stretched over a pause: the
            # aligner had to put it somewhere, which is not the same as finding it there.
            if frames <= 3 * phones + 1 or b - a > MAX_WORD_S:
                placed = Placed.NOT_PLACED
            times[k] = (a, b, placed)
        out = [WordTime(k, w, *times[k]) if k in times else WordTime(k, w) for k, w in words]
        missing = [w.word for w in out if not w.has_time]
        note = ("Not placed: " + ", ".join(f"“{w}”" for w in missing) + ".") if missing else ""
        return SegmentWords(text, start_s, end_s, tuple(out), note)


def decode(dec: Any, pcm: bytes, cancelled: Callable[[], bool] = lambda: False) -> bool:
    """One utterance through the decoder in 0.1 s pieces; False if cancelled on the way."""
    dec.start_utt()
    step = 2 * PIECE
    for i in range(0, len(pcm), step):
        if cancelled():
            dec.end_utt()
            return False
        dec.process_raw(pcm[i : i + step], False, False)
        _hand_over()
    dec.end_utt()
    return True


def _hand_over() -> None:
    """Let the GUI thread, which may be waiting for the GIL, have it now."""
    time.sleep(0.001)


def _is_word(name: str) -> bool:
    return not (name.startswith("<") or name.startswith("[") or name.startswith("+"))
