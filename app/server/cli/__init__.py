"""earmark-server: the server's commands, one module for each part of the work.

    setup      init, serve, keys rotate                      (app/server/cli/setup.py)
    people     user add|list|disable|enable|role|reset-password|reset-totp,
               project member add|remove|list                (app/server/cli/people.py)
    projects   project create|review-policy|retention|mute-spoken-data|disguise-voice,
               import                                        (app/server/cli/projects.py)
    screen     project lock-after|watermark                  (app/server/cli/screen.py)
    exporting  export, redacted or not                       (app/server/cli/exporting.py)
    privacy    customer forget, retention run, audit verify|show|heard|listened (privacy.py)
    bridge     label-studio pull|push                        (app/server/cli/bridge.py)
    operate    backup, restore, metrics-token                (app/server/cli/operate.py)
    demo       a throwaway server set up and served at once  (app/server/cli/demo.py)

`--config FILE` (or EARMARK_SERVER_CONFIG) reads app/server/config.py's TOML file: an option
wins over it, and it over the environment.

Each module adds its parsers and says which function runs each command; the ones that need
the database get a session, and every change they make is audited.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import sys
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

from sqlalchemy.orm import Session

from app.server.anchor import AnchorKey, anchor_key
from app.server.cli import inputs
from app.server.config import S3_KEYS, Config, ConfigError, load_config
from app.server.db import data_dir, default_url, make_engine, sessions
from app.server.keys import Keys, MasterKeyError, load_keys
from app.server.serving import ServerRunning
from app.server.storage import STORE_ENV, AudioStore, StoreError, open_store

# (command, action) -> what runs it, with a session; set by the modules below
Run = Callable[[Session, argparse.Namespace], int]
ON_DB: dict[tuple[str, str | None], Run] = {}
# commands that open what they need themselves (init and serve migrate, start processes)
ON_URL: dict[str, Callable[[str, argparse.Namespace], int]] = {}


def shown(text: str) -> str:
    """`text` with each character that could end a line, move a terminal's cursor or reorder
    what it shows (controls, escapes, format characters such as bidi overrides, separators)
    written as its escape: one line, that shows what it holds."""
    return "".join(
        c.encode("unicode_escape", "backslashreplace").decode("ascii")
        if unicodedata.category(c) in _UNSHOWN
        else c
        for c in text
    )


_UNSHOWN = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def say(text: str) -> None:
    """One line on standard output, whatever a name or a message in it holds."""
    sys.stdout.write(shown(text) + "\n")


class Parser(argparse.ArgumentParser):
    """A refused option is one line on standard error, and exit code 2 (argparse's own error
    comes after the whole usage, which buries the line that matters)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {shown(message)} (--help says more)\n")


def configured(args: argparse.Namespace) -> Config:
    """The configuration file's settings, its data folder and key file put where the commands
    look for them unless an option named them."""
    path = args.config or os.environ.get("EARMARK_SERVER_CONFIG")
    cfg = load_config(Path(path)) if path else Config()
    if cfg.data is not None:
        os.environ["EARMARK_SERVER_DATA"] = str(cfg.data)
    if args.key_file is None and cfg.key_file is not None:
        args.key_file = cfg.key_file
    store = getattr(args, "audio_store", None) or cfg.audio_store
    if store:
        os.environ[STORE_ENV] = store
    for name, value in cfg.s3.items():  # the object store's client reads them from there
        os.environ[S3_KEYS[name]] = value
    return cfg


def store_of() -> AudioStore:
    """The audio store the commands use: --audio-store, the file's, or the data folder's."""
    return open_store(data_dir())


def keys_of(args: argparse.Namespace, create: bool = False) -> Keys:
    return load_keys(args.key_file, data_dir(), create=create)


def anchor_of(args: argparse.Namespace) -> AnchorKey:
    """The audit anchor's key, loaded from the master key when a command first audits."""
    return lambda: anchor_key(keys_of(args))


@contextlib.contextmanager
def sessions_of(url: str, anchor: AnchorKey | None = None) -> Iterator[Session]:
    """A session on the database at `url`, its engine disposed of afterwards."""
    engine = make_engine(url)
    try:
        with sessions(engine, anchor)() as db:
            yield db
    finally:
        engine.dispose()


@functools.cache
def parser() -> argparse.ArgumentParser:
    """Built once a process (the demo runs several commands in one)."""
    from app.server.cli import bridge, demo, operate, people, privacy, projects, setup

    p: argparse.ArgumentParser = Parser(
        prog="earmark-server", description="The Earmark sync server."
    )
    p.add_argument(
        "--config",
        type=Path,
        default=None,
        help="a configuration file (TOML; default: $EARMARK_SERVER_CONFIG; example:"
        " packaging/earmark-server.toml)",
    )
    p.add_argument(
        "--db",
        default=None,
        help="database URL (default: $EARMARK_SERVER_DB or SQLite in $EARMARK_SERVER_DATA)",
    )
    p.add_argument(
        "--key-file",
        type=Path,
        default=None,
        help="the master key, outside the data folder (default: $EARMARK_SERVER_KEY_FILE, "
        "else ~/.config/earmark-server/master.key; init creates it)",
    )
    p.add_argument(
        "--audio-store",
        default=None,
        metavar="s3://BUCKET/PREFIX",
        help="keep recordings in an S3-compatible object store (endpoint and credentials from"
        " the environment, AWS_*, or the configuration file's [s3]; default: $"
        f"{STORE_ENV}, else the data folder's audio/)",
    )
    sub = p.add_subparsers(dest="command", required=True)
    project = sub.add_parser("project", help="projects and their members").add_subparsers(
        dest="action", required=True
    )
    setup.add(sub)
    people.add(sub, project)
    projects.add(sub, project)
    privacy.add(sub)
    bridge.add(sub)
    operate.add(sub)
    demo.add(sub)
    return p


# what each command needs of the database before it runs: one set up (schema, as every command
# with a session does), one it can reach (init sets it up), a URL (restore puts a database
# back), or none (the demo makes its own)
NEEDS = {"init": "connect", "serve": "schema", "backup": "schema", "restore": "url"}
NEEDS["keys"] = "schema"  # keys rotate opens its own session (under the serving lock)


def main(argv: list[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a refused option (one line said why)
        return exc.code if isinstance(exc.code, int) else 2
    bad = inputs.undecodable(args)
    if bad is not None:
        say(f"earmark-server: the {bad} given is not valid UTF-8")
        return 2
    try:
        args.settings = configured(args)
    except ConfigError as exc:
        say(f"earmark-server: {exc}")
        return 2
    url = args.db or args.settings.database or default_url()
    need = NEEDS.get(args.command, "" if args.command in ON_URL else "schema")
    problem = inputs.database_problem(url, need) if need else None
    if problem is not None:
        say(f"earmark-server: {problem}")
        return 2
    try:
        if args.command in ON_URL:
            return ON_URL[args.command](url, args)
        run = (
            ON_DB.get((args.command, getattr(args, "action", None))) or ON_DB[(args.command, None)]
        )
        with sessions_of(url, anchor_of(args)) as db:
            return run(db, args)
    except (MasterKeyError, ServerRunning, StoreError) as exc:
        say(f"earmark-server: {exc}")
        return 2
