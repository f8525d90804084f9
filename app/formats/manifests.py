"""JSON-lines manifests: Earmark's own, NeMo's, SLURP's and MASSIVE's, told apart by their keys."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from app.formats.brackets import from_brackets, to_brackets
from app.formats.record import WHOLE, FormatError, Item, Notes, Reading, Record, unheld
from app.formats.text import read_text
from app.model.annotation import Flag, Segment
from app.model.slots import Slot, words_of

Row = dict[str, Any]


def _rows(path: Path, notes: Notes) -> Iterator[tuple[int, Row]]:
    for n, line in enumerate(read_text(path).lstrip("\ufeff").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            notes.problem(f"{path.name} line {n}: not JSON ({exc.args[0].split(':')[0]})")
            continue
        if not isinstance(row, dict):
            notes.problem(f"{path.name} line {n}: not a JSON object")
            continue
        yield n, row


def dialect(path: Path) -> str:
    """Which manifest this is, by the keys of its first object."""
    for _n, row in _rows(path, Notes()):
        if "sentence_annotation" in row or "recordings" in row:
            return "slurp"
        if "annot_utt" in row:
            return "massive"
        if "audio_filepath" in row:
            return "nemo"
        return "jsonl"
    return "jsonl"


def _audio(base: Path, name: str) -> str:
    return name if "://" in name else str((base / name).resolve())


def _unknown(row: Row, known: set[str], where: str, notes: Notes) -> None:
    for k in sorted(set(row) - known):
        notes.drop(where, f"field {k!r} not kept")


# -- Earmark's own ------------------------------------------------------------------------------
JSONL_KEYS = {"audio", "asr", "intent", "slots", "customer_id", "segments", "flags", "id"}
EXPORT_ONLY = {
    "duration_s",
    "transcript",
    "status",
    "skip_reason",
    "active_ms",
    "submissions",
    "task_id",
    "item",
    "annotation_id",
    "version",
    "review",
    "asr_draft",  # a draft made on a workstation: never read back as a hypothesis
    "asr_draft_by",
}


def _slot(raw: object, words: list[str]) -> Slot:
    if not isinstance(raw, dict) or "type" not in raw:
        raise ValueError("each slot needs a 'type'")
    if "start_word" in raw:
        return Slot(str(raw["type"]), int(raw["start_word"]), int(raw["end_word"]))
    want = [w.lower() for w in str(raw.get("text", "")).split()]
    low = [w.lower() for w in words]
    for k in range(len(low) - len(want) + 1):
        if want and low[k : k + len(want)] == want:
            return Slot(str(raw["type"]), k, k + len(want))
    raise ValueError(f"slot text {raw.get('text')!r} is not in the ASR hypothesis")


def read_jsonl(path: Path, notes: Notes) -> Reading:
    """Earmark's manifest (`audio`, optional `asr`, `intent`, `slots`, `customer_id`) and its
    own export read back (`segments`, `flags` pre-fill the annotation)."""
    reading = Reading(notes=notes)
    for n, row in _rows(path, notes):
        try:
            if not isinstance(row.get("audio"), str):
                raise ValueError('each line needs an "audio" path')
            asr = str(row.get("asr") or "")
            segments = tuple(
                Segment(
                    float(s["start_s"]),
                    float(s["end_s"]),
                    str(s.get("text", "")),
                    tuple(_slot(x, words_of(str(s.get("text", "")))) for x in s.get("slots", [])),
                    _personal(s.get("personal") or [], len(str(s.get("text", "")).split())),
                )
                for s in row.get("segments") or []
            )
            flags = frozenset(Flag(f) for f in row.get("flags") or [])
            intent = row.get("intent")
            reading.records.append(
                Record(
                    audio=_audio(path.parent, row["audio"]),
                    segments=segments,
                    intent=str(intent) if intent else None,
                    flags=flags,
                    asr=asr,
                    asr_slots=tuple(_slot(s, words_of(asr)) for s in row.get("slots") or [])
                    if not segments
                    else (),
                    customer_id=str(row.get("customer_id") or ""),
                    key=str(row.get("id") or ""),
                )
            )
        except (ValueError, TypeError, KeyError) as exc:
            notes.problem(f"{path.name} line {n} not read: {exc}")
        _unknown(row, JSONL_KEYS | EXPORT_ONLY, path.name, notes)
    return reading


def _personal(rows: list[Any], n_words: int) -> tuple[Slot, ...]:
    """Personal-data spans an Earmark export wrote: (kind, start_word, end_word)."""
    spans = tuple(Slot(str(x["kind"]), int(x["start_word"]), int(x["end_word"])) for x in rows)
    if any(not 0 <= s.start_word < s.end_word <= n_words for s in spans):
        raise ValueError("a personal-data span lies outside its segment's words")
    return spans


def write_jsonl(items: list[Item], out: TextIO, notes: Notes) -> int:
    for it in items:
        doc: Row = {
            "id": it.id,
            "audio": it.audio,
            "duration_s": round(it.duration_s, 6),
            "asr": it.asr,
            **(
                {"asr_draft": it.draft, "asr_draft_by": f"{it.draft_by} (a local draft)"}
                if it.draft and not it.asr
                else {}
            ),
            "transcript": it.annotation.transcript,
            **it.annotation.to_json(),
        }
        for seg in doc["segments"]:
            words = seg["text"].split()
            for s in seg["slots"]:
                s["text"] = " ".join(words[s["start_word"] : s["end_word"]])
        out.write(json.dumps(doc, ensure_ascii=False) + "\n")
    return len(items)


# -- NeMo ---------------------------------------------------------------------------------------
NEMO_KEYS = {"audio_filepath", "offset", "duration", "text"}


def read_nemo(path: Path, notes: Notes) -> Reading:
    """One line per utterance; lines of one recording (by offset) become its segments."""
    by_audio: dict[str, list[Segment]] = {}
    for n, row in _rows(path, notes):
        try:
            audio = _audio(path.parent, str(row["audio_filepath"]))
            offset = float(row.get("offset") or 0.0)
            duration = row.get("duration")
            end = offset + float(duration) if duration is not None else WHOLE
            by_audio.setdefault(audio, []).append(Segment(offset, end, str(row.get("text") or "")))
        except (ValueError, TypeError, KeyError) as exc:
            notes.problem(f"{path.name} line {n}: {exc!s} is missing or not a number")
        _unknown(row, NEMO_KEYS, path.name, notes)
    return Reading([Record(audio=a, segments=tuple(s)) for a, s in by_audio.items()], notes)


def write_nemo(items: list[Item], out: TextIO, notes: Notes) -> int:
    n = 0
    for it in items:
        unheld(it, "nemo", notes)
        for seg in it.annotation.segments:
            if not seg.text.strip():
                continue
            row = {
                "audio_filepath": it.audio,
                "offset": round(seg.start_s, 6),
                "duration": round(seg.duration_s, 6),
                "text": seg.text.strip(),
            }
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n


# -- SLURP and MASSIVE --------------------------------------------------------------------------
SLURP_KEYS = {
    "slurp_id",
    "sentence",
    "sentence_annotation",
    "intent",
    "scenario",
    "action",
    "recordings",
    "tokens",
    "entities",
}
MASSIVE_KEYS = {
    "id",
    "locale",
    "partition",
    "scenario",
    "intent",
    "utt",
    "annot_utt",
    "audio",
    "path",
    "worker_id",
    "slot_method",
    "judgments",
}


def _bracketed(annotated: str, sentence: str, where: str, notes: Notes) -> Segment:
    """The annotation's words and slots; the sentence's spelling where only case differs."""
    text, slots = from_brackets(annotated)
    if sentence and sentence.split() != text.split():
        if [w.lower() for w in sentence.split()] == [w.lower() for w in text.split()]:
            text = sentence
        else:
            notes.drop(
                where, "sentences whose annotation has other words (the annotation's are kept)"
            )
    return Segment(0.0, WHOLE, text, slots)


def read_slurp(path: Path, notes: Notes) -> Reading:
    """Each recording of a record is a queue item with its sentence, slots and intent."""
    reading = Reading(notes=notes, roots=[path.parent.parent / "slurp_real"])  # see _slurp_audio
    for n, row in _rows(path, notes):
        recordings = row.get("recordings") or []
        if not isinstance(recordings, list) or not recordings:
            notes.problem(f"{path.name} line {n}: no recordings")
            continue
        seg = _bracketed(
            str(row.get("sentence_annotation") or row.get("sentence") or ""),
            str(row.get("sentence") or ""),
            path.name,
            notes,
        )
        intent = str(row.get("intent") or "") or None
        for rec in recordings:
            name = rec.get("file") if isinstance(rec, dict) else None
            if not isinstance(name, str):
                notes.problem(f"{path.name} line {n}: a recording without a file name")
                continue
            reading.records.append(
                Record(
                    audio=_slurp_audio(path.parent, name),
                    segments=(seg,),
                    intent=intent,
                    key=str(row.get("slurp_id", "")),
                )
            )
        for k in ("tokens", "entities"):
            if k in row:
                notes.drop(path.name, f"{k!r} not kept (they follow from sentence_annotation)")
        if any(
            k in r for r in recordings if isinstance(r, dict) for k in ("wer", "ent_wer", "status")
        ):
            notes.drop(path.name, "per-recording 'wer', 'ent_wer' and 'status' not kept")
        _unknown(row, SLURP_KEYS, path.name, notes)
    return reading


def _slurp_audio(base: Path, name: str) -> str:
    """SLURP keeps audio in slurp_real/ and slurp_synth/ beside the text; look there too."""
    for folder in (base, base / "slurp_real", base / "slurp_synth", base.parent / "slurp_real"):
        if (folder / name).exists():
            return str((folder / name).resolve())
    return str((base / name).resolve())


def read_massive(path: Path, notes: Notes) -> Reading:
    """MASSIVE is text: each line names its recording in `audio` or `path` (as Speech-MASSIVE
    does); a line without one is said, not guessed."""
    reading = Reading(notes=notes)
    for n, row in _rows(path, notes):
        name = row.get("audio") or row.get("path")
        if not isinstance(name, str):
            notes.problem(f'{path.name} line {n}: no recording named (add an "audio" path)')
            continue
        seg = _bracketed(
            str(row.get("annot_utt") or row.get("utt") or ""),
            str(row.get("utt") or ""),
            path.name,
            notes,
        )
        intent = str(row.get("intent") or "") or None
        reading.records.append(
            Record(
                audio=_audio(path.parent, name),
                segments=(seg,),
                intent=intent,
                key=str(row.get("id", "")),
            )
        )
        for k in ("worker_id", "slot_method", "judgments"):
            if k in row:
                notes.drop(path.name, f"field {k!r} not kept")
        _unknown(row, MASSIVE_KEYS, path.name, notes)
    return reading


def _utterance(it: Item, fmt: str, notes: Notes) -> tuple[str, str]:
    """One line of text and bracket notation for a recording; segments are joined (said)."""
    a = it.annotation
    if len([s for s in a.segments if s.text.strip()]) > 1:
        notes.drop(fmt, "segments joined into one utterance (the format has no times)")
    words: list[str] = []
    slots: list[Slot] = []
    for s in a.segments:
        k = len(words)
        words += s.text.split()
        slots += [Slot(x.type, x.start_word + k, x.end_word + k) for x in s.slots]
    unheld(it, fmt, notes, frozenset({"intent", "slots"}))
    text = " ".join(words)
    return text, to_brackets(text, tuple(slots))


def write_slurp(items: list[Item], out: TextIO, notes: Notes) -> int:
    for it in items:
        text, annotated = _utterance(it, "slurp", notes)
        intent = it.annotation.intent or ""
        scenario, _, action = intent.partition("_")
        row = {
            "slurp_id": it.key or it.id,
            "sentence": text,
            "sentence_annotation": annotated,
            "intent": intent,
            "scenario": scenario,
            "action": action,
            "recordings": [{"file": it.audio}],
        }
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(items)


def write_massive(items: list[Item], out: TextIO, notes: Notes) -> int:
    for it in items:
        text, annotated = _utterance(it, "massive", notes)
        intent = it.annotation.intent or ""
        row = {
            "id": it.key or it.id,
            "scenario": intent.partition("_")[0],
            "intent": intent,
            "utt": text,
            "annot_utt": annotated,
            "audio": it.audio,
        }
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(items)


READERS: dict[str, Callable[[Path, Notes], Reading]] = {
    "jsonl": read_jsonl,
    "nemo": read_nemo,
    "slurp": read_slurp,
    "massive": read_massive,
}


def read(path: Path, notes: Notes) -> Reading:
    if not path.is_file():
        raise FormatError(f"{path} does not exist.")
    return READERS[dialect(path)](path, notes)
