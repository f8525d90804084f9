"""`earmark-server export`: a project's annotations in any format, redacted or not.

Personal data annotators confirmed leaves the server as its kind's tag with `--redact` (and
the recordings with it covered, `--audio DIR`); an export that holds it unredacted is taken by
a lead named on its audit row, with the items it held.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import formats
from app.model.conventions import conventions_from
from app.server import models as m
from app.server.audit import audit
from app.server.cli import ON_DB, keys_of, say, shown, store_of
from app.server.cli.projects import project_named
from app.server.export import export_records, holds_personal_data, item_of, redacted_record
from app.server.members import role_in
from app.server.usernames import find_user


def add(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    exp.add_argument(
        "--redact",
        action="store_true",
        help="personal data annotators confirmed written as its kind's tag ([phone]);"
        " no hypotheses",
    )
    exp.add_argument(
        "--audio",
        type=Path,
        metavar="DIR",
        help="with --redact: the recordings too, into DIR, each confirmed span silenced where"
        " the aligner places its words",
    )
    exp.add_argument(
        "--tone", action="store_true", help="with --audio: a soft tone instead of silence"
    )
    exp.add_argument(
        "--unredacted-by",
        metavar="LEAD",
        help="a lead of the project (or an admin) who takes an export holding personal data"
        " as it is; named on its audit row",
    )
    ON_DB[("export", None)] = export


def export(db: Session, args: argparse.Namespace) -> int:
    project = project_named(db, args.project)
    if project is None:
        return 2
    records = list(export_records(db, project, args.accepted_only))
    notes = formats.Notes()
    personal = [r["item"] for r in records if holds_personal_data(r)]
    lead = None
    if args.audio is not None and not args.redact:
        say("earmark-server: --audio writes redacted recordings only: add --redact")
        return 2
    if args.audio is not None:
        written = redacted_audio(db, project, records, args)
        if written is None:
            return 2
        audit(db, None, "export_audio", project.id, items=written, tone=args.tone)
    if args.redact:
        records = [redacted_record(r) for r in records]
        if any(r.get("review") for r in records):
            notes.drop("redacted export", "reviewers' comments are written as they were typed")
    elif personal:
        lead = unredacting_lead(db, project, args.unredacted_by, len(personal))
        if lead is None:
            return 2
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
    except OSError as exc:  # a folder that is not there, a file it may not write
        say(f"earmark-server: cannot write {args.output}: {exc.strerror or exc}")
        return 2
    audit(db, None, "export", project.id, records=n, accepted_only=args.accepted_only)
    if lead is not None:
        audit(db, lead.id, "export_unredacted", project.id, items=personal, format=args.format)
    db.commit()
    for line in notes.lines():
        say(f"not written: {line}")
    if args.output:
        say(f"exported {n} {'annotation(s)' if args.format == 'jsonl' else 'as ' + args.format}")
    return 0


def redacted_audio(
    db: Session, project: m.Project, records: list[dict[str, Any]], args: argparse.Namespace
) -> list[int] | None:
    """The records' recordings written with their confirmed spans covered; the item numbers
    written, or None (said why)."""
    from app.server.redact_audio import write_redacted_recordings  # PocketSphinx: this only

    ids = [r["task_id"] for r in records]
    tasks = {t.id: t for t in db.scalars(select(m.Task).where(m.Task.id.in_(ids)))}
    try:
        write_redacted_recordings(
            store_of(),
            keys_of(args),
            tasks,
            records,
            conventions_from(project.conventions),
            args.audio,
            args.tone,
            say,
        )
    except OSError as exc:
        say(f"earmark-server: cannot write recordings into {args.audio}: {exc.strerror or exc}")
        return None
    return [r["item"] for r in records]


def unredacting_lead(db: Session, project: m.Project, name: str | None, n: int) -> m.User | None:
    """The lead or admin who takes an export with personal data in it unredacted; None (said
    why) when none is named, or the one named may not."""
    if not name:
        say(
            f"earmark-server: {n} item(s) of {project.name} hold personal data an annotator"
            " confirmed or flagged: add --redact, or --unredacted-by LEAD to export them as they"
            " are (audited)"
        )
        return None
    user = find_user(db, name)  # as sign-in finds a name, in any case or width
    if user is None or user.disabled or role_in(db, user, project.id) not in ("lead", "admin"):
        say(
            f"earmark-server: {shown(name)} is not a lead of {project.name}:"
            " only a lead may export unredacted"
        )
        return None
    return user
