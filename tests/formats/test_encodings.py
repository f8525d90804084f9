"""Subtitles as people have them: an SRT or VTT in a legacy encoding (what Windows tools write)
is read in it and the encoding is said; NULs become U+FFFD as WebVTT's parser makes them;
what cannot be told for sure is still refused, in one clear line."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from app.cli import main
from app.formats import subtitles
from app.formats.record import FormatError, Notes
from app.formats.text import read_text
from app.workstation.project import open_project, scan_source
from tests.conftest import write_tone

# French, German and Spanish, with curly quotes, a low quote, an ellipsis and dashes from the
# bytes Windows-1252 adds to Latin-1 (0x80-0x9F)
CUES_1252 = [
    "Un café, s’il vous plaît — merci.",
    "Herr Müller wartet draußen: „Grüß Gott“…",
    "¿Dónde está el señor? – “Naïve”, dijo él.",
]


def srt(texts: list[str]) -> str:
    return "".join(
        f"{n}\r\n00:00:0{n},000 --> 00:00:0{n},800\r\n{text}\r\n\r\n"
        for n, text in enumerate(texts, start=1)
    )


def vtt(texts: list[str]) -> str:
    cues = (f"00:00:0{n}.000 --> 00:00:0{n}.800\n{text}\n" for n, text in enumerate(texts, 1))
    return "WEBVTT\n\n" + "\n".join(cues)


def folder_with(tmp: Path, name: str, data: bytes) -> Path:
    d = tmp / "calls"
    d.mkdir()
    write_tone(d / (Path(name).stem + ".wav"), 5.0)
    (d / name).write_bytes(data)
    return d


def prefill_texts(d: Path) -> list[str]:
    p = open_project(d)
    try:
        (task,) = p.store.tasks()
        return [s.text for s in task.prefill]
    finally:
        p.store.close()


def test_a_windows_1252_srt_opens_with_the_right_text_and_the_encoding_is_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = srt(CUES_1252).encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    # what a reader trusting charset-normalizer's first pick on so few cues would show
    assert data.decode("cp1250") != srt(CUES_1252)
    d = folder_with(tmp_path, "call.srt", data)

    assert main(["import", str(d)]) == 0
    said = capsys.readouterr().out.splitlines()
    assert said[:-1] == ["not kept: call.srt: read as Windows-1252 (not UTF-8); exports are UTF-8"]
    assert said[-1].startswith("1 recording(s) queued, 0 refused")
    assert prefill_texts(d) == CUES_1252

    # exports are UTF-8, as the note says
    out = tmp_path / "out"
    assert main(["export", str(d), "--format", "srt", "-o", str(out), "--all"]) == 0
    written = (out / "call.srt").read_bytes().decode("utf-8")
    assert all(text in written for text in CUES_1252)


def test_a_latin_1_vtt_opens_named_latin_1(tmp_path: Path) -> None:
    cues = ["À bientôt, déjà vu.", "Grüße aus München.", "Año nuevo, ¿sí?"]
    d = folder_with(tmp_path, "call.vtt", vtt(cues).encode("latin-1"))
    report = scan_source(d, {})
    assert report.notes == ["call.vtt: read as Latin-1 (not UTF-8); exports are UTF-8"]
    assert [[s.text for s in t.prefill] for t in report.accepted] == [cues]


def test_central_european_text_is_not_taken_for_windows_1252(tmp_path: Path) -> None:
    cues = ["Příliš žluťoučký kůň úpěl ďábelské ódy.", "Dobrý den, děkuji."]
    path = tmp_path / "call.srt"
    path.write_bytes(srt(cues).encode("cp1250"))
    notes = Notes()
    record = subtitles.read(path, "call.wav", notes)
    assert [s.text for s in record.segments] == cues
    assert notes.lines() == ["call.srt: read as Windows-1250 (not UTF-8); exports are UTF-8"]


def test_turkish_is_refused_naming_its_encoding_rather_than_read_as_icelandic(
    tmp_path: Path,
) -> None:
    cues = ["Günaydın, nasılsınız?", "Teşekkür ederim.", "Görüşürüz, İstanbul."]
    path = tmp_path / "call.srt"
    path.write_bytes(srt(cues).encode("cp1254"))
    assert "ý" in path.read_bytes().decode("cp1252")  # what Windows-1252 would make of "ı"
    with pytest.raises(FormatError) as refused:
        subtitles.read(path, "call.wav", Notes())
    said = str(refused.value)
    assert said.startswith("call.srt: not UTF-8, and its encoding cannot be told for sure (")
    assert "Windows-1254" in said.split("(")[1]
    assert said.endswith("); save it as UTF-8 and open it again.")


def test_nuls_in_a_vtt_become_replacement_characters_and_are_counted(tmp_path: Path) -> None:
    data = vtt(["hel\0lo", "wor\0ld\0"]).encode("utf-8")
    d = folder_with(tmp_path, "call.vtt", data)
    report = scan_source(d, {})
    assert report.notes == ["call.vtt: NUL characters replaced by U+FFFD (x3)"]
    assert [[s.text for s in t.prefill] for t in report.accepted] == [
        ["hel\ufffdlo", "wor\ufffdld\ufffd"]
    ]


def test_binary_garbage_named_srt_is_refused_in_one_line_and_the_recording_opens(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = folder_with(tmp_path, "call.srt", random.Random(7).randbytes(4000))
    assert main(["import", str(d)]) == 0
    said = capsys.readouterr().out.splitlines()
    assert said[:-1] == [
        "not kept: call.srt: not UTF-8 or UTF-16 text, nor in an encoding that can be told"
        " (damaged, or not text); save it as UTF-8 and open it again. call.wav opens without it."
    ]
    assert prefill_texts(d) == []


def test_utf_8_and_windows_1252_mixed_in_one_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "call.srt"
    path.write_bytes(srt(CUES_1252[:1]).encode("utf-8") + srt(CUES_1252[1:]).encode("cp1252"))
    with pytest.raises(FormatError) as refused:
        subtitles.read(path, "call.wav", Notes())
    assert str(refused.value) == (
        "call.srt: partly UTF-8 and partly not (damaged, or two encodings mixed);"
        " save it as UTF-8 and open it again."
    )


@pytest.mark.parametrize(
    ("encoding", "bom"), [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe")]
)
def test_unicode_files_read_as_before_and_say_nothing(
    encoding: str, bom: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "call.srt"
    path.write_bytes(bom + srt(CUES_1252).encode(encoding))
    notes = Notes()
    record = subtitles.read(path, "call.wav", notes)
    assert [s.text for s in record.segments] == CUES_1252
    assert notes.lines() == []


def test_readers_that_do_not_ask_for_legacy_encodings_still_refuse_them(tmp_path: Path) -> None:
    path = tmp_path / "call.txt"
    path.write_bytes("Un café".encode("cp1252"))
    with pytest.raises(FormatError, match="not UTF-8 or UTF-16 text"):
        read_text(path)
