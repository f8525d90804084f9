"""Folders and manifests become queues; bad files are named and never stop the good ones."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from tests.conftest import write_tone


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def mixed_folder(tmp_path: Path) -> Path:
    d = tmp_path / "mixed"
    d.mkdir()
    write_tone(d / "good1.wav", 1.0)
    write_tone(d / "good2.wav", 0.5, channels=2)
    (d / "empty.wav").write_bytes(b"")
    t = write_tone(d / "truncated.wav", 1.0)
    t.write_bytes(t.read_bytes()[:9000])
    (d / "garbage.mp3").write_bytes(b"\x00junk" * 300)
    return d


def test_import_names_each_refused_file_and_exits_nonzero(tmp_path: Path) -> None:
    r = run_cli("import", str(mixed_folder(tmp_path)))
    assert r.returncode == 1
    refused = sorted(line for line in r.stdout.splitlines() if line.startswith("refused:"))
    assert [line.split(":")[1].strip() for line in refused] == [
        "empty.wav",
        "garbage.mp3",
        "truncated.wav",
    ]
    assert "2 recording(s) queued, 3 refused" in r.stdout
    assert "Traceback" not in r.stderr


def test_import_of_a_clean_folder_exits_zero(copy_samples: Path) -> None:
    r = run_cli("import", str(copy_samples))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "12 recording(s) queued, 0 refused" in r.stdout


def test_open_of_a_missing_path_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(tmp_path / "nowhere")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_export_jsonl_and_nemo(copy_samples: Path, tmp_path: Path) -> None:
    from app.model import annotation as ops
    from app.workstation.editor import Editor, InlineRunner
    from app.workstation.project import import_source, open_project

    p = open_project(copy_samples)
    import_source(copy_samples, p.store)
    e = Editor(p.store, InlineRunner())
    e.resume()
    e.apply("Text", ops.set_text, 0, "play some jazz in the kitchen")
    e.submit_and_next(lambda a: [])
    e.skip_and_next("No speech")
    p.store.close()
    out = tmp_path / "out.jsonl"
    assert main(["export", str(copy_samples), "-o", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["status"] for r in rows] == ["submitted", "skipped"]
    first = rows[0]
    assert first["transcript"] == "play some jazz in the kitchen"
    assert first["asr"] and first["intent"] == "alarm_set" and first["audio"].endswith(".wav")
    assert {"id", "duration_s", "segments", "flags", "active_ms", "skip_reason"} <= first.keys()
    nemo = tmp_path / "nemo.json"
    assert main(["export", str(copy_samples), "--format", "nemo", "-o", str(nemo)]) == 0
    (line,) = nemo.read_text().splitlines()
    row = json.loads(line)
    assert row["text"] == "play some jazz in the kitchen" and row["offset"] == 0.0
    assert row["duration"] > 1.0 and Path(row["audio_filepath"]).is_file()
    all_rows = tmp_path / "all.jsonl"
    assert main(["export", str(copy_samples), "--all", "-o", str(all_rows)]) == 0
    assert len(all_rows.read_text().splitlines()) == 12


def test_project_taxonomy_and_conventions_replace_the_defaults(copy_samples: Path) -> None:
    from app.workstation.project import open_project

    (copy_samples / "earmark-taxonomy.json").write_text(
        json.dumps({"intents": ["shop_order"], "slot_types": ["item"]})
    )
    shutil.copy(
        Path(__file__).parents[2] / "resources" / "taxonomy" / "earmark-conventions.json",
        copy_samples / "earmark-conventions.json",
    )
    p = open_project(copy_samples)
    assert p.taxonomy.intents == ("shop_order",)
    p.store.close()


def test_reopening_checks_only_changed_files(tmp_path: Path) -> None:
    from app.workstation.project import import_source, open_project

    d = tmp_path / "two"
    d.mkdir()
    write_tone(d / "a.wav", 1.0)
    b = write_tone(d / "b.wav", 1.0)
    p = open_project(d)
    assert len(import_source(d, p.store).accepted) == 2
    b.write_bytes(b.read_bytes()[:5000])  # damaged after it was queued
    report = import_source(d, p.store)
    assert [r.name for r in report.refused] == ["b.wav"]
    assert [t.name for t in report.accepted] == ["a.wav"]
    p.store.close()
