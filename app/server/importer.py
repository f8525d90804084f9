"""Import recordings: customer ids become keyed pseudonyms, everything else identifying is
dropped (only an allow-list of fields is read), and whole customers are sampled in or out."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audio.load import AUDIO_SUFFIXES, AudioError, check
from app.model.slots import words_of
from app.server import models as m
from app.server.audit import audit
from app.server.keys import Keys
from app.server.storage import AudioStore

ALLOWED = {"audio", "customer_id", "asr", "intent", "slots"}  # everything else is dropped


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


def _rows(path: Path) -> list[dict[str, Any]]:
    if path.is_dir():
        return [
            {"audio": str(p), "customer_id": p.stem}
            for p in sorted(path.rglob("*"))
            if p.suffix.lower() in AUDIO_SUFFIXES
        ]
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            row = {k: v for k, v in raw.items() if k in ALLOWED}
            row["audio"] = str((path.parent / str(row.get("audio", ""))).resolve())
            rows.append(row)
    return rows


def _slots(raw: Any, asr: str) -> list[dict[str, Any]]:
    words = [w.lower() for w in words_of(asr)]
    out = []
    for s in raw or []:
        if "start_word" in s:
            out.append(
                {
                    "type": str(s["type"]),
                    "start_word": int(s["start_word"]),
                    "end_word": int(s["end_word"]),
                }
            )
            continue
        want = [w.lower() for w in str(s.get("text", "")).split()]
        for k in range(len(words) - len(want) + 1):
            if want and words[k : k + len(want)] == want:
                out.append({"type": str(s["type"]), "start_word": k, "end_word": k + len(want)})
                break
    return out


def import_recordings(
    db: Session,
    store: AudioStore,
    keys: Keys,
    project: m.Project,
    path: Path,
    rate: float = 1.0,
    actor: str | None = None,
) -> ImportResult:
    """Each recording checked in bounded memory, then sealed as it is read (never whole in
    memory); its key kept wrapped under the master key."""
    result = ImportResult()
    number = int(
        db.scalar(select(func.max(m.Task.number)).where(m.Task.project_id == project.id)) or 0
    )
    for row in _rows(path):
        audio = Path(row["audio"])
        customer = str(row.get("customer_id") or audio.stem)
        if not sampled(project.pseudonym_key, customer, rate):
            result.skipped_by_sampling += 1
            continue
        try:
            info = check(audio)
        except AudioError as exc:
            result.refused.append(str(exc))
            continue
        asr = str(row.get("asr") or "")
        number += 1
        task = m.Task(
            project_id=project.id,
            number=number,
            customer=pseudonym(project.pseudonym_key, customer),
            audio_sha256="",
            duration_s=info.duration_s,
            sample_rate_hz=info.sample_rate_hz,
            channels=info.channels,
            asr_text=asr,
            predicted_intent=row.get("intent"),
            predicted_slots=_slots(row.get("slots"), asr),
        )
        db.add(task)
        db.flush()
        key, task.audio_sha256 = store.put_file(task.id, audio)
        task.audio_key = keys.wrap(key, f"task:{task.id}")
        result.imported += 1
    audit(
        db,
        actor,
        "import",
        project.id,
        imported=result.imported,
        sampled_out=result.skipped_by_sampling,
        refused=len(result.refused),
    )
    return result
