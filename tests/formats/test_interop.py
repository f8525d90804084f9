"""Every file other tools wrote is read without a traceback, and what it holds is what the
format's own library reads from it: interval, annotation and cue counts, times and texts,
through every encoding those tools write.

The reference files are not in this repository (they are under their own licences): they are
read from `shared/interop/` beside the checkout (`../shared/interop`), or from the folder
EARMARK_INTEROP names. On a clone without them this module is skipped, saying so; where `CI` is
set their absence fails the run, since a CI run must test every reader against them.
"""

from __future__ import annotations

import codecs
import html
import json
import os
import re
import shutil
from pathlib import Path

import pympi
import pysubs2
import pytest
import soundfile as sf
from praatio.utilities import textgrid_io

from app import formats
from app.formats import eaf, subtitles, textgrid
from app.formats.record import Notes
from app.workstation.project import scan_source
from tests.conftest import write_tone

INTEROP = Path(
    os.environ.get("EARMARK_INTEROP")
    or Path(__file__).resolve().parents[2].parent / "shared" / "interop"
)
MISSING = (
    f"the interop reference files are not at {INTEROP}: these tests read other tools' files"
    " from shared/interop/ beside the checkout (or the folder EARMARK_INTEROP names)"
)
if not (INTEROP / "textgrid").is_dir():
    if os.environ.get("CI"):
        pytest.fail(f"{MISSING}; CI must run them", pytrace=False)
    pytest.skip(MISSING, allow_module_level=True)


def files(folder: str, pattern: str = "*") -> list[Path]:
    found = sorted((INTEROP / folder).glob(pattern))
    assert found, f"no files under {INTEROP / folder}: the interop set must be there"
    return found


def ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def same_text(s: str) -> str:
    return " ".join(s.split())


def decoded(path: Path) -> str:
    """The file as Praat's readers decode it (UTF-16 when it begins with a BOM)."""
    raw = path.read_bytes()
    if raw.startswith((codecs.BOM_UTF16_BE, codecs.BOM_UTF16_LE)):
        return raw.decode("utf-16")
    return raw.decode("utf-8-sig")


# -- TextGrid -----------------------------------------------------------------------------------
TEXTGRIDS = files("textgrid", "*.TextGrid")


@pytest.mark.parametrize("path", TEXTGRIDS, ids=ids(TEXTGRIDS))
def test_each_textgrid_tier_reads_as_praatio_reads_it(path: Path) -> None:
    ref = textgrid_io.parseTextgridStr(decoded(path), includeEmptyIntervals=False)
    for t in ref["tiers"]:
        t["entries"] = list(t["entries"])  # praatio hands out a one-pass iterator
    interval_tiers = [t for t in ref["tiers"] if t["class"] == "IntervalTier"]
    for tier in interval_tiers:
        want = [
            (float(e[0]), float(e[1]), same_text(e[2])) for e in tier["entries"] if e[2].strip()
        ]
        notes = Notes()
        rec = textgrid.read(path, "x.wav", notes, tier["name"] or None)
        if tier["name"] == "" or not want:
            continue
        got = [(s.start_s, s.end_s, same_text(s.text)) for s in rec.segments]
        assert got == want, tier["name"]
        assert not notes.problems
    # without --tier: the first interval tier with text, and the others named
    notes = Notes()
    rec = textgrid.read(path, "x.wav", notes)
    first = next((t for t in interval_tiers if any(e[2].strip() for e in t["entries"])), None)
    if first is None:
        assert rec.segments == ()
    else:
        assert len(rec.segments) == len([e for e in first["entries"] if e[2].strip()])
    others = [
        t["name"]
        for t in ref["tiers"]
        if (first is None or t["name"] != first["name"])
        and (t["entries"] or t["class"] == "IntervalTier")  # an empty point tier holds nothing
    ]
    if others:
        said = " ".join(notes.lines())
        assert "--tier" in said
        assert all(repr(n) in said for n in others), said


def test_textgrid_encodings_and_escapes_survive() -> None:
    mary = textgrid.read(INTEROP / "textgrid/praatio__mary.TextGrid", "x.wav", Notes())
    longfile = textgrid.read(INTEROP / "textgrid/praatio__mary_longfile.TextGrid", "x.wav", Notes())
    assert mary.segments == longfile.segments  # CRLF UTF-8 short and UTF-16 BE long: one grid
    assert "ə" in [s.text for s in mary.segments]
    viet = textgrid.read(INTEROP / "textgrid/mfa__vietnamese.TextGrid", "x.wav", Notes())
    assert viet.segments[0].text.startswith("ở địa bàn vùng núi")
    notes = Notes()
    bobby = textgrid.read(
        INTEROP / "textgrid/praatio__bobby_words_with_newlines.TextGrid", "x.wav", notes
    )
    assert bobby.segments[0].text.startswith('"""BOBBY"""')  # doubled quotes unescaped once
    assert all("\n" not in s.text for s in bobby.segments)
    assert any("line breaks" in line for line in notes.lines())


def test_a_tier_that_is_not_there_is_said() -> None:
    notes = Notes()
    rec = textgrid.read(INTEROP / "textgrid/praatio__mary.TextGrid", "x.wav", notes, "nope")
    assert rec.segments == ()
    assert any("nope" in line and "phone" in line for line in notes.lines()), notes.lines()


# -- ELAN ---------------------------------------------------------------------------------------
EAFS = files("eaf", "*.eaf")


@pytest.mark.parametrize("path", EAFS, ids=ids(EAFS))
def test_each_top_level_eaf_tier_reads_as_pympi_reads_it(path: Path) -> None:
    ref = pympi.Elan.Eaf(str(path), suppress_version_warning=True)
    tops = [n for n in ref.get_tier_names() if not ref.get_parameters_for_tier(n).get("PARENT_REF")]
    assert tops
    for name in tops:
        want = sorted(
            (a / 1000, b / 1000, same_text(v))
            for a, b, v in (x[:3] for x in ref.get_annotation_data_for_tier(name))
            if v.strip()
        )
        notes = Notes()
        rec = eaf.read(path, "x.wav", notes, name)
        got = [(s.start_s, s.end_s, same_text(s.text)) for s in rec.segments]
        assert got == want, name
        assert not notes.problems


def test_eaf_without_time_values_and_out_of_order_slots() -> None:
    notes = Notes()
    rec = eaf.read(INTEROP / "eaf/poio-api__example.eaf", "x.wav", notes)
    assert rec.segments and all(s.start_s < s.end_s for s in rec.segments)
    fto = eaf.read(INTEROP / "eaf/pympi__fto.eaf", "x.wav", Notes())
    starts = [s.start_s for s in fto.segments]
    assert starts == sorted(starts)
    jp = eaf.read(INTEROP / "eaf/speach__test.eaf", "x.wav", Notes(), "Person1 (Utterance)")
    assert "このリンゴ、おいしいね！" in [s.text for s in jp.segments]


# -- WebVTT -------------------------------------------------------------------------------------
VTTS = files("subtitles", "*.vtt")
_TAG = re.compile(r"<[^>]*>")


def cue_text(ev: pysubs2.SSAEvent) -> str:
    """What a cue says, from pysubs2: tags and ruby text out, and without what pysubs2 glues on
    after a blank line (a NOTE block, the next cue's identifier)."""
    plain = re.sub(r"<rt>.*?</rt>", "", ev.plaintext, flags=re.S)
    return same_text(html.unescape(_TAG.sub("", plain.split("\n\n")[0])))


@pytest.mark.parametrize("path", VTTS, ids=ids(VTTS))
def test_each_vtt_reads_as_pysubs2_reads_it(path: Path) -> None:
    ref = pysubs2.load(str(path), encoding="utf-8-sig")
    notes = Notes()
    rec = subtitles.read(path, "x.wav", notes)
    assert [(s.start_s, s.end_s) for s in rec.segments] == [
        (e.start / 1000, e.end / 1000) for e in ref.events
    ]
    got = [same_text(s.text) for s in rec.segments]
    want = [cue_text(e) for e in ref.events]
    assert got == want
    assert not notes.problems


def test_vtt_blocks_pysubs2_would_glue_into_a_cue_are_left_out_and_said() -> None:
    notes = Notes()
    rec = subtitles.read(INTEROP / "subtitles/webvtt-py__comments.vtt", "x.wav", notes)
    assert all("NOTE" not in s.text for s in rec.segments)
    ids_ = subtitles.read(INTEROP / "subtitles/webvtt-py__using_identifiers.vtt", "x.wav", Notes())
    assert [s.text for s in ids_.segments][:2] == ["Caption text #1", "Caption text #2"]
    assert any("NOTE" in line for line in notes.lines())
    bom = subtitles.read(INTEROP / "subtitles/webvtt-py__captions_with_bom.vtt", "x.wav", Notes())
    assert bom.segments[0].text == "Caption text #1"


# -- Label Studio -------------------------------------------------------------------------------
def test_label_studio_regions_and_choices() -> None:
    path = INTEROP / "labelstudio/lsf__audio_regions__annotations_1.json"
    r = formats.read(path)
    (rec,) = r.records
    task = formats.labelstudio.tasks_of(path)[0]
    regions = [x for x in task["annotations"][0]["result"] if x["type"] == "labels"]
    assert [(s.start_s, s.end_s) for s in rec.segments] == sorted(
        (x["value"]["start"], x["value"]["end"]) for x in regions
    )
    choices = [x for x in task["annotations"][0]["result"] if x["type"] == "choices"]
    assert rec.intent == choices[0]["value"]["choices"][0]
    said = " ".join(r.notes.lines())
    assert "read as the intent" in said and "not kept" in said


def test_label_studio_task_level_transcription() -> None:
    r = formats.read(INTEROP / "labelstudio/lsf__transcribe_audio__annotations_1.json")
    (rec,) = r.records
    assert [s.text for s in rec.segments] == ["Mario"]
    assert rec.segments[0].end_s == formats.WHOLE  # to_name is the text area itself, not audio


def test_label_studio_template_example_with_shared_region_ids() -> None:
    """The ASR-with-segments template's example result (in its trailing comment): a labels and a
    textarea region under one id make one segment with its text."""
    xml = (INTEROP / "labelstudio/ls-template__asr-using-segments__config.xml").read_text()
    task = json.loads(xml[xml.rindex("<!--") + 4 : xml.rindex("-->")])  # "completions": old
    notes = Notes()
    rec = formats.labelstudio.record_of(task, None, "t", notes)
    assert rec is not None
    texted = [x for x in task["completions"][0]["result"] if x["type"] == "textarea"]
    assert [s.text for s in rec.segments] == [" ".join(x["value"]["text"]) for x in texted]
    assert [(s.start_s, s.end_s) for s in rec.segments] == [
        (x["value"]["start"], x["value"]["end"]) for x in texted
    ]
    assert rec.intent is None


# -- Kaldi, NeMo, SLURP -------------------------------------------------------------------------
KALDI = INTEROP / "manifests/kaldi__lhotse_mini_librispeech2"


def test_kaldi_commands_are_never_run_and_said_once() -> None:
    r = formats.read(KALDI)
    texts = dict(line.split(" ", 1) for line in (KALDI / "text").read_text().splitlines())
    got = sorted(s.text for rec in r.records for s in rec.segments)
    assert got == sorted(t.strip() for t in texts.values())
    assert all(rec.audio == "" for rec in r.records)
    commands = [line for line in r.notes.problems if "commands" in line]
    assert len(commands) == 1 and "3 of 3" in commands[0], r.notes.lines()


def test_kaldi_segments_past_the_end_are_cut_at_the_recording(tmp_path: Path) -> None:
    """With the commands run (here: recordings of reco2dur's lengths written beside), the
    segment ending at 20.89 s in a 19.89 s recording is cut there, and said."""
    data = tmp_path / "data"
    data.mkdir()
    for name in ("segments", "text", "utt2spk"):
        shutil.copy(KALDI / name, data / name)
    lines = []
    for line in (KALDI / "reco2dur").read_text().splitlines():
        reco, dur = line.split()
        wav = tmp_path / f"{reco}.wav"
        write_tone(wav, seconds=float(dur), rate=8000)
        lines.append(f"{reco} {wav}")
    (data / "wav.scp").write_text("\n".join(lines) + "\n")
    report = scan_source(data, {})
    assert len(report.accepted) == 3 and not report.refused
    ends = {t.audio_path: (max(s.end_s for s in t.prefill), t.duration_s) for t in report.accepted}
    segs = [line.split() for line in (KALDI / "segments").read_text().splitlines()]
    for utt, reco, start, _end in segs:
        task = next(t for t in report.accepted if Path(t.audio_path).stem == reco)
        assert any(abs(s.start_s - float(start)) < 1e-6 for s in task.prefill), utt
        assert all(s.end_s <= task.duration_s + 1e-9 for s in task.prefill)
    assert any(end > dur for end, dur in [(float(s[3]), 19.89) for s in segs])
    assert any("cut at the end" in n for n in report.notes), report.notes
    assert ends


def test_nemo_manifest_with_extra_keys() -> None:
    r = formats.read(INTEROP / "manifests/nemo-sdp__test_data_reference.json")
    (rec,) = r.records
    row = json.loads((INTEROP / "manifests/nemo-sdp__test_data_reference.json").read_text())
    (seg,) = rec.segments
    assert seg.text == row["text"]
    offset = row.get("offset", 0.0)
    assert (seg.start_s, seg.end_s) == (offset, offset + row["duration"])
    said = " ".join(r.notes.lines())
    assert "'lid'" in said and "'pred_text'" in said


def test_slurp_records_slots_and_intents() -> None:
    path = INTEROP / "manifests/slurp__test.first30.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    r = formats.read(path)
    assert len(r.records) == sum(len(row["recordings"]) for row in rows)
    by_file = {rec.audio.rsplit("/", 1)[-1]: rec for rec in r.records}
    for row in rows:
        for recording in row["recordings"]:
            rec = by_file[recording["file"]]
            assert rec.intent == row["intent"]
            (seg,) = rec.segments
            assert [w.lower() for w in seg.text.split()] == [
                w.lower() for w in row["sentence"].split()
            ]
            # every entity the file lists is a slot of the same type over the same words
            words = seg.text.lower().split()
            want = sorted(
                (e["type"], " ".join(row["tokens"][i]["surface"] for i in e["span"]).lower())
                for e in row["entities"]
            )
            got = sorted((s.type, " ".join(words[s.start_word : s.end_word])) for s in seg.slots)
            assert got == want, row["sentence_annotation"]


def test_every_interop_file_reads_without_a_traceback(tmp_path: Path) -> None:
    """And a recording beside each sidecar opens, whatever its sidecar holds."""
    for path in sorted(p for p in INTEROP.rglob("*") if p.is_file()):
        if path.suffix.lower() in formats.SIDECARS:
            folder = tmp_path / path.stem
            folder.mkdir()
            shutil.copy(path, folder / path.name)
            sf.write(folder / f"{path.stem}.wav", [0.0] * 8000, 8000)
            report = scan_source(folder, {})
            assert len(report.accepted) == 1, (path.name, report.refused)
        elif path.suffix in (".json", ".jsonl") or path.parent == KALDI:
            formats.read(path if path.parent != KALDI else KALDI)


def test_label_studio_configs_give_their_control_names() -> None:
    """The bridge writes under a project's own names: the audio tag, the transcript's text area
    (per region, or for the whole recording), labels, choices."""
    names = {
        p.name: formats.labelstudio.names_of(p.read_text())
        for p in files("labelstudio", "*config.xml")
        if "<TextArea" in p.read_text()
    }
    seg = names["ls-template__asr-using-segments__config.xml"]
    assert (seg["audio"], seg["labels"], seg["transcription"]) == (
        "audio",
        "labels",
        "transcription",
    )
    assert seg[formats.labelstudio.WHOLE_TEXT] == ""  # per region
    whole = names["lsf__transcribe_audio__config.xml"]
    assert whole["transcription"] == "answer" and whole[formats.labelstudio.WHOLE_TEXT]
    with pytest.raises(formats.FormatError, match="no <TextArea>"):
        formats.labelstudio.names_of(
            (INTEROP / "labelstudio/lsf__audio_regions__config.xml").read_text()
        )
