"""earmark-server: init, user add, project create, import, export, serve."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import secrets
import sys
from pathlib import Path

from sqlalchemy import select

from app.server import models as m
from app.server.db import data_dir, default_url, make_engine, migrate, sessions
from app.server.importer import import_recordings
from app.server.security import hash_password, new_totp_secret, totp_uri
from app.server.storage import AudioStore


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="earmark-server", description="The Earmark sync server.")
    p.add_argument(
        "--db",
        default=None,
        help="database URL (default: $EARMARK_SERVER_DB or SQLite in $EARMARK_SERVER_DATA)",
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
    serve = sub.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--demo", action="store_true", help="no second factor (demo only)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    url = args.db or default_url()
    if args.command == "init":
        migrate(url)
        _say("database ready")
        return 0
    if args.command == "serve":
        import uvicorn

        from app.server.api import create_app

        uvicorn.run(
            create_app(url, data_dir(), demo=args.demo),
            host=args.host,
            port=args.port,
            log_level="info",
            access_log=False,
        )
        return 0
    maker = sessions(make_engine(url))
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
            db.add(
                m.User(
                    username=args.username,
                    password_hash=hash_password(password),
                    role=args.role,
                    totp_secret=secret,
                )
            )
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
                db, AudioStore(data_dir() / "audio"), project, args.path, args.sample
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
            rows = db.execute(
                select(m.Annotation, m.Task)
                .join(m.Task)
                .where(m.Task.project_id == project.id, m.Task.deleted.is_(False))
            )
            for ann, task in rows:
                out.write(
                    json.dumps(
                        {
                            "task_id": task.id,
                            "annotation_id": ann.id,
                            "version": ann.version,
                            "asr": task.asr_text,
                            "duration_s": task.duration_s,
                            **ann.doc,
                        }
                    )
                    + "\n"
                )
                n += 1
            if args.output:
                out.close()
            _say(f"exported {n} annotation(s)") if args.output else None
            return 0
    return 2


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
