"""A clone of the repository alone (no shared/interop beside it) collects the whole suite: the
interop tests are skipped with a line saying what they need, and with CI set their absence
fails the run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


SKIPPED = {".git", ".venv", ".venv-label-studio", "__pycache__", "build", "dist", ".mypy_cache"}


def repository_files() -> list[str]:
    """The repository's files (committed or not, ignored ones left out); from the tree itself
    where this checkout is not a git one."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if listed.returncode == 0:
        return [n.decode() for n in listed.stdout.split(b"\0") if n]
    return [
        p.relative_to(ROOT).as_posix()
        for p in ROOT.rglob("*")
        if p.is_file() and not SKIPPED & set(p.relative_to(ROOT).parts)
    ]


def bare_clone(target: Path) -> Path:
    """The repository's files, nothing around them."""
    for name in repository_files():
        src = ROOT / name
        if src.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target / name)
    return target


def collect(clone: Path, ci: bool, *where: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "EARMARK_INTEROP")}
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
            *where,
        ],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_bare_clone_skips_the_interop_tests_and_ci_fails_without_them(tmp_path: Path) -> None:
    clone = bare_clone(tmp_path / "nothing-beside" / "earmark")
    assert not (clone.parent.parent / "shared").exists()
    alone = collect(clone, ci=False)
    assert alone.returncode == 0, alone.stdout[-3000:] + alone.stderr[-3000:]
    skipped = [line for line in alone.stdout.splitlines() if line.startswith("SKIPPED")]
    assert len(skipped) == 1, alone.stdout[-3000:]
    assert "test_interop.py" in skipped[0] and "shared/interop" in skipped[0]
    assert "tests/formats/test_round_trip.py" in alone.stdout  # the rest is collected
    on_ci = collect(clone, True, "tests/formats")
    assert on_ci.returncode != 0
    assert "CI must run them" in on_ci.stdout + on_ci.stderr
