"""Import recordings: customer ids become keyed pseudonyms, everything else identifying is
dropped (only an allow-list of fields is read), and whole customers are sampled in or out."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import formats
from app.audio.load import AudioError, check
from app.audio.pauses import segments_of_file
from app.model.annotation import segments_to_json
from app.protocol import Prefill, SegmentDoc
from app.server import models as m
from app.server.audit import audit
from app.server.keys import Keys
from app.server.storage import AudioStore

# What a file may bring in (app.formats.Record): the recording, the customer's id (made a
# pseudonym here), a hypothesis, an intent, slots, segments and flags. Nothing else a file holds
# is read at all, so no other field can reach the database.


def pseudonym(key: bytes, customer_id: str) -> str:
    return hmac.new(key, b"customer:" + customer_id.encode(), hashlib.sha256).hexdigest()


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
) -> ImportResult:
    """Each recording checked in bounded memory, then sealed as it is read (never whole in
    memory); its key kept wrapped under the master key. `path` is anything app.formats reads."""
    return import_reading(db, store, keys, project, formats.read(path, tier), rate, actor, segment)


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
    """What a file (or the Label Studio bridge) read, imported as `import_recordings` does."""
    result = ImportResult(notes=reading.notes.lines())
    notes = formats.Notes()
    number = int(
        db.scalar(select(func.max(m.Task.number)).where(m.Task.project_id == project.id)) or 0
    )
    for rec in reading.records:
        if not rec.audio:
            continue  # named only by a command (said in the notes)
        if "://" in rec.audio:
            result.refused.append(f"{rec.audio}: not a file here; download it first.")
            continue
        audio = Path(rec.audio)
        customer = rec.customer_id or audio.stem
        if not sampled(project.pseudonym_key, customer, rate):
            result.skipped_by_sampling += 1
            continue
        try:
            info = check(audio)
        except AudioError as exc:
            result.refused.append(str(exc))
            continue
        if segment and not rec.segments:  # speech between pauses, for the annotator to adjust
            rec = replace(rec, segments=segments_of_file(audio))
        try:
            prefill = _prefill(rec, info.duration_s, audio.name, notes)
        except ValueError as exc:
            result.refused.append(f"{audio.name}: what its file brought is out of bounds ({exc})")
            continue
        number += 1
        task = m.Task(
            project_id=project.id,
            number=number,
            customer=pseudonym(project.pseudonym_key, customer),
            audio_sha256="",
            duration_s=info.duration_s,
            sample_rate_hz=info.sample_rate_hz,
            channels=info.channels,
            asr_text=rec.asr,
            predicted_intent=rec.intent,
            predicted_slots=[
                {"type": x.type, "start_word": x.start_word, "end_word": x.end_word}
                for x in rec.asr_slots
            ],
            prefill=prefill,
        )
        db.add(task)
        db.flush()
        key, task.audio_sha256 = store.put_file(task.id, audio)
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
    )
    result.notes += notes.lines()
    return result


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
