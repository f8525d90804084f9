"""Nobody gets around the rules: one test per thing a hostile or careless client could do.

Each was answered wrongly before (500s, forged exports, a whole recording decrypted for 100
bytes, secrets beside the data, a draft holding audio access after its lease went elsewhere).
"""

from __future__ import annotations

import json
import shutil
import time
import tracemalloc
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select, update

from app.sealed import HEADER, MAGIC, NONCE
from app.server import models as m
from app.server import security as sec
from app.server.export import export_records
from app.server.importer import import_recordings
from app.server.keys import FileKey, MasterKeyError, load_keys
from app.server.storage import FolderStore
from tests.server.conftest import World, server_keys, text_doc


def lease(w: World, name: str, count: int = 1) -> list[dict[str, Any]]:
    p = w.people[name]
    r = p.client.post(
        "/api/v1/leases", headers=p.headers(), json={"project_id": w.project_id, "count": count}
    )
    assert r.status_code == 200, r.text
    return list(r.json())


def put(w: World, name: str, task: str, doc: Any, ann: str | None = None, base: int = 0) -> Any:
    p = w.people[name]
    return p.client.put(
        f"/api/v1/annotations/{ann or uuid.uuid4()}",
        headers=p.headers(),
        json={"task_id": task, "base_version": base, "doc": doc},
    )


def long_recording(w: World, tmp: Path, minutes: float) -> str:
    """A recording of `minutes` imported into the world's project; its task id."""
    folder = tmp / "long"
    folder.mkdir()
    path = folder / "long.wav"
    rate = 16000
    with sf.SoundFile(str(path), "w", rate, 1, "PCM_16") as f:
        block = (0.1 * np.sin(np.arange(rate * 60) / 7)).astype(np.float32)
        for _ in range(int(minutes)):
            f.write(block)
    with w.session() as db:
        project = db.get(m.Project, w.project_id)
        assert project is not None
        tracemalloc.start()
        import_recordings(db, FolderStore(w.data / "audio"), server_keys(), project, folder)
        _now, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        db.commit()
        task = db.scalars(select(m.Task).order_by(m.Task.number.desc())).first()
        assert task is not None
    size = path.stat().st_size
    assert peak < 16 << 20, f"import held {peak >> 20} MiB for a {size >> 20} MiB recording"
    return task.id


# -- audio that streams --------------------------------------------------------------------
def test_a_small_range_decrypts_only_what_it_touches(world: World, tmp_path: Path) -> None:
    task = long_recording(world, tmp_path, 30)  # 57 MiB of audio
    a = world.people["admin"]
    url = f"/api/v1/tasks/{task}/audio"
    tracemalloc.start()
    for start in (0, 10_000_000, 40_000_000):
        r = a.client.get(url, headers={**a.headers(), "Range": f"bytes={start}-{start + 99}"})
        assert r.status_code == 206 and len(r.content) == 100
    etag = r.headers["etag"]
    assert a.client.get(url, headers={**a.headers(), "If-None-Match": etag}).status_code == 304
    _now, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 12 << 20, f"100-byte ranges held {peak >> 20} MiB"
    blob = (world.data / "audio" / f"{task}.bin").read_bytes()[:4]
    assert blob == MAGIC  # sealed in chunks


def test_a_range_past_any_end_is_refused_not_a_crash(world: World) -> None:
    task = lease(world, "ann_a")[0]["id"]
    p = world.people["ann_a"]
    url = f"/api/v1/tasks/{task}/audio"
    huge = "9" * 5000
    for header in (f"bytes=0-{huge}", f"bytes={huge}-", "bytes=-" + huge, "bytes=5-2", "lines=1-2"):
        r = p.client.get(url, headers={**p.headers(), "Range": header})
        assert r.status_code in (200, 206, 416), (header, r.status_code)


# -- the document is validated -------------------------------------------------------------
def test_nonsense_in_a_document_is_refused_and_the_figures_stay_up(world: World) -> None:
    task = lease(world, "ann_a")[0]["id"]
    for doc in (
        {"segments": [], "active_ms": "x"},
        {"segments": [], "submissions": "x"},
        {"segments": [{"start_s": 2, "end_s": 1}]},
        {"segments": [], "flags": ["made_up"]},
        {"segments": [], "task_id": "forged", "asr": "forged", "duration_s": 1},
        {"segments": "lots"},
        {},
    ):
        r = put(world, "ann_a", task, doc)
        assert r.status_code == 422, (doc, r.status_code, r.text)
        assert r.json()["detail"][0]["msg"], "a 422 says what is wrong"
    r = put(world, "ann_a", task, text_doc("fine"), base=2**63)
    assert r.status_code == 422
    p = world.people["ann_a"]
    doc = '{"segments": [], "submissions": 1e400}'  # not even a float Python can hold
    raw = f'{{"task_id": "{task}", "base_version": 0, "doc": {doc}}}'
    r = p.client.put(
        f"/api/v1/annotations/{uuid.uuid4()}",
        headers={**p.headers(), "Content-Type": "application/json"},
        content=raw,
    )
    assert r.status_code == 422, r.text
    p = world.people["ann_a"]
    assert (
        p.client.get("/api/v1/changes?since=9223372036854775808", headers=p.headers()).status_code
        == 422
    )
    q = world.people["rev"].client.get(
        f"/api/v1/projects/{world.project_id}/quality", headers=world.people["rev"].headers()
    )
    assert q.status_code == 200


def test_the_export_takes_the_servers_fields_never_the_documents(world: World) -> None:
    task = lease(world, "ann_a")[0]["id"]
    assert put(world, "ann_a", task, text_doc("mine", status="submitted")).status_code == 200
    with world.session() as db:  # a document stored before documents were checked
        ann = db.scalars(select(m.Annotation).where(m.Annotation.task_id == task)).one()
        ann.doc = {**ann.doc, "task_id": "forged", "item": 999, "asr": "forged", "duration_s": 1}
        db.commit()
        project = db.get(m.Project, world.project_id)
        assert project is not None
        (record,) = [r for r in export_records(db, project, False) if r["annotation_id"] == ann.id]
        t = db.get(m.Task, task)
        assert t is not None
    assert record["task_id"] == task and record["item"] == t.number
    assert record["asr"] == t.asr_text and record["duration_s"] == t.duration_s


def test_one_annotation_per_annotator_per_task(world: World) -> None:
    task = lease(world, "ann_a")[0]["id"]
    first = put(world, "ann_a", task, text_doc("one", status="submitted", submissions=1))
    assert first.status_code == 200
    for k in range(4):  # four more UUIDs on the same task
        again = put(world, "ann_a", task, text_doc(f"again {k}", status="submitted", submissions=1))
        assert again.status_code == 409, again.text
        assert again.json()["detail"]["id"] == first.json()["id"]  # the one the server holds
    with world.session() as db:
        rows = list(db.scalars(select(m.Annotation).where(m.Annotation.task_id == task)))
        items = list(db.scalars(select(m.ReviewItem).where(m.ReviewItem.task_id == task)))
    assert len(rows) == 1 and len(items) == 1, "one submission, counted once"


# -- limits ---------------------------------------------------------------------------------
def test_limits_on_bodies_batches_and_leases(world: World) -> None:
    p = world.people["ann_a"]
    big = "x" * (20 << 20)
    r = p.client.post(
        "/api/v1/annotations/batch",
        headers={**p.headers(), "Content-Type": "application/json"},
        content=json.dumps({"items": {}, "pad": big}),
    )
    assert r.status_code == 413
    task = lease(world, "ann_a")[0]["id"]
    items = {
        str(uuid.uuid4()): {"task_id": task, "base_version": 0, "doc": text_doc("x")}
        for _ in range(1001)
    }
    r = p.client.post("/api/v1/annotations/batch", headers=p.headers(), json={"items": items})
    assert r.status_code == 422
    r = p.client.post(
        "/api/v1/leases", headers=p.headers(), json={"project_id": world.project_id, "count": 100}
    )
    assert r.status_code == 422


# -- sign-in does the same work for names it does not know ----------------------------------
def test_unknown_names_cost_a_password_check_too(world: World, monkeypatch: Any) -> None:
    checked: list[bool] = []
    real = sec._hasher

    class CountingHasher:  # a spy around the real hasher: every verification still happens
        def verify(self, stored: str, password: str) -> bool:
            checked.append(True)
            return bool(real.verify(stored, password))

    monkeypatch.setattr(sec, "_hasher", CountingHasher())
    c = world.people["ann_a"].client
    for name in ("ann_a", "nobody-at-all"):
        r = c.post(
            "/api/v1/auth/login",
            json={"username": name, "password": "wrong password", "totp_code": "000000"},
        )
        assert r.status_code == 401
    assert len(checked) == 2


# -- keys kept apart --------------------------------------------------------------------------
def test_a_copy_of_the_data_decrypts_nothing_without_the_master_key(
    world: World, tmp_path: Path
) -> None:
    stolen = tmp_path / "stolen"
    shutil.copytree(world.data, stolen / "data")
    secrets_plain = [p.totp.secret for p in world.people.values()]
    with world.session() as db:
        tasks = list(db.scalars(select(m.Task)))
        users = list(db.scalars(select(m.User)))
    if world.url.startswith("sqlite"):
        raw = Path(world.url.removeprefix("sqlite:///")).read_bytes()
        assert not any(s.encode() in raw for s in secrets_plain), "a TOTP secret in plain"
    assert not any(u.totp_secret in secrets_plain for u in users)
    for t in tasks:
        sealed = (stolen / "data" / "audio" / f"{t.id}.bin").read_bytes()
        first = sealed[HEADER.size : HEADER.size + NONCE + 1024 * 1024 + 16]
        for k in range(len(t.audio_key or b"") - 31):  # any 32 bytes of what the row holds
            try:
                AESGCM((t.audio_key or b"")[k : k + 32]).decrypt(first[:NONCE], first[NONCE:], None)
                raise AssertionError("a recording opened with what the database holds")
            except (InvalidTag, ValueError):
                pass
    # with the master key, the same copy opens (the test can tell)
    keys = server_keys()
    key = keys.unwrap(tasks[0].audio_key or b"", f"task:{tasks[0].id}")
    assert FolderStore(stolen / "data" / "audio").get(tasks[0].id, key)[:4] == b"RIFF"


def test_a_master_key_inside_the_data_folder_is_refused(world: World) -> None:
    inside = world.data / "master.key"
    FileKey.create(inside)
    try:
        load_keys(inside, world.data)
        raise AssertionError("a key kept with the data it unlocks was accepted")
    except MasterKeyError as exc:
        assert "inside the data folder" in str(exc)


# -- a lease that expired on a draft --------------------------------------------------------
def test_an_expired_draft_goes_back_to_the_pool_and_its_holder_loses_the_audio(
    world: World,
) -> None:
    task = lease(world, "ann_a")[0]["id"]
    draft = str(uuid.uuid4())
    assert put(world, "ann_a", task, text_doc("half done"), ann=draft).status_code == 200
    with world.session() as db:  # an hour later
        db.execute(update(m.Task).where(m.Task.id == task).values(lease_expires_at=time.time() - 1))
        db.commit()
    taken = [t["id"] for t in lease(world, "ann_b", 8)]
    assert task in taken, "the expired task never went back to the pool"
    a = world.people["ann_a"]
    assert a.client.get(f"/api/v1/tasks/{task}/audio", headers=a.headers()).status_code == 404
    late = put(world, "ann_a", task, text_doc("half done, more"), ann=draft, base=1)
    assert late.status_code == 404
    feed = a.client.get("/api/v1/changes", headers=a.headers()).json()["changes"]
    assert any(c["kind"] == "revoked" and c["task_id"] == task for c in feed)
