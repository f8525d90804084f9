"""Text files as other tools write them: UTF-8 with or without a byte-order mark, UTF-16 with
one (what Praat writes for non-ASCII text), any line ending."""

from __future__ import annotations

import codecs
from pathlib import Path

from app.formats.record import FormatError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (codecs.BOM_UTF16_LE, "utf-16"),
)


def read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FormatError(f"{path.name}: cannot be read ({exc.strerror}).") from None
    encoding = next((enc for bom, enc in _BOMS if raw.startswith(bom)), "utf-8")
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError:
        raise FormatError(
            f"{path.name}: not UTF-8 or UTF-16 text (damaged, or another encoding); "
            "save it as UTF-8 and open it again."
        ) from None
