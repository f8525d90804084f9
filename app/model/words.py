"""Words of a segment tied to times in its recording: what the aligner placed, and what not."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from app.model.conventions import Conventions
from app.model.slots import word_spans

_EDGE_PUNCT = re.compile(r"^[^\w']+|[^\w']+$")


class Placed(StrEnum):
    SURE = "sure"  # a dictionary word, where the aligner put it
    GUESSED = "guessed"  # not in the dictionary: placed by a pronunciation guessed from letters
    NOT_PLACED = "not_placed"  # no time: the aligner could not place it


@dataclass(frozen=True, slots=True)
class WordTime:
    index: int  # the word's place among the segment text's words (app.model.slots.word_spans)
    word: str
    start_s: float = 0.0  # in the recording
    end_s: float = 0.0
    placed: Placed = Placed.NOT_PLACED

    @property
    def has_time(self) -> bool:
        return self.placed != Placed.NOT_PLACED


@dataclass(frozen=True, slots=True)
class SegmentWords:
    """The alignment of one segment's text, valid for exactly that text and those bounds."""

    text: str
    start_s: float
    end_s: float
    words: tuple[WordTime, ...]
    note: str = ""  # why nothing (or not everything) is placed, for the user

    def at(self, t_s: float) -> WordTime | None:
        """The placed word being heard at `t_s`, if any."""
        for w in self.words:
            if w.has_time and w.start_s <= t_s < w.end_s:
                return w
        return None

    def word(self, index: int) -> WordTime | None:
        for w in self.words:
            if w.index == index:
                return w
        return None

    def play_from(self, index: int) -> tuple[float, WordTime | None]:
        """Where to play from for word `index`: its start, or after the placed word before it
        (the segment's start if none); and the word that time belongs to."""
        target = self.word(index)
        if target is not None and target.has_time:
            return target.start_s, target
        before = [w for w in self.words if w.has_time and w.index < index]
        if before:
            return before[-1].end_s, None
        return self.start_s, None

    @property
    def guessed(self) -> tuple[WordTime, ...]:
        return tuple(w for w in self.words if w.placed == Placed.GUESSED)


def spoken_words(text: str, conv: Conventions) -> list[tuple[int, str]]:
    """(word index, lower-case word) of every word to align: tags like [noise] are not speech
    and are left out; punctuation at a word's edges is dropped; a partial word keeps its letters."""
    out: list[tuple[int, str]] = []
    for k, (a, b) in enumerate(word_spans(text)):
        raw = text[a:b]
        if raw.startswith("[") or raw.endswith("]"):
            continue
        if conv.partial_word_suffix and raw.endswith(conv.partial_word_suffix):
            raw = raw[: -len(conv.partial_word_suffix)]
        word = _EDGE_PUNCT.sub("", raw).lower()
        if word:
            out.append((k, word))
    return out


def word_at_char(text: str, pos: int) -> int | None:
    """The index of the word the caret at `pos` is in or just after; None in leading space."""
    found = None
    for k, (a, _b) in enumerate(word_spans(text)):
        if a <= pos:
            found = k
        else:
            break
    return found
