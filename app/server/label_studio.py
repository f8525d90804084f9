"""A bridge to an existing Label Studio, through its REST API (httpx; its SDK is heavy).

`pull` makes Earmark tasks of a Label Studio project's audio tasks: each recording is fetched,
checked and sealed like any import, its predictions (or annotations) pre-fill the annotation, and
only what import keeps is kept (a `customer_id` in the task's data becomes a pseudonym; every
other data field is left where it is). `push` writes each submitted annotation (the reviewer's
version when fixed) back as a Label Studio annotation under the project's own control names,
once: what was pushed is remembered by a hash of it, so pushing again sends nothing, and an
annotation changed since is updated in place rather than added again.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import formats
from app.formats import labelstudio as lsf
from app.server import models as m
from app.server.audit import audit
from app.server.export import export_records, item_of
from app.server.importer import import_reading
from app.server.keys import Keys
from app.server.label_studio_client import BridgeError, LabelStudio, token_from
from app.server.storage import AudioStore

__all__ = ["BridgeError", "LabelStudio", "Pulled", "Pushed", "pull", "push", "token_from"]


@dataclass
class Pulled:
    imported: int = 0
    already: int = 0
    refused: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def pull(
    db: Session, store: AudioStore, keys: Keys, project: m.Project, ls: LabelStudio, ls_project: int
) -> Pulled:
    lsf.names_of(ls.config(ls_project))  # an audio project with a transcript, or a clear error
    known = set(
        db.scalars(
            select(m.LabelStudioLink.ls_task).where(
                m.LabelStudioLink.origin == ls.origin, m.LabelStudioLink.ls_project == ls_project
            )
        )
    )
    out = Pulled()
    with tempfile.TemporaryDirectory(prefix="earmark-ls-") as tmp:
        folder = Path(tmp)
        reading = formats.Reading(roots=[folder])
        tasks, short = ls.tasks(ls_project)
        if short is not None:
            out.refused.append(short)
        for task in tasks:
            tid = int(task["id"])
            if tid in known:
                out.already += 1
                continue
            data = task.get("data")
            ref = lsf.audio_of(data) if isinstance(data, dict) else None
            if ref is None:
                out.refused.append(f"Label Studio task {tid}: no audio in its data")
                continue
            suffix = Path(urlsplit(ref).path).suffix.lower()
            name = f"ls-{tid}{suffix if re.fullmatch(r'[.][a-z0-9]{1,8}', suffix) else '.wav'}"
            try:
                ls.download(ref, folder / name)
            except BridgeError as exc:
                out.refused.append(f"Label Studio task {tid}: {exc}")
                continue
            # the fetched file stands in for the task's audio; of its data, nothing else but
            # the customer id is read (record_of reads no other field)
            local = {**task, "data": {**(data or {}), "audio": name}}
            rec = lsf.record_of(local, folder, f"Label Studio project {ls_project}", reading.notes)
            if rec is not None:
                reading.records.append(rec)
        if reading.records:
            result = import_reading(db, store, keys, project, reading)
            out.imported, out.notes = result.imported, result.notes
            out.refused += result.refused
            for key, task_id in result.created.items():
                db.add(
                    m.LabelStudioLink(
                        task_id=task_id, origin=ls.origin, ls_project=ls_project, ls_task=int(key)
                    )
                )
    audit(
        db,
        None,
        "label-studio pull",
        project.id,
        origin=ls.origin,
        ls_project=ls_project,
        imported=out.imported,
    )
    return out


@dataclass
class Pushed:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _ours(annotation: dict[str, Any]) -> bool:
    """An annotation this bridge wrote (its region ids are Earmark's)."""
    ids = [str(r.get("id", "")) for r in annotation.get("result") or []]
    return bool(ids) and all(
        i.startswith("seg") or i in ("intent", "flags", "transcript") for i in ids
    )


def push(db: Session, project: m.Project, ls: LabelStudio, ls_project: int) -> Pushed:
    names = lsf.names_of(ls.config(ls_project))
    links = {
        link.task_id: link
        for link in db.scalars(
            select(m.LabelStudioLink).where(
                m.LabelStudioLink.origin == ls.origin, m.LabelStudioLink.ls_project == ls_project
            )
        )
    }
    out = Pushed()
    for record in export_records(db, project, accepted_only=False):
        link = links.get(record["task_id"])
        if link is None or record.get("status") != "submitted":
            continue
        if record["review"] is not None and record["review"]["outcome"] == "rejected":
            continue  # back with its annotator: pushed when submitted again
        item = item_of(record)
        result = lsf.results_of(item.annotation, item.duration_s, names)
        digest = hashlib.sha256(json.dumps(result, sort_keys=True).encode()).hexdigest()
        if link.pushed == digest:
            out.unchanged += 1
            continue
        if link.ls_annotation is None:  # a push cut short after Label Studio stored it
            existing = ls.json("GET", f"/api/tasks/{link.ls_task}/annotations")
            link.ls_annotation = next((int(a["id"]) for a in existing if _ours(a)), None)
        body = {"result": result, "ground_truth": False}
        if link.ls_annotation is None:
            made = ls.json("POST", f"/api/tasks/{link.ls_task}/annotations", json=body)
            link.ls_annotation = int(made["id"])
            out.created += 1
        else:
            ls.json("PATCH", f"/api/annotations/{link.ls_annotation}", json=body)
            out.updated += 1
        link.pushed = digest
        db.commit()  # each one remembered as soon as Label Studio has it
    audit(
        db,
        None,
        "label-studio push",
        project.id,
        origin=ls.origin,
        ls_project=ls_project,
        created=out.created,
        updated=out.updated,
    )
    return out
