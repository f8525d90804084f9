"""Praat TextGrids through praatio: short and long text formats, any encoding Praat writes."""

from __future__ import annotations

from pathlib import Path

from praatio import textgrid as tg_mod
from praatio.data_classes.interval_tier import IntervalTier
from praatio.utilities import textgrid_io

from app.formats import tiers as t
from app.formats.brackets import to_brackets
from app.formats.record import FormatError, Item, Notes, Record
from app.formats.text import read_text

SUFFIX = ".TextGrid"


def read(path: Path, audio: str, notes: Notes, tier: str | None = None) -> Record:
    """The transcript tier's intervals with text as segments (empty intervals are pauses)."""
    try:
        parsed = textgrid_io.parseTextgridStr(read_text(path), includeEmptyIntervals=False)
    except FormatError:
        raise
    except Exception as exc:  # praatio raises bare IndexErrors and its own errors alike
        raise FormatError(f"{path.name}: not a TextGrid Praat wrote, or damaged ({exc}).") from None
    tiers = [
        t.Tier(
            raw["name"],
            [(float(e[0]), float(e[1]), str(e[2])) for e in raw["entries"]]
            if raw["class"] == tg_mod.INTERVAL_TIER
            else [(float(e[0]), float(e[0]), str(e[1])) for e in raw["entries"]],
            "interval" if raw["class"] == tg_mod.INTERVAL_TIER else "point",
        )
        for raw in parsed["tiers"]
    ]
    where = path.name
    chosen = t.pick(tiers, tier, where, notes)
    intent, flags = t.intent_and_flags(tiers, where, notes)
    segments = t.segments_of(chosen, tiers, where, notes) if chosen else ()
    return Record(audio=audio, segments=segments, intent=intent, flags=flags)


def write(item: Item, folder: Path, notes: Notes) -> Path:
    """A long-format TextGrid: the transcript tier, and slots, intent and flags tiers beside it."""
    a = item.annotation
    end = max([item.duration_s] + [s.end_s for s in a.segments])
    spoken = [s for s in a.segments if s.text.strip()]
    if len(spoken) < len(a.segments):
        notes.drop(
            "textgrid",
            "segments without text are not written (a TextGrid's empty intervals are pauses)",
            len(a.segments) - len(spoken),
        )
    grid = tg_mod.Textgrid(0.0, end)

    def tier(name: str, rows: list[tuple[float, float, str]]) -> None:
        grid.addTier(IntervalTier(name, rows, 0.0, end))

    tier(t.TRANSCRIPT, [(s.start_s, s.end_s, s.text) for s in spoken])
    tier(t.SLOTS, [(s.start_s, s.end_s, to_brackets(s.text, s.slots)) for s in spoken if s.slots])
    tier(t.INTENT, [(0.0, end, a.intent)] if a.intent else [])
    tier(t.FLAGS, [(0.0, end, t.flags_text(a.flags))] if a.flags else [])
    target = folder / f"{item.stem}{SUFFIX}"
    grid.save(str(target), format="long_textgrid", includeBlankSpaces=True)
    return target
