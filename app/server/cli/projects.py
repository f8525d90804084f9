"""project create|review-policy|retention, import, export: a project's set-up and its data in
and out."""

from __future__ import annotations

import argparse
import json
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import formats
from app.model.conventions import conventions_from
from app.model.taxonomy import taxonomy_from
from app.protocol import REASONS_MAX, REVIEW_FIRST_MAX, ReviewPolicy
from app.server import models as m
from app.server.audit import audit
from app.server.cli import ON_DB, keys_of, say, shown, store_of
from app.server.cli.inputs import INT32_MAX, number, one_line, reason_codes, whole
from app.server.importer import import_recordings
from app.server.keys import pseudonym_context
from app.server.review import policy_of
from app.server.served import DEFAULT_RANGE, Voice, voice_range


def add(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    pc: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    from app.server.cli import screen  # it names projects as this module does

    cp = pc.add_parser("create", help="create a project")
    cp.add_argument("name")
    cp.add_argument("--taxonomy", type=Path, required=True)
    cp.add_argument("--conventions", type=Path, required=True)
    cp.add_argument(
        "--mute-spoken-data",
        action="store_true",
        help="serve recordings with the personal data their hypothesis says covered by a tone",
    )
    cp.add_argument(
        "--disguise-voice",
        nargs="?",
        const="-".join(map(str, DEFAULT_RANGE)),
        metavar="LOW-HIGH",
        type=_voice,
        help="serve recordings with the speaker's voice disguised (McAdams), each with a"
        f" coefficient drawn from LOW-HIGH (default {DEFAULT_RANGE[0]}-{DEFAULT_RANGE[1]})",
    )
    screen.add_create_options(cp)
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
        type=number(0, 1),
        default=1.0,
        help="share of customers to keep, e.g. 0.02 (default: all)",
    )
    imp.add_argument(
        "--allow-outside",
        metavar="DIR",
        type=Path,
        action="append",
        default=[],
        help="also import recordings under DIR (by default only those under the folder of the"
        " file that names them); may be given more than once",
    )
    pol = pc.add_parser("review-policy", help="set which share of submissions is reviewed")
    pol.add_argument("name")
    pol.add_argument(
        "--first",
        type=whole(0, REVIEW_FIRST_MAX),
        help=f"review all of each annotator's first N items (at most {REVIEW_FIRST_MAX:,})",
    )
    pol.add_argument("--rate", type=number(0, 1), help="then this share of the rest, e.g. 0.1")
    pol.add_argument(
        "--reasons",
        type=reason_codes,
        metavar="FILE",
        help=f'JSON list of {{"code": .., "title": ..}} (at most {REASONS_MAX})',
    )
    for what in ("case", "punctuation", "tags"):
        pol.add_argument(
            f"--keep-{what}",
            action=argparse.BooleanOptionalAction,
            default=None,
            help=f"before WER/CER, keep {what} (default: normalised away)",
        )
    ret = pc.add_parser("retention", help="how long a project keeps its recordings")
    ret.add_argument("name")
    ret.add_argument(
        "--days",
        type=whole(1, INT32_MAX),
        help="delete recordings imported longer ago than this",
    )
    ret.add_argument("--keep", action="store_true", help="keep recordings until deleted")
    ON_DB[("project", "create")] = create
    ON_DB[("project", "review-policy")] = review_policy
    ON_DB[("project", "retention")] = retention
    mute = pc.add_parser(
        "mute-spoken-data", help="whether recordings imported from now on are served muted"
    )
    mute.add_argument("name")
    mute.add_argument("state", choices=("on", "off"))
    ON_DB[("project", "mute-spoken-data")] = mute_spoken_data
    voice = pc.add_parser(
        "disguise-voice", help="whether recordings imported from now on are served disguised"
    )
    voice.add_argument("name")
    voice.add_argument("range", metavar="LOW-HIGH|off", type=_voice_or_off)
    ON_DB[("project", "disguise-voice")] = disguise_voice
    from app.server.cli import exporting  # it names projects as this module does

    exporting.add(sub)
    screen.add(pc)
    ON_DB[("import", None)] = import_


PROJECT_NAME_MAX = 200  # its column's width


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


def _new_name(db: Session, name: str) -> bool:
    """Whether `name` may name a new project (it is shown in listings and on every
    workstation); said why not."""
    problem = (
        "is empty"
        if not name.strip()
        else f"is longer than {PROJECT_NAME_MAX} characters"
        if len(name) > PROJECT_NAME_MAX
        else "holds a control or format character"
        if shown(name) != name
        else "is taken"
        if db.scalar(select(m.Project.id).where(m.Project.name == name))
        else ""
    )
    if problem:
        say(f"earmark-server: the project name {name!r} {problem}")
    return not problem


def create(db: Session, args: argparse.Namespace) -> int:
    if not _new_name(db, args.name):
        return 2
    taxonomy = _document(args.taxonomy, taxonomy_from)
    conventions = _document(args.conventions, conventions_from)
    if taxonomy is None or conventions is None:
        return 2
    project_id = m.new_id()
    project = m.Project(
        id=project_id,
        name=args.name,
        taxonomy=taxonomy,
        conventions=conventions,
        # wrapped under the master key: a copy of the database alone cannot reverse pseudonyms
        pseudonym_key=keys_of(args).wrap(secrets.token_bytes(32), pseudonym_context(project_id)),
        mute_spoken_data=args.mute_spoken_data,
        voice_disguise=None if args.disguise_voice is None else args.disguise_voice.to_json(),
        lock_after_s=args.lock_after,
        watermark=args.watermark,
    )
    db.add(project)
    db.flush()
    audit(db, None, "project_create", project.id, name=args.name, mute=args.mute_spoken_data)
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


def set_on_project(
    db: Session, name: str, field: str, value: Any, action: str = "", **audited: Any
) -> bool:
    """One setting of the project `name` changed, audited as `action` (by default the field's
    name) with `audited` as detail, and committed; False, once said, when there is no such
    project."""
    project = project_named(db, name)
    if project is None:
        return False
    setattr(project, field, value)
    audit(db, None, action or field, project.id, **audited)
    db.commit()
    return True


def mute_spoken_data(db: Session, args: argparse.Namespace) -> int:
    on = args.state == "on"
    if not set_on_project(db, args.name, "mute_spoken_data", on, on=on):
        return 2
    say(
        f"project {args.name}: recordings imported from now on are served with the personal"
        " data their hypothesis says covered by a tone (those imported before stay as they are)"
        if on
        else f"project {args.name}: recordings imported from now on are served as they are"
    )
    return 0


def _voice(text: str) -> Voice:
    try:
        return voice_range(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _voice_or_off(text: str) -> Voice | None:
    return None if text == "off" else _voice(text)


def disguise_voice(db: Session, args: argparse.Namespace) -> int:
    voice: Voice | None = args.range
    stored = None if voice is None else voice.to_json()
    if not set_on_project(db, args.name, "voice_disguise", stored, range=stored):
        return 2
    say(
        f"project {args.name}: recordings imported from now on are served with the voice"
        f" disguised (McAdams coefficient drawn from {voice.low}-{voice.high} for each; those"
        " imported before stay as they are)"
        if voice is not None
        else f"project {args.name}: recordings imported from now on are served with their voice"
    )
    return 0


def import_(db: Session, args: argparse.Namespace) -> int:
    project = project_named(db, args.project)
    if project is None:
        return 2
    for folder in args.allow_outside:
        if not folder.is_dir():
            say(f"earmark-server: --allow-outside {folder}: not a folder")
            return 2
    try:
        result = import_recordings(
            db,
            store_of(),
            keys_of(args),
            project,
            args.path,
            args.sample,
            tier=args.tier,
            segment=args.segment,
            allow_outside=tuple(args.allow_outside),
        )
    except formats.FormatError as exc:
        say(f"earmark-server: {exc}")
        return 2
    db.commit()
    for line in result.notes:
        say(f"not kept: {line}")
    for line in result.not_muted:
        say(f"not muted: {line}")
    for r in result.refused:
        say(f"refused: {r}")
    say(
        f"{result.imported} imported, {result.skipped_by_sampling} left out by "
        f"sampling, {len(result.refused)} refused"
    )
    return 1 if result.refused else 0


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
        policy.reasons = args.reasons
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
        say(f"earmark-server: {one_line(exc)}")
        return 2
    audit(db, None, "review_policy", project.id, first_n=policy.first_n, rate=policy.rate)
    db.commit()
    say(
        f"project {project.name}: review all of each annotator's first {policy.first_n} items, "
        f"then {policy.rate:.0%} of the rest; {len(policy.reasons)} reason codes"
    )
    return 0
