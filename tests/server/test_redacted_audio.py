"""`export --redact --audio DIR`: each recording written with its confirmed personal-data spans
silent exactly where the aligner places their words (padded), and every other sample as it
was; a span with no word times is covered by its segment and named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from app.audio.redact import PAD_S
from app.server import cli
from app.server import models as m
from app.server.importer import import_recordings
from app.server.storage import FolderStore
from tests.audio.test_align import RATE, spoken
from tests.server.conftest import World, server_keys

WORDS = ["please", "call", "five", "five", "five", "one", "two", "three", "four", "now"]
PHONE = (2, 9)  # "five ... four"


def said_recording(
    world: World, tmp: Path, rate: int = RATE
) -> tuple[str, np.ndarray, list[tuple[float, float]]]:
    """A recording of WORDS (espeak-ng), imported into va; its task id, samples, word spans
    (at another `rate`, the same samples slowed down)."""
    x, spans = spoken(WORDS, tmp)
    folder = tmp / "said"
    folder.mkdir()
    sf.write(str(folder / "said.wav"), x, rate, subtype="PCM_16")
    original, _ = sf.read(str(folder / "said.wav"), dtype="float32")
    with world.session() as db:
        project = db.get(m.Project, world.project_id)
        assert project is not None
        result = import_recordings(
            db, FolderStore(world.data / "audio"), server_keys(), project, folder
        )
        db.commit()
        [task_id] = result.created.values() or [
            t.id for t in db.query(m.Task).filter(m.Task.duration_s > 3).all()
        ]
    return task_id, original, spans


def annotate(world: World, task_id: str, spans_doc: list[dict[str, Any]], end_s: float) -> None:
    with world.session() as db:
        doc = {
            "segments": [
                {
                    "start_s": 0.0,
                    "end_s": end_s,
                    "text": " ".join(WORDS),
                    "slots": [],
                    "personal": spans_doc,
                }
            ],
            "intent": "play_music",
            "flags": ["personal_data"],
            "status": "submitted",
            "submissions": 1,
            "active_ms": 1,
        }
        user = world.people["ann_a"].user.id
        db.add(
            m.Annotation(
                id="6d1f0c4e-8a7b-4c3d-9e2f-1a2b3c4d5e6f",
                task_id=task_id,
                user_id=user,
                version=1,
                doc=doc,
                status="submitted",
                updated_at=0.0,
                submissions=1,
            )
        )
        db.commit()


def export_audio(
    world: World, tmp: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any, *extra: str
) -> tuple[Path, str]:
    monkeypatch.setenv("EARMARK_SERVER_DATA", str(world.data))
    out = tmp / "redacted-recordings"
    code = cli.main(
        [
            "--db",
            world.url,
            "export",
            "va",
            "-o",
            str(tmp / "x.jsonl"),
            "--redact",
            "--audio",
            str(out),
            *extra,
        ]
    )
    assert code == 0
    return out, capsys.readouterr().out


def test_spans_are_silent_where_aligned_and_nothing_else_changes(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    task_id, original, spans = said_recording(world, tmp_path)
    duration = len(original) / RATE
    annotate(
        world, task_id, [{"kind": "phone", "start_word": PHONE[0], "end_word": PHONE[1]}], duration
    )
    out, said = export_audio(world, tmp_path, monkeypatch, capsys)
    with world.session() as db:
        number = db.get(m.Task, task_id).number  # type: ignore[union-attr]
    written, rate = sf.read(str(out / f"item-{number}.wav"), dtype="float32")
    assert rate == RATE and len(written) == len(original)
    silent = np.flatnonzero(written != original)
    assert len(silent) > 0, "something must have been covered"
    lo, hi = silent[0] / RATE, (silent[-1] + 1) / RATE
    # the covered stretch is the phone number's words, padded: it holds all of them ...
    said_lo, said_hi = spans[PHONE[0]][0], spans[PHONE[1] - 1][1]
    assert lo <= said_lo and hi >= said_hi, (lo, hi, said_lo, said_hi)
    # ... and stops short of the words around it (the aligner's edges, plus the padding)
    assert lo > spans[PHONE[0] - 1][0] and hi < spans[PHONE[1]][1], (lo, hi, spans)
    a, b = int(silent[0]), int(silent[-1]) + 1
    assert not written[a:b].any()  # silent over the whole stretch
    assert np.array_equal(written[:a], original[:a]) and np.array_equal(written[b:], original[b:])
    assert hi - lo <= said_hi - said_lo + 2 * PAD_S + 0.4
    assert "no word times" not in said


def test_a_tone_instead_and_a_span_without_times_covers_its_segment(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    # telephone audio (8 kHz): the aligner's model cannot place words in it
    task_id, original, _spans = said_recording(world, tmp_path, 8000)
    annotate(
        world, task_id, [{"kind": "name", "start_word": 0, "end_word": 1}], len(original) / 8000
    )
    out, said = export_audio(world, tmp_path, monkeypatch, capsys, "--tone")
    [written_file] = list(out.iterdir())
    written, _ = sf.read(str(written_file), dtype="float32")
    assert "name span: no word times" in said and "is covered" in said
    assert not np.array_equal(written, original)
    level = np.sqrt(np.mean(written**2))
    assert 0.01 < level < 0.06  # a soft tone over the whole segment, not speech, not silence
