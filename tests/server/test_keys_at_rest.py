"""Projects' pseudonym keys are kept wrapped under the master key: a backup alone no longer
confirms whose recordings it holds by trying customer ids (with the key in plain, as before,
every guess is confirmed: the broken variant). Backups are readable by their owner only,
whatever the umask. An older store's plain keys are wrapped by `init`, and `keys rotate`
wraps them again; customers are still found."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from app.server import models as m
from app.server.backup import SQLITE_FILE
from app.server.db import make_engine, sessions
from app.server.keys import is_wrapped, load_keys, pseudonym, pseudonym_key
from tests.workstation.sync.conftest import ROOT, Server, make_server

GUESSES = [f"r{k:04d}" for k in range(4)]  # the customers make_server imports (file stems)


def backup_with_umask(s: Server, out: Path, umask: int) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "app.server.cli", "backup", str(out)],
        cwd=ROOT,
        env=s.env(),
        capture_output=True,
        text=True,
        timeout=300,
        umask=umask,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def confirmed(backup_db: Path, key_of: object = None) -> set[str]:
    """The guesses an attacker holding only the backup confirms: every 32 bytes of each
    stored pseudonym key tried as the key (or `key_of` turning what is stored into the key)."""
    with sqlite3.connect(backup_db) as c:
        stored = [bytes(k) for (k,) in c.execute("SELECT pseudonym_key FROM projects")]
        ids = [p for (p,) in c.execute("SELECT id FROM projects")]
        customers = {x for (x,) in c.execute("SELECT customer FROM tasks")}
    found = set()
    for project_id, blob in zip(ids, stored, strict=True):
        if callable(key_of):
            keys = [key_of(project_id, blob)]
        else:
            keys = [blob[i : i + 32] for i in range(max(1, len(blob) - 31))]
        found |= {g for g in GUESSES for k in keys if pseudonym(k, g) in customers}
    return found


@pytest.mark.parametrize("umask", [0o000, 0o022])
def test_a_backup_alone_names_nobody_and_only_its_owner_reads_it(
    tmp_path: Path, umask: int
) -> None:
    s = make_server(tmp_path / "live", recordings=4)
    out = tmp_path / "backup"
    backup_with_umask(s, out, umask)
    modes = {p: stat.S_IMODE(p.stat().st_mode) for p in [out, *out.rglob("*")]}
    assert len(modes) > 5
    for p, mode in modes.items():
        assert mode == (0o700 if p.is_dir() else 0o600), (p, oct(mode))
    db = out / SQLITE_FILE
    assert confirmed(db) == set()
    # the guesses are the right ones: with the key as the server opens it, all are confirmed
    keys = load_keys(None, None)
    assert confirmed(db, lambda pid, blob: pseudonym_key(keys, pid, blob)) == set(GUESSES)


def test_plain_keys_of_an_older_store_are_wrapped_and_rotated(tmp_path: Path) -> None:
    s = make_server(tmp_path / "live", recordings=4)
    keys = load_keys(None, None)
    engine = make_engine(s.db)
    with sessions(engine)() as db:  # as a version before 0009 kept it
        (project,) = db.scalars(select(m.Project))
        project.pseudonym_key = pseudonym_key(keys, project.id, project.pseudonym_key)
        db.commit()
    backup_with_umask(s, tmp_path / "plain", 0o022)  # the broken variant: keys in plain
    assert confirmed(tmp_path / "plain" / SQLITE_FILE) == set(GUESSES)
    out = s.cli("customer", "forget", GUESSES[0], ok=(2,))
    assert "not wrapped yet" in out and "init" in out, out
    assert "1 pseudonym key(s)" in s.cli("init")
    with sessions(engine)() as db:
        (project,) = db.scalars(select(m.Project))
        assert is_wrapped(project.pseudonym_key)
    assert "erased: 1 recording(s)" in s.cli("customer", "forget", GUESSES[0])
    new_key = tmp_path / "keys" / "new.key"
    assert "now wrapped under" in s.cli("keys", "rotate", "--new-key-file", str(new_key))
    s.key_file = new_key
    with sessions(engine)() as db:
        (project,) = db.scalars(select(m.Project))
        pseudonym_key(load_keys(new_key, None), project.id, project.pseudonym_key)
    engine.dispose()
    assert "erased: 1 recording(s)" in s.cli("customer", "forget", GUESSES[1])
    assert "holds" in s.cli("audit", "verify")
    assert os.path.exists(new_key)
