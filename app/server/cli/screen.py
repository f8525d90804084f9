"""project lock-after|watermark: how a project's workstations guard their screen.

A workstation left alone locks after the project's idle time and asks for the second factor
again (the server checks it: POST /auth/unlock); a watermark draws the signed-in user's name and
the time over the item, so that a photograph of the screen names who showed it.
"""

from __future__ import annotations

import argparse

from sqlalchemy.orm import Session

from app.protocol import LOCK_AFTER_S
from app.server.cli import ON_DB, say
from app.server.cli.projects import set_on_project

LOCK_MAX_MIN = 24 * 60  # longer than a working day is never, said plainly


def minutes(text: str) -> int:
    """Idle minutes before a lock (or seconds, written `90s`), as seconds; `never` is 0."""
    word = text.strip().lower()
    if word == "never":
        return 0
    unit = 1 if word.endswith("s") else 60
    try:
        value = float(word.removesuffix("s")) * unit
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of minutes (or of seconds, as 90s) or never"
        ) from None
    if not 1 <= value <= LOCK_MAX_MIN * 60:
        raise argparse.ArgumentTypeError(
            f"{text}: say 1 second to {LOCK_MAX_MIN} minutes, or never"
        )
    return round(value)


def add_create_options(cp: argparse.ArgumentParser) -> None:
    cp.add_argument(
        "--lock-after",
        type=minutes,
        default=LOCK_AFTER_S,
        metavar="MINUTES|never",
        help="lock an idle workstation after this many minutes (or seconds, as 90s; default"
        f" {LOCK_AFTER_S // 60})",
    )
    cp.add_argument(
        "--watermark",
        action="store_true",
        help="draw the signed-in user's name and the time faintly over the item",
    )


def add(pc: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    lock = pc.add_parser("lock-after", help="how long a workstation may sit idle before it locks")
    lock.add_argument("name")
    lock.add_argument("minutes", metavar="MINUTES|never", type=minutes)
    ON_DB[("project", "lock-after")] = lock_after
    mark = pc.add_parser("watermark", help="the user's name and the time over the item, or not")
    mark.add_argument("name")
    mark.add_argument("state", choices=("on", "off"))
    ON_DB[("project", "watermark")] = watermark


def lock_after(db: Session, args: argparse.Namespace) -> int:
    seconds = args.minutes  # the parser made seconds of it
    if not set_on_project(db, args.name, "lock_after_s", seconds, "lock_after", seconds=seconds):
        return 2
    say(
        f"project {args.name}: workstations lock after {args.minutes / 60:g} idle minute(s),"
        " once they open the project again"
        if args.minutes
        else f"project {args.name}: workstations never lock by themselves (Ctrl+Alt+L still"
        " locks one)"
    )
    return 0


def watermark(db: Session, args: argparse.Namespace) -> int:
    on = args.state == "on"
    if not set_on_project(db, args.name, "watermark", on, on=on):
        return 2
    say(
        f"project {args.name}: the user's name and the time are drawn over the item"
        if on
        else f"project {args.name}: no watermark"
    )
    return 0
