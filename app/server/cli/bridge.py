"""label-studio pull|push: an Earmark project fed from, and reporting back to, a Label Studio
project (app/server/label_studio.py). The token comes from LABEL_STUDIO_TOKEN or standard input,
never from the command line, where every user of the machine could read it."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.orm import Session

from app import formats
from app.server import models as m
from app.server.cli import ON_DB, keys_of, say, store_of
from app.server.cli.inputs import INT32_MAX, whole
from app.server.cli.projects import project_named

if TYPE_CHECKING:  # the bridge's HTTP client is imported when a bridge command runs, so
    # that serving (one process start per server) does not pay for it
    from app.server.label_studio import LabelStudio


def add(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ls = sub.add_parser(
        "label-studio",
        help="pull tasks from a Label Studio project, push annotations back",
        description="The API token is read from $LABEL_STUDIO_TOKEN, else from standard input.",
    ).add_subparsers(dest="action", required=True)
    for name, text in (
        ("pull", "make Earmark tasks of a Label Studio project's audio tasks"),
        ("push", "write submitted annotations back to Label Studio, once each"),
    ):
        p = ls.add_parser(name, help=text)
        p.add_argument("project", help="the Earmark project (made with `project create`)")
        p.add_argument("--url", required=True, help="the Label Studio server, https://host:port")
        p.add_argument(
            "--ls-project", type=whole(1, INT32_MAX), required=True, help="its project id"
        )
    ON_DB[("label-studio", "pull")] = run_pull
    ON_DB[("label-studio", "push")] = run_push


def _connect(args: argparse.Namespace) -> LabelStudio:
    from app.server.label_studio import LabelStudio, token_from

    line = None if os.environ.get("LABEL_STUDIO_TOKEN") else sys.stdin.readline()
    return LabelStudio(args.url, token_from(dict(os.environ), line))


T = TypeVar("T")


def _bridged(
    db: Session, args: argparse.Namespace, work: Callable[[m.Project, LabelStudio], T]
) -> T | int:
    """`work` on the named project and a signed-in Label Studio; an error is one line (2)."""
    from app.server.label_studio import BridgeError

    project = project_named(db, args.project)
    if project is None:
        return 2
    try:
        ls = _connect(args)
        try:
            return work(project, ls)
        finally:
            ls.close()
    except (BridgeError, formats.FormatError) as exc:
        db.commit()  # a push remembers what reached Label Studio before the failure
        say(f"earmark-server: {exc}")
        return 2


def run_pull(db: Session, args: argparse.Namespace) -> int:
    from app.server.label_studio import pull

    store = store_of()
    result = _bridged(
        db, args, lambda p, ls: pull(db, store, keys_of(args), p, ls, args.ls_project)
    )
    if isinstance(result, int):
        return result
    db.commit()
    for line in result.notes:
        say(f"not kept: {line}")
    for r in result.refused:
        say(f"refused: {r}")
    say(f"{result.imported} pulled, {result.already} pulled before, {len(result.refused)} refused")
    return 1 if result.refused else 0


def run_push(db: Session, args: argparse.Namespace) -> int:
    from app.server.label_studio import push

    result = _bridged(db, args, lambda p, ls: push(db, p, ls, args.ls_project))
    if isinstance(result, int):
        return result
    db.commit()
    say(f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged")
    return 0
