"""The load script (packaging/load.py) in a short run: its checks hold against the real server
on PostgreSQL with two processes, and catch a server that hands out a held item twice."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_load(*args: str) -> subprocess.CompletedProcess[str]:
    if not os.environ.get("EARMARK_TEST_PG"):
        pytest.fail("PostgreSQL needed: set EARMARK_TEST_PG (packaging/test.sh starts one)")
    return subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "load.py"), "--db", "postgresql", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )


def test_a_short_load_run_holds_its_checks() -> None:
    r = run_load(
        "--annotators", "30", "--seconds", "20", "--ramp", "5", "--processes", "2",
        "--projects", "2",
    )  # fmt: skip
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "checks: all hold" in r.stdout
    assert "submits with an empty queue 0" in r.stdout
    steady = r.stdout.split("steady state:")[1]
    for endpoint in ("lease", "batch put", "changes", "audio"):
        assert f"\n{endpoint} " in steady, f"no {endpoint} requests were made"


def test_the_checks_catch_a_server_that_hands_out_a_held_item() -> None:
    r = run_load(
        "--annotators",
        "6",
        "--seconds",
        "6",
        "--ramp",
        "1",
        "--server-module",
        "tests.server.fake_server_double_lease",
    )
    assert r.returncode == 1, r.stdout[-3000:] + r.stderr[-3000:]
    assert "leased to" in r.stdout and "at once" in r.stdout


def test_the_checks_catch_a_server_that_lets_anyone_into_any_project() -> None:
    r = run_load(
        "--annotators", "4", "--seconds", "4", "--ramp", "1", "--projects", "2",
        "--server-module", "tests.server.fake_server_no_members",
    )  # fmt: skip
    assert r.returncode == 1, r.stdout[-3000:] + r.stderr[-3000:]
    assert "could lease in another project" in r.stdout
