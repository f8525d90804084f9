"""Personal-data spans on a segment's words: confirmed, marked, removed, carried through edits,
splits and merges, stored, and redacted."""

from __future__ import annotations

import pytest

from app.model import annotation as ops
from app.model import personal
from app.model.annotation import Annotation, EditError, Flag, Segment
from app.model.slots import Slot
from app.model.spoken_data import Kind

SAID = "my number is five five five one two three four thanks"


def one(text: str = SAID) -> Annotation:
    return Annotation(segments=(Segment(0.0, 4.0, text),))


def test_confirming_keeps_the_words_and_sets_the_flag() -> None:
    a = one()
    [cand] = personal.open_candidates(a.segments[0])
    assert (cand.kind, cand.start_word, cand.end_word) == (Kind.PHONE, 3, 10)
    b = personal.confirm(a, 0, cand)
    assert b.segments[0].text == SAID
    assert b.segments[0].personal == (Slot("phone", 3, 10),)
    assert Flag.PERSONAL_DATA in b.flags
    assert personal.open_candidates(b.segments[0]) == []  # covered now


def test_dismissed_candidates_are_not_offered() -> None:
    [cand] = personal.open_candidates(one().segments[0])
    dismissed = {personal.dismissal(cand)}
    assert personal.open_candidates(one().segments[0], dismissed=dismissed) == []
    moved = one("so " + SAID).segments[0]  # the same words elsewhere: still dismissed
    assert personal.open_candidates(moved, dismissed=dismissed) == []


def test_a_span_follows_its_words_through_edits() -> None:
    a = personal.mark(one(), 0, Kind.PHONE, 3, 10)
    b = ops.set_text(a, 0, "well " + SAID)
    assert b.segments[0].personal == (Slot("phone", 4, 11),)
    c = ops.set_text(b, 0, "well my number is five five five")  # its end retyped away
    assert c.segments[0].personal == (Slot("phone", 4, 7),)


def test_split_and_merge_carry_spans() -> None:
    a = personal.mark(one("call bob please now"), 0, Kind.NAME, 1, 2)
    a = personal.mark(a, 0, Kind.SPELLED, 3, 4)
    split = ops.split_segment(a, 2.0, len("call bob please"))
    assert split.segments[0].personal == (Slot("name", 1, 2),)
    assert split.segments[1].personal == (Slot("spelled", 0, 1),)
    merged = ops.merge_with_next(split, 0)
    assert merged.segments[0].personal == a.segments[0].personal


def test_marking_replaces_overlaps_and_refuses_nonsense() -> None:
    a = personal.mark(one(), 0, Kind.NUMBER, 3, 6)
    b = personal.mark(a, 0, Kind.PHONE, 4, 10)
    assert b.segments[0].personal == (Slot("phone", 4, 10),)
    with pytest.raises(EditError):
        personal.mark(a, 0, Kind.PHONE, 5, 5)
    with pytest.raises(EditError):
        personal.mark(a, 0, Kind.PHONE, 3, 99)
    with pytest.raises(EditError):
        personal.remove_at(a, 0, 0)
    assert personal.remove_at(b, 0, 5).segments[0].personal == ()


def test_spans_are_stored_and_read_back() -> None:
    a = personal.mark(one(), 0, Kind.PHONE, 3, 10)
    assert Annotation.from_json(a.to_json()) == a
    # as the server stores it (app.protocol.SegmentDoc), so that both sides' documents compare
    assert one().to_json()["segments"][0]["personal"] == []


def test_redacted_text_puts_the_kind_tag_in_place_of_the_words() -> None:
    a = personal.mark(one(), 0, Kind.PHONE, 3, 10)
    assert personal.redacted_text(a.segments[0]) == "my number is [phone] thanks"
    assert personal.redacted_text(one().segments[0]) == SAID


def test_redacting_moves_slots_onto_the_tag() -> None:
    a = personal.mark(
        one("text ann on five five five one two three four now"), 0, Kind.PHONE, 3, 10
    )
    a = ops.add_slot(a, 0, Slot("person", 1, 2))
    a = ops.add_slot(a, 0, Slot("number", 3, 10))
    a = ops.add_slot(a, 0, Slot("time", 10, 11))
    seg = personal.redact(a).segments[0]
    assert seg.text == "text ann on [phone] now"
    assert seg.slots == (Slot("person", 1, 2), Slot("number", 3, 4), Slot("time", 4, 5))
    assert seg.personal == (Slot("phone", 3, 4),)
    assert "five" not in repr(personal.redact(a))
