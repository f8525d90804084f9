"""earmark-server backup DIR / restore DIR: a consistent copy taken while the server runs.

The database first, as one snapshot: SQLite's online backup API (pages copied under a read
transaction, WAL included) or pg_dump (one repeatable-read transaction). Then the audio store:
each sealed recording is written once and never changed, so every recording the snapshot
names is there to copy (one deleted between the two steps is left out, as it should be).
A manifest holds every file's SHA-256; restore checks them all before it touches anything.

The master key is not in a backup: it is kept, and backed up, apart from the data. A backup is
readable by its owner only (folders 0700, files 0600, whatever the umask). Restore needs the
server stopped (app/server/serving.py tells); what it replaces is moved aside, not deleted.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import make_url

from app.audio.load import sha256_of
from app.server.storage import AudioStore, FolderStore, open_store

MANIFEST = "earmark-backup.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why and what to do."""


def _libpq(url: str) -> tuple[list[str], dict[str, str]]:
    """pg_dump/pg_restore arguments and environment for a SQLAlchemy URL; the password, if the
    URL holds one, goes in the environment, never on a command line others can read."""
    u = make_url(url)
    args = ["--dbname", u.database or ""]
    host = u.query.get("host") or u.host
    if host:
        args += ["--host", str(host)]
    if u.port or u.query.get("port"):
        args += ["--port", str(u.port or u.query.get("port"))]
    if u.username:
        args += ["--username", u.username]
    env = {**os.environ}
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    return args, env


def _sqlite_path(url: str) -> Path:
    return Path(make_url(url).database or "")


def _private_file(path: Path) -> None:
    """An empty file only its owner can read, made before anything is written into it (the
    umask may take bits away from a mode, never add them: hence the chmod)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def _private_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)


def backup(
    url: str,
    data: Path,
    out: Path,
    say: Callable[[str], None],
    store: AudioStore | None = None,
) -> dict[str, object]:
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"{out} is not empty: back up into a new folder")
    _private_dir(out)
    started = time.time()
    kind = make_url(url).get_backend_name()
    if kind == "sqlite":
        src = sqlite3.connect(f"file:{_sqlite_path(url)}?mode=ro", uri=True)
        _private_file(out / SQLITE_FILE)
        dst = sqlite3.connect(out / SQLITE_FILE)
        try:
            # in one step, under one read transaction: in WAL mode the server's writers go on
            # meanwhile (copied in steps, every write from another process would restart it)
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        db_file = SQLITE_FILE
    elif kind == "postgresql":
        args, env = _libpq(url)
        _private_file(out / PG_FILE)  # pg_dump writes into it, keeping its mode
        r = subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", "--file", str(out / PG_FILE), *args],
            env=env,
            capture_output=True,
            text=True,
        )
        if r.returncode != 0:
            raise BackupError(f"pg_dump failed: {r.stderr.strip()[:500]}")
        db_file = PG_FILE
    else:
        raise BackupError(f"no backup for a {kind} database")
    say(f"database copied ({kind})")
    store = store or open_store(data)
    audio_out = out / "audio"
    _private_dir(audio_out)
    files: dict[str, str] = {db_file: sha256_of(out / db_file)}
    for name in store.names():
        target = audio_out / name
        _private_file(target)
        try:
            store.fetch(name, target)
        except FileNotFoundError:
            target.unlink()
            continue  # deleted since the snapshot: not in it either
        files[f"audio/{name}"] = sha256_of(target)
    manifest = {
        "format": 1,
        "database": kind,
        "started_at": started,
        "finished_at": time.time(),
        "files": files,
    }
    _private_file(out / MANIFEST)
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    say(f"{len(files) - 1} recording(s) copied; backup complete in {out}")
    say("the master key is not in it: keep the key file's own backup apart from this one")
    return manifest


def verify(folder: Path) -> dict[str, object]:
    try:
        manifest: dict[str, object] = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder} holds no readable {MANIFEST}: not a backup ({exc})") from None
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise BackupError(f"{MANIFEST} lists no files")
    bad = [n for n, h in files.items() if not (folder / n).is_file() or sha256_of(folder / n) != h]
    if bad:
        raise BackupError(
            f"{len(bad)} file(s) of the backup are missing or changed (first: {bad[0]});"
            " nothing was restored"
        )
    return manifest


def restore(
    url: str,
    data: Path,
    folder: Path,
    say: Callable[[str], None],
    store: AudioStore | None = None,
) -> None:
    """The backup in `folder` brought back into `url` and `data`, and the recordings into the
    store (the server stopped)."""
    manifest = verify(folder)
    store = store or open_store(data)
    kind = make_url(url).get_backend_name()
    if manifest.get("database") != kind:
        raise BackupError(f"this backup is of a {manifest.get('database')} database, not {kind}")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    if kind == "sqlite":
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            old = Path(f"{target}{suffix}")
            if old.exists():
                old.rename(f"{old}.before-restore-{stamp}")
        tmp = target.with_name(target.name + ".restoring")
        shutil.copyfile(folder / SQLITE_FILE, tmp)
        tmp.rename(target)
    else:
        args, env = _libpq(url)
        r = subprocess.run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                *args,
                str(folder / PG_FILE),
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        if r.returncode != 0:
            raise BackupError(f"pg_restore failed: {r.stderr.strip()[:500]}")
    say(f"database restored ({kind})")
    if not isinstance(store, FolderStore):
        _restore_objects(store, folder, say)
        return
    audio = data / "audio"
    incoming = data / f"audio.restoring-{stamp}"
    shutil.copytree(folder / "audio", incoming)
    if audio.exists():
        audio.rename(data / f"audio.before-restore-{stamp}")
    incoming.rename(audio)
    n = sum(1 for _ in audio.glob("*.bin"))
    say(
        f"{n} recording(s) restored; what was there before is kept beside it"
        f" (*.before-restore-{stamp})"
    )


def _restore_objects(store: AudioStore, folder: Path, say: Callable[[str], None]) -> None:
    """Every recording of the backup put back into an object store, each whole or not at all;
    objects the backup does not hold are left where they are, and counted."""
    wanted = sorted(p.name for p in (folder / "audio").glob("*.bin"))
    for name in wanted:
        store.place(name, folder / "audio" / name)
    others = sorted(set(store.names()) - set(wanted))
    say(f"{len(wanted)} recording(s) restored into {store.where}")
    if others:
        say(
            f"{len(others)} object(s) in the store are not in the backup (recordings added"
            f" after it, first: {others[0]}); they were left as they are"
        )
