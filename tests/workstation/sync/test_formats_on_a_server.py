"""`earmark-server import` reads the same formats as the workstation: segments, text, intent and
slots a file brought reach an annotator's workstation as its pre-fill, through the real server;
`earmark-server export --format` writes what was submitted in each format."""

from __future__ import annotations

import json
from pathlib import Path

from praatio import textgrid as praat
from praatio.data_classes.interval_tier import IntervalTier

from app import formats
from app.audio.vault import new_key
from app.model import annotation as ops
from app.workstation.editor import Editor, InlineRunner
from app.workstation.store.db import Store
from app.workstation.sync.client import Client
from app.workstation.sync.engine import SyncEngine
from tests.conftest import write_tone
from tests.workstation.sync.conftest import PASSWORD, make_server


def test_sidecars_and_slurp_pre_fill_the_workstation_and_export_as_each_format(
    tmp_path: Path,
) -> None:
    server = make_server(tmp_path, recordings=0)
    grids = tmp_path / "grids"
    grids.mkdir()
    for k in range(25):  # more than one lease holds
        write_tone(grids / f"g{k:02d}.wav", 2.0)
        grid = praat.Textgrid(0.0, 2.0)
        grid.addTier(IntervalTier("words", [(0.2, 0.9, f"call {k}"), (1.1, 1.8, "now")], 0, 2.0))
        grid.addTier(IntervalTier("notes", [(0.0, 2.0, "vendor note")], 0, 2.0))
        grid.save(str(grids / f"g{k:02d}.TextGrid"), "long_textgrid", includeBlankSpaces=True)
    out = server.cli("import", "va", str(grids))
    assert "25 imported, 0 left out by sampling, 0 refused" in out, out
    said = "g00.TextGrid, g01.TextGrid, g02.TextGrid and 22 more files: tiers not read: 'notes'"
    assert said in out, out
    assert out.count("not kept:") == 1, out
    slurp = tmp_path / "slurp"
    slurp.mkdir()
    write_tone(slurp / "s1.flac", 1.0)
    (slurp / "test.jsonl").write_text(
        json.dumps(
            {
                "slurp_id": 7,
                "sentence": "wake me up at seven",
                "sentence_annotation": "wake me up at [time : seven]",
                "intent": "alarm_set",
                "recordings": [{"file": "s1.flac", "wer": 0.1}],
                "tokens": [],
            }
        )
        + "\n"
    )
    out = server.cli("import", "va", str(slurp / "test.jsonl"))
    assert "'tokens' not kept" in out, out
    server.start()
    try:
        client = Client.in_memory(server.url)
        client.login("ann_a", PASSWORD, server.code("ann_a"))
        project = client.projects()[0].id
        store = Store(tmp_path / "ws.sqlite3")
        engine = SyncEngine(store, client, project, tmp_path / "ws-audio", new_key())
        editor = Editor(store, InlineRunner())
        seen: dict[str, tuple[str, ...]] = {}
        for _round in range(30):
            assert engine.sync_once().online
            editor.set_tasks(store.tasks())
            editor.resume()
            task = editor.task
            if task is None or editor.annotation is None or task.id in seen:
                break
            seen[task.id] = tuple(s.text for s in editor.annotation.segments)
            if task.predicted_intent == "alarm_set" or seen[task.id] == ("wake me up at seven",):
                a = editor.annotation
                assert a.intent == "alarm_set" or a.intent is None
                assert [x.type for x in a.segments[0].slots] == ["time"]
            else:
                assert len(editor.annotation.segments) == 2
                assert editor.annotation.segments[1].text == "now"
                assert editor.annotation.segments[0].start_s == 0.2
            editor.apply("Text", ops.set_text, 0, seen[task.id][0] + " please")
            editor.apply("Intent", ops.set_intent, "alarm_set")
            assert editor.submit_and_next(lambda _a: [])
        assert engine.sync_once().online
        assert len(seen) == 26, len(seen)  # every item, past one lease
        assert ("wake me up at seven",) in seen.values()
        client.close()
        store.close()
    finally:
        server.kill()
    for fmt in formats.FORMATS:
        target = tmp_path / f"export-{fmt}"
        out = server.cli("export", "va", "--format", fmt, "-o", str(target))
        if fmt in formats.FOLDERS and fmt != "kaldi":
            written = sorted(target.iterdir())
            assert len(written) == 26, (fmt, out)
            rec = formats.SIDECARS[written[0].suffix.lower()].read(
                written[0], "x.wav", formats.Notes()
            )
            texts = [s.text for s in rec.segments]
        elif fmt == "kaldi":
            texts = [s.text for r in formats.read(target).records for s in r.segments]
        else:
            if fmt == "jsonl":
                rows = [json.loads(line) for line in target.read_text().splitlines()]
                assert len(rows) == 26
                texts = [s["text"] for r in rows for s in r["segments"]]
                continue
            path = target.rename(target.with_suffix(".json" if fmt == "labelstudio" else ".jsonl"))
            texts = [s.text for r in formats.read(path).records for s in r.segments]
        assert any(t.endswith(" please") for t in texts), (fmt, texts[:3])
        if fmt in ("slurp", "massive"):
            assert any("[time : seven]" in line for line in path.read_text().splitlines())
        if fmt == "textgrid":
            assert "intent" in written[0].read_text()
