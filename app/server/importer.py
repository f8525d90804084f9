"""Import recordings: customer ids become keyed pseudonyms, everything else identifying is
dropped (only an allow-list of fields is read), and whole customers are sampled in or out."""

from __future__ import annotations

import hashlib
import hmac
import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import formats
from app.audio.load import AudioError, check
from app.audio.pauses import segments_of_file
from app.model.annotation import Segment, segments_to_json
from app.model.conventions import conventions_from
from app.protocol import Prefill, SegmentDoc
from app.server import models as m
from app.server.audit import audit
from app.server.keys import Keys, pseudonym, pseudonym_key
from app.server.served import served_copy, voice_of
from app.server.storage import AudioStore

if TYPE_CHECKING:
    from app.audio.redact import Stretch
    from app.server.muting import Muting

# What a file may bring in (app.formats.Record): the recording, the customer's id (made a
# pseudonym here), a hypothesis, an intent, slots, segments and flags. Nothing else a file holds
# is read at all, so no other field can reach the database.


def sampled(key: bytes, customer_id: str, rate: float) -> bool:
    """Whole customers in or out, by keyed hash: the same customer always gets the same answer."""
    h = hmac.new(key, b"sample:" + customer_id.encode(), hashlib.sha256).digest()
    return int.from_bytes(h[:8], "big") / 2**64 < rate


@dataclass
class ImportResult:
    imported: int = 0
    skipped_by_sampling: int = 0
    refused: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the files held that was not kept
    created: dict[str, str] = field(default_factory=dict)  # a record's source key -> task id
    not_muted: list[str] = field(default_factory=list)  # a muting project's: item and why


def import_recordings(
    db: Session,
    store: AudioStore,
    keys: Keys,
    project: m.Project,
    path: Path,
    rate: float = 1.0,
    actor: str | None = None,
    tier: str | None = None,
    segment: bool = False,
    allow_outside: tuple[Path, ...] = (),
) -> ImportResult:
    """Each recording checked in bounded memory, then sealed as it is read (never whole in
    memory); its key kept wrapped under the master key. `path` is anything app.formats reads;
    what it names must be under its folder, or under one of `allow_outside`."""
    reading = formats.read(path, tier)
    reading.roots += allow_outside
    return import_reading(db, store, keys, project, reading, rate, actor, segment)


def import_reading(
    db: Session,
    store: AudioStore,
    keys: Keys,
    project: m.Project,
    reading: formats.Reading,
    rate: float = 1.0,
    actor: str | None = None,
    segment: bool = False,
) -> ImportResult:
    """What a file (or the Label Studio bridge) read, imported as `import_recordings` does:
    a recording outside the reading's roots is refused before anything reads it."""
    result = ImportResult(notes=reading.notes.lines())
    notes = formats.Notes()
    muter = Muter(project) if project.mute_spoken_data else None
    voice = voice_of(project.voice_disguise)
    secret = pseudonym_key(keys, project.id, project.pseudonym_key)
    number = int(
        db.scalar(select(func.max(m.Task.number)).where(m.Task.project_id == project.id)) or 0
    )
    for rec in reading.records:
        if not rec.audio:
            continue  # named only by a command (said in the notes)
        if "://" in rec.audio:
            result.refused.append(f"{rec.audio}: not a file here; download it first.")
            continue
        if formats.outside(rec.audio, reading.roots):
            where = reading.roots[0].resolve() if reading.roots else "every folder allowed"
            result.refused.append(
                f"{rec.audio} is outside {where}, the folder of the file that names it "
                "(--allow-outside DIR imports from DIR too)"
            )
            continue
        audio = Path(rec.audio)
        customer = rec.customer_id or audio.stem
        if not sampled(secret, customer, rate):
            result.skipped_by_sampling += 1
            continue
        try:
            info = check(audio)
        except AudioError as exc:
            result.refused.append(str(exc))
            continue
        if segment and not rec.segments:  # speech between pauses, for the annotator to adjust
            rec = replace(rec, segments=segments_of_file(audio))
        muting = None if muter is None else muter.mute(audio, info.duration_s, rec)
        if muter is not None:
            rec = replace(rec, segments=muter.redacted(rec.segments))
        try:
            prefill = _prefill(rec, info.duration_s, audio.name, notes)
        except ValueError as exc:
            result.refused.append(f"{audio.name}: what its file brought is out of bounds ({exc})")
            continue
        number += 1
        task = m.Task(
            project_id=project.id,
            number=number,
            customer=pseudonym(secret, customer),
            audio_sha256="",
            duration_s=info.duration_s,
            sample_rate_hz=info.sample_rate_hz,
            channels=info.channels,
            asr_text=rec.asr if muting is None else muting.asr,
            predicted_intent=rec.intent,
            predicted_slots=[
                {"type": x.type, "start_word": x.start_word, "end_word": x.end_word}
                for x in (rec.asr_slots if muting is None else muting.slots)
            ],
            prefill=prefill,
        )
        db.add(task)
        db.flush()
        stretches = [] if muting is None else muting.stretches
        task.voice_alpha = None if voice is None else voice.draw()
        if stretches or task.voice_alpha is not None:
            key = _served(store, task, audio, stretches)
            if muter is not None and stretches:
                task.muted = [
                    {"start_s": round(s.start_s, 3), "end_s": round(s.end_s, 3), "kind": s.kind}
                    for s in stretches
                ]
                muter.muted.append(number)
        else:
            key, task.audio_sha256 = store.put_file(task.id, audio)
        if muter is not None and muting is not None and muting.note:
            muter.not_muted.append(number)
            result.not_muted.append(f"item {number}: {muting.note}; it is served as it is")
        task.audio_key = keys.wrap(key, f"task:{task.id}")
        result.imported += 1
        if rec.key:
            result.created[rec.key] = task.id
    audit(
        db,
        actor,
        "import",
        project.id,
        imported=result.imported,
        sampled_out=result.skipped_by_sampling,
        refused=len(result.refused),
        **({} if muter is None else {"muted": muter.muted, "not_muted": muter.not_muted}),
        **({} if voice is None else {"voice_disguised": voice.to_json()}),
    )
    result.notes += notes.lines()
    return result


def _served(store: AudioStore, task: m.Task, audio: Path, stretches: list[Stretch]) -> bytes:
    """The original sealed, and beside it the copy served (app/server/served.py); their key.
    The copy is made in the store's scratch folder, readable by its owner only, and removed
    once sealed."""
    key, _digest = store.put_original(task.id, audio)
    fd, name = tempfile.mkstemp(suffix=".wav", dir=store.scratch)
    os.close(fd)
    made = Path(name)
    try:
        served_copy(audio, made, task.voice_alpha, stretches)
        task.audio_sha256 = store.put_served(task.id, made, key)
    finally:
        made.unlink(missing_ok=True)
    return key


class Muter:
    """A muting project's import: one aligner, and which items were muted or could not be."""

    def __init__(self, project: m.Project) -> None:
        from app.audio.align import Aligner  # a muting project's imports only

        self.conv = conventions_from(project.conventions)
        self.aligner = Aligner()  # its decoder is made when first used
        self.muted: list[int] = []
        self.not_muted: list[int] = []

    def mute(self, audio: Path, duration_s: float, rec: formats.Record) -> Muting:
        from app.server.muting import mute

        return mute(audio, duration_s, rec.asr, rec.asr_slots, self.conv, self.aligner)

    def redacted(self, segments: tuple[Segment, ...]) -> tuple[Segment, ...]:
        from app.server.muting import redacted_text

        return redacted_text(segments, self.conv)


def _prefill(
    rec: formats.Record, duration_s: float, name: str, notes: formats.Notes
) -> dict[str, Any]:
    """Segments fitted to the recording, through the protocol's limits (as a put would be)."""
    segments = formats.fit(rec.segments, duration_s, name, notes)
    if not segments and not rec.flags:
        return {}
    doc = Prefill(
        segments=[SegmentDoc(**s) for s in segments_to_json(segments)],
        flags=sorted(f.value for f in rec.flags),
    )
    return doc.model_dump()
