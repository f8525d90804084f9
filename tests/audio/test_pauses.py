"""Segments from pauses, on synthetic speech with known pauses: espeak-ng phrases joined by
silences of known length, with noise. Boundaries fall within 50 ms of the truth; a segment that
holds text is never touched; accepting is one undo step."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from app.audio.pauses import PauseSettings, speech_spans
from app.audio.peaks import compute_pyramid
from app.model import annotation as ops
from app.model.annotation import EditError, Segment
from app.workstation.editor import Editor, InlineRunner
from app.workstation.project import import_source, open_project

PHRASES = ("turn on the kitchen lights", "what is the weather tomorrow", "play some jazz")
GAPS_S = (0.6, 1.1, 0.8)  # silence before each phrase
RATE = 22050


def phrase(text: str, tmp: Path) -> np.ndarray:
    wav = tmp / "phrase.wav"
    subprocess.run(["espeak-ng", "-w", str(wav), text], check=True, timeout=60)
    x, rate = sf.read(str(wav), dtype="float32")
    assert rate == RATE
    loud = np.flatnonzero(np.abs(x) > 0.02 * np.abs(x).max())
    return x[loud[0] : loud[-1] + 1]  # the phrase from its first to its last sound


def recording(tmp: Path, noise_db: float = -45.0) -> tuple[np.ndarray, list[tuple[float, float]]]:
    parts, truth, t = [], [], 0.0
    for text, gap in zip(PHRASES, GAPS_S, strict=True):
        parts.append(np.zeros(int(gap * RATE), dtype=np.float32))
        t += gap
        x = phrase(text, tmp)
        parts.append(x)
        truth.append((t, t + len(x) / RATE))
        t += len(x) / RATE
    parts.append(np.zeros(int(0.7 * RATE), dtype=np.float32))
    signal = np.concatenate(parts)
    signal = signal / np.abs(signal).max() * 0.5
    noise = np.random.default_rng(1).normal(0, 0.5 * 10 ** (noise_db / 20), len(signal))
    return (signal + noise).astype(np.float32), truth


def spans_of(x: np.ndarray, settings: PauseSettings, **kw: float) -> list[tuple[float, float]]:
    base = compute_pyramid(x).levels[0]  # the data the waveform already has
    return speech_spans(base.mins, base.maxs, base.block, RATE, settings, **kw)


@pytest.mark.parametrize("noise_db", [-60.0, -50.0, -40.0])
def test_boundaries_fall_within_50_ms_of_the_truth(tmp_path: Path, noise_db: float) -> None:
    x, truth = recording(tmp_path, noise_db)
    found = spans_of(x, PauseSettings(padding_s=0.0))
    assert len(found) == len(truth), (found, truth)
    for (s, e), (ts, te) in zip(found, truth, strict=True):
        assert abs(s - ts) <= 0.05 and abs(e - te) <= 0.05, ((s, e), (ts, te))


def test_padding_range_and_settings(tmp_path: Path) -> None:
    x, truth = recording(tmp_path)
    padded = spans_of(x, PauseSettings(padding_s=0.1))
    assert all(
        abs(s - (ts - 0.1)) <= 0.06 for (s, _e), (ts, _te) in zip(padded, truth, strict=True)
    )
    # only the selected range: the middle phrase
    mid = spans_of(
        x, PauseSettings(padding_s=0.0), start_s=truth[1][0] - 0.3, end_s=truth[1][1] + 0.3
    )
    assert len(mid) == 1 and abs(mid[0][0] - truth[1][0]) <= 0.05
    # a pause longer than every gap joins the phrases into one segment
    joined = spans_of(x, PauseSettings(min_pause_s=2.0, padding_s=0.0))
    assert len(joined) == 1
    # a broken detector (no pause joins, every word its own segment) would be caught above
    words = spans_of(x, PauseSettings(min_pause_s=0.0, padding_s=0.0))
    assert len(words) > len(truth)


def test_accepting_keeps_text_and_is_one_undo_step(tmp_path: Path) -> None:
    x, truth = recording(tmp_path)
    folder = tmp_path / "rec"
    folder.mkdir()
    sf.write(str(folder / "calls.wav"), x, RATE)
    p = open_project(folder)
    import_source(folder, p.store)
    e = Editor(p.store, InlineRunner())
    e.resume()
    assert e.annotation is not None
    duration = len(x) / RATE
    # the annotator has already written the second phrase's segment
    e.apply("Split", ops.split_segment, truth[1][0] - 0.1)
    e.apply("Split", ops.split_segment, truth[1][1] + 0.1)
    e.apply("Text", ops.set_text, 1, "what is the weather tomorrow")
    before = e.annotation.segments
    spans = spans_of(x, PauseSettings())
    e.apply("Segments from pauses", ops.segments_from_spans, spans, 0.0, duration)
    after = e.annotation.segments
    assert Segment(truth[1][0] - 0.1, truth[1][1] + 0.1, "what is the weather tomorrow") in after
    assert len(after) == 3
    assert all(
        not (s.start_s < w.end_s and s.end_s > w.start_s)
        for s in after
        for w in after
        if s is not w
    )
    e.undo()
    assert e.annotation.segments == before  # one step back
    with pytest.raises(EditError, match="No speech"):
        ops.segments_from_spans(e.annotation, [], 0.0, duration)
    p.store.close()


def test_import_segment_proposes_for_recordings_that_bring_none(tmp_path: Path) -> None:
    """`earmark import --segment` and `earmark-server import --segment`: the same segments the
    window would propose, as the pre-fill; a recording whose sidecar brought segments keeps them."""
    from tests.workstation.sync.conftest import make_server

    x, truth = recording(tmp_path)
    folder = tmp_path / "rec"
    folder.mkdir()
    sf.write(str(folder / "calls.wav"), x, RATE)
    sf.write(str(folder / "noted.wav"), x, RATE)
    (folder / "noted.vtt").write_text("WEBVTT\n\n00:00.500 --> 00:02.000\nalready written\n")
    r = subprocess.run(
        [sys.executable, "-m", "app", "import", str(folder), "--segment"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    p = open_project(folder)
    by = {Path(t.audio_path).name: t for t in p.store.tasks()}
    p.store.close()
    got = [(s.start_s, s.end_s) for s in by["calls.wav"].prefill]
    assert len(got) == len(truth)
    for (s, e), (ts, te) in zip(got, truth, strict=True):
        assert abs(s - (ts - 0.05)) <= 0.06 and abs(e - (te + 0.05)) <= 0.06
    assert [s.text for s in by["noted.wav"].prefill] == ["already written"]

    server = make_server(tmp_path / "srv", recordings=0)
    out = server.cli("import", "va", str(folder / "calls.wav"), "--segment")
    assert "1 imported" in out, out
    from sqlalchemy import select

    from app.server import models as m
    from app.server.db import make_engine, sessions

    engine = make_engine(server.db)
    with sessions(engine)() as db:
        (task,) = db.scalars(select(m.Task))
        assert len(task.prefill["segments"]) == len(truth)
    engine.dispose()
