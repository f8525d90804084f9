"""Forced alignment on espeak-ng words whose times are known: every word's midpoint falls inside
the span where it was said; words that cannot be placed are marked, never placed silently."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from app.audio import align
from app.audio.align import Aligner, to_pcm16, unavailable
from app.model.conventions import Conventions
from app.model.words import Placed, SegmentWords, WordTime

CONV = Conventions(tags=())
RATE = 22050  # espeak-ng's own rate
Spans = list[tuple[float, float]]


def said(word: str, voice: str, tmp: Path) -> np.ndarray:
    wav = tmp / "word.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(wav), word], check=True, timeout=60)
    x, rate = sf.read(str(wav), dtype="float32")
    assert rate == RATE
    loud = np.flatnonzero(np.abs(x) > 0.02 * np.abs(x).max())
    return x[loud[0] : loud[-1] + 1]  # from the word's first sound to its last


def spoken(
    words: list[str], tmp: Path, voice: str = "en-us", gap_s: float = 0.04, lead_s: float = 0.4
) -> tuple[np.ndarray, Spans]:
    """The words said one after another, with a little noise; the span of each, in seconds."""
    parts, spans, t = [np.zeros(int(lead_s * RATE), np.float32)], [], lead_s
    for w in words:
        x = said(w, voice, tmp)
        parts += [x, np.zeros(int(gap_s * RATE), np.float32)]
        spans.append((t, t + len(x) / RATE))
        t += len(x) / RATE + gap_s
    parts.append(np.zeros(int(0.4 * RATE), np.float32))
    signal = np.concatenate(parts)
    signal = 0.5 * signal / np.abs(signal).max()
    noise = np.random.default_rng(7).normal(0, 0.002, len(signal))
    return (signal + noise).astype(np.float32), spans


def misplaced(result: SegmentWords, spans: Spans) -> list[str]:
    """Words whose midpoint is outside the span where they were said (or that have no time)."""
    bad = []
    for w in result.words:
        a, b = spans[w.index]
        mid = (w.start_s + w.end_s) / 2
        if not w.has_time or not a <= mid <= b:
            bad.append(f"{w.word}: {w.start_s:.2f}-{w.end_s:.2f} s, said at {a:.2f}-{b:.2f} s")
    return bad


PHRASES = [
    ("turn on the kitchen lights at seven", "en-us"),
    ("set a timer for nine minutes and call my sister", "en-us+f3"),
    ("what is the weather like in london tomorrow morning", "en"),
    ("play some jazz music in the living room please", "en+m3"),
]


@pytest.mark.parametrize(("text", "voice"), PHRASES)
def test_each_word_midpoint_falls_inside_its_true_span(
    tmp_path: Path, text: str, voice: str
) -> None:
    words = text.split()
    x, spans = spoken(words, tmp_path, voice)
    offset = 125.0  # a segment deep in a long recording: times are the recording's
    result = Aligner().align(x, RATE, offset, text, CONV)
    shifted = [(a + offset, b + offset) for a, b in spans]
    assert [w.word for w in result.words] == words
    assert all(w.placed == Placed.SURE for w in result.words), result.note
    assert misplaced(result, shifted) == []


def test_the_check_catches_an_aligner_that_is_off_by_a_word(tmp_path: Path) -> None:
    """The broken variant: times shifted by 300 ms (about a word) must be caught."""
    words = PHRASES[0][0].split()
    x, spans = spoken(words, tmp_path)
    good = Aligner().align(x, RATE, 0.0, PHRASES[0][0], CONV)
    moved = (
        WordTime(w.index, w.word, w.start_s + 0.3, w.end_s + 0.3, w.placed) for w in good.words
    )
    late = SegmentWords(good.text, good.start_s, good.end_s, tuple(moved))
    assert misplaced(good, spans) == []
    assert len(misplaced(late, spans)) >= len(words) // 2


def test_other_sample_rates_are_resampled_and_telephone_audio_refused(tmp_path: Path) -> None:
    words = PHRASES[1][0].split()
    x, spans = spoken(words, tmp_path, PHRASES[1][1])
    src, out = tmp_path / "in.wav", tmp_path / "out.wav"
    sf.write(str(src), x, RATE)
    for rate in (48000, 44100, 16000, 8000):
        subprocess.run(["sox", str(src), "-r", str(rate), str(out)], check=True, timeout=60)
        y, got = sf.read(str(out), dtype="float32")
        assert got == rate
        result = Aligner().align(y, rate, 0.0, PHRASES[1][0], CONV)
        if rate >= 16000:
            assert misplaced(result, spans) == [], rate
        else:  # the model is a 16 kHz one: telephone audio is refused, not placed wrong
            assert all(not w.has_time for w in result.words)
            assert "8000 Hz" in result.note


def test_a_tone_keeps_its_pitch_through_resampling() -> None:
    t = np.arange(48000) / 48000
    tone = (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    pcm = np.frombuffer(to_pcm16(tone, 48000), "<i2").astype(np.float64)
    assert len(pcm) == 16000
    peak_hz = np.argmax(np.abs(np.fft.rfft(pcm))) * 16000 / len(pcm)
    assert abs(peak_hz - 1000) <= 1


def test_a_name_not_in_the_dictionary_is_guessed_and_its_neighbours_hold(tmp_path: Path) -> None:
    words = ["turn", "on", "the", "zorblax", "lights", "at", "seven"]
    x, spans = spoken(words, tmp_path)
    result = Aligner().align(x, RATE, 0.0, " ".join(words), CONV)
    assert [w.placed for w in result.words] == [Placed.SURE] * 3 + [Placed.GUESSED] + [
        Placed.SURE
    ] * 3
    assert misplaced(result, spans) == []


def test_tags_and_punctuation_are_not_words_to_align(tmp_path: Path) -> None:
    words = ["turn", "on", "the", "kitchen", "lights"]
    x, spans = spoken(words, tmp_path)
    text = "[noise] Turn on, the kitchen lights!"
    result = Aligner().align(x, RATE, 0.0, text, CONV)
    assert [(w.index, w.word) for w in result.words] == [
        (1, "turn"),
        (2, "on"),
        (3, "the"),
        (4, "kitchen"),
        (5, "lights"),
    ]
    by_word = SegmentWords(
        result.text,
        0.0,
        result.end_s,
        tuple(WordTime(w.index - 1, w.word, w.start_s, w.end_s, w.placed) for w in result.words),
    )
    assert misplaced(by_word, spans) == []


@pytest.mark.parametrize("what", ["noise", "silence", "other words"])
def test_words_that_do_not_fit_the_audio_are_not_placed(tmp_path: Path, what: str) -> None:
    if what == "other words":
        x, _ = spoken(["turn", "on", "the", "kitchen", "lights", "at", "seven"], tmp_path)
    else:
        level = 0.01 if what == "noise" else 0.0
        x = np.random.default_rng(3).normal(0, level, 3 * RATE).astype(np.float32)
    result = Aligner().align(x, RATE, 0.0, "play some music by the beatles", CONV)
    assert len(result.words) == 6
    assert all(w.placed == Placed.NOT_PLACED for w in result.words)
    assert "no way to fit" in result.note


def test_a_segment_too_long_to_align_says_so() -> None:
    x = np.zeros(int((align.MAX_SEGMENT_S + 1) * 16000), np.float32)
    result = Aligner().align(x, 16000, 0.0, "hello there", CONV)
    assert all(not w.has_time for w in result.words)
    assert "split it first" in result.note


def test_without_the_extra_or_in_another_language_it_says_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert unavailable(CONV) == ""
    assert "English model only" in unavailable(Conventions(tags=(), language="de"))
    monkeypatch.setitem(sys.modules, "pocketsphinx", None)  # fake: the extra not installed
    assert "earmark[align]" in unavailable(CONV)


def test_one_aligner_gives_each_segment_the_same_result_whatever_came_before(
    tmp_path: Path,
) -> None:
    """The decoder adapts to the audio it hears; without a fresh start for each segment, a
    segment that did not fit (or a long one) made every segment after it fail."""
    text, voice = PHRASES[2]
    x, spans = spoken(text.split(), tmp_path, voice)
    aligner = Aligner()
    fresh = aligner.align(x, RATE, 0.0, text, CONV)
    noise = np.random.default_rng(5).normal(0, 0.05, 4 * RATE).astype(np.float32)
    assert not any(w.has_time for w in aligner.align(noise, RATE, 0.0, "hello world", CONV).words)
    for _ in range(3):
        again = aligner.align(x, RATE, 0.0, text, CONV)
        assert again == fresh
    assert misplaced(again, spans) == []
