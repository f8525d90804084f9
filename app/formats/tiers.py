"""What tiered formats (TextGrid, EAF) share: which tier is the transcript, and the tiers Earmark
writes beside it (slots in bracket notation, the intent, the flags)."""

from __future__ import annotations

from dataclasses import dataclass

from app.formats.brackets import from_brackets
from app.formats.record import Notes
from app.model.annotation import Flag, Segment
from app.model.slots import Slot

TRANSCRIPT, SLOTS, INTENT, FLAGS = "transcript", "slots", "intent", "flags"
OURS = {SLOTS, INTENT, FLAGS}


@dataclass(frozen=True, slots=True)
class Tier:
    name: str
    intervals: list[tuple[float, float, str]]  # seconds; text as the file has it
    kind: str = "interval"  # "point" and "reference" tiers are named, never read as text


def one_line(text: str, where: str, notes: Notes) -> str:
    """A segment's transcript is one line: line breaks inside a label become spaces (said)."""
    if "\n" in text.strip():
        notes.drop(where, "line breaks inside a label joined with spaces")
    return " ".join(text.split()) if "\n" in text else text


def pick(tiers: list[Tier], tier: str | None, where: str, notes: Notes) -> Tier | None:
    """The named tier, or the first interval tier with text; the others are named in the notes."""
    if tier is not None:
        chosen = next((t for t in tiers if t.name == tier and t.kind == "interval"), None)
        if chosen is None:
            names = ", ".join(repr(t.name) for t in tiers if t.kind == "interval") or "none"
            notes.problem(f"{where}: no interval tier named {tier!r} (its interval tiers: {names})")
    else:
        chosen = next(
            (
                t
                for t in tiers
                if t.kind == "interval"
                and t.name not in OURS
                and any(x[2].strip() for x in t.intervals)
            ),
            None,
        )
    others = [
        t
        for t in tiers
        if t is not chosen and t.name not in OURS and (t.intervals or t.kind == "interval")
    ]
    if others:
        listed = ", ".join(f"{t.name!r} ({t.kind}, {len(t.intervals)})" for t in others)
        notes.drop(where, f"tiers not read: {listed}; pick another with --tier")
    return chosen


def segments_of(chosen: Tier, tiers: list[Tier], where: str, notes: Notes) -> tuple[Segment, ...]:
    """The chosen tier's intervals as segments, with the slots tier's brackets on them."""
    by_start: dict[float, str] = {}
    slot_tier = next((t for t in tiers if t.name == SLOTS and t is not chosen), None)
    if slot_tier is not None:
        by_start = {round(a, 3): text for a, _b, text in slot_tier.intervals}
    out = []
    for a, b, raw in chosen.intervals:
        text = one_line(raw, where, notes)
        slots: tuple[Slot, ...] = ()
        if round(a, 3) in by_start:
            plain, slots = from_brackets(by_start[round(a, 3)])
            if plain.split() != text.split():
                notes.drop(where, "slots whose words differ from the transcript's")
                slots = ()
        out.append(Segment(a, b, text, slots))
    return tuple(out)


def intent_and_flags(
    tiers: list[Tier], where: str, notes: Notes
) -> tuple[str | None, frozenset[Flag]]:
    intent = next(
        (x[2].strip() for t in tiers if t.name == INTENT for x in t.intervals if x[2].strip()), None
    )
    flags: set[Flag] = set()
    for t in tiers:
        if t.name == FLAGS:
            for x in t.intervals:
                for word in x[2].replace(",", " ").split():
                    try:
                        flags.add(Flag(word))
                    except ValueError:
                        notes.drop(where, f"unknown flag {word!r}")
    return intent, frozenset(flags)


def flags_text(flags: frozenset[Flag]) -> str:
    return " ".join(sorted(f.value for f in flags))
