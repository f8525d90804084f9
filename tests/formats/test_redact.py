"""`earmark export --redact`: in every format, no confirmed personal-data span's words are
written, each span stands as its kind's tag, and what is not personal data stays."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from app import cli, formats
from app.model import annotation as ops
from app.model import personal
from app.model.slots import Slot
from app.model.spoken_data import Kind
from app.workstation.editor import Editor, InlineRunner
from app.workstation.project import import_source, open_project
from tests.conftest import write_tone

SAID = "call me on five five five one two three four about zebedee"
SECRET = ("five five five one two three four", "zebedee")


def said_project(tmp: Path, confirm: bool = True) -> Path:
    """A folder of one recording whose transcript says a phone number and a name, both
    confirmed (the name marked by hand), submitted; the hypothesis says the number too."""
    d = tmp / "calls"
    d.mkdir()
    write_tone(d / "a.wav", 3.0)
    manifest = d / "calls.jsonl"
    manifest.write_text(json.dumps({"audio": "a.wav", "asr": SAID}) + "\n")
    p = open_project(manifest)
    import_source(manifest, p.store, None)
    e = Editor(p.store, InlineRunner())
    e.resume()
    e.open_task(0)
    e.apply("Text", ops.set_text, 0, SAID)
    e.apply("Slot", ops.add_slot, 0, Slot("person", 11, 12))
    if confirm:
        assert e.annotation is not None
        [cand] = personal.open_candidates(e.annotation.segments[0])
        e.apply("Confirm", personal.confirm, 0, cand)
        e.apply("Mark", personal.mark, 0, Kind.NAME, 11, 12)
    e.submit_and_next(lambda a: [])
    p.store.close()
    return manifest


def export(d: Path, out: Path, fmt: str, *extra: str) -> str:
    """`earmark export` as typed (its entry point, in this process): what it wrote and said."""
    said = io.StringIO()
    with contextlib.redirect_stderr(said):
        code = cli.main(["export", str(d), "--format", fmt, "-o", str(out), *extra])
    assert code == 0, said.getvalue()
    files = sorted(out.rglob("*")) if out.is_dir() else [out]
    return "\n".join(f.read_text(encoding="utf-8") for f in files if f.is_file()) + said.getvalue()


@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_redacted_export_holds_no_confirmed_words(fmt: str, tmp_path: Path) -> None:
    d = said_project(tmp_path)
    out = tmp_path / ("out" if fmt in formats.FOLDERS else "out.txt")
    written = export(d, out, fmt, "--redact")
    for secret in SECRET:
        assert secret not in written, (fmt, secret)
    assert "[phone]" in written and "about" in written
    if fmt not in ("kaldi", "vtt", "srt"):  # formats that hold slots keep the one on the tag
        assert "[name]" in written
    # the broken variant: the same export without --redact holds the words, so the search
    # above can fail
    plain = export(d, tmp_path / ("plain" if fmt in formats.FOLDERS else "plain.txt"), fmt)
    assert SECRET[0] in plain


def test_a_redacted_export_says_the_hypothesis_is_left_out(tmp_path: Path) -> None:
    d = said_project(tmp_path)
    written = export(d, tmp_path / "out.jsonl", "jsonl", "--redact")
    assert "ASR hypotheses and local drafts (never confirmed)" in written


def test_an_export_keeps_the_spans_it_is_read_back_with(tmp_path: Path) -> None:
    d = said_project(tmp_path)
    export(d, tmp_path / "out.jsonl", "jsonl")
    [record] = formats.read(tmp_path / "out.jsonl").records
    assert record.segments[0].personal == (Slot("phone", 3, 10), Slot("name", 11, 12))
