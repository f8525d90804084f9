"""Slots are word ranges of a segment's transcript; they follow their words through edits."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Slot:
    type: str
    start_word: int
    end_word: int  # exclusive


def words_of(text: str) -> list[str]:
    return text.split()


def word_spans(text: str) -> list[tuple[int, int]]:
    """Character span [start, end) of each whitespace-separated word."""
    spans: list[tuple[int, int]] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            break
        j = i
        while j < n and not text[j].isspace():
            j += 1
        spans.append((i, j))
        i = j
    return spans


def words_in_chars(text: str, start_char: int, end_char: int) -> tuple[int, int] | None:
    """The word range touched by a character selection, or None if it touches no word."""
    lo, hi = min(start_char, end_char), max(start_char, end_char)
    hit = [k for k, (a, b) in enumerate(word_spans(text)) if a < hi and b > lo]
    if not hit and lo == hi:
        hit = [k for k, (a, b) in enumerate(word_spans(text)) if a <= lo <= b]
    if not hit:
        return None
    return hit[0], hit[-1] + 1


def _map_start(opcodes: Sequence[tuple[str, int, int, int, int]], i: int) -> int:
    for tag, i1, i2, j1, _j2 in opcodes:
        if i1 <= i < i2:
            return j1 + (i - i1) if tag == "equal" else j1
    return opcodes[-1][4] if opcodes else 0


def _map_end(opcodes: Sequence[tuple[str, int, int, int, int]], i: int) -> int:
    """Map an exclusive end: the last word of the slot is i - 1."""
    last = i - 1
    for tag, i1, i2, j1, j2 in opcodes:
        if i1 <= last < i2:
            if tag == "equal":
                return j1 + (last - i1) + 1
            return j2 if tag == "replace" else j1
    return 0


def reanchor_slots(old_text: str, new_text: str, slots: tuple[Slot, ...]) -> tuple[Slot, ...]:
    """Keep each slot on its words after an edit.

    Rules: words inserted or deleted outside a slot shift it; words changed or inserted inside
    it are part of it; a slot whose words were replaced takes the replacement; a slot whose words
    were all deleted, or that lies inside a larger rewritten stretch (its words cannot be told
    apart there, as when the whole line is retyped), is dropped.
    """
    if not slots or old_text == new_text:
        return slots
    old_w, new_w = words_of(old_text), words_of(new_text)
    opcodes = difflib.SequenceMatcher(a=old_w, b=new_w, autojunk=False).get_opcodes()
    out: list[Slot] = []
    for s in slots:
        if any(
            tag == "replace"
            and i1 <= s.start_word
            and s.end_word <= i2
            and (i1, i2) != (s.start_word, s.end_word)
            for tag, i1, i2, _j1, _j2 in opcodes
        ):
            continue
        start = _map_start(opcodes, s.start_word)
        end = _map_end(opcodes, s.end_word)
        if end > start:
            out.append(Slot(s.type, start, end))
    return tuple(out)
