"""More clients at once than the server has threads and connections: every one is answered, at
once or with a quick 503 and Retry-After, never left waiting until it times out. Against the
real server process, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.server.limits import Limits
from tests.workstation.sync.conftest import PASSWORD, Server, make_server

CLIENT_TIMEOUT_S = 15.0  # the workstation's


@pytest.fixture
def live(db_url: str, tmp_path: Path) -> Iterator[Server]:
    server = make_server(tmp_path, recordings=40, db=db_url)
    yield server
    server.kill()


def sign_in(server: Server, name: str) -> str:
    r = httpx.post(
        f"{server.url}/api/v1/auth/login",
        json={"username": name, "password": PASSWORD, "totp_code": server.code(name)},
    )
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


async def burst(
    server: Server, calls: list[tuple[str, str, str, dict[str, object] | None]]
) -> list[tuple[int, float, dict[str, str]]]:
    """Every (method, path, token, body) sent at the same moment: (status, seconds, headers);
    status 0 for a request that timed out or failed."""
    limits = httpx.Limits(max_connections=len(calls), max_keepalive_connections=0)
    async with httpx.AsyncClient(
        base_url=server.url, timeout=CLIENT_TIMEOUT_S, limits=limits
    ) as http:

        async def one(method: str, path: str, token: str, body: object) -> tuple[int, float, dict]:
            t0 = time.monotonic()
            try:
                r = await http.request(
                    method, path, json=body, headers={"Authorization": f"Bearer {token}"}
                )
            except httpx.HTTPError:
                return 0, time.monotonic() - t0, {}
            return r.status_code, time.monotonic() - t0, dict(r.headers)

        return await asyncio.gather(*(one(*c) for c in calls))


def test_a_crowd_beyond_the_pool_is_answered(live: Server) -> None:
    live.start()
    a, b = sign_in(live, "ann_a"), sign_in(live, "ann_b")
    project = httpx.get(
        f"{live.url}/api/v1/projects", headers={"Authorization": f"Bearer {a}"}
    ).json()[0]["id"]
    # ten times what one process admits at once, and more than its pool and thread limit
    n = 10 * Limits().concurrency
    calls: list[tuple[str, str, str, dict[str, object] | None]] = [
        ("GET", "/api/v1/me", a, None) for _ in range(n)
    ]
    calls += [("GET", "/api/v1/changes", b, None) for _ in range(20)]
    calls += [
        ("POST", "/api/v1/leases", who, {"project_id": project, "count": 5})
        for who in (a, b)
        for _ in range(10)
    ]
    answers = asyncio.run(burst(live, calls))
    statuses = Counter(s for s, _t, _h in answers)
    assert statuses[0] == 0, f"{statuses[0]} requests timed out: {statuses}"
    assert set(statuses) == {200}, statuses  # within the queue's bounds: all served
    # the leases of two annotators never share an item, however many arrived at once
    held = {}
    for who in (a, b):
        r = httpx.post(
            f"{live.url}/api/v1/leases",
            headers={"Authorization": f"Bearer {who}"},
            json={"project_id": project, "count": 5},
        )
        held[who] = {t["id"] for t in r.json()}
    assert len(held[a]) == len(held[b]) == 5 and not held[a] & held[b]


def test_beyond_the_queue_the_server_refuses_quickly(tmp_path: Path) -> None:
    server = make_server(tmp_path, recordings=2)
    server.start("--concurrency", "2", "--queue", "4", "--queue-wait", "0.3")
    try:
        token = sign_in(server, "ann_a")
        answers = asyncio.run(burst(server, [("GET", "/api/v1/me", token, None)] * 100))
        statuses = Counter(s for s, _t, _h in answers)
        assert statuses[0] == 0 and set(statuses) <= {200, 503}, statuses
        assert statuses[503] > 0 and statuses[200] >= 2, statuses
        for status, seconds, headers in answers:
            if status == 503:
                assert int(headers["retry-after"]) > 0
                assert seconds < 5.0, "a refusal came only after a long wait"
        # and it goes on serving once the crowd has gone
        r = httpx.get(f"{server.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200
    finally:
        server.kill()
