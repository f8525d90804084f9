"""Leases, audio, puts by client UUID, the changes feed and deletion, scoped to the caller."""

from __future__ import annotations

import hashlib
import time
import uuid

from sqlalchemy import select, update

from app.server import models as m
from app.server.audit import verify
from tests.server.conftest import World, text_doc


def lease(w: World, name: str, count: int = 2) -> list[dict]:  # type: ignore[type-arg]
    p = w.people[name]
    r = p.client.post(
        "/api/v1/leases", headers=p.headers(), json={"project_id": w.project_id, "count": count}
    )
    assert r.status_code == 200, r.text
    return list(r.json())


def put(w: World, name: str, ann: str, task: str, base: int, text: str):  # type: ignore[no-untyped-def]
    p = w.people[name]
    return p.client.put(
        f"/api/v1/annotations/{ann}",
        headers=p.headers(),
        json={"task_id": task, "base_version": base, "doc": text_doc(text)},
    )


def feed(w: World, name: str, since: int = 0) -> list[dict]:  # type: ignore[type-arg]
    p = w.people[name]
    return list(
        p.client.get(f"/api/v1/changes?since={since}", headers=p.headers()).json()["changes"]
    )


def test_leases_are_exclusive_and_announced(world: World) -> None:
    a = lease(world, "ann_a", 2)
    b = lease(world, "ann_b", 3)
    assert len(a) == 2 and len(b) == 3
    assert not {t["id"] for t in a} & {t["id"] for t in b}
    assert [c["kind"] for c in feed(world, "ann_a")] == ["assigned", "assigned"]
    assert lease(world, "ann_a", 2) == a or {t["id"] for t in lease(world, "ann_a", 2)} == {
        t["id"] for t in a
    }  # asking again renews, never doubles
    r = world.people["rev"].client.post(
        "/api/v1/leases",
        headers=world.people["rev"].headers(),
        json={"project_id": world.project_id, "count": 1},
    )
    assert r.status_code == 403


def test_an_expired_lease_returns_to_the_pool(world: World) -> None:
    a = lease(world, "ann_a", 1)
    with world.session() as db:
        db.execute(update(m.Task).where(m.Task.id == a[0]["id"]).values(lease_expires_at=1.0))
        db.commit()
    b = lease(world, "ann_b", 6)
    assert a[0]["id"] in {t["id"] for t in b}
    kinds = [(c["kind"], c["task_id"]) for c in feed(world, "ann_a")]
    assert ("revoked", a[0]["id"]) in kinds
    p = world.people["ann_a"]
    assert p.client.get(f"/api/v1/tasks/{a[0]['id']}/audio", headers=p.headers()).status_code == 404


def test_audio_ranges_etag_no_store_and_one_audit_row_per_access(
    both_stores: str, world: World
) -> None:
    task = lease(world, "ann_a", 1)[0]
    p = world.people["ann_a"]
    url = f"/api/v1/tasks/{task['id']}/audio"
    whole = p.client.get(url, headers=p.headers())
    assert whole.status_code == 200 and whole.content[:4] == b"RIFF"
    assert hashlib.sha256(whole.content).hexdigest() == task["audio_sha256"]
    assert whole.headers["cache-control"] == "no-store"
    assert whole.headers["etag"] == f'"{task["audio_sha256"]}"'
    part = p.client.get(url, headers={**p.headers(), "Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == whole.content[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{len(whole.content)}"
    tail = p.client.get(url, headers={**p.headers(), "Range": "bytes=-5"})
    assert tail.content == whole.content[-5:]
    same = p.client.get(url, headers={**p.headers(), "If-None-Match": whole.headers["etag"]})
    assert same.status_code == 304
    with world.session() as db:
        rows = db.scalars(
            select(m.AuditEntry).where(
                m.AuditEntry.action == "audio_access", m.AuditEntry.object_id == task["id"]
            )
        )
        assert len(list(rows)) == 4
    other = world.people["ann_b"]
    assert other.client.get(url, headers=other.headers()).status_code == 404


def test_puts_are_idempotent_and_stale_bases_are_conflicts(world: World) -> None:
    task = lease(world, "ann_a", 1)[0]["id"]
    ann = str(uuid.uuid4())
    first = put(world, "ann_a", ann, task, 0, "play some jazz")
    assert first.status_code == 200 and first.json()["version"] == 1
    again = put(world, "ann_a", ann, task, 0, "play some jazz")  # a retried request
    assert again.status_code == 200 and again.json()["version"] == 1
    second = put(world, "ann_a", ann, task, 1, "play some jazz please")
    assert second.json()["version"] == 2
    stale = put(world, "ann_a", ann, task, 1, "play jazz")  # based on version 1, now 2
    assert stale.status_code == 409
    assert stale.json()["detail"]["version"] == 2
    assert stale.json()["detail"]["doc"] == text_doc("play some jazz please")
    with world.session() as db:
        (conflict,) = db.scalars(select(m.Conflict).where(m.Conflict.annotation_id == ann))
        assert conflict.doc == text_doc("play jazz") and conflict.base_version == 1
        assert db.get(m.Annotation, ann).doc == text_doc("play some jazz please")  # type: ignore[union-attr]
    # another annotator can neither see nor overwrite it
    assert put(world, "ann_b", ann, task, 2, "mine now").status_code == 404
    # ids of annotations are lower-case UUIDs: no route takes another (so /annotations/batch is
    # never one), and a put with one hears which id broke which rule
    for wrong in ("not-a-uuid", str(uuid.uuid4()).upper()):
        r = put(world, "ann_a", wrong, task, 0, "x")
        assert r.status_code == 422, (wrong, r.status_code)
        (error,) = r.json()["detail"]
        assert error["loc"] == ["path", "annotation_id"] and "lower-case UUID" in error["msg"]


def test_batch_put(world: World) -> None:
    tasks = [t["id"] for t in lease(world, "ann_a", 3)]
    ids = [str(uuid.uuid4()) for _ in tasks]
    p = world.people["ann_a"]
    body = {
        "items": {
            i: {"task_id": t, "base_version": 0, "doc": text_doc(f"n{k}")}
            for k, (i, t) in enumerate(zip(ids, tasks, strict=True))
        }
    }
    r = p.client.post("/api/v1/annotations/batch", headers=p.headers(), json=body)
    assert r.json()["stored"] == dict.fromkeys(ids, 1)
    r2 = p.client.post("/api/v1/annotations/batch", headers=p.headers(), json=body)
    assert r2.json()["stored"] == dict.fromkeys(ids, 1)  # repeated: nothing changes
    other = str(uuid.uuid4())
    body = {
        "items": {
            other: {"task_id": world.task_ids[-1], "base_version": 0, "doc": {"segments": []}}
        }
    }
    r3 = p.client.post("/api/v1/annotations/batch", headers=p.headers(), json=body)
    assert r3.json()["refused"] == {other: "not found"}  # not a task of theirs


def test_feed_pages_in_server_order(world: World) -> None:
    lease(world, "ann_a", 5)
    p = world.people["ann_a"]
    page = p.client.get("/api/v1/changes?since=0&limit=2", headers=p.headers()).json()
    assert len(page["changes"]) == 2 and page["more"]
    rest = p.client.get(f"/api/v1/changes?since={page['next_since']}", headers=p.headers()).json()
    seqs = [c["seq"] for c in page["changes"] + rest["changes"]]
    assert seqs == sorted(seqs) and len(seqs) == 5 and not rest["more"]
    assert feed(world, "ann_b") == []


def test_deletion_purges_and_sends_tombstones(both_stores: str, world: World) -> None:
    task = lease(world, "ann_a", 1)[0]["id"]
    ann = str(uuid.uuid4())
    put(world, "ann_a", ann, task, 0, "hello")
    admin = world.people["admin"]
    assert (
        world.people["ann_a"]
        .client.delete(f"/api/v1/tasks/{task}", headers=world.people["ann_a"].headers())
        .status_code
        == 403  # a member of the project, but not its lead
    )
    assert admin.client.delete(f"/api/v1/tasks/{task}", headers=admin.headers()).status_code == 204
    assert ("deleted", task) in [(c["kind"], c["task_id"]) for c in feed(world, "ann_a")]
    with world.session() as db:
        t = db.get(m.Task, task)
        assert t is not None and t.deleted and t.audio_key is None
        assert db.get(m.Annotation, ann) is None
    assert f"{task}.bin" not in set(world.store.names())
    assert len(list(world.store.names())) == len(world.task_ids) - 1
    assert (
        admin.client.get(f"/api/v1/tasks/{task}/audio", headers=admin.headers()).status_code == 404
    )


def test_audio_is_encrypted_at_rest(both_stores: str, world: World) -> None:
    blobs = world.stored()
    assert len(blobs) == len(world.task_ids)
    for data in blobs.values():
        assert b"RIFF" not in data and b"fLaC" not in data and b"OggS" not in data
    if both_stores != "folder":  # nothing of them in the data folder either
        assert not list(world.data.rglob("*.bin"))


def test_audit_chain_detects_an_edited_row(world: World) -> None:
    lease(world, "ann_a", 1)
    with world.session() as db:
        assert verify(db) == []
        row = db.scalars(select(m.AuditEntry).order_by(m.AuditEntry.seq)).first()
        assert row is not None
        row.action = "nothing_happened"
        db.commit()
        assert row.seq in verify(db)
    assert time.time()
