"""Label Studio's JSON export (a list of tasks, or one task) and its results, for audio.

Read: `labels` regions with their per-region `textarea` (the ASR-with-segments template), a
task-level `textarea` (the transcription template), `choices` as the intent (per task or per
region, as the intent-classification template has them) and as flags. The latest annotation
that was not cancelled is the pre-fill; without one, the first prediction is, and its text is
the hypothesis. Written: the same shapes under the control names of `CONFIG`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, TextIO
from xml.etree import ElementTree

from app.formats.brackets import from_brackets, to_brackets
from app.formats.record import WHOLE, FormatError, Item, Notes, Reading, Record
from app.formats.text import read_text
from app.model.annotation import Annotation, Flag, Segment
from app.model.slots import Slot

AUDIO, LABELS, TEXT, SLOTS, INTENT, FLAGS = (
    "audio",
    "labels",
    "transcription",
    "slots",
    "intent",
    "flags",
)
SPEECH = "Speech"
WHOLE_TEXT = "whole-text"
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".opus", ".m4a", ".aiff", ".aif", ".w64")

CONFIG = f"""<View>
  <Labels name="{LABELS}" toName="{AUDIO}"><Label value="{SPEECH}"/></Labels>
  <Audio name="{AUDIO}" value="$audio"/>
  <TextArea name="{TEXT}" toName="{AUDIO}" perRegion="true" editable="true" rows="2"/>
  <TextArea name="{SLOTS}" toName="{AUDIO}" perRegion="true" editable="true"
            placeholder="slots in brackets: wake me at [time : five am]"/>
  <Choices name="{INTENT}" toName="{AUDIO}" choice="single"/>
  <Choices name="{FLAGS}" toName="{AUDIO}" choice="multiple">
{chr(10).join(f'    <Choice value="{f.value}"/>' for f in Flag)}
  </Choices>
</View>
"""
"""The labeling config whose control names Earmark writes (give it to a Label Studio project)."""

Json = dict[str, Any]


def tasks_of(path: Path) -> list[Json]:
    try:
        data = json.loads(read_text(path).lstrip("\ufeff"))
    except ValueError as exc:
        raise FormatError(f"{path.name}: not JSON ({exc}).") from None
    tasks = data if isinstance(data, list) else [data]
    if not all(isinstance(t, dict) and isinstance(t.get("data"), dict) for t in tasks):
        raise FormatError(f'{path.name}: not a Label Studio export (tasks with "data").')
    return tasks


def looks_like(path: Path) -> bool:
    try:
        tasks_of(path)
    except FormatError:
        return False
    return True


def audio_of(data: Json) -> str | None:
    """The task's recording: `audio` or `url`, or the first value that names an audio file."""
    for key in ("audio", "url"):
        if isinstance(data.get(key), str):
            return str(data[key])
    for value in data.values():
        if isinstance(value, str) and value.lower().split("?")[0].endswith(AUDIO_SUFFIXES):
            return value
    return None


def chosen_result(task: Json) -> tuple[list[Json], bool]:
    """The results to pre-fill from, and whether they are a prediction."""
    given = task.get("annotations") or task.get("completions") or []  # "completions" before 1.0
    done = [a for a in given if isinstance(a, dict) and not a.get("was_cancelled")]
    if done:
        return list(done[-1].get("result") or []), False
    predictions = [p for p in task.get("predictions") or [] if isinstance(p, dict)]
    if predictions:
        return list(predictions[0].get("result") or []), True
    return [], False


def _text(value: Json) -> str:
    text = value.get("text", "")
    return " ".join(str(t) for t in text) if isinstance(text, list) else str(text)


def from_results(
    results: list[Json], where: str, notes: Notes
) -> tuple[tuple[Segment, ...], str | None, frozenset[Flag]]:
    """Segments, intent and flags from one annotation's results."""
    regions: dict[str, Json] = {}
    whole: list[str] = []
    intents: list[str] = []
    flags: set[Flag] = set()
    choice_controls = {r.get("from_name") for r in results if r.get("type") == "choices"}
    for r in results:
        kind, value, name = r.get("type"), r.get("value") or {}, str(r.get("from_name", ""))
        timed = "start" in value and "end" in value
        if kind == "choices":
            choices = [str(c) for c in value.get("choices") or []]
            if name.lower() == FLAGS:
                for c in choices:
                    flag = next((f for f in Flag if c in (f.value, f.name.lower())), None)
                    if flag is None:
                        notes.drop(where, f"flag {c!r} is not one of Earmark's")
                    else:
                        flags.add(flag)
            elif INTENT in name.lower() or len(choice_controls - {FLAGS}) == 1:
                if INTENT not in name.lower():
                    notes.drop(where, f"choices {name!r} read as the intent")
                intents += choices
            else:
                notes.drop(where, f"choices {name!r} not kept ({', '.join(choices)})")
            continue
        if kind in ("labels", "textarea") and timed:
            region = regions.setdefault(
                str(r.get("id")),
                {
                    "start": float(value["start"]),
                    "end": float(value["end"]),
                    "text": "",
                    "slots": "",
                },
            )
            if kind == "labels":
                for label in value.get("labels") or []:
                    if label != SPEECH:
                        notes.drop(where, f"region label {label!r} not kept")
            elif name == SLOTS:
                region["slots"] = _text(value)
            else:
                region["text"] = _text(value)
            continue
        if kind == "textarea":
            whole.append(_text(value))
            continue
        notes.drop(where, f"{kind} results ({name!r}) not kept")
    segments = []
    for region in sorted(regions.values(), key=lambda x: (x["start"], x["end"])):
        slots: tuple[Slot, ...] = ()
        if region["slots"]:
            plain, slots = from_brackets(region["slots"])
            if plain.split() != region["text"].split():
                notes.drop(where, "slots whose words differ from the region's text")
                slots = ()
        segments.append(
            Segment(region["start"], region["end"], " ".join(region["text"].split()), slots)
        )
    if whole:
        if segments:
            notes.drop(where, "a task-level transcription beside region transcriptions not kept")
        else:
            segments.append(Segment(0.0, WHOLE, " ".join(" ".join(whole).split())))
    if len(set(intents)) > 1:
        notes.drop(
            where,
            f"more than one intent chosen ({', '.join(sorted(set(intents)))}); the first kept",
        )
    return tuple(segments), (intents[0] if intents else None), frozenset(flags)


def record_of(task: Json, base: Path | None, where: str, notes: Notes) -> Record | None:
    audio = audio_of(task["data"])
    if audio is None:
        notes.problem(f"{where}: task {task.get('id')} has no audio")
        return None
    results, predicted = chosen_result(task)
    segments, intent, flags = from_results(results, where, notes)
    asr = " ".join(s.text for s in segments if s.text) if predicted else ""
    return Record(
        audio=_local(audio, base),
        segments=segments,
        intent=intent,
        flags=flags,
        asr=asr,
        customer_id=str(task["data"].get("customer_id") or ""),
        key=str(task.get("id", "")),
    )


def _local(audio: str, base: Path | None) -> str:
    """A recording next to the export (by file name) stands in for its Label Studio URL."""
    if base is None:
        return audio
    name = audio.split("?")[0].rsplit("/", 1)[-1]
    if "?d=" in audio:  # local storage: /data/local-files/?d=folder/x.wav
        name = audio.split("?d=", 1)[1].rsplit("/", 1)[-1]
    candidate = base / name
    if candidate.exists() or "://" not in audio:
        return str(candidate.resolve())
    return audio


def read(path: Path, notes: Notes) -> Reading:
    reading = Reading(notes=notes)
    for task in tasks_of(path):
        rec = record_of(task, path.parent, path.name, notes)
        if rec is not None:
            reading.records.append(rec)
    return reading


def names_of(config: str) -> dict[str, str]:
    """The control names of a project's labeling config, by the role Earmark gives them (for
    `results_of`): the audio tag, a labels control and its first label, the first per-region
    text area (the transcript), a text area named like "slots", and choices for the intent (the
    one named like "intent", else the only one) and for flags."""
    try:
        root = ElementTree.fromstring(config)
    except ElementTree.ParseError as exc:
        raise FormatError(f"the labeling config is not XML ({exc}).") from None
    tags = [(el.tag.lower(), el.attrib) for el in root.iter()]
    audio = next((a.get("name", "") for t, a in tags if t in ("audio", "audioplus")), "")
    if not audio:
        raise FormatError("the labeling config has no <Audio> tag: not an audio project.")
    texts = [a.get("name", "") for t, a in tags if t == "textarea"]
    slots = next((n for n in texts if "slot" in n.lower()), "")
    spoken = [n for n in texts if n != slots]
    whole = {  # a text area for the whole recording rather than one per region
        a.get("name", ""): a.get("toName", audio)
        for t, a in tags
        if t == "textarea" and a.get("perRegion", a.get("perregion", "")).lower() != "true"
    }
    if not spoken:
        raise FormatError("the labeling config has no <TextArea> for the transcript.")
    choices = [a.get("name", "") for t, a in tags if t == "choices"]
    flags = next((n for n in choices if "flag" in n.lower()), "")
    intents = [n for n in choices if n != flags]
    intent = next(
        (n for n in intents if "intent" in n.lower()), intents[0] if len(intents) == 1 else ""
    )
    labels_el = next((el for el in root.iter() if el.tag.lower() == "labels"), None)
    label = next((el.get("value", "") for el in labels_el or [] if el.tag.lower() == "label"), "")
    return {
        AUDIO: audio,
        LABELS: labels_el.get("name", "") if labels_el is not None else "",
        TEXT: spoken[0],
        SLOTS: slots,
        INTENT: intent,
        FLAGS: flags,
        "label": label or SPEECH,
        WHOLE_TEXT: whole.get(spoken[0], ""),  # its toName, when the transcript is not per region
    }


def results_of(a: Annotation, duration_s: float, names: dict[str, str] | None = None) -> list[Json]:
    """An annotation as Label Studio results under `names` (control role -> name in the
    project's config; CONFIG's names by default). Region ids are stable, so a result written
    twice is the same result."""
    n = {
        AUDIO: AUDIO,
        LABELS: LABELS,
        TEXT: TEXT,
        SLOTS: SLOTS,
        INTENT: INTENT,
        FLAGS: FLAGS,
        "label": SPEECH,
        **(names or {}),
    }
    out: list[Json] = []
    for k, s in enumerate(a.segments):
        rid = f"seg{k:04d}"
        span = {
            "start": round(s.start_s, 6),
            "end": round(min(s.end_s, duration_s) if math.isfinite(s.end_s) else duration_s, 6),
        }
        common = {
            "id": rid,
            "to_name": n[AUDIO],
            "origin": "manual",
            "original_length": round(duration_s, 6),
        }
        if n.get(LABELS):
            out.append(
                {
                    **common,
                    "from_name": n[LABELS],
                    "type": "labels",
                    "value": {**span, "channel": 0, "labels": [n["label"]]},
                }
            )
        if not n.get(WHOLE_TEXT):
            out.append(
                {
                    **common,
                    "from_name": n[TEXT],
                    "type": "textarea",
                    "value": {**span, "text": [s.text]},
                }
            )
        if s.slots and n.get(SLOTS):
            out.append(
                {
                    **common,
                    "from_name": n[SLOTS],
                    "type": "textarea",
                    "value": {**span, "text": [to_brackets(s.text, s.slots)]},
                }
            )

    def whole(rid: str, name: str, to: str, kind: str, value: Json) -> None:
        """A result for the whole recording: the transcript, the intent, the flags."""
        out.append(
            {
                "id": rid,
                "from_name": name,
                "to_name": to,
                "type": kind,
                "origin": "manual",
                "value": value,
            }
        )

    if n.get(WHOLE_TEXT):
        whole("transcript", n[TEXT], n[WHOLE_TEXT], "textarea", {"text": [a.transcript]})
    if a.intent and n.get(INTENT):
        whole("intent", n[INTENT], n[AUDIO], "choices", {"choices": [a.intent]})
    if a.flags and n.get(FLAGS):
        flags = sorted(f.value for f in a.flags)
        whole("flags", n[FLAGS], n[AUDIO], "choices", {"choices": flags})
    return out


def write(items: list[Item], out: TextIO, notes: Notes) -> int:
    """A Label Studio import file: one task per recording, its annotation as the result."""
    tasks = [
        {
            "data": {AUDIO: it.audio},
            "annotations": [{"result": results_of(it.annotation, it.duration_s)}],
            "meta": {"earmark_id": it.id},
        }
        for it in items
    ]
    out.write(json.dumps(tasks, ensure_ascii=False, indent=1) + "\n")
    return len(tasks)
