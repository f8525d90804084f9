"""The server killed with SIGKILL at random moments while several clients push: afterwards it
holds every edit every client had acknowledged, each annotation once, each edit applied once.

Each client keeps one annotation per task (the server allows no more) and edits them again and
again, as an annotator does; a put lost with the server's answer is sent again, and must not
count twice.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from app.protocol import AnnotationDoc, AnnotationPut, BatchPut
from app.server import models as m
from app.server.db import make_engine, sessions
from app.workstation.sync.client import Client, SyncError
from tests.workstation.sync.conftest import PASSWORD, Server, make_server

RUNS = 50  # on each database (test_server_crash_pg.py: PostgreSQL), each file on a worker
CLIENTS = ("ann_a", "ann_b", "admin")
PER_RUN = 4  # edits per client per run: 600 on each database, 1,200 in all


def edit(text: str) -> AnnotationDoc:
    return AnnotationDoc.model_validate(
        {"segments": [{"start_s": 0.0, "end_s": 0.2, "text": text}]}
    )


class Pusher:
    """One workstation: its edits kept locally, pushed until acknowledged (its outbox keeps
    each annotation's newest unsent edit, as the real one does)."""

    def __init__(self, server: Server, name: str) -> None:
        self.client = Client.in_memory(server.url)
        self.client.login(name, PASSWORD, server.code(name))
        self.tasks: list[str] = []
        self.ann_of: dict[str, str] = {}
        self.version: dict[str, int] = {}  # acknowledged, per annotation
        self.latest: dict[str, AnnotationDoc] = {}  # the newest edit made, per annotation
        self.outbox: dict[str, AnnotationDoc] = {}
        self.edits_acked: Counter[str] = Counter()

    def record(self, rng: random.Random, n: int) -> None:
        for _ in range(n):
            task = rng.choice(self.tasks)
            ann = self.ann_of.setdefault(task, str(uuid.uuid4()))
            doc = edit(f"w{rng.random()}")
            self.latest[ann] = self.outbox[ann] = doc

    def push_until_acked(self, deadline: float) -> None:
        task_of = {a: t for t, a in self.ann_of.items()}
        while self.outbox and time.monotonic() < deadline:
            batch = sorted(self.outbox)[: random.randint(1, 3)]
            sent = {a: self.outbox[a] for a in batch}
            puts = {
                a: AnnotationPut(task_id=task_of[a], base_version=self.version.get(a, 0), doc=d)
                for a, d in sent.items()
            }
            try:
                result = self.client.put_batch(BatchPut(items=puts))
            except SyncError:
                time.sleep(0.05)  # the server is down: keep them, try again
                continue
            assert not result.conflicts and not result.refused, result
            for a, version in result.stored.items():
                self.version[a] = version
                self.edits_acked[a] += 1
                if self.outbox.get(a) is sent[a]:
                    del self.outbox[a]


def run_harness(tmp: Path, runs: int, module: str, db: str | None = None) -> tuple[int, list[str]]:
    server = make_server(tmp, recordings=60, db=db)
    server.module = module
    server.start()
    pushers = [Pusher(server, name) for name in CLIENTS]
    for p in pushers:
        p.tasks = [t.id for t in p.client.lease(_project(server), 20)]
    rng = random.Random(7)
    try:
        for _run in range(runs):
            for p in pushers:
                p.record(rng, PER_RUN)
            threads = [
                threading.Thread(target=p.push_until_acked, args=(time.monotonic() + 60,))
                for p in pushers
            ]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(0.0, 0.08))
            server.kill()  # mid-flight, at a random moment
            server.start()
            while any(t.is_alive() for t in threads):
                if server.proc is not None and server.proc.poll() is not None:
                    server.start()  # it died by itself: started again, as its service would be
                time.sleep(0.05)
            if any(p.outbox for p in pushers):
                break  # a server that cannot take them: say so now, not after every run
        assert all(not p.outbox for p in pushers), "clients could not finish pushing"
    finally:
        server.kill()
        for p in pushers:
            p.client.close()
    engine = make_engine(server.db)
    with sessions(engine)() as db:
        rows = list(db.scalars(select(m.Annotation)))
    engine.dispose()
    problems = []
    per_task = Counter((r.task_id, r.user_id) for r in rows)
    problems += [f"{t} held {n} annotations of one annotator" for t, n in per_task.items() if n > 1]
    by_id = {r.id: r for r in rows}
    for p in pushers:
        for ann, doc in p.latest.items():
            row = by_id.get(ann)
            if row is None:
                problems.append(f"{ann} lost")
            elif row.doc != doc.model_dump():
                problems.append(f"{ann} stored with other content")
            elif row.version != p.version[ann]:
                problems.append(
                    f"{ann}: version {row.version} on the server, {p.version[ann]} acknowledged "
                    "(an edit applied twice)"
                )
    return sum(sum(p.edits_acked.values()) for p in pushers), problems


def _project(server: Server) -> str:
    engine = make_engine(server.db)
    with sessions(engine)() as db:
        pid = db.scalars(select(m.Project.id)).one()
    engine.dispose()
    return pid


@pytest.mark.slow
def test_server_sigkill_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    total, problems = run_harness(tmp_path, RUNS, "app.server.cli")
    assert total >= RUNS * PER_RUN * len(CLIENTS) * 0.5  # edits of one item in a run coalesce
    assert problems == []  # on SQLite


@pytest.mark.slow
def test_harness_catches_a_server_that_applies_a_put_twice(tmp_path: Path) -> None:
    # the fake dies once after its second batch: a retry surely comes within the first runs
    _total, problems = run_harness(tmp_path, 8, "tests.workstation.sync.fake_server_blind_puts")
    assert any("applied twice" in p for p in problems), problems
