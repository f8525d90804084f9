"""The benchmark script runs in CI in its short mode, so that it cannot rot."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_benchmark_short_mode_prints_every_figure(pulse: str) -> None:
    r = subprocess.run(
        [sys.executable, "packaging/bench.py", "--short"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert r.returncode == 0, r.stderr[-3000:]
    ids = set(re.findall(r"^([BS]\d+)\s", r.stdout, flags=re.MULTILINE))
    assert ids == {f"B{k}" for k in range(1, 14)} | {"S1", "S2"}
    for line in r.stdout.splitlines():
        if line[:1] in "BS" and line[1:2].isdigit() and " n/a " not in line:
            assert re.search(r"\d+(\.\d+)? (ms|MB)", line), line  # a figure
            assert "target" in line and "×" in line or "+" in line, line  # target and ratio
