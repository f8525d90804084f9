"""A project's transcription conventions and the checker that blocks a bad submission."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from app.model.spoken_data import Kind


@dataclass(frozen=True, slots=True)
class Tag:
    text: str  # what is inserted, e.g. "[noise]"
    title: str


PERSONAL_TAGS = frozenset(k.tag for k in Kind)


@dataclass(frozen=True, slots=True)
class Conventions:
    tags: tuple[Tag, ...]
    fillers: tuple[str, ...] = ("uh", "um", "er", "hmm")
    digits_allowed: bool = False
    partial_word_suffix: str = "-"
    language: str = "en"  # a BCP 47 tag; the word aligner has an English model only
    # names the project counts as personal data when said (app/model/spoken_data.py)
    personal_names: tuple[str, ...] = ()

    @property
    def tag_texts(self) -> frozenset[str]:
        """The project's tags, and the tag of each kind of personal data (`[phone]`): what a
        redacted or muted transcript holds in place of what was said."""
        return frozenset(t.text for t in self.tags) | PERSONAL_TAGS


@dataclass(frozen=True, slots=True)
class Problem:
    start_char: int
    end_char: int
    message: str


def conventions_from(data: object) -> Conventions:
    """A conventions document, from a project's file or from a server alike: the one reading
    of it; ValueError says what is wrong."""
    if not isinstance(data, dict):
        raise ValueError('conventions are a JSON object with a "tags" list')
    tags = data.get("tags", [])  # none: a project without tags (older servers stored such)
    if not isinstance(tags, list) or not all(isinstance(t, dict) and "text" in t for t in tags):
        raise ValueError('the conventions\' "tags" must be a list of {"text": ..., "title": ...}')
    fillers = data.get("fillers", [])
    if not isinstance(fillers, list):
        raise ValueError('the conventions\' "fillers" must be a list of words')
    return Conventions(
        tags=tuple(Tag(str(t["text"]), str(t.get("title", t["text"]))) for t in tags),
        fillers=tuple(str(f) for f in fillers),
        digits_allowed=bool(data.get("digits_allowed", False)),
        partial_word_suffix=str(data.get("partial_word_suffix", "-")),
        language=str(data.get("language", "en")),
        personal_names=_names(data.get("personal_names", [])),
    )


def _names(names: object) -> tuple[str, ...]:
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ValueError('the conventions\' "personal_names" must be a list of names')
    return tuple(n.strip() for n in names if n.strip())


def load_conventions(path: Path) -> Conventions:
    try:
        return conventions_from(json.loads(path.read_text(encoding="utf-8")))
    except ValueError as exc:
        raise ValueError(f"{path.name}: {exc}") from exc


_BRACKETED = re.compile(r"\[[^\[\]]*\]")
_DIGIT = re.compile(r"\d+")
_TOKEN = re.compile(r"\S+")


def check_transcript(text: str, conv: Conventions) -> list[Problem]:
    """Every problem with one transcript, in reading order; empty when it may be submitted."""
    problems: list[Problem] = []
    depth, opened_at = 0, 0
    for i, ch in enumerate(text):
        if ch == "[":
            if depth:
                problems.append(Problem(i, i + 1, "A tag is opened inside another tag."))
            depth, opened_at = depth + 1, i
        elif ch == "]":
            if not depth:
                problems.append(Problem(i, i + 1, "']' closes no tag."))
            else:
                depth -= 1
    if depth:
        problems.append(Problem(opened_at, len(text), "'[' is never closed."))
    for m in _BRACKETED.finditer(text):
        if m.group(0) not in conv.tag_texts:
            known = ", ".join(sorted(t.text for t in conv.tags))
            problems.append(
                Problem(m.start(), m.end(), f"Unknown tag {m.group(0)}; known tags: {known}.")
            )
    if not conv.digits_allowed:
        for m in _DIGIT.finditer(text):
            problems.append(
                Problem(m.start(), m.end(), f"Write numbers as words, not '{m.group(0)}'.")
            )
    for m in _TOKEN.finditer(text):
        tok = m.group(0)
        if tok.startswith("[") or tok.endswith("]"):
            continue
        if tok == conv.partial_word_suffix or tok.startswith(conv.partial_word_suffix):
            problems.append(
                Problem(m.start(), m.end(), f"A partial word needs letters before '{tok[0]}'.")
            )
    if "  " in text:
        k = text.index("  ")
        problems.append(Problem(k, k + 2, "Double space."))
    problems.sort(key=lambda p: p.start_char)
    return problems


def tag_spans(text: str, conv: Conventions) -> list[tuple[int, int, bool]]:
    """(start, end, known) of every tag, filler and partial word, for highlighting."""
    out = [(m.start(), m.end(), m.group(0) in conv.tag_texts) for m in _BRACKETED.finditer(text)]
    fillers = set(conv.fillers)
    for m in _TOKEN.finditer(text):
        tok = m.group(0)
        if tok.lower() in fillers or (
            len(tok) > 1 and tok.endswith(conv.partial_word_suffix) and not tok.startswith("[")
        ):
            out.append((m.start(), m.end(), True))
    out.sort()
    return out


def insert_tag(text: str, start: int, end: int, tag: str) -> tuple[str, int]:
    """Replace text[start:end] by the tag, spaced as a word; returns (new text, caret after it)."""
    before, after = text[:start], text[end:]
    pad_l = "" if not before or before.endswith(" ") else " "
    pad_r = "" if after.startswith(" ") else " "
    new = before + pad_l + tag + pad_r + after
    return new, len(before + pad_l + tag + pad_r)
