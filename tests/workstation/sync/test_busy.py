"""A server that says it is busy (503 with Retry-After): the workstation keeps the work, says
so, and comes back when it was told to. The refusal is made by a fake transport (named so),
because the real server gives it only under a crowd the test cannot time exactly; the real
server's refusals are tested in tests/server/test_crowd.py."""

from __future__ import annotations

from pathlib import Path

import httpx

from app.audio.vault import new_key
from app.workstation.store.db import Store
from app.workstation.sync.client import Busy, Client
from app.workstation.sync.engine import SyncEngine


def fake_busy_server(request: httpx.Request) -> httpx.Response:
    if request.url.path.endswith("/auth/refresh"):
        return httpx.Response(503, headers={"Retry-After": "7"}, json={"detail": "busy"})
    return httpx.Response(401, json={"detail": "sign in"})


def test_a_busy_server_is_not_a_lost_session(tmp_path: Path) -> None:
    client = Client(
        "http://127.0.0.1:9", save_refresh=lambda t: None, load_refresh=lambda: "r" * 20
    )
    client._http = httpx.Client(
        base_url="http://127.0.0.1:9/api/v1", transport=httpx.MockTransport(fake_busy_server)
    )
    try:
        client.me()
    except Busy as exc:
        assert exc.retry_after_s == 7 and "busy" in str(exc) and "kept" in str(exc)
    else:
        raise AssertionError("a 503 must be Busy, not a lost session")
    store = Store(tmp_path / "local.sqlite3")
    engine = SyncEngine(store, client, "p", tmp_path / "audio", new_key())
    status = engine.sync_once()
    assert status.online and "busy" in status.message  # reachable, just not now
    assert engine.backoff_s >= 7  # the next pass waits as long as the server asked
    store.close()
