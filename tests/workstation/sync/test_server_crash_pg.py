"""The SIGKILL harness of test_server_crash.py on PostgreSQL: the server killed at random
moments while several clients push holds every acknowledged edit, each once. A file of its own,
so that the two databases' runs go to two workers at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pg import pg_database
from tests.workstation.sync.test_server_crash import CLIENTS, PER_RUN, RUNS, run_harness


@pytest.mark.slow
def test_server_sigkill_on_postgresql_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    with pg_database() as url:
        total, problems = run_harness(tmp_path, RUNS, "app.server.cli", db=url)
    assert total >= RUNS * PER_RUN * len(CLIENTS) * 0.5
    assert problems == []
