"""What the privacy office and the lead who answers to it ask of the server.

customer forget ID       every recording of a customer, in every project, erased
retention run            recordings past their project's retention period, erased (cron)
audit verify             the hash chain and its anchor checked; the first broken row named
audit show [filters]     rows by user, task, action and time; --json for JSON lines
audit heard TASK         who heard a recording (or --project NAME --item N)
audit listened USER      what a user heard (the last 7 days unless --since says)
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.server import models as m
from app.server.anchor import Head, anchor_key, head, problems
from app.server.audit import entries, first_break
from app.server.cli import ON_DB, keys_of, say, store_of
from app.server.cli.inputs import INT32_MAX, moment, whole
from app.server.db import wipe_freed
from app.server.erase import Erased, apply_retention, forget_customer
from app.server.usernames import find_user


def add(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    c = sub.add_parser("customer", help="a customer's recordings").add_subparsers(
        dest="action", required=True
    )
    f = c.add_parser("forget", help="erase every recording of a customer, in every project")
    f.add_argument("customer_id", nargs="?", help="their account id (or --id-stdin)")
    f.add_argument(
        "--id-stdin", action="store_true", help="read the id from stdin (kept out of history)"
    )
    r = sub.add_parser("retention", help="retention periods").add_subparsers(
        dest="action", required=True
    )
    r.add_parser("run", help="erase what is past each project's retention period")
    a = sub.add_parser("audit", help="ask the audit log").add_subparsers(
        dest="action", required=True
    )
    v = a.add_parser("verify", help="check the whole chain and its anchor; name what broke")
    v.add_argument(
        "--known",
        type=_known,
        action="append",
        default=[],
        metavar="SEQ:HASH",
        help="a head an earlier verify reported (kept apart from the server): the log must"
        " still hold that row with that hash (repeat for several)",
    )
    show = a.add_parser("show", help="rows by user, task, action and time")
    show.add_argument("--user", help="a user name")
    show.add_argument("--task", help="a recording's task id")
    show.add_argument("--action", dest="what", help="e.g. audio_access, login, deletion")
    _times(show)
    show.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    heard = a.add_parser("heard", help="who heard a recording")
    heard.add_argument("task", nargs="?", help="its task id (or --project and --item)")
    heard.add_argument("--project")
    heard.add_argument("--item", type=whole(1, INT32_MAX))
    heard.add_argument("--json", action="store_true")
    listened = a.add_parser("listened", help="what a user heard")
    listened.add_argument("user")
    _times(listened, default_since="7d")
    listened.add_argument("--json", action="store_true")
    ON_DB[("customer", "forget")] = forget
    ON_DB[("retention", "run")] = retention_run
    ON_DB[("audit", "verify")] = verify
    ON_DB[("audit", "show")] = show_rows
    ON_DB[("audit", "heard")] = who_heard
    ON_DB[("audit", "listened")] = what_heard


def _times(p: argparse.ArgumentParser, default_since: str | None = None) -> None:
    p.add_argument(
        "--since",
        type=moment,  # seconds since the epoch (a default is read the same way)
        default=default_since,
        help="a date or time (2026-11-30, 2026-11-30T09:00) or an age (7d, 12h)"
        + (f"; default {default_since}" if default_since else ""),
    )
    p.add_argument("--until", type=moment, help="as --since")


def _stamp(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _report(what: str, done: Erased) -> None:
    by_project: dict[str, list[int]] = {}
    for project, number in done.items:
        by_project.setdefault(project, []).append(number)
    say(f"{what}: {len(done)} recording(s)")
    for project, numbers in by_project.items():
        say(f"  {project}: items {', '.join(str(n) for n in sorted(numbers))}")


def forget(db: Session, args: argparse.Namespace) -> int:
    customer = sys.stdin.readline().strip() if args.id_stdin else (args.customer_id or "")
    if not customer:
        say("earmark-server: name the customer's account id (or give it with --id-stdin)")
        return 2
    done = forget_customer(db, store_of(), keys_of(args), customer)
    db.commit()
    wipe_freed(db)
    _report("erased", done)
    if done:
        say("every workstation that held any of them purges it at its next sync")
    return 0


def retention_run(db: Session, args: argparse.Namespace) -> int:
    done = apply_retention(db, store_of())
    db.commit()
    if done:
        wipe_freed(db)
    _report("past their retention period", done)
    return 0


def _known(text: str) -> Head:
    """SEQ:HASH as `audit verify` reports a head."""
    seq, _, digest = text.strip().partition(":")
    digits, hexdigits = "0123456789", "0123456789abcdefABCDEF"
    if not (
        0 < len(seq) <= 12
        and all(c in digits for c in seq)
        and len(digest) == 64
        and all(c in hexdigits for c in digest)
    ):
        raise argparse.ArgumentTypeError(
            f"--known takes a row and its hash as verify reports them (SEQ:HASH), not {text!r}"
        )
    return Head(int(seq), digest.lower())


def verify(db: Session, args: argparse.Namespace) -> int:
    """The chain's links and hashes, then its anchor (app/server/anchor.py): what the MAC
    under the master key vouches for, and any head kept elsewhere."""
    broken = first_break(db)
    found = problems(db, anchor_key(keys_of(args)), args.known)
    if broken is None and not found:
        last = head(db)
        say(
            f"the audit log holds: {len(entries(db))} row(s), every link and hash as written,"
            " its head anchored under the master key"
        )
        say(
            f"head: row {last.seq}, hash {last.hash} (keep it apart from the server: a later"
            f" `audit verify --known {last.seq}:{last.hash}` shows the log still holds it)"
        )
        return 0
    if broken is not None:
        seq, why = broken
        say(f"the audit log is broken at row {seq}: {why}")
    for why in found:
        say(f"the audit log is broken: {why}")
    return 1


def _names(db: Session) -> dict[str, str]:
    return dict(db.execute(select(m.User.id, m.User.username)).all())


def _user_id(db: Session, name: str) -> str | None:
    found = find_user(db, name)
    if found is None:
        say(f"earmark-server: no user named {name}")
    return found.id if found else None


def _print(rows: list[dict[str, object]], as_json: bool, columns: list[str]) -> None:
    for r in rows:
        if as_json:
            sys.stdout.write(json.dumps(r) + "\n")
        else:
            say("  ".join(str(r.get(c, "")) for c in columns))


def show_rows(db: Session, args: argparse.Namespace) -> int:
    user_id = _user_id(db, args.user) if args.user else None
    if args.user and user_id is None:
        return 2
    names = _names(db)
    rows = [
        {
            "seq": e.seq,
            "at": _stamp(e.at),
            "user": names.get(e.user_id or "", e.user_id or "-"),
            "action": e.action,
            "object": e.object_id,
            "detail": e.detail,
        }
        for e in entries(db, user_id, args.task, args.what, args.since, args.until)
    ]
    _print(rows, args.json, ["seq", "at", "user", "action", "object", "detail"])
    return 0


def who_heard(db: Session, args: argparse.Namespace) -> int:
    task_id = args.task
    if task_id is None:
        if not (args.project and args.item):
            say("earmark-server: name the task id, or --project NAME --item N")
            return 2
        task_id = db.scalar(
            select(m.Task.id)
            .join(m.Project)
            .where(m.Project.name == args.project, m.Task.number == args.item)
        )
        if task_id is None:
            say(f"earmark-server: no item {args.item} in {args.project}")
            return 2
    names = _names(db)
    heard: dict[str, list[float]] = {}
    for e in entries(db, object_id=task_id, action="audio_access"):
        heard.setdefault(names.get(e.user_id or "", "?"), []).append(e.at)
    if not heard and db.get(m.Task, task_id) is None:  # an erased one's listeners are still shown
        say(f"earmark-server: no recording has the task id {task_id}")
        return 2
    rows: list[dict[str, object]] = [
        {"user": who, "times": len(ats), "first": _stamp(min(ats)), "last": _stamp(max(ats))}
        for who, ats in sorted(heard.items())
    ]
    if not rows and not args.json:
        say(f"nobody has heard {task_id}")
    _print(rows, args.json, ["user", "times", "first", "last"])
    return 0


def what_heard(db: Session, args: argparse.Namespace) -> int:
    user_id = _user_id(db, args.user)
    if user_id is None:
        return 2
    tasks = {
        t.id: (p.name, t.number)
        for t, p in db.execute(select(m.Task, m.Project).join(m.Project)).all()
    }
    heard: dict[str, list[float]] = {}
    for e in entries(db, user_id, None, "audio_access", args.since, args.until):
        heard.setdefault(e.object_id, []).append(e.at)
    rows: list[dict[str, object]] = []
    for task_id, ats in sorted(heard.items(), key=lambda kv: min(kv[1])):
        project, number = tasks.get(task_id, ("(deleted)", 0))
        rows.append(
            {
                "project": project,
                "item": number,
                "task": task_id,
                "times": len(ats),
                "first": _stamp(min(ats)),
                "last": _stamp(max(ats)),
            }
        )
    if not rows and not args.json:
        say(f"{args.user} heard nothing in that time")
    _print(rows, args.json, ["project", "item", "task", "times", "first", "last"])
    return 0
