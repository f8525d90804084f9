"""HTTP byte ranges (RFC 9110 §14): one range per request, as players and the workstation ask."""

from __future__ import annotations

import re

# at most 19 digits: any larger number is past the end of any recording anyway
_RANGE = re.compile(r"bytes=(\d{0,19})-(\d{0,19})")


class Unsatisfiable(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(f"bytes */{size}")
        self.size = size


def range_applies(if_range: str | None, etag: str) -> bool:
    """Whether to follow a Range (RFC 9110 §13.1.5): with no If-Range, or one naming `etag` by
    strong comparison. A weak tag, another tag or a date (no Last-Modified is ever sent) asks
    for the whole representation instead."""
    if if_range is None:
        return True
    given = if_range.strip()
    return given == etag and not given.startswith("W/")


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) byte, inclusive, or None for the whole (no header, or one we ignore as the
    RFC allows: several ranges, another unit, nonsense)."""
    match = _RANGE.fullmatch((header or "").strip())
    if match is None or not (match.group(1) or match.group(2)):
        return None
    first, last = match.group(1), match.group(2)
    if first:
        start = int(first)
        end = int(last) if last else size - 1
    else:
        start, end = max(0, size - int(last)), size - 1
    if start >= size or end < start:
        raise Unsatisfiable(size)
    return start, min(end, size - 1)
