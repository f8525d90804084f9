"""Personal-data spans: candidates the detector finds (app/model/spoken_data.py), confirmed or
dismissed by a person, or marked by hand on words, and kept on their words through edits.

Confirming never changes the words: a span is a word range of its segment with its kind, kept
in `Segment.personal` the way slots are, and the annotation takes the personal-data flag. What
a person dismissed is not offered again for that item: dismissals are kept per recording by the
caller, as (kind, words) pairs, so they survive edits that move the words.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import replace

from app.model.annotation import Annotation, EditError, Flag, Segment
from app.model.slots import Slot
from app.model.spoken_data import Candidate, Kind, find_candidates

Dismissal = tuple[str, str]  # the kind and the words, lower case, as the candidate had them


def dismissal(c: Candidate) -> Dismissal:
    return c.kind.value, " ".join(c.text.lower().split())


def open_candidates(
    seg: Segment,
    language: str = "en",
    names: Iterable[str] = (),
    dismissed: Collection[Dismissal] = (),
) -> list[Candidate]:
    """The detector's candidates in a segment that no confirmed span covers and nobody
    dismissed."""
    return [
        c
        for c in find_candidates(seg.text, language, names)
        if dismissal(c) not in dismissed
        and not any(s.start_word < c.end_word and c.start_word < s.end_word for s in seg.personal)
    ]


def candidate_at(candidates: Iterable[Candidate], word: int) -> Candidate | None:
    return next((c for c in candidates if c.start_word <= word < c.end_word), None)


def mark(a: Annotation, index: int, kind: Kind, start_word: int, end_word: int) -> Annotation:
    """A personal-data span on words [start_word, end_word) of segment `index`: spans it
    overlaps give way; the words stay as they are; the annotation is flagged."""
    if not 0 <= index < len(a.segments):
        raise EditError("There is no such segment.")
    seg = a.segments[index]
    if not 0 <= start_word < end_word <= len(seg.text.split()):
        raise EditError("Select one or more words of the transcript to mark as personal data.")
    kept = tuple(s for s in seg.personal if s.end_word <= start_word or s.start_word >= end_word)
    spans = tuple(sorted((*kept, Slot(kind.value, start_word, end_word)), key=_start))
    segs = list(a.segments)
    segs[index] = replace(seg, personal=spans)
    return replace(a, segments=tuple(segs), flags=a.flags | {Flag.PERSONAL_DATA})


def confirm(a: Annotation, index: int, c: Candidate) -> Annotation:
    return mark(a, index, c.kind, c.start_word, c.end_word)


def remove_at(a: Annotation, index: int, word: int) -> Annotation:
    """The span on that word gone; the flag stays (a person set it, a person clears it)."""
    if not 0 <= index < len(a.segments):
        raise EditError("There is no such segment.")
    seg = a.segments[index]
    spans = tuple(s for s in seg.personal if not s.start_word <= word < s.end_word)
    if spans == seg.personal:
        raise EditError("There is no personal-data span on that word.")
    segs = list(a.segments)
    segs[index] = replace(seg, personal=spans)
    return replace(a, segments=tuple(segs))


def redacted_text(seg: Segment) -> str:
    """The segment's words with each span's words replaced by its kind's tag: `[phone]`."""
    return redact_segment(seg).text if seg.personal else seg.text


def redact_segment(seg: Segment) -> Segment:
    """The segment with each span's words replaced by one word, its kind's tag; slots follow
    (a slot over a span's words covers its tag) and each span is left on its tag."""
    if not seg.personal:
        return seg
    words = seg.text.split()
    at: list[int] = []  # each old word's place among the new words
    out: list[str] = []
    spans = sorted(seg.personal, key=_start)
    for k, w in enumerate(words):
        inside = next((s for s in spans if s.start_word <= k < s.end_word), None)
        if inside is None:
            out.append(w)
        elif k == inside.start_word:
            out.append(_tag(inside.type))
        at.append(len(out) - 1)

    def moved(s: Slot) -> Slot:
        return Slot(s.type, at[s.start_word], at[s.end_word - 1] + 1)

    fits = [s for s in seg.slots if s.end_word <= len(words)]
    personal = tuple(moved(s) for s in spans if s.end_word <= len(words))
    return replace(seg, text=" ".join(out), slots=tuple(moved(s) for s in fits), personal=personal)


def redact(a: Annotation) -> Annotation:
    return replace(a, segments=tuple(redact_segment(s) for s in a.segments))


def _tag(kind: str) -> str:
    try:
        return Kind(kind).tag
    except ValueError:
        return "[personal]"


def _start(s: Slot) -> int:
    return s.start_word
