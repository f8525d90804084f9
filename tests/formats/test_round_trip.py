"""Each format Earmark writes is read by that format's own library, and read back by our reader to
the same annotation (as much of it as the format holds; what it cannot hold is said)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pympi
import pysubs2
import pytest
from praatio import textgrid as praat

from app import formats
from app.formats import eaf, kaldi, subtitles, textgrid
from app.formats.record import Item, Notes, Record
from app.model.annotation import Annotation, Flag, Segment
from app.model.slots import Slot

SEGMENTS = (
    Segment(0.25, 1.5, "wake me up at seven", (Slot("time", 4, 5),)),
    Segment(1.9, 3.125, "play jazz in the kitchen", (Slot("genre", 1, 2), Slot("place", 4, 5))),
)
ANNOTATION = Annotation(
    SEGMENTS,
    intent="alarm_set",
    flags=frozenset({Flag.PERSONAL_DATA, Flag.NOT_DEVICE_DIRECTED}),
)
HOLDS = {  # what of an annotation each format keeps: times, slots, intent, flags
    "jsonl": {"times", "slots", "intent", "flags"},
    "nemo": {"times"},
    "textgrid": {"times", "slots", "intent", "flags"},
    "eaf": {"times", "slots", "intent", "flags"},
    "vtt": {"times"},
    "srt": {"times"},
    "kaldi": {"times"},
    "labelstudio": {"times", "slots", "intent", "flags"},
    "slurp": {"slots", "intent"},
    "massive": {"slots", "intent"},
}


def item(tmp: Path) -> Item:
    return Item(
        id="7f0c",
        audio=str(tmp / "call-17.wav"),
        duration_s=4.0,
        annotation=ANNOTATION,
        key="call-17",
    )


def written(fmt: str, tmp: Path) -> tuple[Path, Notes]:
    notes = Notes()
    tmp.mkdir(parents=True, exist_ok=True)
    out_dir = tmp / "out"
    if fmt in formats.STREAMED:
        buf = io.StringIO()
        formats.write(fmt, [item(tmp)], None, buf, notes)
        path = tmp / f"export.{'json' if fmt == 'labelstudio' else 'jsonl'}"
        path.write_text(buf.getvalue(), encoding="utf-8")
        return path, notes
    formats.write(fmt, [item(tmp)], out_dir, None, notes)
    if fmt == "kaldi":
        return out_dir, notes
    (path,) = out_dir.iterdir()
    return path, notes


def read_back(fmt: str, path: Path, tmp: Path) -> Record:
    notes = Notes()
    audio = str(tmp / "call-17.wav")
    if fmt == "textgrid":
        return textgrid.read(path, audio, notes)
    if fmt == "eaf":
        return eaf.read(path, audio, notes)
    if fmt in ("vtt", "srt"):
        return subtitles.read(path, audio, notes)
    if fmt == "kaldi":
        (rec,) = kaldi.read(path, notes).records
        return rec
    reading = formats.read(path)
    assert not reading.notes.problems, reading.notes.lines()
    (rec,) = reading.records
    return rec


def joined(segments: tuple[Segment, ...]) -> tuple[str, tuple[Slot, ...]]:
    words: list[str] = []
    slots: list[Slot] = []
    for s in segments:
        slots += [Slot(x.type, x.start_word + len(words), x.end_word + len(words)) for x in s.slots]
        words += s.text.split()
    return " ".join(words), tuple(slots)


@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_what_we_write_reads_back_the_same(fmt: str, tmp_path: Path) -> None:
    path, notes = written(fmt, tmp_path)
    rec = read_back(fmt, path, tmp_path)
    holds = HOLDS[fmt]
    assert Path(rec.audio).name == "call-17.wav"
    if "times" in holds:
        assert len(rec.segments) == len(SEGMENTS)
        for got, want in zip(rec.segments, SEGMENTS, strict=True):
            assert abs(got.start_s - want.start_s) <= 0.001
            assert abs(got.end_s - want.end_s) <= 0.001
            assert got.text == want.text
            assert got.slots == (want.slots if "slots" in holds else ())
    else:  # one utterance without times
        (seg,) = rec.segments
        text, slots = joined(SEGMENTS)
        assert seg.text == text
        assert seg.slots == (slots if "slots" in holds else ())
        assert any("joined" in line for line in notes.lines())
    assert rec.intent == (ANNOTATION.intent if "intent" in holds else None)
    assert rec.flags == (ANNOTATION.flags if "flags" in holds else frozenset())
    # what the format cannot hold is said, once per kind
    said = " ".join(notes.lines())
    for what in ("slots", "intent", "flags"):
        assert (what + " not written" in said) == (what not in holds), (what, said)


def test_the_libraries_read_what_we_write(tmp_path: Path) -> None:
    tg_path, _ = written("textgrid", tmp_path / "tg")
    grid = praat.openTextgrid(str(tg_path), includeEmptyIntervals=False)
    assert grid.tierNames[:1] == ("transcript",) or grid.tierNames[0] == "transcript"
    words = grid.getTier("transcript")
    assert [(e.start, e.end, e.label) for e in words.entries] == [
        (s.start_s, s.end_s, s.text) for s in SEGMENTS
    ]
    assert [e.label for e in grid.getTier("slots").entries][0] == "wake me up at [time : seven]"
    assert [e.label for e in grid.getTier("intent").entries] == ["alarm_set"]

    eaf_path, _ = written("eaf", tmp_path / "eaf")
    doc = pympi.Elan.Eaf(str(eaf_path))
    assert [v for _a, _b, v in doc.get_annotation_data_for_tier("transcript")] == [
        s.text for s in SEGMENTS
    ]
    assert doc.get_parameters_for_tier("slots")["PARENT_REF"] == "transcript"
    assert "[genre : jazz]" in str(doc.get_ref_annotation_data_for_tier("slots"))
    assert doc.media_descriptors[0]["MEDIA_URL"].endswith("call-17.wav")

    for fmt in ("vtt", "srt"):
        path, _ = written(fmt, tmp_path / fmt)
        subs = pysubs2.load(str(path))
        assert [(e.start, e.end, e.plaintext) for e in subs] == [
            (round(s.start_s * 1000), round(s.end_s * 1000), s.text) for s in SEGMENTS
        ]

    kaldi_dir, _ = written("kaldi", tmp_path / "kaldi")
    for name in ("wav.scp", "segments", "text", "utt2spk", "spk2utt"):
        lines = (kaldi_dir / name).read_text().splitlines()
        assert lines == sorted(lines), name  # Kaldi's validate_data_dir.sh insists
    assert (kaldi_dir / "text").read_text().splitlines()[0] == "call-17-0000 wake me up at seven"

    nemo, _ = written("nemo", tmp_path / "nemo")
    rows = [json.loads(line) for line in nemo.read_text().splitlines()]
    assert [set(r) for r in rows] == [{"audio_filepath", "offset", "duration", "text"}] * 2

    slurp, _ = written("slurp", tmp_path / "slurp")
    (row,) = [json.loads(line) for line in slurp.read_text().splitlines()]
    assert (row["scenario"], row["action"]) == ("alarm", "set")
    assert "[genre : jazz]" in row["sentence_annotation"]

    ls, _ = written("labelstudio", tmp_path / "ls")
    (task,) = json.loads(ls.read_text())
    kinds = sorted({r["type"] for r in task["annotations"][0]["result"]})
    assert kinds == ["choices", "labels", "textarea"]


def test_a_reader_that_dropped_slots_would_be_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Broken variant: a TextGrid reader that loses the slots tier's brackets fails the round
    trip."""
    monkeypatch.setattr(textgrid.t, "from_brackets", lambda s: (s, ()))
    with pytest.raises(AssertionError):
        test_what_we_write_reads_back_the_same("textgrid", tmp_path)
