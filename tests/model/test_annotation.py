import pytest

from app.model import annotation as ops
from app.model.annotation import Annotation, EditError, Flag, Segment, Status
from app.model.checks import submission_problems
from app.model.conventions import load_conventions
from app.model.slots import Slot
from app.model.taxonomy import load_taxonomy, most_used
from app.workstation.store.paths import resources_dir

TAX = load_taxonomy(resources_dir() / "taxonomy" / "earmark-taxonomy.json")
CONV = load_conventions(resources_dir() / "taxonomy" / "earmark-conventions.json")


def one(text: str = "play some jazz in the kitchen", slots: tuple[Slot, ...] = ()) -> Annotation:
    return Annotation(segments=(Segment(0.0, 3.0, text, slots),))


def test_split_at_time_and_caret_moves_slots_with_their_words() -> None:
    a = one(slots=(Slot("music_genre", 2, 3), Slot("house_place", 5, 6)))
    b = ops.split_segment(a, 1.5, text_split_char=len("play some jazz"))
    left, right = b.segments
    assert (left.start_s, left.end_s, right.start_s, right.end_s) == (0.0, 1.5, 1.5, 3.0)
    assert left.text == "play some jazz" and right.text == "in the kitchen"
    assert left.slots == (Slot("music_genre", 2, 3),)
    assert right.slots == (Slot("house_place", 2, 3),)


def test_split_refuses_at_an_edge() -> None:
    with pytest.raises(EditError):
        ops.split_segment(one(), 0.01)


def test_merge_is_the_inverse_of_split() -> None:
    a = one(slots=(Slot("music_genre", 2, 3), Slot("house_place", 5, 6)))
    b = ops.split_segment(a, 1.5, len("play some jazz"))
    assert ops.merge_with_next(b, 0) == a


def test_delete_keeps_at_least_one_segment() -> None:
    with pytest.raises(EditError):
        ops.delete_segment(one(), 0)
    b = ops.split_segment(one(), 1.0, 4)
    assert len(ops.delete_segment(b, 1).segments) == 1


def test_boundaries_never_overlap_neighbours() -> None:
    b = ops.split_segment(one(), 1.5, 4)
    c = ops.move_boundary(b, 1, "start", 0.2, 3.0)  # would cross the previous segment's end
    assert c.segments[1].start_s == pytest.approx(1.5)
    d = ops.move_boundary(b, 0, "end", 5.0, 3.0)
    assert d.segments[0].end_s == pytest.approx(1.5)
    e = ops.move_boundary(b, 1, "end", 2.5, 3.0)
    assert e.segments[1].end_s == pytest.approx(2.5)


def test_text_edit_keeps_slots_on_their_words() -> None:
    a = one(slots=(Slot("house_place", 5, 6),))
    b = ops.set_text(a, 0, "um play some jazz in the kitchen")
    assert b.segments[0].slots == (Slot("house_place", 6, 7),)


def test_slots_cannot_overlap_and_need_words() -> None:
    a = ops.add_slot(one(), 0, Slot("music_genre", 2, 3))
    b = ops.add_slot(a, 0, Slot("song_name", 1, 3))
    assert b.segments[0].slots == (Slot("song_name", 1, 3),)
    with pytest.raises(EditError):
        ops.add_slot(one(), 0, Slot("x", 5, 9))


def test_json_round_trip() -> None:
    a = ops.toggle_flag(one(slots=(Slot("music_genre", 2, 3),)), Flag.PERSONAL_DATA)
    a = ops.mark_skipped(ops.set_intent(a, "play_music"), "No speech")
    assert Annotation.from_json(a.to_json()) == a
    assert a.status == Status.SKIPPED


def test_submission_needs_an_intent_unless_flagged_away() -> None:
    a = one()
    assert any("intent" in p for p in submission_problems(a, CONV, TAX))
    assert submission_problems(ops.set_intent(a, "play_music"), CONV, TAX) == []
    assert submission_problems(ops.toggle_flag(a, Flag.NOT_DEVICE_DIRECTED), CONV, TAX) == []
    assert any(
        "not in the taxonomy" in p
        for p in submission_problems(ops.set_intent(a, "make_sandwich"), CONV, TAX)
    )
    bad = ops.set_intent(one("play [dog]"), "play_music")
    assert any("[dog]" in p for p in submission_problems(bad, CONV, TAX))


def test_intent_filter_and_most_used() -> None:
    assert TAX.filter_intents("play mus")[0] == "play_music"
    assert TAX.filter_intents("weather") == ["weather_query"]
    top = most_used({"weather_query": 5, "play_music": 2}, TAX, n=3)
    assert top[:2] == ["weather_query", "play_music"] and len(top) == 3
