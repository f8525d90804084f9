"""What a format holds of one recording, on the way in (`Record`) and out (`Item`), and what a
reader or writer reports it could not keep (`Notes`)."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

from app.model.annotation import Annotation, Flag, Segment
from app.model.slots import Slot

WHOLE = math.inf  # a segment's end "to the end of the recording", for formats without times


class FormatError(Exception):
    """A file that cannot be read as the format it claims; str() is one line for the user."""


@dataclass(frozen=True, slots=True)
class Record:
    """One recording as a file describes it. `audio` is a path (resolved against the file's
    folder) or a URL; `segments` pre-fill the annotation, `asr` is a hypothesis to compare."""

    audio: str
    segments: tuple[Segment, ...] = ()
    intent: str | None = None
    flags: frozenset[Flag] = frozenset()
    asr: str = ""
    asr_slots: tuple[Slot, ...] = ()
    customer_id: str = ""
    key: str = ""  # the source's own id for it: an utterance id, a Label Studio task id


@dataclass(frozen=True, slots=True)
class Item:
    """One annotated recording on its way out."""

    id: str
    audio: str
    duration_s: float
    annotation: Annotation
    asr: str = ""
    key: str = ""  # the source's own id, when it came from one (written back where it fits)
    draft: str = ""  # a transcript drafted on the workstation where there was no hypothesis
    draft_by: str = ""

    @property
    def stem(self) -> str:
        return Path(self.audio.rsplit("/", 1)[-1]).stem or self.id


@dataclass
class Notes:
    """What could not be kept, one line per file and kind, however often it happened."""

    _by: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    problems: list[str] = field(default_factory=list)

    def drop(self, where: str, what: str, n: int = 1) -> None:
        """`what` a file holds and Earmark does not keep (counted, said once)."""
        self._by[(where, what)] += n

    def problem(self, line: str) -> None:
        """A part that could not be read at all (its recording still opens where it can)."""
        self.problems.append(line)

    def lines(self) -> list[str]:
        """One line per kind; the same kind in many files names the first three and a count."""
        files: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for (where, what), n in self._by.items():
            files[what].append((where, n))
        out = []
        for what, found in files.items():
            if len(found) == 1:
                ((where, n),) = found
                out.append(f"{where}: {what}" + (f" (x{n})" if n > 1 else ""))
                continue
            names = ", ".join(where for where, _n in found[:3])
            more = f" and {len(found) - 3} more files" if len(found) > 3 else ""
            out.append(f"{names}{more}: {what}")
        return out + self.problems

    def __bool__(self) -> bool:
        return bool(self._by or self.problems)


@dataclass
class Reading:
    records: list[Record] = field(default_factory=list)
    notes: Notes = field(default_factory=Notes)
    # the folders the file's paths were resolved in: what it names is expected under them
    roots: list[Path] = field(default_factory=list)


def outside(audio: str, roots: list[Path]) -> bool:
    """Whether the file `audio` names (symbolic links followed) is under none of `roots`."""
    where = Path(audio).resolve()
    return not any(where.is_relative_to(root.resolve()) for root in roots)


def fit(
    segments: tuple[Segment, ...], duration_s: float, where: str, notes: Notes
) -> tuple[Segment, ...]:
    """Segments inside [0, duration] in time order, without overlaps: a segment past the end is
    cut there (and said), one wholly outside is dropped (and said); float noise is mended."""
    out: list[Segment] = []
    for s in sorted(segments, key=lambda s: (s.start_s, s.end_s)):
        start, end = max(0.0, s.start_s), min(s.end_s, duration_s)
        if s.end_s != WHOLE and s.end_s > duration_s + 0.001:
            if start >= duration_s:
                notes.drop(
                    where,
                    f"segment {s.start_s:.2f}-{s.end_s:.2f} s after the end ({duration_s:.2f} s)",
                )
                continue
            notes.drop(
                where,
                f"segment ending at {s.end_s:.2f} s cut at the end ({duration_s:.2f} s)",
            )
        if out and start < out[-1].end_s:
            if out[-1].end_s - start > 0.001:
                notes.drop(where, "overlapping segment starts where the one before it ends")
            start = out[-1].end_s
        if end - start <= 0:
            notes.drop(where, f"segment {s.start_s:.2f}-{s.end_s:.2f} s has no length left")
            continue
        out.append(replace(s, start_s=start, end_s=end))
    return tuple(out)


def unheld(item: Item, fmt: str, notes: Notes, holds: frozenset[str] = frozenset()) -> None:
    """Say what of an annotation a format has no place for: of "intent", "slots", "flags"."""
    a = item.annotation
    present = {
        "intent": bool(a.intent),
        "slots": any(s.slots for s in a.segments),
        "flags": bool(a.flags),
    }
    for what, there in present.items():
        if there and what not in holds:
            notes.drop(fmt, f"{what} not written (the format has no place for them)")


def redacted(items: list[Item], notes: Notes) -> list[Item]:
    """Each confirmed personal-data span's words written as its kind's tag (`[phone]`), slots
    kept on the tag; the hypothesis and local drafts left out, since no person confirmed what
    they hold (said once in `notes`)."""
    from app.model.personal import redact

    out = []
    for item in items:
        if item.asr or item.draft:
            notes.drop("redacted export", "ASR hypotheses and local drafts (never confirmed)")
        out.append(replace(item, annotation=redact(item.annotation), asr="", draft="", draft_by=""))
    return out
