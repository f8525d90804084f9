"""SIGKILL at random moments: every edit that was shown saved is in the store afterwards."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from app.model.annotation import Annotation
from app.workstation.store.db import Store
from tests.workstation.durability_driver import digest

RUNS = 100
DRIVER = [sys.executable, "-m", "tests.workstation.durability_driver"]
ROOT = Path(__file__).resolve().parents[2]


def run_once(db: Path, seed: int, mode: str, rng: random.Random) -> list[tuple[str, int, str]]:
    proc = subprocess.Popen(
        [*DRIVER, str(db), str(seed), mode],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "READY"
    # killed at a random moment once it has shown a few edits saved (a fixed delay measured
    # a loaded machine's speed rather than the store: too few edits to test anything)
    shown = [proc.stdout.readline() for _ in range(rng.randint(3, 12))]
    time.sleep(rng.uniform(0.0, 0.05))
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=30)
    out = "".join(shown) + out
    acked = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0] == "SAVED":
            acked.append((parts[1], int(parts[2]), parts[3]))
    return acked


def losses(db: Path, acked: list[tuple[str, int, str]]) -> list[str]:
    """Acknowledged revisions missing from the store, or stored with other content.

    The outbox keeps each item's newest unsent revision, so an acknowledged revision must be
    the current one or older than it, the current one must match what was shown for it, and the
    outbox must hold the current one (nothing is sent in this harness).
    """
    store = Store(db)
    try:
        rows = store._db.execute("SELECT task_id, rev, doc FROM outbox").fetchall()
        current = store.annotations()
    finally:
        store.close()
    queued = {t: (r, digest(Annotation.from_json(json.loads(d)))) for t, r, d in rows}
    out = []
    for task, rev, dig in acked:
        if task not in current or current[task][0] < rev:
            out.append(f"{task} rev {rev} shown saved but not stored")
            continue
        now_rev, now = current[task]
        if now_rev == rev and digest(now) != dig:
            out.append(f"{task} rev {rev} stored with other content")
        if queued.get(task) != (now_rev, digest(now)):
            out.append(f"{task}: the outbox lacks its newest revision {now_rev}")
    return out


def lineage(db: Path, mode: str, runs: int, seed: int) -> tuple[int, list[str]]:
    """Runs on one store, each resuming where the killed one left off."""
    rng = random.Random(seed)
    total, lost = 0, []
    for k in range(runs):
        acked = run_once(db, seed * 1000 + k, mode, rng)
        total += len(acked)
        lost += losses(db, acked)
    return total, lost


def harness(tmp_path: Path, mode: str, runs: int) -> tuple[int, list[str]]:
    """Two lineages side by side (the machine has two cores)."""
    with ThreadPoolExecutor(2) as pool:
        parts = list(
            pool.map(
                lambda k: lineage(tmp_path / f"{mode}-{k}.sqlite3", mode, runs // 2, 2026 + k),
                range(2),
            )
        )
    return sum(p[0] for p in parts), [m for p in parts for m in p[1]]


@pytest.mark.slow
def test_sigkill_loses_nothing_shown_saved(tmp_path: Path) -> None:
    total, lost = harness(tmp_path, "good", RUNS)
    assert total > RUNS * 5, "the driver should have saved plenty of edits"
    assert lost == []


@pytest.mark.slow
def test_harness_catches_acknowledge_before_commit(tmp_path: Path) -> None:
    _total, lost = harness(tmp_path, "broken", 15)
    assert lost, "a store that acknowledges before committing must be caught losing edits"
