"""Local projects: a folder of recordings (with sidecars), a manifest or an export of another
tool becomes a work queue (app.formats reads them); export in any format it writes."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from app import formats
from app.audio.load import AudioError, check
from app.audio.pauses import segments_of_file
from app.model.annotation import Status
from app.model.conventions import Conventions, load_conventions
from app.model.slots import words_of
from app.model.task import Task, fresh_annotation
from app.model.taxonomy import Taxonomy, load_taxonomy
from app.workstation.store.db import Store
from app.workstation.store.paths import decode_cache_dir, project_db, resources_dir

TAXONOMY_FILE = "earmark-taxonomy.json"
CONVENTIONS_FILE = "earmark-conventions.json"
# how a local project's window guards its screen; none: it does not lock, no watermark
SCREEN_FILE = "earmark-screen.json"


class ProjectError(Exception):
    """The path given cannot be opened as a project; str() says why and what to do."""


@dataclass(frozen=True, slots=True)
class Refusal:
    name: str
    reason: str


@dataclass
class ImportReport:
    accepted: list[Task] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    stamps: dict[str, tuple[int, int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what the files held that was not kept


@dataclass(frozen=True, slots=True)
class Project:
    source: Path
    store: Store
    taxonomy: Taxonomy
    conventions: Conventions
    audio_key: bytes | None = None  # a server's recordings are sealed in the cache with it
    tier: str | None = None  # the TextGrid or ELAN tier to read as the transcript
    screen: Screen = field(default_factory=lambda: Screen())


@dataclass(frozen=True, slots=True)
class Screen:
    """A local project's lock (idle seconds, 0: never; unlocked with this computer's account
    password) and watermark (the account's name and the time), from earmark-screen.json:
    {"lock_after_minutes": 10, "watermark": true}. A server's projects set theirs there."""

    lock_after_s: int = 0
    watermark: bool = False


def screen_of(data: object) -> Screen:
    if not isinstance(data, dict):
        raise ValueError(f'{SCREEN_FILE} is a JSON object such as {{"lock_after_minutes": 10}}')
    unknown = set(data) - {"lock_after_minutes", "watermark"}
    if unknown:
        raise ValueError(f"{SCREEN_FILE} has unknown settings: {', '.join(sorted(unknown))}")
    minutes = data.get("lock_after_minutes", 0)
    if (
        isinstance(minutes, bool)
        or not isinstance(minutes, int | float)
        or not 0 <= minutes <= 1440
    ):
        raise ValueError(f"{SCREEN_FILE}: lock_after_minutes is 0 (never) to 1440")
    mark = data.get("watermark", False)
    if not isinstance(mark, bool):
        raise ValueError(f"{SCREEN_FILE}: watermark is true or false")
    return Screen(round(minutes * 60), mark)


def _records(source: Path, tier: str | None) -> formats.Reading:
    try:
        reading = formats.read(source, tier)
    except formats.FormatError as exc:
        raise ProjectError(str(exc)) from None
    if not reading.records and not reading.notes and source.is_dir():
        raise ProjectError(f"{source} holds no recordings (WAV, FLAC, OGG or MP3).")
    return reading


def _project_file(source: Path, name: str) -> Path:
    folder = source if source.is_dir() else source.parent
    own = folder / name
    return own if own.is_file() else resources_dir() / "taxonomy" / name


@dataclass
class Progress:
    """Written by the scanning thread, read by the GUI's timer; plain ints, no locking needed."""

    done: int = 0
    total: int = 0
    current: str = ""


Stamps = dict[str, tuple[tuple[int, int], tuple[int, int, float]]]


def scan_source(
    source: Path,
    known: Stamps,
    progress: Progress | None = None,
    tier: str | None = None,
    segment: bool = False,
) -> ImportReport:
    """Validate every recording (off the GUI thread); unchanged files are not checked again.
    Segments a file brought are fitted to the recording (what does not fit is said); with
    `segment`, a recording that brought none gets segments from its pauses."""
    reading = _records(source, tier)
    report = ImportReport(notes=reading.notes.lines())
    progress = progress or Progress()
    progress.total = len(reading.records)
    notes = formats.Notes()
    for k, rec in enumerate(reading.records):
        path = Path(rec.audio)
        progress.done, progress.current = k, path.name
        if not rec.audio:
            continue  # a recording the file names only by a command (said in the notes)
        if "://" in rec.audio:
            report.refused.append(
                Refusal(path.name, f"is at {rec.audio}; copy it beside the file that names it.")
            )
            continue
        try:
            st = path.stat()
            stamp = (st.st_size, st.st_mtime_ns)
            seen = known.get(str(path))
            if seen is not None and seen[0] == stamp:
                sample_rate_hz, channels, duration_s = seen[1]
            else:
                info = check(path)
                sample_rate_hz, channels = info.sample_rate_hz, info.channels
                duration_s = info.duration_s
        except AudioError as exc:
            report.refused.append(Refusal(path.name, str(exc).removeprefix(f"{path.name}: ")))
            continue
        except OSError as exc:
            report.refused.append(Refusal(path.name, f"cannot be read ({exc.strerror})."))
            continue
        report.stamps[str(path)] = stamp
        n_words = len(words_of(rec.asr))
        bad_slot = [s for s in rec.asr_slots if not 0 <= s.start_word < s.end_word <= n_words]
        report.accepted.append(
            Task(
                id=str(uuid.uuid5(uuid.NAMESPACE_URL, path.as_uri())),
                audio_path=str(path),
                duration_s=duration_s,
                sample_rate_hz=sample_rate_hz,
                channels=channels,
                asr_text=rec.asr,
                predicted_intent=rec.intent,
                predicted_slots=() if bad_slot else rec.asr_slots,
                position=k,
                prefill=formats.fit(
                    rec.segments or (segments_of_file(path) if segment else ()),
                    duration_s,
                    path.name,
                    notes,
                ),
                prefill_flags=rec.flags,
            )
        )
    report.notes += notes.lines()
    progress.done = len(reading.records)
    return report


def import_source(
    source: Path, store: Store, tier: str | None = None, segment: bool = False
) -> ImportReport:
    """Scan and queue in one go, for the command line."""
    report = scan_source(source, store.file_stamps(), tier=tier, segment=segment)
    store.upsert_tasks(report.accepted, report.stamps)
    return report


def draft_missing(project: Project, say: Callable[[str], None]) -> int:
    """A local draft for each queued recording that has neither a hypothesis nor a draft;
    how many were drafted. Raises ProjectError when drafting is not possible here."""
    from app.audio.align import unavailable
    from app.audio.recognise import Recogniser, draft_file, recogniser_name

    why = unavailable(project.conventions, "No drafts")
    if why:
        raise ProjectError(why)
    todo = [t for t in project.store.tasks() if not t.asr_text and not t.draft]
    rec, by, n = Recogniser(), recogniser_name(), 0
    for k, t in enumerate(todo, 1):
        name = Path(t.audio_path).name
        say(f"drafting {k}/{len(todo)}: {name} ({t.duration_s:.0f} s)")
        try:
            draft = draft_file(rec, Path(t.audio_path), t.prefill, decode_cache_dir())
        except (AudioError, OSError, RuntimeError) as exc:
            say(f"not drafted: {name}: {exc}")
            continue
        project.store.set_draft(t.id, draft, by)
        n += 1
        say(f"drafted: {name}: {sum(len(s.text.split()) for s in draft)} words")
    return n


def open_project(source: Path, tier: str | None = None) -> Project:
    """The local store of a source, with its taxonomy and conventions (or the defaults)."""
    source = source.resolve()
    if not source.exists():
        raise ProjectError(f"{source} does not exist.")
    store = Store(project_db(source))
    store.set_meta("source", str(source))
    try:
        taxonomy = load_taxonomy(_project_file(source, TAXONOMY_FILE))
        conventions = load_conventions(_project_file(source, CONVENTIONS_FILE))
        own = (source if source.is_dir() else source.parent) / SCREEN_FILE
        screen = (
            screen_of(json.loads(own.read_text(encoding="utf-8"))) if own.is_file() else Screen()
        )
    except (ValueError, KeyError, OSError) as exc:
        store.close()
        raise ProjectError(
            f"The project's taxonomy, conventions or screen file is invalid: {exc}"
        ) from exc
    return Project(source, store, taxonomy, conventions, tier=tier, screen=screen)


# -- export -----------------------------------------------------------------------------------
def items(store: Store, include_todo: bool = False) -> list[formats.Item]:
    """Annotated recordings (with the not yet annotated, as they would start, if asked)."""
    done = store.annotations()
    out = []
    for t in store.tasks():
        a = done[t.id][1] if t.id in done else fresh_annotation(t)
        if include_todo or a.status != Status.TODO:
            out.append(
                formats.Item(
                    t.id,
                    t.audio_path,
                    t.duration_s,
                    a,
                    t.asr_text,
                    draft=t.draft_text,
                    draft_by=t.draft_by,
                )
            )
    return out


def export(
    store: Store, fmt: str, output: Path | None, include_todo: bool = False, redact: bool = False
) -> tuple[int, list[str]]:
    """Write the project as `fmt` (formats.write_to: a file, standard output, or a folder);
    how many lines or files, and what the format cannot hold. `redact`: personal data
    confirmed in the window is written as its kind's tag (formats.redacted)."""
    chosen = items(store, include_todo)
    if fmt != "jsonl" and not include_todo:  # a skipped item is in Earmark's own export only
        chosen = [i for i in chosen if i.annotation.status == Status.SUBMITTED]
    notes = formats.Notes()
    if redact:
        chosen = formats.redacted(chosen, notes)
    try:
        n = formats.write_to(fmt, chosen, output, notes)
    except formats.FormatError as exc:
        raise ProjectError(str(exc)) from None
    return n, notes.lines()
