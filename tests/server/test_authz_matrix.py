"""Every route against every role, in the project and outside it, and every kind of object.
A route missing here fails the test.

The people: ann_a and ann_b annotate in va, rev reviews there, lead leads it; outsider leads
another project and has nothing in va; admin runs the server; disabled was signed in and then
disabled.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import select, update

from app.server import models as m
from tests.server.conftest import World, sign_in

PUBLIC = {("POST", "/api/v1/auth/login"), ("POST", "/api/v1/auth/refresh")}
ROLES = ("anonymous", "ann_a", "ann_b", "rev", "outsider", "lead", "admin", "disabled")
Call = Callable[[Any, dict[str, str], dict[str, str]], Any]


def setup_objects(w: World) -> dict[str, str]:
    """own: leased to ann_a with ann_a's annotation; other: ann_b's; free; deleted."""
    a, b = w.people["ann_a"], w.people["ann_b"]
    own = a.client.post(
        "/api/v1/leases", headers=a.headers(), json={"project_id": w.project_id, "count": 1}
    ).json()[0]["id"]
    other = b.client.post(
        "/api/v1/leases", headers=b.headers(), json={"project_id": w.project_id, "count": 1}
    ).json()[0]["id"]
    own_ann, other_ann = str(uuid.uuid4()), str(uuid.uuid4())
    a.client.put(
        f"/api/v1/annotations/{own_ann}",
        headers=a.headers(),
        json={"task_id": own, "base_version": 0, "doc": SUBMITTED},
    )
    b.client.put(
        f"/api/v1/annotations/{other_ann}",
        headers=b.headers(),
        json={"task_id": other, "base_version": 0, "doc": {"segments": []}},
    )
    # review items: ann_a's submission, leased to the reviewer; then one of the admin's own work
    rev, admin = w.people["rev"], w.people["admin"]
    leased = rev.client.post(
        "/api/v1/review-leases",
        headers=rev.headers(),
        json={"project_id": w.project_id, "count": 5},
    ).json()
    assert [i["annotator"] for i in leased] == ["ann_a"]
    admins_task = admin.client.post(
        "/api/v1/leases", headers=admin.headers(), json={"project_id": w.project_id, "count": 1}
    ).json()[0]["id"]
    admin.client.put(
        f"/api/v1/annotations/{uuid.uuid4()}",
        headers=admin.headers(),
        json={"task_id": admins_task, "base_version": 0, "doc": SUBMITTED},
    )
    with w.session() as db:
        admins_item = db.scalars(
            select(m.ReviewItem.id).where(m.ReviewItem.annotator_id == admin.user.id)
        ).one()
    # the last two items: leases go in item order, and the rows below lease two more
    free = [t for t in w.task_ids if t not in (own, other, admins_task)][-2:]
    with w.session() as db:
        db.execute(update(m.Task).where(m.Task.id == free[1]).values(deleted=True))
        db.commit()
    return {
        "rev_item": leased[0]["id"],
        "admins_item": admins_item,
        "own": own,
        "other": other,
        "free": free[0],
        "deleted": free[1],
        "own_ann": own_ann,
        "other_ann": other_ann,
    }


def audio(kind: str) -> Call:
    return lambda c, h, o: c.get(f"/api/v1/tasks/{o[kind]}/audio", headers=h)


def put_ann(kind: str) -> Call:
    ann = {"own": "own_ann", "other": "other_ann"}.get(kind)

    def call(c: Any, h: dict[str, str], o: dict[str, str]) -> Any:
        ann_id = o[ann] if ann else str(uuid.uuid4())
        return c.put(
            f"/api/v1/annotations/{ann_id}",
            headers=h,
            json={
                "task_id": o[kind],
                "base_version": 1 if ann else 0,
                "doc": {"segments": [], "active_ms": 1},
            },
        )

    return call


def put_review(kind: str) -> Call:
    return lambda c, h, o: c.put(
        f"/api/v1/reviews/{uuid.uuid4()}",
        headers=h,
        json={"item_id": o[kind], "outcome": "accepted"},
    )


def quality(query: str) -> Call:
    return lambda c, h, o: c.get(f"/api/v1/projects/{o['project']}/quality{query}", headers=h)


def delete(kind: str) -> Call:
    return lambda c, h, o: c.delete(f"/api/v1/tasks/{o[kind]}", headers=h)


def batch(kind: str) -> Call:
    return lambda c, h, o: c.post(
        "/api/v1/annotations/batch",
        headers=h,
        json={
            "items": {
                str(uuid.uuid4()): {"task_id": o[kind], "base_version": 0, "doc": {"segments": []}}
            }
        },
    )


SUBMITTED = {"segments": [], "status": "submitted", "submissions": 1}
EMPTY = {"segments": []}

# (method, path) -> list of (case, call, expected status per role in ROLES order)
A401 = 401
MATRIX: dict[tuple[str, str], list[tuple[str, Call, tuple[int, ...]]]] = {
    #                                          anon  ann_a ann_b  rev  outs. lead admin  dis.
    ("GET", "/api/v1/health"): [  # for load balancers: nobody signs in, it tells nothing
        ("-", lambda c, h, o: c.get("/api/v1/health", headers=h), (200,) * 8)
    ],
    ("GET", "/api/v1/metrics"): [  # the server's admins (and a scrape token, elsewhere)
        (
            "-",
            lambda c, h, o: c.get("/api/v1/metrics", headers=h),
            (A401, 403, 403, 403, 403, 403, 200, 403),
        )
    ],
    ("GET", "/api/v1/me"): [
        ("-", lambda c, h, o: c.get("/api/v1/me", headers=h), (A401, *[200] * 6, A401))
    ],
    ("POST", "/api/v1/auth/unlock"): [  # each signed-in user's own second factor, none other
        (
            "wrong code",
            lambda c, h, o: c.post("/api/v1/auth/unlock", headers=h, json={"totp_code": "000000"}),
            (A401, *[403] * 6, A401),
        )
    ],
    ("POST", "/api/v1/auth/logout"): [
        (
            "-",
            lambda c, h, o: c.post(
                "/api/v1/auth/logout", headers=h, json={"refresh_token": "x" * 20}
            ),
            (A401, *[204] * 6, A401),
        )
    ],
    ("GET", "/api/v1/projects"): [
        (
            "-",
            lambda c, h, o: c.get("/api/v1/projects", headers=h),
            (A401, *[200] * 6, A401),
        )
    ],
    ("GET", "/api/v1/projects/{project_id}"): [
        (
            "va",
            lambda c, h, o: c.get(f"/api/v1/projects/{o['project']}", headers=h),
            (A401, 200, 200, 200, 404, 200, 200, A401),
        ),
        (
            "missing",
            lambda c, h, o: c.get(f"/api/v1/projects/{uuid.uuid4()}", headers=h),
            (A401, 404, 404, 404, 404, 404, 404, A401),
        ),
    ],
    ("POST", "/api/v1/leases"): [
        (
            "va",
            lambda c, h, o: c.post(
                "/api/v1/leases", headers=h, json={"project_id": o["project"], "count": 1}
            ),
            (A401, 200, 200, 403, 404, 200, 200, A401),
        )
    ],
    ("GET", "/api/v1/tasks/{task_id}/audio"): [
        # the reviewer holds a review lease on ann_a's submission of it
        ("own", audio("own"), (A401, 200, 404, 200, 404, 404, 200, A401)),
        ("other", audio("other"), (A401, 404, 200, 404, 404, 404, 200, A401)),
        ("free", audio("free"), (A401, 404, 404, 404, 404, 404, 200, A401)),
        ("deleted", audio("deleted"), (A401, 404, 404, 404, 404, 404, 404, A401)),
    ],
    ("PUT", "/api/v1/annotations/{annotation_id}"): [
        ("own", put_ann("own"), (A401, 200, 404, 404, 404, 404, 404, A401)),
        ("other", put_ann("other"), (A401, 404, 200, 404, 404, 404, 404, A401)),
        ("free", put_ann("free"), (A401, 404, 404, 404, 404, 404, 200, A401)),
        ("deleted", put_ann("deleted"), (A401, 404, 404, 404, 404, 404, 404, A401)),
    ],
    ("POST", "/api/v1/annotations/batch"): [
        # refused inside (see below)
        ("free", batch("free"), (A401, 200, 200, 200, 200, 200, 200, A401)),
    ],
    ("GET", "/api/v1/changes"): [
        ("-", lambda c, h, o: c.get("/api/v1/changes", headers=h), (A401, *[200] * 6, A401))
    ],
    ("PUT", "/api/v1/projects/{project_id}/review-policy"): [
        (
            "va",
            lambda c, h, o: c.put(
                f"/api/v1/projects/{o['project']}/review-policy",
                headers=h,
                json={"first_n": 10, "rate": 0.1},
            ),
            (A401, 403, 403, 403, 404, 204, 204, A401),
        )
    ],
    ("GET", "/api/v1/projects/{project_id}/review-policy"): [
        (
            "va",
            lambda c, h, o: c.get(f"/api/v1/projects/{o['project']}/review-policy", headers=h),
            (A401, 200, 200, 200, 404, 200, 200, A401),
        )
    ],
    ("POST", "/api/v1/review-leases"): [
        (
            "va",
            lambda c, h, o: c.post(
                "/api/v1/review-leases", headers=h, json={"project_id": o["project"], "count": 1}
            ),
            (A401, 403, 403, 200, 404, 200, 200, A401),
        )
    ],
    ("PUT", "/api/v1/reviews/{review_id}"): [
        # the admin's own work: nobody but a reviewer holding it (the lead took it in the
        # review-leases row above), and never its author
        ("own work", put_review("admins_item"), (A401, 403, 403, 404, 404, 200, 403, A401)),
        # leased to the reviewer, who decides; a second decision is refused
        ("leased", put_review("rev_item"), (A401, 403, 403, 200, 404, 404, 409, A401)),
    ],
    ("GET", "/api/v1/projects/{project_id}/quality"): [
        ("own or all", quality(""), (A401, 200, 200, 200, 404, 200, 200, A401)),
        ("ann_b's", quality("?annotator=ann_b"), (A401, 404, 200, 200, 404, 200, 200, A401)),
    ],
    ("DELETE", "/api/v1/tasks/{task_id}"): [
        # members may not delete; the lead does (then it is gone for the admin too)
        ("other", delete("other"), (A401, 403, 403, 403, 404, 204, 404, A401)),
        ("deleted", delete("deleted"), (A401, 404, 404, 404, 404, 404, 404, A401)),
    ],
}


def routes(w: World) -> set[tuple[str, str]]:
    out = set()
    for c in iter_route_contexts(w.app.routes):  # also inside the routers the app includes
        r = c.original_route
        path = c.path_format  # {annotation_id}, not {annotation_id:client_id}
        if isinstance(r, APIRoute) and path and path.startswith("/api/v1"):
            out |= {(meth, path) for meth in r.methods}
    return out


def test_every_route_is_in_the_matrix(world: World) -> None:
    assert routes(world) - PUBLIC - set(MATRIX) == set(), "add the new route to MATRIX"
    assert set(MATRIX) <= routes(world), "a route in MATRIX no longer exists"


def test_matrix(world: World) -> None:
    objects = setup_objects(world) | {"project": world.project_id}
    gone = world.people["gone"]
    with world.session() as db:  # a user disabled after signing in
        db.execute(update(m.User).where(m.User.id == gone.user.id).values(disabled=False))
        db.commit()
    gone.token = sign_in(gone.client, gone)
    with world.session() as db:
        db.execute(update(m.User).where(m.User.id == gone.user.id).values(disabled=True))
        db.commit()
    failures = []
    last = ("POST", "/api/v1/auth/logout")  # it ends the sessions the other rows use
    for (method, path), cases in sorted(MATRIX.items(), key=lambda kv: kv[0] == last):
        for case, call, expected in cases:
            for role, want in zip(ROLES, expected, strict=True):
                if role == "anonymous":
                    client, headers = world.people["ann_a"].client, {}
                else:
                    person = world.people[role if role != "disabled" else "gone"]
                    client, headers = person.client, person.headers()
                got = call(client, headers, objects).status_code
                if got != want:
                    failures.append(f"{method} {path} [{case}] as {role}: {got}, expected {want}")
    assert failures == []


def test_each_sees_only_their_projects(world: World) -> None:
    seen = {}
    for name in ("ann_a", "rev", "lead", "outsider", "admin"):
        p = world.people[name]
        listed = p.client.get("/api/v1/projects", headers=p.headers()).json()
        seen[name] = {(x["name"], x["role"]) for x in listed}
    assert seen["ann_a"] == {("va", "annotator")}
    assert seen["rev"] == {("va", "reviewer")}
    assert seen["lead"] == {("va", "lead")}
    assert seen["outsider"] == {("elsewhere", "lead")}
    assert seen["admin"] == {("va", "admin"), ("elsewhere", "admin")}


def test_batch_refuses_what_the_caller_cannot_see(world: World) -> None:
    objects = setup_objects(world)
    a = world.people["ann_a"]
    for kind in ("other", "free", "deleted"):
        ann = str(uuid.uuid4())
        r = a.client.post(
            "/api/v1/annotations/batch",
            headers=a.headers(),
            json={
                "items": {
                    ann: {"task_id": objects[kind], "base_version": 0, "doc": {"segments": []}}
                }
            },
        )
        assert r.json()["refused"] == {ann: "not found"}, kind
