"""ELAN annotation files through pympi-ling: EAF 2.x and 3.0, as ELAN or other tools wrote them."""

from __future__ import annotations

import warnings
from pathlib import Path

import pympi.Elan as elan

from app.formats import tiers as t
from app.formats.brackets import to_brackets
from app.formats.record import FormatError, Item, Notes, Record

SUFFIX = ".eaf"
SLOTS_TYPE = "earmark-slots"  # Symbolic_Association: one bracketed copy per transcript annotation


def _open(path: Path) -> elan.Eaf:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "unknown version of ELAN spec": it reads them alike
            return elan.Eaf(str(path), suppress_version_warning=True)
    except Exception as exc:  # ElementTree's ParseError, pympi's KeyErrors on broken references
        raise FormatError(f"{path.name}: not an ELAN file, or damaged ({exc}).") from None


def read(path: Path, audio: str, notes: Notes, tier: str | None = None) -> Record:
    """The first top-level tier with text (or the one named) as segments; its slots child tier,
    and the intent and flags tiers, where Earmark wrote them."""
    eaf = _open(path)
    where = path.name
    tiers: list[t.Tier] = []
    refs: dict[str, dict[str, str]] = {}  # tier -> {referenced annotation id: value}
    for name in eaf.get_tier_names():
        aligned, referring = eaf.tiers[name][0], eaf.tiers[name][1]
        parent = eaf.get_parameters_for_tier(name).get("PARENT_REF")
        if referring or parent:
            refs[name] = {r[0]: r[1] for r in referring.values()}
            tiers.append(
                t.Tier(name, [(0.0, 0.0, "")] * (len(aligned) + len(referring)), "reference")
            )
            continue
        rows = []
        for _aid, (ts1, ts2, value, _svg) in aligned.items():
            a, b = eaf.timeslots.get(ts1), eaf.timeslots.get(ts2)
            if a is None or b is None:
                notes.drop(where, f"annotations without a time on tier {name!r}")
                continue
            rows.append((a / 1000, b / 1000, value or ""))
        tiers.append(t.Tier(name, sorted(rows)))
    chosen = t.pick(tiers, tier, where, notes)
    intent, flags = t.intent_and_flags(tiers, where, notes)
    if chosen is None:
        return Record(audio=audio, intent=intent, flags=flags)
    # the slots tier refers to the transcript's annotations by id: carry it over by start time
    slots_of = refs.get(t.SLOTS, {})
    starts = {
        aid: eaf.timeslots[ts1] / 1000
        for aid, (ts1, _ts2, _v, _s) in eaf.tiers[chosen.name][0].items()
        if eaf.timeslots.get(ts1) is not None
    }
    bracketed = [(starts[aid], value) for aid, value in slots_of.items() if aid in starts]
    beside = [t.Tier(t.SLOTS, [(a, a, v) for a, v in bracketed])] if bracketed else []
    segments = t.segments_of(chosen, [*beside, chosen], where, notes)
    return Record(audio=audio, segments=segments, intent=intent, flags=flags)


def write(item: Item, folder: Path, notes: Notes) -> Path:
    """The transcript tier, its slots as a Symbolic_Association child, intent and flags tiers,
    and the recording linked as the media (relative to the file, as ELAN resolves it)."""
    a = item.annotation
    eaf = elan.Eaf(author="Earmark")
    eaf.add_tier(t.TRANSCRIPT)
    eaf.remove_tier("default")
    eaf.add_linguistic_type(SLOTS_TYPE, constraints="Symbolic_Association", timealignable=False)
    eaf.add_tier(t.SLOTS, ling=SLOTS_TYPE, parent=t.TRANSCRIPT)
    eaf.add_tier(t.INTENT)
    eaf.add_tier(t.FLAGS)
    end_ms = round(max([item.duration_s] + [s.end_s for s in a.segments]) * 1000)
    for s in a.segments:
        start, stop = round(s.start_s * 1000), round(s.end_s * 1000)
        eaf.add_annotation(t.TRANSCRIPT, start, stop, s.text)
        if s.slots:
            eaf.add_ref_annotation(
                t.SLOTS, t.TRANSCRIPT, (start + stop) // 2, to_brackets(s.text, s.slots)
            )
    if a.intent:
        eaf.add_annotation(t.INTENT, 0, end_ms, a.intent)
    if a.flags:
        eaf.add_annotation(t.FLAGS, 0, end_ms, t.flags_text(a.flags))
    audio = Path(item.audio)
    if audio.is_absolute():
        eaf.add_linked_file(audio.as_uri(), relpath=f"./{audio.name}", mimetype=_mime(audio))
    target = folder / f"{item.stem}{SUFFIX}"
    elan.to_eaf(str(target), eaf)
    return target


def _mime(audio: Path) -> str:
    return {".wav": "audio/x-wav", ".mp3": "audio/mpeg"}.get(audio.suffix.lower(), "audio/*")
