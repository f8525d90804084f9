"""`earmark import`/`open` read sidecars and manifests of other tools; `earmark export --format`
writes each format; what is not kept or not written is said, and nothing stops the good files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from praatio import textgrid as praat
from praatio.data_classes.interval_tier import IntervalTier

from app import formats
from app.model import annotation as ops
from app.workstation.editor import Editor, InlineRunner
from app.workstation.project import import_source, open_project
from tests.conftest import write_tone


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args], capture_output=True, text=True, timeout=120
    )


def sidecar_folder(tmp: Path) -> Path:
    d = tmp / "calls"
    d.mkdir()
    write_tone(d / "a.wav", 3.0)
    grid = praat.Textgrid(0.0, 3.0)
    grid.addTier(IntervalTier("phones", [(0.1, 0.4, "w"), (0.4, 0.9, "ey")], 0.0, 3.0))
    grid.addTier(
        IntervalTier("words", [(0.1, 0.9, "wake"), (1.0, 2.0, "me up"), (2.5, 3.5, "now")], 0, 3.5)
    )
    grid.save(str(d / "a.TextGrid"), format="short_textgrid", includeBlankSpaces=True)
    write_tone(d / "b.wav", 2.0)
    (d / "b.vtt").write_text(
        "WEBVTT\n\nNOTE from the vendor\n\n1\n00:00.100 --> 00:01.000\n<v Ann>turn it off</v>\n"
    )
    write_tone(d / "c.wav", 1.0)
    (d / "c.srt").write_text("1\n00:00:00,000 --> garbage\nhello\n")  # damaged
    write_tone(d / "d.wav", 1.0)  # no sidecar
    return d


def test_import_reads_sidecars_names_the_other_tiers_and_keeps_going(tmp_path: Path) -> None:
    d = sidecar_folder(tmp_path)
    r = run_cli("import", str(d))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "4 recording(s) queued, 0 refused" in r.stdout
    kept = [line for line in r.stdout.splitlines() if line.startswith("not kept:")]
    said = "\n".join(kept)
    assert "a.TextGrid: tiers not read: 'words' (interval, 3); pick another with --tier" in said
    assert "b.vtt" in said and "NOTE" in said and "markup" in said
    assert "c.srt" in said and "c.wav opens without it" in said
    assert "Traceback" not in r.stderr
    p = open_project(d)
    by_name = {Path(t.audio_path).name: t for t in p.store.tasks()}
    assert [s.text for s in by_name["a.wav"].prefill] == ["w", "ey"]
    assert [(s.start_s, s.end_s, s.text) for s in by_name["b.wav"].prefill] == [
        (0.1, 1.0, "turn it off")
    ]
    assert by_name["c.wav"].prefill == () and by_name["d.wav"].prefill == ()
    p.store.close()


def test_tier_picks_another_and_cuts_what_runs_past_the_end(tmp_path: Path) -> None:
    d = sidecar_folder(tmp_path)
    r = run_cli("import", str(d), "--tier", "words")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "a.wav: segment ending at 3.50 s cut at the end (3.00 s)" in r.stdout
    p = open_project(d)
    (a,) = [t for t in p.store.tasks() if t.audio_path.endswith("a.wav")]
    assert [(s.start_s, s.end_s, s.text) for s in a.prefill] == [
        (0.1, 0.9, "wake"),
        (1.0, 2.0, "me up"),
        (2.5, 3.0, "now"),
    ]
    # the editor starts from the segments the sidecar brought
    e = Editor(p.store, InlineRunner())
    e.resume()
    e.open_task(next(k for k, t in enumerate(e.tasks) if t.audio_path.endswith("a.wav")))
    assert e.annotation is not None
    assert [s.text for s in e.annotation.segments] == ["wake", "me up", "now"]
    p.store.close()


def annotated(tmp: Path) -> Path:
    d = sidecar_folder(tmp)
    p = open_project(d)
    import_source(d, p.store, "words")
    e = Editor(p.store, InlineRunner())
    e.resume()
    e.open_task(next(k for k, t in enumerate(e.tasks) if t.audio_path.endswith("a.wav")))
    e.apply("Text", ops.set_text, 0, "wake me")
    e.submit_and_next(lambda a: [])
    p.store.close()
    return d


@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_export_writes_each_format(fmt: str, tmp_path: Path) -> None:
    d = annotated(tmp_path)
    out = tmp_path / ("out" if fmt in formats.FOLDERS else "out.txt")
    r = run_cli("export", str(d), "--format", fmt, "-o", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"as {fmt}" in r.stderr
    if fmt in formats.FOLDERS and fmt != "kaldi":
        (written,) = out.iterdir()  # only the submitted recording
        assert written.stem == "a"
        rec = formats.SIDECARS[written.suffix.lower()].read(written, "a.wav", formats.Notes())
        back = formats.Reading([rec])
    elif fmt == "kaldi":
        back = formats.read(out)
    else:
        if fmt == "labelstudio":
            assert json.loads(out.read_text())[0]["data"]["audio"].endswith("a.wav")
            out = out.rename(out.with_suffix(".json"))
        else:
            out = out.rename(out.with_suffix(".jsonl"))
        back = formats.read(out)
    texts = [s.text for rec in back.records for s in rec.segments]
    assert texts[0].startswith("wake me"), texts


def test_export_of_a_folder_format_without_a_folder_is_a_clear_error(tmp_path: Path) -> None:
    d = annotated(tmp_path)
    r = run_cli("export", str(d), "--format", "textgrid")
    assert r.returncode == 2
    assert "writes a folder" in r.stderr and "-o DIR" in r.stderr
    assert "Traceback" not in r.stderr
