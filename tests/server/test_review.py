"""Review on the server: the sampler's share, never one's own work, rejections going back."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from app.protocol import AnnotationPut
from app.server import cli, review, service
from app.server import models as m
from tests.server.conftest import Person, World, server_keys


def submitted(text: str, n: int = 1, intent: str = "play_music") -> dict[str, Any]:
    return {
        "segments": [{"start_s": 0, "end_s": 1, "text": text, "slots": []}],
        "intent": intent,
        "flags": [],
        "status": "submitted",
        "submissions": n,
        "active_ms": 30_000,
    }


def test_sampler_hits_its_share_and_never_hands_out_own_work(world: World) -> None:
    n, first_n, share = 1500, 10, 0.2
    with world.session() as db:
        admin = db.get(m.User, world.people["admin"].user.id)
        assert admin is not None
        review.set_policy(
            db, admin, world.project_id, review.ReviewPolicy(first_n=first_n, rate=share)
        )
        tasks = [
            m.Task(
                project_id=world.project_id,
                customer="c",
                audio_sha256="0" * 64,
                duration_s=1.0,
                sample_rate_hz=16000,
                channels=1,
                leased_by=admin.id,
                lease_expires_at=4e9,
            )
            for _ in range(n)
        ]
        db.add_all(tasks)
        db.flush()
        # the admin annotates (an admin may); submissions arrive in batches, each put twice
        for k in range(0, n, 250):
            items = {
                str(uuid.uuid4()): AnnotationPut(task_id=t.id, base_version=0, doc=submitted("x"))
                for t in tasks[k : k + 250]
            }
            for _ in range(2):
                sampler = review.Sampler(
                    db, admin, {p.task_id for p in items.values()}, server_keys()
                )
                service.put_many(db, admin, items, sampler)
                sampler.finish()
        db.commit()
        picked = db.scalar(
            select(func.count(m.ReviewItem.id)).where(m.ReviewItem.annotator_id == admin.id)
        )
    expected = first_n + share * (n - first_n)
    sigma = (share * (1 - share) * (n - first_n)) ** 0.5
    assert abs(int(picked or 0) - expected) < 4 * sigma, (picked, expected)
    # the admin reviews too, but is never handed their own submissions
    a = world.people["admin"]
    mine = review_leases(world, a, 50)
    assert mine == []
    r = world.people["rev"]
    theirs = review_leases(world, r, 50)
    assert len(theirs) == 50 and {i["annotator"] for i in theirs} == {"admin"}


def review_leases(world: World, who: Person, count: int) -> list[dict[str, Any]]:
    r = who.client.post(
        "/api/v1/review-leases",
        headers=who.headers(),
        json={"project_id": world.project_id, "count": count},
    )
    return list(r.json())


def lease_one(world: World, who: str) -> str:
    p = world.people[who]
    r = p.client.post(
        "/api/v1/leases", headers=p.headers(), json={"project_id": world.project_id, "count": 1}
    )
    return str(r.json()[0]["id"])


def export(world: World, tmp_path: Path, *flags: str) -> list[dict[str, Any]]:
    out = tmp_path / "export.jsonl"
    assert cli.main(["--db", world.url, "export", "va", *flags, "-o", str(out)]) == 0
    return [json.loads(line) for line in out.read_text().splitlines()]


def test_rejection_goes_back_and_the_fix_is_reviewed_again(world: World, tmp_path: Path) -> None:
    ann, rev = world.people["ann_a"], world.people["rev"]
    task = lease_one(world, "ann_a")
    ann_id = str(uuid.uuid4())
    r = ann.client.put(
        f"/api/v1/annotations/{ann_id}",
        headers=ann.headers(),
        json={"task_id": task, "base_version": 0, "doc": submitted("play some jazz")},
    )
    assert r.status_code == 200
    items = review_leases(world, rev, 5)
    assert [(i["task"]["id"], i["annotator"], i["submission"]) for i in items] == [
        (task, "ann_a", 1)
    ]
    assert rev.client.get(f"/api/v1/tasks/{task}/audio", headers=rev.headers()).status_code == 200
    review_id = str(uuid.uuid4())
    reject = {
        "item_id": items[0]["id"],
        "outcome": "rejected",
        "reason": "nonsense",
        "comment": "the singer's name is missing",
        "start_s": 0.2,
        "end_s": 0.6,
    }
    assert (
        rev.client.put(
            f"/api/v1/reviews/{review_id}", headers=rev.headers(), json=reject
        ).status_code
        == 422
    )
    reject["reason"] = "transcript"
    first = rev.client.put(f"/api/v1/reviews/{review_id}", headers=rev.headers(), json=reject)
    again = rev.client.put(f"/api/v1/reviews/{review_id}", headers=rev.headers(), json=reject)
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    # the annotator hears of it through the feed, with the reason and the comment
    feed = ann.client.get("/api/v1/changes", headers=ann.headers()).json()["changes"]
    back = [c for c in feed if c["kind"] == "review"]
    assert len(back) == 1 and back[0]["task_id"] == task
    assert back[0]["payload"]["reason_title"] == "Transcript wrong or incomplete"
    assert back[0]["payload"]["comment"] == "the singer's name is missing"
    assert (back[0]["payload"]["start_s"], back[0]["payload"]["end_s"]) == (0.2, 0.6)
    q = ann.client.get(f"/api/v1/projects/{world.project_id}/quality", headers=ann.headers()).json()
    assert q["annotators"]["ann_a"]["rejected"] == 1 and q["annotators"]["ann_a"]["wer"] is None
    # an edit is not a resubmission; submitting again is, and goes back to review
    r = ann.client.put(
        f"/api/v1/annotations/{ann_id}",
        headers=ann.headers(),
        json={"task_id": task, "base_version": 1, "doc": submitted("play some jazz by nina", 1)},
    )
    assert r.status_code == 200
    assert review_leases(world, rev, 5) == []
    r = ann.client.put(
        f"/api/v1/annotations/{ann_id}",
        headers=ann.headers(),
        json={
            "task_id": task,
            "base_version": 2,
            "doc": submitted("play some jazz by nina simone", 2),
        },
    )
    assert r.status_code == 200
    items = review_leases(world, rev, 5)
    assert [(i["task"]["id"], i["submission"]) for i in items] == [(task, 2)]
    assert export(world, tmp_path, "--accepted-only") == []
    [pending] = export(world, tmp_path)
    assert pending["review"] is None  # the review it had was of the first submission
    accept = {"item_id": items[0]["id"], "outcome": "accepted"}
    assert (
        rev.client.put(
            f"/api/v1/reviews/{uuid.uuid4()}", headers=rev.headers(), json=accept
        ).status_code
        == 200
    )
    q = rev.client.get(f"/api/v1/projects/{world.project_id}/quality", headers=rev.headers()).json()
    a = q["annotators"]["ann_a"]
    assert (a["items_reviewed"], a["accepted"], a["rejected"], a["wer"]) == (2, 1, 1, 0.0)
    assert a["seconds_per_item"] == 30.0
    with world.session() as db:
        row = db.get(m.Annotation, ann_id)
        assert row is not None and row.review_state == "accepted"
    [record] = export(world, tmp_path, "--accepted-only")
    assert record["segments"][0]["text"] == "play some jazz by nina simone"
    assert record["review"] == {
        "outcome": "accepted",
        "reason": "",
        "comment": "",
        "reviewer": "rev",
        "annotator": "ann_a",
    }


def test_fix_and_accept_exports_the_reviewers_version(world: World, tmp_path: Path) -> None:
    ann, rev = world.people["ann_b"], world.people["rev"]
    task = lease_one(world, "ann_b")
    ann.client.put(
        f"/api/v1/annotations/{uuid.uuid4()}",
        headers=ann.headers(),
        json={"task_id": task, "base_version": 0, "doc": submitted("turn the light on")},
    )
    [item] = review_leases(world, rev, 5)
    fix = {"item_id": item["id"], "outcome": "fixed"}
    assert (
        rev.client.put(
            f"/api/v1/reviews/{uuid.uuid4()}", headers=rev.headers(), json=fix
        ).status_code
        == 422
    )
    fix["doc"] = submitted("turn on the lights")
    assert (
        rev.client.put(
            f"/api/v1/reviews/{uuid.uuid4()}", headers=rev.headers(), json=fix
        ).status_code
        == 200
    )
    [record] = export(world, tmp_path, "--accepted-only")
    assert record["segments"][0]["text"] == "turn on the lights"
    assert record["review"]["outcome"] == "fixed"
    q = rev.client.get(
        f"/api/v1/projects/{world.project_id}/quality?annotator=ann_b", headers=rev.headers()
    ).json()
    assert q["annotators"]["ann_b"]["wer"] == 0.75 and list(q["annotators"]) == ["ann_b"]


def test_the_admin_sets_the_policy_from_the_command_line(world: World, tmp_path: Path) -> None:
    reasons = tmp_path / "reasons.json"
    reasons.write_text(json.dumps([{"code": "asr", "title": "Left as the ASR heard it"}]))
    argv = ["--db", world.url, "project", "review-policy", "va", "--first", "3", "--rate", "0.5"]
    assert cli.main([*argv, "--reasons", str(reasons), "--keep-tags"]) == 0
    with world.session() as db:
        project = db.get(m.Project, world.project_id)
        assert project is not None
        policy = review.policy_of(project)
    assert (policy.first_n, policy.rate, [r.code for r in policy.reasons]) == (3, 0.5, ["asr"])
    assert not policy.normalisation.drop_tags and policy.normalisation.lowercase
    reasons.write_text("not json")
    assert cli.main([*argv, "--reasons", str(reasons)]) == 2
    assert cli.main([*argv[:-1], "1.5"]) == 2  # a share above 1 is refused, nothing changes
    with world.session() as db:
        project = db.get(m.Project, world.project_id)
        assert project is not None and review.policy_of(project).rate == 0.5
