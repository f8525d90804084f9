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
import ipaddress
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import formats
from app.formats import labelstudio as lsf
from app.server import models as m
from app.server.audit import audit
from app.server.export import export_records, item_of
from app.server.importer import import_reading
from app.server.keys import Keys
from app.server.storage import AudioStore

TIMEOUT = httpx.Timeout(30.0, connect=10.0)


class BridgeError(Exception):
    """Label Studio could not be reached or answered otherwise; str() is one line for the user."""


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class LabelStudio:
    """One Label Studio server, signed in with an API token (never logged, never in a URL)."""

    url: str
    token: str
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise BridgeError(f"{self.url} is not a Label Studio address (http(s)://host:port).")
        if parts.scheme == "http" and not _loopback(parts.hostname):
            raise BridgeError(
                f"{self.url}: the token would cross the network in the clear; use https "
                "(plain http only to this machine)."
            )
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.http = httpx.Client(
            base_url=self.origin,
            headers={"Authorization": f"Token {self.token}"},
            timeout=TIMEOUT,
            follow_redirects=False,
        )

    def close(self) -> None:
        self.http.close()

    def _call(self, method: str, path: str, **kw: Any) -> httpx.Response:
        try:
            r = self.http.request(method, path, **kw)
        except httpx.HTTPError as exc:
            raise BridgeError(f"Label Studio at {self.origin} cannot be reached ({exc}).") from None
        if r.status_code in (401, 403):
            raise BridgeError(
                f"Label Studio at {self.origin} refused the token ({r.status_code}); check it, "
                "and that legacy API tokens are enabled."
            )
        if r.status_code == 404:
            raise BridgeError(f"Label Studio at {self.origin} has no {path.split('?')[0]}.")
        if r.status_code >= 400:
            raise BridgeError(
                f"Label Studio at {self.origin} answered {r.status_code} to {method} "
                f"{path.split('?')[0]}."
            )
        return r

    def json(self, method: str, path: str, **kw: Any) -> Any:
        r = self._call(method, path, **kw)
        try:
            return r.json()
        except ValueError:
            raise BridgeError(
                f"Label Studio at {self.origin} answered {path.split('?')[0]} with something "
                "other than JSON."
            ) from None

    def config(self, project: int) -> str:
        return str(self.json("GET", f"/api/projects/{project}").get("label_config") or "")

    def tasks(self, project: int, page_size: int = 100) -> list[dict[str, Any]]:
        """Every task with its annotations and predictions, page by page (the export holds
        predictions only by id)."""
        out: list[dict[str, Any]] = []
        page = 1
        while True:
            got = self.json(
                "GET",
                "/api/tasks",
                params={"project": project, "fields": "all", "page": page, "page_size": page_size},
            )
            tasks = got.get("tasks") if isinstance(got, dict) else None
            if not isinstance(tasks, list):
                raise BridgeError(f"Label Studio at {self.origin}: /api/tasks is not a task list.")
            out += tasks
            if not tasks or len(out) >= int(got.get("total") or 0):
                return out
            page += 1

    def download(self, ref: str, target: Path) -> None:
        """A task's audio: the token goes only to this Label Studio, never to another host."""
        url = urljoin(self.origin + "/", ref)
        same = urlsplit(url).netloc == urlsplit(self.origin).netloc
        try:
            client = self.http if same else httpx.Client(timeout=TIMEOUT)
            with client.stream("GET", url) as r:
                if r.status_code >= 400:
                    raise BridgeError(f"{ref}: Label Studio answered {r.status_code}.")
                with target.open("wb") as out:
                    for chunk in r.iter_bytes(1 << 20):
                        out.write(chunk)
        except httpx.HTTPError as exc:
            raise BridgeError(f"{ref} could not be fetched ({exc}).") from None


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
        reading = formats.Reading()
        for task in ls.tasks(ls_project):
            tid = int(task["id"])
            if tid in known:
                out.already += 1
                continue
            ref = lsf.audio_of(task.get("data") or {})
            if ref is None:
                out.refused.append(f"Label Studio task {tid}: no audio in its data")
                continue
            name = f"ls-{tid}{Path(urlsplit(ref).path).suffix.lower() or '.wav'}"
            try:
                ls.download(ref, folder / name)
            except BridgeError as exc:
                out.refused.append(f"Label Studio task {tid}: {exc}")
                continue
            # the fetched file stands in for the task's audio; of its data, nothing else but
            # the customer id is read (record_of reads no other field)
            local = {**task, "data": {**task["data"], "audio": name}}
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


def token_from(env: dict[str, str], stdin_line: str | None) -> str:
    token = env.get("LABEL_STUDIO_TOKEN", "").strip() or (stdin_line or "").strip()
    if not token:
        raise BridgeError(
            "no Label Studio token: set LABEL_STUDIO_TOKEN, or give it on standard input "
            "(never on the command line)."
        )
    return token
