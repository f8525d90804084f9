"""A local draft where there is no hypothesis: PocketSphinx's English model on espeak-ng
phrases with known words, one draft segment for each stretch of speech."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

from app import formats
from app.audio.pauses import speech_spans
from app.audio.peaks import compute_pyramid
from app.audio.recognise import MAX_PIECE_S, Recogniser, pieces
from app.server.quality import word_errors
from tests.audio.test_pauses import PHRASES, RATE, recording


def spans_of(x: np.ndarray) -> list[tuple[float, float]]:
    base = compute_pyramid(x).levels[0]
    return speech_spans(base.mins, base.maxs, base.block, RATE)


def wer_of_draft(x: np.ndarray) -> tuple[float, int]:
    draft = Recogniser().draft(lambda first, n: x[first : first + n], RATE, spans_of(x))
    assert draft is not None
    errors, words = word_errors(" ".join(PHRASES), " ".join(s.text for s in draft))
    return errors / words, len(draft)


def test_a_draft_hears_most_of_the_words_one_segment_per_stretch_of_speech(
    tmp_path: Path,
) -> None:
    x, truth = recording(tmp_path)
    draft = Recogniser().draft(lambda first, n: x[first : first + n], RATE, spans_of(x))
    assert draft is not None and len(draft) == len(truth)
    for seg, (a, b) in zip(draft, truth, strict=True):
        assert seg.start_s <= (a + b) / 2 <= seg.end_s
    wer, _ = wer_of_draft(x)
    assert wer <= 0.5, wer  # a rough draft of synthetic speech, yet mostly right
    # the measure can fail: the same recording played backwards is not heard as the phrases
    backwards, _ = wer_of_draft(x[::-1].copy())
    assert backwards >= 0.9, backwards


def test_long_speech_is_cut_into_pieces_the_decoder_can_hold() -> None:
    cut = pieces([(0.0, 5.0), (10.0, 10.0 + 2.5 * MAX_PIECE_S)])
    assert cut[0] == (0.0, 5.0)
    assert len(cut) == 4 and all(b - a <= MAX_PIECE_S for a, b in cut)
    assert cut[1][0] == 10.0 and cut[-1][1] == 10.0 + 2.5 * MAX_PIECE_S
    assert all(p[1] == q[0] for p, q in zip(cut[1:], cut[2:], strict=False))  # nothing lost


def test_a_draft_stopped_on_the_way_keeps_nothing(tmp_path: Path) -> None:
    x, _ = recording(tmp_path)
    seen: list[float] = []
    draft = Recogniser().draft(
        lambda first, n: x[first : first + n],
        RATE,
        spans_of(x),
        progress=seen.append,
        cancelled=lambda: len(seen) >= 1,
    )
    assert draft is None
    assert len(seen) == 1 and 0 < seen[0] < 1


def test_import_draft_fills_what_came_without_a_hypothesis_marked_as_a_draft(
    tmp_path: Path,
) -> None:
    """`earmark import --segment --draft`: recordings without a hypothesis get a draft, its
    words in the segments found from pauses; one with a hypothesis is left alone; the export
    says which text is a local draft, and reading the export back takes no draft for a
    hypothesis; a second import drafts nothing again."""
    x, truth = recording(tmp_path)
    folder = tmp_path / "rec"
    folder.mkdir()
    sf.write(str(folder / "calls.wav"), x, RATE)
    sf.write(str(folder / "known.wav"), x, RATE)
    rows = [{"audio": "calls.wav"}, {"audio": "known.wav", "asr": "the team's own hypothesis"}]
    (folder / "m.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    manifest = folder / "m.jsonl"

    def earmark(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app", *args], capture_output=True, text=True, timeout=300
        )

    r = earmark("import", str(manifest), "--segment", "--draft")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "drafting 1/1: calls.wav" in r.stdout and "1 draft(s) made" in r.stdout
    r = earmark("export", str(manifest), "--all")
    by = {Path(d["audio"]).name: d for d in map(json.loads, r.stdout.splitlines())}
    calls, known = by["calls.wav"], by["known.wav"]
    assert calls["asr"] == "" and calls["asr_draft"]
    assert (
        calls["asr_draft_by"].startswith("PocketSphinx") and "local draft" in calls["asr_draft_by"]
    )
    assert "asr_draft" not in known and known["asr"] == "the team's own hypothesis"
    texts = [s["text"] for s in calls["segments"]]
    assert len(texts) == len(truth) and all(texts)  # each segment from pauses got its words
    assert " ".join(texts) == calls["asr_draft"]

    again = tmp_path / "again.jsonl"
    again.write_text(r.stdout)
    back = formats.read(again)
    assert [rec.asr for rec in back.records] == ["", "the team's own hypothesis"]
    assert not any("asr_draft" in n for n in back.notes.lines())  # known, and left out
    r = earmark("import", str(manifest), "--draft")
    assert "0 draft(s) made" in r.stdout, r.stdout


def test_import_draft_in_another_language_says_why(tmp_path: Path) -> None:
    folder = tmp_path / "de"
    folder.mkdir()
    sf.write(str(folder / "a.wav"), recording(tmp_path)[0], RATE)
    conventions = json.loads(
        (Path(__file__).parents[2] / "resources/taxonomy/earmark-conventions.json").read_text()
    )
    (folder / "earmark-conventions.json").write_text(json.dumps({**conventions, "language": "de"}))
    r = subprocess.run(
        [sys.executable, "-m", "app", "import", str(folder), "--draft"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2
    assert "1 recording(s) queued" in r.stdout  # the import itself stands
    assert "No drafts: the aligner has an English model only" in r.stderr
