"""Word-level differences between two transcripts, e.g. the ASR hypothesis and the edit."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from enum import StrEnum


class Op(StrEnum):
    SAME = "same"
    DELETED = "deleted"  # in the old text only
    INSERTED = "inserted"  # in the new text only


@dataclass(frozen=True, slots=True)
class DiffWord:
    op: Op
    word: str


def word_diff(old: str, new: str) -> list[DiffWord]:
    a, b = old.split(), new.split()
    out: list[DiffWord] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.extend(DiffWord(Op.SAME, w) for w in a[i1:i2])
            continue
        out.extend(DiffWord(Op.DELETED, w) for w in a[i1:i2])
        out.extend(DiffWord(Op.INSERTED, w) for w in b[j1:j2])
    return out


def changed_word_indices(old: str, new: str) -> set[int]:
    """Indices of the words of `new` that are not in `old` at the same place."""
    a, b = old.split(), new.split()
    changed: set[int] = set()
    for tag, _i1, _i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag != "equal":
            changed.update(range(j1, j2))
    return changed
