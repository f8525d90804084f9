"""project create|review-policy|retention, import, export: a project's set-up and its data in
and out."""

from __future__ import annotations

import argparse
import json
import secrets
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import formats
from app.model.conventions import conventions_from
from app.model.taxonomy import taxonomy_from
from app.protocol import ReasonCode, ReviewPolicy
from app.server import models as m
from app.server.audit import audit
from app.server.cli import ON_DB, keys_of, say
from app.server.db import data_dir
from app.server.export import export_records, item_of
from app.server.importer import import_recordings
from app.server.review import policy_of
from app.server.storage import AudioStore


def add(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    pc: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    cp = pc.add_parser("create", help="create a project")
    cp.add_argument("name")
    cp.add_argument("--taxonomy", type=Path, required=True)
    cp.add_argument("--conventions", type=Path, required=True)
    imp = sub.add_parser("import", help="import recordings into a project")
    imp.add_argument("project")
    imp.add_argument(
        "path",
        type=Path,
        help="a folder of recordings (with TextGrid, EAF, VTT or SRT sidecars), a JSONL, NeMo,"
        " SLURP or MASSIVE manifest, a Label Studio export or a Kaldi data folder",
    )
    imp.add_argument("--tier", help="the TextGrid or ELAN tier to read as the transcript")
    imp.add_argument(
        "--segment",
        action="store_true",
        help="segments from pauses for each recording that brings none",
    )
    imp.add_argument(
        "--sample",
        type=float,
        default=1.0,
        help="share of customers to keep, e.g. 0.02 (default: all)",
    )
    exp = sub.add_parser("export", help="write a project's annotations")
    exp.add_argument("project")
    exp.add_argument(
        "-o", "--output", type=Path, help="a file; a folder for textgrid, eaf, vtt, srt, kaldi"
    )
    exp.add_argument(
        "--format",
        choices=formats.FORMATS,
        default="jsonl",
        help="jsonl (default) carries reviews and versions; the others the annotation only",
    )
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
    ret = pc.add_parser("retention", help="how long a project keeps its recordings")
    ret.add_argument("name")
    ret.add_argument("--days", type=int, help="delete recordings imported longer ago than this")
    ret.add_argument("--keep", action="store_true", help="keep recordings until deleted")
    ON_DB[("project", "create")] = create
    ON_DB[("project", "review-policy")] = review_policy
    ON_DB[("project", "retention")] = retention
    ON_DB[("import", None)] = import_
    ON_DB[("export", None)] = export


def project_named(db: Session, name: str) -> m.Project | None:
    project = db.scalars(select(m.Project).where(m.Project.name == name)).first()
    if project is None:
        say(f"earmark-server: no project named {name}")
    return project


def _document(path: Path, parse: Callable[[object], object]) -> dict[str, Any] | None:
    """The JSON object in `path` if the model reads it (stored as it is); None once said why not."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        parse(data)
    except (OSError, ValueError) as exc:
        say(f"earmark-server: {path}: {exc}")
        return None
    return cast(dict[str, Any], data)  # parse() refuses anything but an object


def create(db: Session, args: argparse.Namespace) -> int:
    taxonomy = _document(args.taxonomy, taxonomy_from)
    conventions = _document(args.conventions, conventions_from)
    if taxonomy is None or conventions is None:
        return 2
    project = m.Project(
        name=args.name,
        taxonomy=taxonomy,
        conventions=conventions,
        pseudonym_key=secrets.token_bytes(32),
    )
    db.add(project)
    db.flush()
    audit(db, None, "project_create", project.id, name=args.name)
    db.commit()
    say(f"project {args.name} created; add its people with `project member add`")
    return 0


def retention(db: Session, args: argparse.Namespace) -> int:
    project = project_named(db, args.name)
    if project is None:
        return 2
    if args.keep == (args.days is not None):
        say("earmark-server: say either --days N or --keep")
        return 2
    if args.days is not None and args.days < 1:
        say("earmark-server: a retention period is at least one day")
        return 2
    project.retention_days = None if args.keep else args.days
    audit(db, None, "retention_policy", project.id, days=project.retention_days)
    db.commit()
    say(
        f"project {args.name} keeps recordings until they are deleted"
        if args.keep
        else f"project {args.name} deletes recordings {args.days} day(s) after import "
        "(`earmark-server retention run`, or serve, does it)"
    )
    return 0


def import_(db: Session, args: argparse.Namespace) -> int:
    project = project_named(db, args.project)
    if project is None:
        return 2
    try:
        result = import_recordings(
            db,
            AudioStore(data_dir() / "audio"),
            keys_of(args),
            project,
            args.path,
            args.sample,
            tier=args.tier,
            segment=args.segment,
        )
    except formats.FormatError as exc:
        say(f"earmark-server: {exc}")
        return 2
    db.commit()
    for line in result.notes:
        say(f"not kept: {line}")
    for r in result.refused:
        say(f"refused: {r}")
    say(
        f"{result.imported} imported, {result.skipped_by_sampling} left out by "
        f"sampling, {len(result.refused)} refused"
    )
    return 1 if result.refused else 0


def export(db: Session, args: argparse.Namespace) -> int:
    project = project_named(db, args.project)
    if project is None:
        return 2
    records = list(export_records(db, project, args.accepted_only))
    notes = formats.Notes()
    try:
        if args.format == "jsonl":
            out = args.output.open("w", encoding="utf-8") if args.output else sys.stdout
            for record in records:
                out.write(json.dumps(record) + "\n")
            n = len(records)
            if args.output:
                out.close()
        else:
            items = [item_of(r) for r in records if r["status"] == "submitted"]
            n = formats.write_to(args.format, items, args.output, notes)
    except formats.FormatError as exc:
        say(f"earmark-server: {exc}")
        return 2
    audit(db, None, "export", project.id, records=n, accepted_only=args.accepted_only)
    db.commit()
    for line in notes.lines():
        say(f"not written: {line}")
    if args.output:
        say(f"exported {n} {'annotation(s)' if args.format == 'jsonl' else 'as ' + args.format}")
    return 0


def review_policy(db: Session, args: argparse.Namespace) -> int:
    project = db.scalars(select(m.Project).where(m.Project.name == args.name)).first()
    if project is None:
        say(f"earmark-server: no project named {args.name}")
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
            say(
                f"earmark-server: {args.reasons} is not a JSON list of "
                f'{{"code": ..., "title": ...}} ({exc})'
            )
            return 2
        if not policy.reasons:
            say("earmark-server: a project needs at least one reason code to reject with")
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
        say(f"earmark-server: {exc}")
        return 2
    audit(db, None, "review_policy", project.id, first_n=policy.first_n, rate=policy.rate)
    db.commit()
    say(
        f"project {project.name}: review all of each annotator's first {policy.first_n} items, "
        f"then {policy.rate:.0%} of the rest; {len(policy.reasons)} reason codes"
    )
    return 0
