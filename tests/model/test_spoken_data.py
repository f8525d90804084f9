"""The detector of personal data said aloud, on a table of transcripts with and without it."""

from __future__ import annotations

import pytest

from app.model.spoken_data import Kind, find_candidates
from app.model.spoken_finders import luhn
from tests.model.spoken_data_table import NAMES, TABLE


def found(text: str) -> list[tuple[str, str]]:
    return [(c.kind.value, c.text) for c in find_candidates(text, "en", NAMES)]


@pytest.mark.parametrize(("text", "want"), TABLE, ids=[t for t, _w in TABLE])
def test_each_transcript_gives_exactly_its_personal_data(
    text: str, want: list[tuple[str, str]]
) -> None:
    assert found(text) == want


def test_spans_are_word_ranges_of_the_transcript() -> None:
    text = "My number is five five five, one two three four!"
    (c,) = find_candidates(text)
    assert (c.kind, c.start_word, c.end_word) == (Kind.PHONE, 3, 10)
    assert text.split()[c.start_word : c.end_word] == c.text.split()


def test_the_luhn_check() -> None:
    assert luhn("4532015112830366") and not luhn("4532015112830367")


def test_a_language_without_a_table_finds_written_forms_and_names_only() -> None:
    text = "meine nummer ist fünf fünf fünf eins zwei drei vier, jane@example.org, Sarah"
    got = [(c.kind.value, c.text) for c in find_candidates(text, "de", ["Sarah"])]
    assert got == [("email", "jane@example.org,"), ("name", "Sarah")]


def test_the_kinds_tags() -> None:
    assert Kind.PHONE.tag == "[phone]" and Kind.BIRTH_DATE.tag == "[birth_date]"


def test_the_precision_and_recall_script_runs_and_counts_misses() -> None:
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "packaging" / "spoken_data_table.py"
    spec = importlib.util.spec_from_file_location("spoken_data_table_script", path)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    on_table = script.score(TABLE)
    assert (on_table["precision"], on_table["recall"]) == (1.0, 1.0)
    hard = script.score([("my name is john smith", [("name", "john smith")])])
    assert hard["recall"] == 0.0 and hard["misses"]  # a miss is counted, not hidden
