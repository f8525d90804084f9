"""Earmark's own manifest: a recording a line, slots by text or word index, and each line that
cannot be read named by its number while the others open."""

from pathlib import Path

from app.formats.manifests import read_jsonl
from app.formats.record import Notes
from app.model.slots import Slot


def test_manifest_lines_slots_and_problems(tmp_path: Path) -> None:
    m = tmp_path / "m.jsonl"
    m.write_text(
        '{"audio": "a.wav", "asr": "play some jazz", "intent": "play_music",'
        ' "slots": [{"type": "music_genre", "text": "jazz"}]}\n'
        "\n"
        '{"audio": "b.wav", "slots": [{"type": "date", "start_word": 0, "end_word": 1}],'
        ' "customer_name": "Jane"}\n'
        "not json\n"
        '{"asr": "no audio"}\n'
        '{"audio": "c.wav", "asr": "hello", "slots": [{"type": "x", "text": "absent"}]}\n'
    )
    notes = Notes()
    reading = read_jsonl(m, notes)
    assert [Path(r.audio).name for r in reading.records] == ["a.wav", "b.wav"]
    assert reading.records[0].asr_slots == (Slot("music_genre", 2, 3),)
    assert reading.records[0].audio == str((tmp_path / "a.wav").resolve())
    assert reading.records[0].intent == "play_music"
    assert [p.split(":")[0] for p in notes.problems] == [
        "m.jsonl line 4",
        "m.jsonl line 5 not read",
        "m.jsonl line 6 not read",
    ]
    assert "not in the ASR hypothesis" in notes.problems[2]
    assert "m.jsonl: field 'customer_name' not kept" in notes.lines()
