"""init, serve, keys rotate: the server brought up, run, and its master key rotated."""

from __future__ import annotations

import argparse
import logging
import os
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.server import models as m
from app.server.anchor import anchor_key, rekey
from app.server.audit import append_pending, audit
from app.server.cli import ON_URL, keys_of, say, sessions_of, store_of
from app.server.cli.inputs import (
    CONCURRENCY_MAX,
    PORT_MAX,
    QUEUE_MAX,
    WAIT_MAX_S,
    WORKERS_MAX,
    host,
    number,
    proxy,
    whole,
)
from app.server.db import data_dir, make_engine, migrate, sessions
from app.server.keys import (
    FileKey,
    Keys,
    MasterKeyError,
    key_file,
    pseudonym_context,
    pseudonym_key,
    refuse_inside,
)
from app.server.limits import Limits
from app.server.serving import alone, serving
from app.server.upgrade import upgrade_store


def add(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub.add_parser("init", help="create or upgrade the database (and make the master key)")
    keys = sub.add_parser("keys", help="the master key").add_subparsers(
        dest="action", required=True
    )
    rp = keys.add_parser(
        "rotate", help="wrap every key and secret under a new master key (stop the server first)"
    )
    rp.add_argument(
        "--new-key-file",
        type=Path,
        required=True,
        help="created; must not exist, and must lie outside the data folder",
    )
    sp = sub.add_parser("serve", help="run the HTTP API (options win over the configuration file)")
    sp.add_argument("--host", type=host, default=None, help="default 127.0.0.1")
    sp.add_argument("--port", type=whole(1, PORT_MAX), default=None, help="default 8765")
    sp.add_argument("--demo", action="store_true", help="no second factor (demo only)")
    d = Limits()
    sp.add_argument(
        "--workers",
        type=whole(1, WORKERS_MAX),
        default=None,
        help="server processes on this machine (default 1)",
    )
    sp.add_argument(
        "--concurrency",
        type=whole(1, CONCURRENCY_MAX),
        default=None,
        help=f"requests each process handles at once (default {d.concurrency})",
    )
    sp.add_argument(
        "--queue",
        type=whole(1, QUEUE_MAX),
        default=None,
        help=f"requests that may wait for a place; more get 503 at once (default {d.queue})",
    )
    sp.add_argument(
        "--trusted-proxy",
        type=proxy,
        action="append",
        default=None,
        metavar="ADDRESS",
        help="a reverse proxy whose X-Forwarded-For is believed (repeat; default: none)",
    )
    sp.add_argument(
        "--queue-wait",
        type=number(0.01, WAIT_MAX_S),
        default=None,
        help=f"seconds a request may wait for a place before 503 (default {d.wait_s:g})",
    )
    ON_URL["init"] = init
    ON_URL["serve"] = serve
    ON_URL["keys"] = rotate_command  # `keys rotate`, its only action


def init(url: str, args: argparse.Namespace) -> int:
    """The schema migrated, the master key made if there is none, older stores upgraded."""
    migrate(url)
    fresh = not key_file(args.key_file).exists()
    keys = keys_of(args, create=True)
    if fresh:
        say(f"master key created at {key_file(args.key_file)}: back it up apart from the data")
    engine = make_engine(url)
    try:
        done = upgrade_store(sessions(engine), store_of(), keys)
    finally:
        engine.dispose()
    if any(done.values()):
        say(
            f"upgraded: {done['recordings']} recording(s), {done['totp_secrets']} secret(s),"
            f" {done['pseudonym_keys']} pseudonym key(s)"
        )
    say("database ready")
    return 0


def serve(url: str, args: argparse.Namespace) -> int:
    import uvicorn

    options = prepare_serving(url, args)
    uvicorn.run("app.server.asgi:app", **options)
    return 0


def prepare_serving(url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Everything `serve` does before it serves (the store brought up to date, the settings
    each process reads, hourly retention), and uvicorn's options."""
    import logging.config
    import tempfile

    from app.server.asgi import SETTINGS, settings
    from app.server.observe import MULTIPROC, log_config

    cfg = args.settings
    logging.config.dictConfig(log_config())
    limits = cfg.limits
    for option, name in (
        ("concurrency", "concurrency"),
        ("queue", "queue"),
        ("queue_wait", "wait_s"),
    ):
        if getattr(args, option) is not None:
            limits = replace(limits, **{name: getattr(args, option)})
    host = args.host or cfg.host
    port = args.port if args.port is not None else cfg.port
    workers = args.workers if args.workers is not None else cfg.workers
    proxies = list(args.trusted_proxy if args.trusted_proxy is not None else cfg.trusted_proxies)
    if workers > 1 and not os.environ.get(MULTIPROC):  # the figures of all processes, summed
        os.environ[MULTIPROC] = tempfile.mkdtemp(prefix="earmark-metrics-")
    keys = keys_of(args)
    # held while this process lives (`args` lives as long): restore and keys rotate refuse
    args.serving_lock = serving(url, data_dir())
    engine = make_engine(url)
    try:  # a store of an older version is brought up to date before anyone is served
        upgrade_store(sessions(engine), store_of(), keys)
    finally:
        engine.dispose()
    os.environ[SETTINGS] = settings(url, data_dir(), key_file(args.key_file), args.demo, limits)
    threading.Thread(target=keep_retention, args=(url, keys), name="retention", daemon=True).start()
    return {
        "factory": True,
        "host": host,
        "port": port,
        "workers": workers,
        "log_config": log_config(),  # one JSON object a line, in every worker process
        "access_log": False,  # app/server/observe.py logs each request, without its query
        "server_header": False,  # a health probe learns nothing of what runs here
        # X-Forwarded-For is believed only from the proxies named (uvicorn's default trusts
        # any client on this machine, so anyone here could pose as any address)
        "proxy_headers": bool(proxies),
        "forwarded_allow_ips": proxies,
    }


RETENTION_EVERY_S = 3600.0


def keep_retention(url: str, keys: Keys) -> None:
    """While serving: once an hour, what is past its project's retention period is erased (as
    `earmark-server retention run` does from cron)."""
    from app.server.db import wipe_freed
    from app.server.erase import apply_retention

    while True:
        try:
            engine = make_engine(url)
            try:
                with sessions(engine, anchor_key(keys))() as db:
                    if apply_retention(db, store_of()):
                        db.commit()
                        wipe_freed(db)
                    else:
                        db.commit()
            finally:
                engine.dispose()
        except Exception:  # noqa: BLE001 - logged; the next hour tries again
            logging.getLogger(__name__).exception("retention run failed")
        time.sleep(RETENTION_EVERY_S)


def rotate_command(url: str, args: argparse.Namespace) -> int:
    """`keys rotate`: refused while a server serves this database or data folder (it would
    go on with the old key), and for a new key file inside the data folder (serve refuses it)."""
    new_file: Path = args.new_key_file
    refuse_inside(new_file, data_dir())
    if new_file.exists():
        raise MasterKeyError(f"{new_file} exists already: name a new file for the new key")
    keys = keys_of(args)
    with (
        alone(url, data_dir(), "rotating the master key"),
        sessions_of(url, anchor_key(keys)) as db,
    ):
        return rotate(db, keys, new_file)


def rotate(db: Session, keys: Keys, new_file: Path) -> int:
    """Every wrapped value unwrapped with the current key and wrapped under a new one, and the
    audit log's anchor made again under it, in one transaction; the new key file is made
    first, named to the admin, and removed again if the transaction does not commit."""
    new = FileKey.create(new_file)
    try:
        n = _rewrap(db, keys, Keys(new))
        audit(db, None, "key_rotation", "", values=n)
        append_pending(db)  # the rotation's row, anchored under the old key, then:
        rekey(db, anchor_key(Keys(new)))
        db.commit()
    except BaseException:
        db.rollback()
        new_file.unlink()  # nothing was wrapped under it
        raise
    say(
        f"{n} key(s) and secret(s) now wrapped under {new_file}. Point --key-file or "
        "EARMARK_SERVER_KEY_FILE there and start the server again; then destroy the old "
        "key file (and its backups)."
    )
    return 0


def _rewrap(db: Session, keys: Keys, new: Keys) -> int:
    n = 0
    for t in db.scalars(select(m.Task).where(m.Task.audio_key.is_not(None))):
        context = f"task:{t.id}"
        t.audio_key = new.wrap(keys.unwrap(t.audio_key or b"", context), context)
        n += 1
    for u in db.scalars(select(m.User)):
        context = f"totp:{u.id}"
        u.totp_secret = new.wrap_text(keys.unwrap_text(u.totp_secret, context), context)
        n += 1
    for p in db.scalars(select(m.Project)):
        context = pseudonym_context(p.id)
        p.pseudonym_key = new.wrap(pseudonym_key(keys, p.id, p.pseudonym_key), context)
        n += 1
    return n
