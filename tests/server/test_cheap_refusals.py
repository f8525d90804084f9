"""A request costs the server little until its sender is known: a stranger's is refused (401)
before its body is read, a member's oversized batch before any item is validated, and no
refusal is larger than a few kilobytes, however much was wrong.

The work is measured by what the server did, never by time: the ASGI receive channel counts
the body messages the application pulled, and the answer's size and errors are read."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
from fastapi.routing import APIRoute

from app.protocol import BATCH_MAX
from app.server.api import ERRORS_MAX, LOC_MAX
from app.server.routes import annotations, auth, changes, projects, reviews, tasks
from app.server.routes.deps import SignedInFirst, bearer
from tests.server.conftest import World, text_doc
from tests.server.test_sync_api import lease
from tests.workstation.sync.conftest import make_server

BATCH = "/api/v1/annotations/batch"


def junk_batch(items: int) -> bytes:
    """The probe's batch: `items` invalid items, 8.8 MB at 100,000."""
    bad = {"task_id": 7, "base_version": "x", "doc": {"segments": "not a list"}}
    return json.dumps({"items": {f"junk-{k:06d}": bad for k in range(items)}}).encode()


def call(app: Any, path: str, token: str | None, body: bytes) -> tuple[int, bytes, int]:
    """One request straight through the ASGI interface: its status, its answer, and how many
    of the body's pieces the application asked for."""
    pieces = [body[k : k + 65536] for k in range(0, len(body), 65536)] or [b""]
    pulled = 0
    status, answer = 0, b""

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        if pulled >= len(pieces):
            return {"type": "http.disconnect"}
        pulled += 1
        return {
            "type": "http.request",
            "body": pieces[pulled - 1],
            "more_body": pulled < len(pieces),
        }

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, answer
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            answer += message.get("body", b"")

    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if token is not None:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))
    return status, answer, pulled


def test_a_strangers_batch_is_refused_before_its_body_is_read(world: World) -> None:
    body = junk_batch(100_000)
    assert len(body) > 8_000_000
    for token in ("junk", None):
        status, answer, pulled = call(world.app, BATCH, token, body)
        assert status == 401 and len(answer) < 200, answer[:300]
        assert pulled == 0, f"the body was read ({pulled} pieces) before the caller was known"
    # the harness sees reading: a member's request is read (and refused at the item cap)
    status, answer, pulled = call(world.app, BATCH, world.people["ann_a"].token, body)
    assert pulled > 1 and status == 422


def test_a_sign_in_larger_than_any_sign_in_is_refused_unread(world: World) -> None:
    body = json.dumps({"username": "ann_a", "password": "p" * 1_000_000}).encode()
    for path in ("/api/v1/auth/login", "/api/v1/auth/refresh"):
        status, answer, pulled = call(world.app, path, None, body)
        assert status == 413 and len(answer) < 200, answer[:300]
        assert pulled == 0, f"{path}: {pulled} pieces of the body read"


def test_a_members_oversized_batch_is_refused_before_any_item_is_validated(world: World) -> None:
    p = world.people["ann_a"]
    status, answer, _pulled = call(world.app, BATCH, p.token, junk_batch(100_000))
    assert status == 422 and len(answer) < 500, answer[:600]
    (error,) = json.loads(answer)["detail"]  # the cap alone: every item was invalid as well
    assert error["loc"] == ["body", "items"]
    assert f"at most {BATCH_MAX}" in error["msg"]


def test_a_refusal_lists_a_bounded_number_of_errors_and_counts_the_rest(world: World) -> None:
    p = world.people["ann_a"]
    items = {str(uuid.uuid4()): {"task_id": 7, "base_version": "x"} for _ in range(BATCH_MAX)}
    r = p.client.post(BATCH, headers=p.headers(), json={"items": items})
    assert r.status_code == 422 and len(r.content) < 5000, len(r.content)
    detail = r.json()["detail"]
    assert len(detail) == ERRORS_MAX + 1
    assert detail[-1]["type"] == "too_many_errors"
    assert detail[-1]["msg"] == f"and {3 * BATCH_MAX - ERRORS_MAX} more errors"  # 3 an item
    # a client's key in an error's place is cut short
    long_key = "K" * 5000
    r = p.client.post(BATCH, headers=p.headers(), json={"items": {long_key: {}}})
    assert r.status_code == 422 and len(r.content) < 2000
    assert all(len(part) <= LOC_MAX for e in r.json()["detail"] for part in e["loc"])


def test_a_members_good_batch_still_goes_through(world: World) -> None:
    task = lease(world, "ann_a", 1)[0]["id"]
    p, ann = world.people["ann_a"], str(uuid.uuid4())
    body = {"items": {ann: {"task_id": task, "base_version": 0, "doc": text_doc("hi")}}}
    r = p.client.post(BATCH, headers=p.headers(), json=body)
    assert r.status_code == 200 and r.json()["stored"] == {ann: 1}
    r = p.client.get("/api/v1/me", headers=p.headers())
    assert r.status_code == 200 and r.json()["username"] == "ann_a"


def test_every_route_that_takes_a_token_finds_its_caller_first() -> None:
    def takes_token(dependant: Any) -> bool:
        return any(d.call is bearer or takes_token(d) for d in dependant.dependencies)

    checked = 0
    for module in (auth, projects, tasks, annotations, changes, reviews):
        for route in module.router.routes:
            assert isinstance(route, APIRoute)
            if takes_token(route.dependant):
                assert isinstance(route, SignedInFirst), route.path
                checked += 1
    assert checked >= 14


def test_the_junk_batch_over_http_is_a_small_401(tmp_path: Path) -> None:
    """The probe's request against the real server process."""
    server = make_server(tmp_path, recordings=1)
    server.start()
    try:
        r = httpx.post(
            server.url + BATCH,
            content=junk_batch(100_000),
            headers={"Authorization": "Bearer junk", "Content-Type": "application/json"},
            timeout=60,
        )
        assert r.status_code == 401 and len(r.content) < 200, r.content[:300]
        assert httpx.get(server.url + "/api/v1/health").status_code == 200  # still answering
    finally:
        server.kill()
