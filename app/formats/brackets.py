"""SLURP's and MASSIVE's slot notation: `wake me up at [time : five am]`."""

from __future__ import annotations

import re

from app.model.slots import Slot

_SLOT = re.compile(r"\[\s*([^\[\]:]+?)\s*:\s*([^\[\]]*?)\s*\]")


def from_brackets(annotated: str) -> tuple[str, tuple[Slot, ...]]:
    """The plain text and its slots as word ranges; brackets that do not parse stay as text."""
    words: list[str] = []
    slots: list[Slot] = []
    pos = 0
    for m in _SLOT.finditer(annotated):
        words += annotated[pos : m.start()].split()
        value = m.group(2).split()
        if value:
            slots.append(Slot(m.group(1).strip(), len(words), len(words) + len(value)))
        words += value
        pos = m.end()
    words += annotated[pos:].split()
    return " ".join(words), tuple(slots)


def to_brackets(text: str, slots: tuple[Slot, ...]) -> str:
    """`text` with each slot's words in brackets; the inverse of from_brackets."""
    words = text.split()
    out: list[str] = []
    k = 0
    for s in sorted(slots, key=lambda s: s.start_word):
        if s.start_word < k or s.end_word > len(words):
            continue
        out += words[k : s.start_word]
        out.append(f"[{s.type} : {' '.join(words[s.start_word : s.end_word])}]")
        k = s.end_word
    return " ".join(out + words[k:])
