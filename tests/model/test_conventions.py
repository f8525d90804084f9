from pathlib import Path

import pytest

from app.model.conventions import (
    Tag,
    check_transcript,
    conventions_from,
    insert_tag,
    load_conventions,
    tag_spans,
)
from app.workstation.store.paths import resources_dir

CONV = load_conventions(resources_dir() / "taxonomy" / "earmark-conventions.json")


def messages(text: str) -> list[str]:
    return [p.message for p in check_transcript(text, CONV)]


def test_clean_transcripts_pass() -> None:
    assert messages("[noise] play some jazz um in the kit- kitchen") == []
    assert messages("") == []


def test_unknown_tag_is_named() -> None:
    (msg,) = messages("play [dog] jazz")
    assert "Unknown tag [dog]" in msg


def test_unbalanced_brackets() -> None:
    assert any("never closed" in m for m in messages("play [noise jazz"))
    assert any("closes no tag" in m for m in messages("play noise] jazz"))
    assert any("inside another" in m for m in messages("[noise [music]]"))


def test_digits_where_words_are_required() -> None:
    (msg,) = messages("wake me at 7")
    assert "'7'" in msg
    allowed = load_conventions(resources_dir() / "taxonomy" / "earmark-conventions.json")
    assert messages("[noise]") == []
    assert allowed.digits_allowed is False


def test_bare_partial_marker_and_double_space() -> None:
    assert any("partial word" in m for m in messages("play - jazz"))
    assert any("Double space" in m for m in messages("play  jazz"))


def test_problem_spans_point_at_the_fault() -> None:
    (p,) = check_transcript("call 911 now", CONV)
    assert (p.start_char, p.end_char) == (5, 8)


def test_tag_spans_for_highlighting(tmp_path: Path) -> None:
    spans = tag_spans("[noise] um play [dog] wh-", CONV)
    assert (0, 7, True) in spans
    assert (8, 10, True) in spans  # filler
    assert (16, 21, False) in spans  # unknown tag
    assert (22, 25, True) in spans  # partial word


def test_tag_insertion_spacing_and_caret() -> None:
    assert insert_tag("play jazz", 4, 4, "[noise]") == ("play [noise] jazz", 12)
    assert insert_tag("play jazz", 0, 0, "[noise]") == ("[noise] play jazz", 8)
    assert insert_tag("play jazz", 9, 9, "[noise]") == ("play jazz [noise] ", 18)
    assert insert_tag("play jazz", 5, 9, "[music]") == ("play [music] ", 13)


def test_one_reading_of_a_conventions_document() -> None:
    conv = conventions_from(
        {"tags": [{"text": "[noise]", "key": "Alt+N"}], "fillers": ["äh"], "language": "de"}
    )
    assert conv.tags == (Tag("[noise]", "[noise]"),)  # a "key" is read past: the keymap binds
    assert (conv.fillers, conv.language) == (("äh",), "de")
    assert conventions_from({}).tags == ()  # no tags: what older servers may hold
    for bad in ([], {"tags": "[noise]"}, {"tags": [{"title": "no text"}]}):
        with pytest.raises(ValueError, match="conventions"):
            conventions_from(bad)
