from pathlib import Path

from app.model.manifest import parse_manifest
from app.model.slots import Slot


def test_manifest_lines_slots_and_problems(tmp_path: Path) -> None:
    m = tmp_path / "m.jsonl"
    m.write_text(
        '{"audio": "a.wav", "asr": "play some jazz", "intent": "play_music",'
        ' "slots": [{"type": "music_genre", "text": "jazz"}]}\n'
        "\n"
        '{"audio": "b.wav", "slots": [{"type": "date", "start_word": 0, "end_word": 1}]}\n'
        "not json\n"
        '{"asr": "no audio"}\n'
        '{"audio": "c.wav", "asr": "hello", "slots": [{"type": "x", "text": "absent"}]}\n'
    )
    entries, problems = parse_manifest(m)
    assert [e.audio_path.name for e in entries] == ["a.wav", "b.wav"]
    assert entries[0].predicted_slots == (Slot("music_genre", 2, 3),)
    assert entries[0].audio_path == (tmp_path / "a.wav").resolve()
    assert [p.line for p in problems] == [4, 5, 6]
    assert "not in the ASR hypothesis" in problems[2].message
