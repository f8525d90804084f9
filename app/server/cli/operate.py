"""backup, restore, metrics-token: what an operator runs beside the service."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.server.backup import BackupError, backup, restore
from app.server.cli import ON_URL, say
from app.server.db import data_dir
from app.server.operations import new_metrics_token
from app.server.serving import alone


def add(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    b = sub.add_parser(
        "backup", help="a consistent copy of the database and the recordings, while serving"
    )
    b.add_argument("folder", type=Path, help="a new (or empty) folder")
    r = sub.add_parser("restore", help="bring a backup back (stop the server first)")
    r.add_argument("folder", type=Path, help="a folder `backup` wrote")
    sub.add_parser(
        "metrics-token",
        help="a new token for Prometheus to read /api/v1/metrics (the old one stops working)",
    )
    ON_URL["backup"] = lambda url, args: _guarded(lambda: backup(url, data_dir(), args.folder, say))
    ON_URL["restore"] = lambda url, args: _guarded(lambda: _restore(url, args.folder))
    ON_URL["metrics-token"] = lambda _url, _args: _token()


def _guarded(work: object) -> int:
    try:
        work()  # type: ignore[operator]
    except BackupError as exc:
        say(f"earmark-server: {exc}")
        return 2
    except OSError as exc:  # a file where a folder is named, a folder it may not write
        where = f"{exc.filename}: " if exc.filename else ""
        say(f"earmark-server: {where}{exc.strerror or exc}")
        return 2
    return 0


def _restore(url: str, folder: Path) -> None:
    """Refused while a server serves this database or data folder (what it accepted after the
    backup would be lost without a word); no server starts until it is done."""
    with alone(url, data_dir(), "restoring a backup"):
        restore(url, data_dir(), folder, say)


def _token() -> int:
    token = new_metrics_token(data_dir())
    say(token)
    say(
        "Give it to Prometheus as a bearer token (authorization: credentials_file); it is shown"
        " this once, and only its hash is kept."
    )
    return 0
