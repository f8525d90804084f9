"""Local projects: a folder of recordings or a JSONL manifest becomes a work queue; export."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from app.audio.load import AUDIO_SUFFIXES, AudioError, check
from app.model.annotation import Annotation, Status, initial_annotation
from app.model.conventions import Conventions, load_conventions
from app.model.manifest import ManifestEntry, parse_manifest
from app.model.slots import words_of
from app.model.task import Task
from app.model.taxonomy import Taxonomy, load_taxonomy
from app.store.db import Store
from app.store.paths import project_db, resources_dir

TAXONOMY_FILE = "earmark-taxonomy.json"
CONVENTIONS_FILE = "earmark-conventions.json"


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


@dataclass(frozen=True, slots=True)
class Project:
    source: Path
    store: Store
    taxonomy: Taxonomy
    conventions: Conventions
    audio_key: bytes | None = None  # a server's recordings are sealed in the cache with it


def _entries(source: Path) -> tuple[list[ManifestEntry], list[Refusal]]:
    if source.is_dir():
        files = sorted(p for p in source.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES)
        manifests = sorted(source.glob("*.jsonl"))
        if manifests:
            return _entries(manifests[0])
        if not files:
            raise ProjectError(f"{source} holds no recordings (WAV, FLAC, OGG or MP3).")
        return [ManifestEntry(p.resolve()) for p in files], []
    if source.suffix.lower() == ".jsonl":
        entries, problems = parse_manifest(source)
        return entries, [Refusal(f"{source.name} line {p.line}", p.message) for p in problems]
    if source.suffix.lower() in AUDIO_SUFFIXES:
        return [ManifestEntry(source.resolve())], []
    raise ProjectError(
        f"{source} is neither a folder of recordings nor a .jsonl manifest."
        if source.exists()
        else f"{source} does not exist."
    )


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


def scan_source(source: Path, known: Stamps, progress: Progress | None = None) -> ImportReport:
    """Validate every recording (off the GUI thread); unchanged files are not checked again."""
    entries, refused = _entries(source)
    report = ImportReport(refused=list(refused))
    progress = progress or Progress()
    progress.total = len(entries)
    for k, e in enumerate(entries):
        progress.done, progress.current = k, e.audio_path.name
        try:
            st = e.audio_path.stat()
            stamp = (st.st_size, st.st_mtime_ns)
            seen = known.get(str(e.audio_path))
            if seen is not None and seen[0] == stamp:
                sample_rate_hz, channels, duration_s = seen[1]
            else:
                info = check(e.audio_path)
                sample_rate_hz, channels = info.sample_rate_hz, info.channels
                duration_s = info.duration_s
        except AudioError as exc:
            reason = str(exc).removeprefix(f"{e.audio_path.name}: ")
            report.refused.append(Refusal(e.audio_path.name, reason))
            continue
        except OSError as exc:
            report.refused.append(Refusal(e.audio_path.name, f"cannot be read ({exc.strerror})."))
            continue
        report.stamps[str(e.audio_path)] = stamp
        n_words = len(words_of(e.asr_text))
        bad_slot = [s for s in e.predicted_slots if not 0 <= s.start_word < s.end_word <= n_words]
        report.accepted.append(
            Task(
                id=str(uuid.uuid5(uuid.NAMESPACE_URL, e.audio_path.as_uri())),
                audio_path=str(e.audio_path),
                duration_s=duration_s,
                sample_rate_hz=sample_rate_hz,
                channels=channels,
                asr_text=e.asr_text,
                predicted_intent=e.predicted_intent,
                predicted_slots=() if bad_slot else e.predicted_slots,
                position=k,
            )
        )
    progress.done = len(entries)
    return report


def import_source(source: Path, store: Store) -> ImportReport:
    """Scan and queue in one go, for the command line."""
    report = scan_source(source, store.file_stamps())
    store.upsert_tasks(report.accepted, report.stamps)
    return report


def open_project(source: Path) -> Project:
    """The local store of a source, with its taxonomy and conventions (or the defaults)."""
    source = source.resolve()
    if not source.exists():
        raise ProjectError(f"{source} does not exist.")
    store = Store(project_db(source))
    store.set_meta("source", str(source))
    try:
        taxonomy = load_taxonomy(_project_file(source, TAXONOMY_FILE))
        conventions = load_conventions(_project_file(source, CONVENTIONS_FILE))
    except (ValueError, KeyError, OSError) as exc:
        store.close()
        raise ProjectError(f"The project's taxonomy or conventions file is invalid: {exc}") from exc
    return Project(source, store, taxonomy, conventions)


# -- export -----------------------------------------------------------------------------------
def _rows(store: Store, include_todo: bool) -> Iterator[tuple[Task, Annotation]]:
    done = store.annotations()
    for t in store.tasks():
        if t.id in done:
            a = done[t.id][1]
        elif include_todo:
            a = initial_annotation(t.duration_s, t.asr_text, t.predicted_intent, t.predicted_slots)
        else:
            continue
        if include_todo or a.status != Status.TODO:
            yield t, a


def export_jsonl(store: Store, out: TextIO, include_todo: bool = False) -> int:
    """One line per recording, in the schema documented in README.md."""
    n = 0
    for t, a in _rows(store, include_todo):
        doc: dict[str, Any] = {
            "id": t.id,
            "audio": t.audio_path,
            "duration_s": round(t.duration_s, 6),
            "asr": t.asr_text,
            "transcript": a.transcript,
            **a.to_json(),
        }
        for seg in doc["segments"]:
            words = seg["text"].split()
            for s in seg["slots"]:
                s["text"] = " ".join(words[s["start_word"] : s["end_word"]])
        out.write(json.dumps(doc, ensure_ascii=False) + "\n")
        n += 1
    return n


def export_nemo(store: Store, out: TextIO) -> int:
    """NeMo ASR manifest: submitted items only, one line per segment with text."""
    n = 0
    for t, a in _rows(store, include_todo=False):
        if a.status != Status.SUBMITTED:
            continue
        for seg in a.segments:
            if not seg.text.strip():
                continue
            row = {
                "audio_filepath": t.audio_path,
                "offset": round(seg.start_s, 6),
                "duration": round(seg.duration_s, 6),
                "text": seg.text.strip(),
            }
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n
