"""Text files as other tools write them: UTF-8 with or without a byte-order mark, UTF-16 with
one (what Praat writes for non-ASCII text), any line ending; and, for a reader that asks, the
legacy encoding of a file that is not UTF-8 (SRT says none; Windows tools write Windows-1252)."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from app.formats.record import FormatError, Notes

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (codecs.BOM_UTF16_LE, "utf-16"),
)
# charset-normalizer scores each encoding the bytes decode in for chaos (how unlike text; it
# drops what passes 0.2) and coherence (how like a language). On a few cues many single-byte
# encodings score alike, and it may rank Windows-1257 first for French. So Windows-1252 (Latin-1's
# letters with Windows' quotes and dashes: what Windows tools write) is taken when it reads as
# text and about as coherent as the least chaotic readings, unless it makes Icelandic letters
# (what Turkish and Baltic letters become in it). Otherwise the least chaotic, most coherent
# readings must agree on the text (the Windows code pages among them, where there are any), or
# the file is refused naming them.
_NEAR_CHAOS, _NEAR_COHERENCE = 0.01, 0.05
_ICELANDIC = re.compile("[ðþýÐÞÝ]")
_WINDOWS = {f"cp125{n}" for n in range(9)} | {"cp874", "cp932", "gb18030", "gbk", "cp949", "cp950"}
_NAMES = {
    "latin_1": "Latin-1",
    "iso8859_15": "Latin-9",
    "cp874": "Windows-874 (Thai)",
    "cp932": "Shift_JIS (Windows-31J)",
    "shift_jis": "Shift_JIS",
    "gb18030": "GB18030",
    "gbk": "GBK",
    "cp949": "Windows-949 (Korean)",
    "big5": "Big5",
    "cp950": "Big5 (Windows-950)",
    "koi8_r": "KOI8-R",
    "mac_roman": "Mac Roman",
}
# UTF-8's bytes for U+0080-U+00FF (accented letters) and U+2000-U+203F (quotes, dashes): many of
# them among a file's other non-ASCII bytes mean UTF-8 with damage, or two encodings mixed
_UTF8_WESTERN = re.compile(rb"[\xc2\xc3][\x80-\xbf]|\xe2\x80[\x80-\xbf]")
_NOT_ASCII = re.compile(rb"[\x80-\xff]")


def read_text(path: Path, notes: Notes | None = None) -> str:
    """The file's text. With `notes`, a file that is not UTF-8 is read in the legacy encoding
    charset-normalizer is sure of, and the encoding is said; otherwise it is refused."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FormatError(f"{path.name}: cannot be read ({exc.strerror}).") from None
    encoding = next((enc for bom, enc in _BOMS if raw.startswith(bom)), "utf-8")
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError:
        if notes is None or encoding != "utf-8":  # a byte-order mark says the encoding
            raise FormatError(
                f"{path.name}: not UTF-8 or UTF-16 text (damaged, or another encoding); "
                "save it as UTF-8 and open it again."
            ) from None
    utf8_bytes = sum(len(m) for m in _UTF8_WESTERN.findall(raw))
    if utf8_bytes * 4 >= len(_NOT_ASCII.findall(raw)):
        raise FormatError(
            f"{path.name}: partly UTF-8 and partly not (damaged, or two encodings mixed);"
            " save it as UTF-8 and open it again."
        )
    legacy, rivals = _legacy_encoding(raw)
    if rivals:
        raise FormatError(
            f"{path.name}: not UTF-8, and its encoding cannot be told for sure"
            f" ({' or '.join(_name(enc, raw) for enc in rivals)}); save it as UTF-8 and open it"
            " again."
        )
    if legacy is None:
        raise FormatError(
            f"{path.name}: not UTF-8 or UTF-16 text, nor in an encoding that can be told"
            " (damaged, or not text); save it as UTF-8 and open it again."
        )
    notes.drop(path.name, f"read as {_name(legacy, raw)} (not UTF-8); exports are UTF-8")
    return raw.decode(legacy)


def _legacy_encoding(raw: bytes) -> tuple[str | None, list[str]]:
    """The encoding the bytes read as text in, by Python's name; or None, and the encodings
    that read them as well but into different text when it cannot be told which."""
    from charset_normalizer import from_bytes  # only a file that is not UTF-8 needs it

    found = list(from_bytes(raw, enable_fallback=False))  # each reads as text (chaos < 0.2)
    if not found:
        return None, []
    least_chaos = min(m.chaos for m in found)
    best = [m for m in found if m.chaos <= least_chaos + _NEAR_CHAOS]
    coherence = max(m.coherence for m in best)
    western = next((m for m in found if "cp1252" in m.could_be_from_charset), None)
    as_western = _decoded(raw, "cp1252")
    if (
        western is not None
        and as_western is not None
        and western.coherence >= coherence - _NEAR_COHERENCE
        and not _ICELANDIC.search(as_western)
    ):
        return "cp1252", []
    alike = [
        enc
        for m in best
        if m.coherence >= coherence - _NEAR_COHERENCE
        for enc in m.could_be_from_charset
        if not enc.startswith("utf")  # a UTF without a byte-order mark is a guess too far
    ]
    readings: dict[str, str] = {}
    for enc in [enc for enc in alike if enc in _WINDOWS] or alike:
        text = _decoded(raw, enc)
        if text is not None:
            readings.setdefault(text, enc)
    if len(readings) > 1:
        return None, list(readings.values())
    return next(iter(readings.values()), None), []


def _decoded(raw: bytes, encoding: str) -> str | None:
    """The bytes as text in `encoding`, or None where they are not text in it."""
    try:
        return raw.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _name(encoding: str, raw: bytes) -> str:
    """What people call it: Windows-1252 with none of the bytes it adds to Latin-1 is Latin-1."""
    if encoding == "cp1252" and not re.search(rb"[\x80-\x9f]", raw):
        return "Latin-1"
    if encoding in _NAMES:
        return _NAMES[encoding]
    if encoding.startswith("cp125"):
        return f"Windows-{encoding[2:]}"
    if encoding.startswith("iso8859_"):
        return f"ISO-8859-{encoding.removeprefix('iso8859_')}"
    return encoding.replace("_", "-").upper()
