"""Readers and writers of the formats teams bring and take home, for the workstation and the
server alike (no Qt): what a path holds becomes `Record`s, annotated `Item`s become files.

    formats.read(path, tier)              -> Reading (records, and notes on what was not kept)
    formats.write(fmt, items, target, out) -> how many lines/files, and the same notes
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import TextIO

from app.formats import kaldi, labelstudio, manifests  # the standard library only
from app.formats.record import (
    WHOLE,
    FormatError,
    Item,
    Notes,
    Reading,
    Record,
    fit,
    outside,
    redacted,
)

__all__ = [
    "FORMATS",
    "WHOLE",
    "FormatError",
    "Item",
    "Notes",
    "Reading",
    "Record",
    "fit",
    "outside",
    "read",
    "redacted",
    "write",
    "write_to",
]

AUDIO_SUFFIXES = {".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aiff", ".aif", ".w64"}


class _Readers(Mapping[str, ModuleType]):
    """Suffix to the module that reads it, imported when first asked for: their libraries
    (praatio, pympi, pysubs2) cost a window's start-up even where no sidecar is read."""

    def __init__(self, names: dict[str, str]) -> None:
        self._names = names

    def __getitem__(self, suffix: str) -> ModuleType:
        return importlib.import_module(f"app.formats.{self._names[suffix]}")

    def __contains__(self, suffix: object) -> bool:
        return suffix in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


SIDECARS = _Readers(
    {".textgrid": "textgrid", ".eaf": "eaf", ".vtt": "subtitles", ".srt": "subtitles"}
)
STREAMED = {
    "jsonl": manifests.write_jsonl,
    "nemo": manifests.write_nemo,
    "slurp": manifests.write_slurp,
    "massive": manifests.write_massive,
    "labelstudio": labelstudio.write,
}
FOLDERS = ("textgrid", "eaf", "vtt", "srt", "kaldi")
FORMATS = (
    "jsonl",
    "nemo",
    "textgrid",
    "eaf",
    "vtt",
    "srt",
    "kaldi",
    "labelstudio",
    "slurp",
    "massive",
)


def read(source: Path, tier: str | None = None) -> Reading:
    """A Kaldi data directory, a manifest (Earmark, NeMo, SLURP, MASSIVE JSON lines; a Label
    Studio JSON export), a folder of recordings with sidecars of the same stem, one recording,
    or one sidecar (its recording beside it). Its `roots` are the folder, or the file's."""
    reading = _read(source, tier)
    reading.roots.insert(0, source if source.is_dir() else source.parent)
    return reading


def _read(source: Path, tier: str | None) -> Reading:
    notes = Notes()
    if source.is_dir():
        if kaldi.is_data_dir(source):
            return kaldi.read(source, notes)
        manifest = sorted(source.glob("*.jsonl"))
        if manifest:
            return manifests.read(manifest[0], notes)
        exports = [p for p in sorted(source.glob("*.json")) if labelstudio.looks_like(p)]
        if exports:
            return labelstudio.read(exports[0], notes)
        audio = sorted(p for p in source.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES)
        return _with_sidecars(audio, tier, notes)
    suffix = source.suffix.lower()
    if suffix == ".jsonl":
        return manifests.read(source, notes)
    if suffix == ".json":
        return (
            labelstudio.read(source, notes)
            if labelstudio.looks_like(source)
            else manifests.read(source, notes)
        )
    if suffix in AUDIO_SUFFIXES:
        return _with_sidecars([source], tier, notes)
    if suffix in SIDECARS:
        beside = [
            p
            for p in sorted(source.parent.glob(source.stem + ".*"))
            if p.suffix.lower() in AUDIO_SUFFIXES
        ]
        if not beside:
            raise FormatError(f"{source.name}: no recording named {source.stem}.* beside it.")
        return _with_sidecars(beside[:1], tier, notes, only=source)
    raise FormatError(
        f"{source} is not a folder of recordings, a manifest or a file Earmark reads."
        if source.exists()
        else f"{source} does not exist."
    )


def sidecars_of(audio: Path) -> list[Path]:
    """Files beside a recording with its stem and a sidecar suffix, in preference order."""
    found = {
        p.suffix.lower(): p for p in audio.parent.glob(audio.stem + ".*") if p.stem == audio.stem
    }
    return [found[s] for s in SIDECARS if s in found]


def _with_sidecars(
    audio: list[Path], tier: str | None, notes: Notes, only: Path | None = None
) -> Reading:
    reading = Reading(notes=notes)
    for path in audio:
        found = [only] if only is not None else sidecars_of(path)
        record = Record(audio=str(path.resolve()))
        if found:
            side = found[0]
            for other in found[1:]:
                notes.drop(other.name, f"not read: {side.name} is {path.name}'s sidecar")
            try:
                record = SIDECARS[side.suffix.lower()].read(side, str(path.resolve()), notes, tier)
            except FormatError as exc:
                notes.problem(f"{exc} {path.name} opens without it.")
        reading.records.append(record)
    return reading


def write_to(fmt: str, items: list[Item], output: Path | None, notes: Notes) -> int:
    """`write`, for a command: a folder format into `output`; a stream format to standard
    output, or to the file `output`, which appears whole or not at all."""
    if fmt in FOLDERS:
        return write(fmt, items, output, None, notes)
    if output is None:
        return write(fmt, items, None, sys.stdout, notes)
    part = output.with_name(output.name + ".part")
    with part.open("w", encoding="utf-8") as f:
        n = write(fmt, items, None, f, notes)
    part.replace(output)
    return n


def write(
    fmt: str, items: list[Item], target: Path | None, out: TextIO | None, notes: Notes
) -> int:
    """Stream formats go to `out`; per-recording formats (and Kaldi) into the folder `target`."""
    if fmt in STREAMED:
        if out is None:
            raise FormatError(f"{fmt} is written to a file or to standard output.")
        return STREAMED[fmt](items, out, notes)
    if fmt not in FOLDERS:
        raise FormatError(
            f"{fmt} is not a format Earmark writes; choose one of {', '.join(FORMATS)}."
        )
    if target is None:
        raise FormatError(f"{fmt} writes a folder (one file per recording): give it with -o DIR.")
    target.mkdir(parents=True, exist_ok=True)
    if fmt == "kaldi":
        return kaldi.write(items, target, notes)
    from app.formats import eaf, subtitles, textgrid  # their libraries: only when written

    stems: set[str] = set()
    for it in items:
        if it.stem in stems:
            notes.problem(f"{fmt}: two recordings named {it.stem}; the second was not written")
            continue
        stems.add(it.stem)
        if fmt == "textgrid":
            textgrid.write(it, target, notes)
        elif fmt == "eaf":
            eaf.write(it, target, notes)
        else:
            subtitles.write(it, target, notes, fmt)
    return len(stems)
