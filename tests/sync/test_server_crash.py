"""The server killed with SIGKILL at random moments while several clients push: afterwards it
holds every annotation every client recorded, exactly once."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from app.protocol import AnnotationPut, BatchPut
from app.server import models as m
from app.server.db import make_engine, sessions
from app.sync.client import Client, SyncError
from tests.sync.conftest import PASSWORD, Server, make_server

RUNS = 100
CLIENTS = ("ann_a", "ann_b", "admin")
PER_RUN = 4  # new annotations per client per run: 1,200 in all


class Pusher:
    """One workstation: records annotations locally, pushes them until acknowledged."""

    def __init__(self, server: Server, name: str, tasks: list[str]) -> None:
        self.tokens: dict[str, str] = {}
        self.client = Client(
            server.url,
            save_refresh=lambda t: self.tokens.update(r=t),
            load_refresh=lambda: self.tokens.get("r"),
            timeout_s=5,
        )
        self.client.login(name, PASSWORD, server.code(name))
        self.tasks = tasks
        self.recorded: dict[str, AnnotationPut] = {}  # UUID -> what the annotator did
        self.unacked: set[str] = set()

    def record(self, rng: random.Random, n: int) -> None:
        for _ in range(n):
            ann = str(uuid.uuid4())
            self.recorded[ann] = AnnotationPut(
                task_id=rng.choice(self.tasks),
                base_version=0,
                doc={"uuid": ann, "text": f"w{rng.random()}"},
            )
            self.unacked.add(ann)

    def push_until_acked(self, deadline: float) -> None:
        while self.unacked and time.monotonic() < deadline:
            batch = sorted(self.unacked)[: random.randint(1, 3)]
            try:
                result = self.client.put_batch(BatchPut(items={a: self.recorded[a] for a in batch}))
            except SyncError:
                time.sleep(0.05)  # the server is down: keep it, try again
                continue
            self.unacked -= set(result.stored)
            assert not result.conflicts and not result.refused, result


def run_harness(tmp: Path, runs: int, module: str) -> tuple[int, list[str]]:
    server = make_server(tmp, recordings=60)
    server.module = module
    server.start()
    pushers: list[Pusher] = []
    for name in CLIENTS:
        p = Pusher(server, name, [])
        p.tasks = [t.id for t in p.client.lease(_project(server), 20)]
        pushers.append(p)
    rng = random.Random(7)
    try:
        for _run in range(runs):
            for p in pushers:
                p.record(rng, PER_RUN)
            threads = [
                threading.Thread(target=p.push_until_acked, args=(time.monotonic() + 30,))
                for p in pushers
            ]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(0.0, 0.08))
            server.kill()  # mid-flight, at a random moment
            server.start()
            for t in threads:
                t.join()
            if any(p.unacked for p in pushers):
                break  # a server that cannot take them: say so now, not after every run
        assert all(not p.unacked for p in pushers), "clients could not finish pushing"
    finally:
        server.kill()
        for p in pushers:
            p.client.close()
    engine = make_engine(server.db)
    with sessions(engine)() as db:
        docs = [a.doc for a in db.scalars(select(m.Annotation))]
    engine.dispose()
    counts = Counter(d["uuid"] for d in docs)
    problems = []
    recorded = {a: put for p in pushers for a, put in p.recorded.items()}
    for ann in recorded:
        if counts[ann] == 0:
            problems.append(f"{ann} lost")
        elif counts[ann] > 1:
            problems.append(f"{ann} stored {counts[ann]} times")
    for d in docs:
        if d["uuid"] in recorded and recorded[d["uuid"]].doc != d:
            problems.append(f"{d['uuid']} stored with other content")
    return len(recorded), problems


def _project(server: Server) -> str:
    engine = make_engine(server.db)
    with sessions(engine)() as db:
        pid = db.scalars(select(m.Project.id)).one()
    engine.dispose()
    return pid


@pytest.mark.slow
def test_server_sigkill_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    total, problems = run_harness(tmp_path, RUNS, "app.server.cli")
    assert total == RUNS * PER_RUN * len(CLIENTS)
    assert problems == []


@pytest.mark.slow
def test_harness_catches_a_server_without_the_uuid_check(tmp_path: Path) -> None:
    _total, problems = run_harness(tmp_path, 20, "tests.sync.fake_server_no_uuid")
    assert any("times" in p for p in problems), "duplicates should have been reported"
