"""earmark-server: init, user add, project create, import, export, keys rotate, serve."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import secrets
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.protocol import ReasonCode, ReviewPolicy
from app.server import models as m
from app.server.audit import audit
from app.server.db import data_dir, default_url, make_engine, migrate, sessions
from app.server.importer import import_recordings
from app.server.keys import FileKey, Keys, MasterKeyError, key_file, load_keys
from app.server.limits import Limits
from app.server.review import policy_of
from app.server.security import hash_password, new_totp_secret, totp_uri
from app.server.storage import AudioStore
from app.server.upgrade import upgrade_store


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="earmark-server", description="The Earmark sync server.")
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
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="create or upgrade the database")
    u = sub.add_parser("user", help="manage users").add_subparsers(dest="action", required=True)
    add = u.add_parser("add", help="add a user; prints the TOTP enrolment URI and QR code")
    add.add_argument("username")
    add.add_argument("--role", choices=["annotator", "reviewer", "admin"], required=True)
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    pc = sub.add_parser("project", help="manage projects").add_subparsers(
        dest="action", required=True
    )
    create = pc.add_parser("create", help="create a project")
    create.add_argument("name")
    create.add_argument("--taxonomy", type=Path, required=True)
    create.add_argument("--conventions", type=Path, required=True)
    imp = sub.add_parser("import", help="import recordings into a project")
    imp.add_argument("project")
    imp.add_argument("path", type=Path, help="a folder of recordings or a JSONL manifest")
    imp.add_argument(
        "--sample",
        type=float,
        default=1.0,
        help="share of customers to keep, e.g. 0.02 (default: all)",
    )
    exp = sub.add_parser("export", help="write a project's annotations as JSONL")
    exp.add_argument("project")
    exp.add_argument("-o", "--output", type=Path)
    exp.add_argument(
        "--accepted-only",
        action="store_true",
        help="only items a reviewer accepted (as they were, or fixed)",
    )
    pol = pc.add_parser("review-policy", help="set which share of submissions is reviewed")
    pol.add_argument("name")
    pol.add_argument("--first", type=int, help="review all of each annotator's first N items")
    pol.add_argument("--rate", type=float, help="then this share of the rest, e.g. 0.1")
    pol.add_argument("--reasons", type=Path, help='JSON list of {"code": .., "title": ..}')
    for what in ("case", "punctuation", "tags"):
        pol.add_argument(
            f"--keep-{what}",
            action=argparse.BooleanOptionalAction,
            default=None,
            help=f"before WER/CER, keep {what} (default: normalised away)",
        )
    keys = sub.add_parser("keys", help="the master key").add_subparsers(
        dest="action", required=True
    )
    rotate = keys.add_parser("rotate", help="wrap every key and secret under a new master key")
    rotate.add_argument("--new-key-file", type=Path, required=True, help="created; must not exist")
    serve = sub.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--demo", action="store_true", help="no second factor (demo only)")
    d = Limits()
    serve.add_argument(
        "--workers", type=int, default=1, help="server processes on this machine (default 1)"
    )
    serve.add_argument(
        "--concurrency",
        type=int,
        default=d.concurrency,
        help=f"requests each process handles at once (default {d.concurrency})",
    )
    serve.add_argument(
        "--queue",
        type=int,
        default=d.queue,
        help=f"requests that may wait for a place; more get 503 at once (default {d.queue})",
    )
    serve.add_argument(
        "--trusted-proxy",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="a reverse proxy whose X-Forwarded-For is believed (repeat; default: none)",
    )
    serve.add_argument(
        "--queue-wait",
        type=float,
        default=d.wait_s,
        help=f"seconds a request may wait for a place before 503 (default {d.wait_s:g})",
    )
    return p


def export_records(
    db: Session, project: m.Project, accepted_only: bool
) -> Iterator[dict[str, Any]]:
    """One record per annotation: the final version (the reviewer's, when fixed) and its review."""
    names = {u.id: u.username for u in db.scalars(select(m.User))}
    latest: dict[str, tuple[m.Review, m.ReviewItem]] = {}
    for rv, item in db.execute(
        select(m.Review, m.ReviewItem)
        .join(m.ReviewItem, m.Review.item_id == m.ReviewItem.id)
        .where(m.ReviewItem.project_id == project.id)
        .order_by(m.Review.created_at)
    ):
        latest[item.annotation_id] = (rv, item)
    rows = db.execute(
        select(m.Annotation, m.Task)
        .join(m.Task)
        .where(m.Task.project_id == project.id, m.Task.deleted.is_(False))
        .order_by(m.Task.number)
    )
    for ann, task in rows:
        reviewed = latest.get(ann.id)
        if reviewed is not None and reviewed[1].submission != ann.submissions:
            reviewed = None  # resubmitted since: that review is of an older version
        outcome = reviewed[0].outcome if reviewed else None
        if accepted_only and outcome not in ("accepted", "fixed"):
            continue
        doc = reviewed[0].doc if reviewed and outcome == "fixed" and reviewed[0].doc else ann.doc
        yield {
            **doc,  # first: the server's own fields below are never taken from a document
            "task_id": task.id,
            "item": task.number,
            "annotation_id": ann.id,
            "version": ann.version,
            "asr": task.asr_text,
            "duration_s": task.duration_s,
            "review": None
            if reviewed is None
            else {
                "outcome": outcome,
                "reason": reviewed[0].reason,
                "comment": reviewed[0].comment,
                "reviewer": names.get(reviewed[0].reviewer_id, ""),
                "annotator": names.get(ann.user_id, ""),
            },
        }


def _review_policy(db: Session, args: argparse.Namespace) -> int:
    project = db.scalars(select(m.Project).where(m.Project.name == args.name)).first()
    if project is None:
        _say(f"earmark-server: no project named {args.name}")
        return 2
    policy = policy_of(project)
    if args.first is not None:
        policy.first_n = args.first
    if args.rate is not None:
        policy.rate = args.rate
    if args.reasons is not None:
        try:
            policy.reasons = [ReasonCode(**r) for r in json.loads(args.reasons.read_text())]
        except (OSError, TypeError, ValueError) as exc:
            _say(
                f"earmark-server: {args.reasons} is not a JSON list of "
                f'{{"code": ..., "title": ...}} ({exc})'
            )
            return 2
        if not policy.reasons:
            _say("earmark-server: a project needs at least one reason code to reject with")
            return 2
    norm = policy.normalisation
    if args.keep_case is not None:
        norm.lowercase = not args.keep_case
    if args.keep_punctuation is not None:
        norm.strip_punctuation = not args.keep_punctuation
    if args.keep_tags is not None:
        norm.drop_tags = not args.keep_tags
    try:
        project.review_policy = ReviewPolicy.model_validate(policy.model_dump()).model_dump()
    except ValueError as exc:
        _say(f"earmark-server: {exc}")
        return 2
    audit(db, None, "review_policy", project.id, first_n=policy.first_n, rate=policy.rate)
    db.commit()
    _say(
        f"project {project.name}: review all of each annotator's first {policy.first_n} items, "
        f"then {policy.rate:.0%} of the rest; {len(policy.reasons)} reason codes"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    url = args.db or default_url()
    try:
        if args.command == "init":
            return _init(url, args)
        if args.command == "serve":
            return _serve(url, args)
        engine = make_engine(url)
        try:
            return _with_db(sessions(engine), args)
        finally:
            engine.dispose()
    except MasterKeyError as exc:
        _say(f"earmark-server: {exc}")
        return 2


def _keys(args: argparse.Namespace, create: bool = False) -> Keys:
    return load_keys(args.key_file, data_dir(), create=create)


def _init(url: str, args: argparse.Namespace) -> int:
    """The schema migrated, the master key made if there is none, older stores upgraded."""
    migrate(url)
    fresh = not key_file(args.key_file).exists()
    keys = _keys(args, create=True)
    if fresh:
        _say(f"master key created at {key_file(args.key_file)}: back it up apart from the data")
    engine = make_engine(url)
    try:
        done = upgrade_store(sessions(engine), AudioStore(data_dir() / "audio"), keys)
    finally:
        engine.dispose()
    if any(done.values()):
        _say(f"upgraded: {done['recordings']} recording(s), {done['totp_secrets']} secret(s)")
    _say("database ready")
    return 0


def _serve(url: str, args: argparse.Namespace) -> int:
    import uvicorn

    from app.server.asgi import SETTINGS, settings

    limits = replace(
        Limits(), concurrency=args.concurrency, queue=args.queue, wait_s=args.queue_wait
    )
    keys = _keys(args)
    engine = make_engine(url)
    try:  # a store of an older version is brought up to date before anyone is served
        upgrade_store(sessions(engine), AudioStore(data_dir() / "audio"), keys)
    finally:
        engine.dispose()
    os.environ[SETTINGS] = settings(url, data_dir(), key_file(args.key_file), args.demo, limits)
    uvicorn.run(
        "app.server.asgi:app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="info",
        access_log=False,
        # X-Forwarded-For is believed only from the proxies named (uvicorn's default trusts
        # any client on this machine, so anyone here could pose as any address)
        proxy_headers=bool(args.trusted_proxy),
        forwarded_allow_ips=args.trusted_proxy or [],
    )
    return 0


def _rotate(db: Session, keys: Keys, new_file: Path) -> int:
    """Every wrapped value unwrapped with the current key and wrapped under a new one, in one
    transaction; the new key file is made first and named to the admin."""
    new = FileKey.create(new_file)
    n = 0
    for t in db.scalars(select(m.Task).where(m.Task.audio_key.is_not(None))):
        context = f"task:{t.id}"
        t.audio_key = new.wrap(keys.unwrap(t.audio_key or b"", context), context)
        n += 1
    for u in db.scalars(select(m.User)):
        context = f"totp:{u.id}"
        u.totp_secret = Keys(new).wrap_text(keys.unwrap_text(u.totp_secret, context), context)
        n += 1
    audit(db, None, "key_rotation", "", values=n)
    db.commit()
    _say(
        f"{n} key(s) and secret(s) now wrapped under {new_file}. Point --key-file or "
        "EARMARK_SERVER_KEY_FILE there and restart every server process; then destroy the old "
        "key file (and its backups)."
    )
    return 0


def _with_db(maker: sessionmaker[Session], args: argparse.Namespace) -> int:
    with maker() as db:
        if args.command == "user":
            password = (
                sys.stdin.readline().rstrip("\n")
                if args.password_stdin
                else getpass.getpass("Password: ")
            )
            if len(password) < 8:
                _say("earmark-server: a password needs at least 8 characters")
                return 2
            secret = new_totp_secret()
            user = m.User(
                username=args.username,
                password_hash=hash_password(password),
                role=args.role,
                totp_secret="",
            )
            db.add(user)
            db.flush()
            user.totp_secret = _keys(args).wrap_text(secret, f"totp:{user.id}")
            audit(db, None, "user_add", user.id, username=args.username, role=args.role)
            db.commit()
            uri = totp_uri(secret, args.username)
            _say(f"user {args.username} ({args.role}) added. Enrol their authenticator app:")
            _say(uri)
            if sys.stdout.isatty():
                import qrcode

                qr = qrcode.QRCode(border=1)
                qr.add_data(uri)
                qr.print_ascii(invert=True)
            return 0
        if args.command == "keys":
            return _rotate(db, _keys(args), args.new_key_file)
        if args.command == "project" and args.action == "review-policy":
            return _review_policy(db, args)
        if args.command == "project":
            db.add(
                m.Project(
                    name=args.name,
                    taxonomy=json.loads(args.taxonomy.read_text()),
                    conventions=json.loads(args.conventions.read_text()),
                    pseudonym_key=secrets.token_bytes(32),
                )
            )
            db.commit()
            _say(f"project {args.name} created")
            return 0
        project = db.scalars(select(m.Project).where(m.Project.name == args.project)).first()
        if project is None:
            _say(f"earmark-server: no project named {args.project}")
            return 2
        if args.command == "import":
            result = import_recordings(
                db, AudioStore(data_dir() / "audio"), _keys(args), project, args.path, args.sample
            )
            db.commit()
            for r in result.refused:
                _say(f"refused: {r}")
            _say(
                f"{result.imported} imported, {result.skipped_by_sampling} left out by "
                f"sampling, {len(result.refused)} refused"
            )
            return 1 if result.refused else 0
        if args.command == "export":
            out = args.output.open("w", encoding="utf-8") if args.output else sys.stdout
            n = 0
            for record in export_records(db, project, args.accepted_only):
                out.write(json.dumps(record) + "\n")
                n += 1
            audit(db, None, "export", project.id, records=n, accepted_only=args.accepted_only)
            db.commit()
            if args.output:
                out.close()
            _say(f"exported {n} annotation(s)") if args.output else None
            return 0
    return 2


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
