"""Words and times: which words are aligned, the word at the caret, where to play from."""

from __future__ import annotations

from app.model.annotation import Segment, segment_at
from app.model.conventions import Conventions, Tag
from app.model.pronounce import guess_phones
from app.model.words import Placed, SegmentWords, WordTime, spoken_words, word_at_char

CONV = Conventions(tags=(Tag("[noise]", "noise"),))


def test_tags_are_not_spoken_and_punctuation_goes() -> None:
    text = "[noise] Turn on, the kitch- lights! don't"
    assert spoken_words(text, CONV) == [
        (1, "turn"),
        (2, "on"),
        (3, "the"),
        (4, "kitch"),
        (5, "lights"),
        (6, "don't"),
    ]


def test_the_word_at_the_caret() -> None:
    text = "turn on  the"
    assert word_at_char(text, 0) == 0
    assert word_at_char(text, 4) == 0  # just after "turn"
    assert word_at_char(text, 5) == 1
    assert word_at_char(text, 9) == 2
    assert word_at_char("  x", 1) is None


def sw() -> SegmentWords:
    words = (
        WordTime(0, "turn", 1.0, 1.3, Placed.SURE),
        WordTime(1, "on", 0.0, 0.0, Placed.NOT_PLACED),
        WordTime(2, "zorblax", 1.5, 2.0, Placed.GUESSED),
    )
    return SegmentWords("turn on zorblax", 0.8, 2.4, words)


def test_the_word_being_heard_is_never_an_unplaced_one() -> None:
    s = sw()
    assert s.at(1.1) is not None and s.at(1.1).index == 0  # type: ignore[union-attr]
    assert s.at(1.4) is None
    assert s.at(0.0) is None  # an unplaced word has no time, not the time 0
    assert s.at(1.7) is not None and s.at(1.7).placed == Placed.GUESSED  # type: ignore[union-attr]


def test_playing_from_an_unplaced_word_starts_after_the_word_before() -> None:
    s = sw()
    assert s.play_from(0) == (1.0, s.words[0])
    assert s.play_from(1) == (1.3, None)
    assert s.play_from(2) == (1.5, s.words[2])
    only = SegmentWords("on", 0.8, 2.4, (WordTime(0, "on"),))
    assert only.play_from(0) == (0.8, None)  # the segment's start


def test_the_segment_holding_a_time() -> None:
    segs = (Segment(0.0, 1.0), Segment(1.5, 2.0), Segment(2.0, 3.0))
    assert segment_at(segs, 0.5) == 0
    assert segment_at(segs, 1.2) is None  # between segments
    assert segment_at(segs, 2.0) == 2
    assert segment_at(segs, 3.0) is None


def test_a_guessed_pronunciation_sounds_its_letters() -> None:
    assert guess_phones("zorblax") == "Z AO R B L AE K S"
    assert guess_phones("Blaze") == "B L AE Z"  # the final e is silent
    assert guess_phones("cell") == "S EH L"  # soft c, one l
    assert guess_phones("42") == ""
