"""The queue never runs dry: through the real server and the workstation's engine, annotators
submit far more items than one lease holds, each submission followed by a sync."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.audio.vault import new_key
from app.model import annotation as ops
from app.model.annotation import Status
from app.protocol import LEASE_MAX
from app.workstation.editor import Editor, InlineRunner
from app.workstation.store.db import Store
from app.workstation.sync.client import Client
from app.workstation.sync.engine import LEASE_COUNT, SyncEngine
from tests.workstation.sync.conftest import PASSWORD, Server, make_server

ITEMS = 100


@dataclass
class Desk:
    """One annotator's workstation: store, engine and editor, no window."""

    name: str
    client: Client
    store: Store
    engine: SyncEngine
    editor: Editor

    def todo(self) -> set[str]:
        statuses = self.editor.statuses()
        return {t.id for t in self.store.tasks() if statuses.get(t.id, Status.TODO) == Status.TODO}

    def sync(self) -> None:
        status = self.engine.sync_once()
        assert status.online, status.message
        self.editor.set_tasks(self.store.tasks())
        if self.editor.task is None or self.editor.task.id not in self.todo():
            self.editor.resume()

    def submit_one(self) -> str:
        task = self.editor.task
        assert task is not None and task.id in self.todo(), f"{self.name} has nothing to do"
        self.editor.apply("Typing", ops.set_text, 0, f"play item {task.title}")
        self.editor.apply("Intent", ops.set_intent, "play_music")
        assert self.editor.submit_and_next(lambda _a: [])
        return task.id


@pytest.fixture
def crowd(tmp_path: Path) -> Iterator[tuple[Server, Desk, Desk]]:
    server = make_server(tmp_path, recordings=ITEMS)
    server.start()
    desks = []
    for name in ("ann_a", "ann_b"):
        client = Client.in_memory(server.url)
        client.login(name, PASSWORD, server.code(name))
        if not server.project_id:
            server.project_id = client.projects()[0].id
        store = Store(tmp_path / f"{name}.sqlite3")
        engine = SyncEngine(store, client, server.project_id, tmp_path / f"{name}-audio", new_key())
        desks.append(Desk(name, client, store, engine, Editor(store, InlineRunner())))
    yield server, desks[0], desks[1]
    for d in desks:
        d.client.close()
        d.store.close()
    server.kill()


def test_the_queue_stays_full_until_the_project_runs_out(crowd: tuple[Server, Desk, Desk]) -> None:
    server, a, b = crowd
    a.sync()
    b.sync()
    submitted: dict[str, str] = {}  # task -> who
    for k in range(60):
        for desk in (a, b) if k % 3 == 0 else (a,):  # the second annotator, a third as fast
            task = desk.submit_one()
            assert task not in submitted, f"{task} was handed out twice"
            submitted[task] = desk.name
            desk.sync()
            held_a, held_b = a.todo(), b.todo()
            assert not held_a & held_b, "an item held by one annotator went to the other"
            left = ITEMS - len(submitted) - len(held_a) - len(held_b)
            # a full queue while the project has free items; after that, what is left
            expected = LEASE_COUNT if left > 0 else None
            if expected is not None:
                assert len(desk.todo()) == expected, (k, desk.name, len(desk.todo()), left)
    # 80 submitted, 20 held: the pool is empty and the first annotator's queue now drains
    assert len(submitted) == 80
    assert len(a.todo()) + len(b.todo()) == ITEMS - len(submitted)
    while a.todo():
        submitted[a.submit_one()] = "ann_a"
        a.sync()
    assert not a.todo() and len(submitted) == ITEMS - len(b.todo())
    # on the server, every submitted item is closed and leased to nobody
    r = httpx.post(
        f"{server.url}/api/v1/leases",
        headers={"Authorization": f"Bearer {server_admin_token(server)}"},
        json={"project_id": server.project_id, "count": LEASE_MAX},
    )
    assert r.json() == [], "no free item is left for anyone else"


def server_admin_token(server: Server) -> str:
    r = httpx.post(
        f"{server.url}/api/v1/auth/login",
        json={"username": "admin", "password": PASSWORD, "totp_code": server.code("admin")},
    )
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])
