"""earmark-server demo: a throwaway server set up and served by one process, for `earmark demo`.

One process makes the demo's users (their password read from the first line of standard input,
never from the command line), the project and its members, imports the sample recordings with
the same commands an admin runs, and serves on 127.0.0.1 without a second factor. Setting up
in one process is what makes the demo quick: each separate command imported the whole server
and took a second and a half.

It owns FOLDER (database, audio, master key, the workstation's own files) and removes it when it
stops: on SIGTERM, SIGINT or SIGHUP, and when its standard input closes, which is how it learns
that the workstation that started it has ended, however it ended (a SIGKILL included).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import signal
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import FrameType
from typing import NoReturn

from app.server.cli import ON_URL
from app.server.cli.inputs import PORT_MAX, whole
from app.server.config import Config

PROJECT = "Voice assistant (demo)"
USERS = (("demo", "annotator"), ("demo-colleague", "annotator"), ("demo-reviewer", "reviewer"))
READY = "earmark-demo: ready"  # the line the workstation waits for on standard output
FAILED = "earmark-demo: failed: "


def add(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    d = sub.add_parser(
        "demo",
        help="set up a throwaway demo server in FOLDER and serve it on 127.0.0.1 (for "
        "`earmark demo`; the password is the first line of stdin; FOLDER is removed at the end)",
    )
    d.add_argument("folder", type=Path, help="an empty folder this server owns and removes")
    d.add_argument("--port", type=whole(1, PORT_MAX), required=True)
    d.add_argument("--manifest", type=Path, required=True, help="the recordings to import")
    d.add_argument("--taxonomy", type=Path, required=True)
    d.add_argument("--conventions", type=Path, required=True)
    ON_URL["demo"] = demo


def _stop(_signum: int, _frame: FrameType | None) -> NoReturn:
    raise SystemExit(0)


def _watch_parent() -> None:
    """Standard input closes when the workstation ends, however it ends: stop then."""
    with contextlib.suppress(OSError, ValueError):
        while sys.stdin.buffer.read(4096):
            pass
    os.kill(os.getpid(), signal.SIGTERM)


def demo(_url: str, args: argparse.Namespace) -> int:
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, _stop)  # uvicorn restores these when it stops, and raises again
    folder = args.folder.resolve()
    os.environ.pop("EARMARK_SERVER_CONFIG", None)  # a machine's server settings are not the demo's
    try:
        password = sys.stdin.readline().rstrip("\n")
        threading.Thread(target=_watch_parent, name="parent", daemon=True).start()
        # argon2 lets go of the GIL: the users' password hashes are made while the rest of
        # the server is imported and its database made
        hashes = ThreadPoolExecutor(1).submit(_hashes, password)
        _serve(folder, hashes, args)
    except SystemExit:
        pass
    except Exception as exc:  # noqa: BLE001 - said to the workstation, which shows it
        sys.stdout.write(f"{FAILED}{exc}\n")
        sys.stdout.flush()
        return 2
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def _hashes(password: str) -> list[str]:
    from app.server.security import hash_password

    return [hash_password(password) for _user in USERS]


def _serve(folder: Path, hashes: Future[list[str]], args: argparse.Namespace) -> None:
    import uvicorn

    from app.server.anchor import anchor_key
    from app.server.cli import keys_of, main, parser, sessions_of
    from app.server.cli.people import add_user
    from app.server.cli.setup import prepare_serving

    db = f"sqlite:///{folder / 'server.sqlite3'}"
    os.environ["EARMARK_SERVER_DATA"] = str(folder / "data")
    key = ["--key-file", str(folder / "master.key")]  # the demo's own, never the machine's

    def step(*argv: str) -> None:
        """One earmark-server command, in this process; what it prints is shown only if it
        fails."""
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(["--db", db, *key, *argv])
        if code not in (0, 1):
            raise RuntimeError(f"`{argv[0]} {argv[1] if len(argv) > 1 else ''}`: {out.getvalue()}")

    step("init")
    keys = keys_of(parser().parse_args(key + ["init"]))
    with sessions_of(db, anchor_key(keys)) as session:  # as `user add` does, hashes made meanwhile
        for (name, role), password_hash in zip(USERS, hashes.result(), strict=True):
            add_user(session, keys, name, role, password_hash)
    step(
        "project",
        "create",
        PROJECT,
        "--taxonomy",
        str(args.taxonomy),
        "--conventions",
        str(args.conventions),
    )
    for name, role in USERS:
        step("project", "member", "add", PROJECT, name, "--role", role)
    step("import", PROJECT, str(args.manifest))
    serving = parser().parse_args(
        ["--db", db, *key, "serve", "--demo", "--host", "127.0.0.1", "--port", str(args.port)]
    )
    serving.settings = Config()
    options = prepare_serving(db, serving)
    options.pop("workers")
    server = uvicorn.Server(uvicorn.Config("app.server.asgi:app", **options))
    threading.Thread(target=_say_ready, args=(server,), name="ready", daemon=True).start()
    server.run()


def _say_ready(server: object) -> None:
    while not getattr(server, "started", False):
        if getattr(server, "should_exit", False):
            return
        time.sleep(0.02)
    sys.stdout.write(READY + "\n")
    sys.stdout.flush()
