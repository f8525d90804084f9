"""The workstation's modes, each one table of every command it handles, built here alone.

- local: a folder or manifest on this machine; submit and skip, nothing to sync.
- annotate: a server's project as an annotator; sync, sign out, resolve conflicts.
- review: a server's review queue; accept (fix and accept), reject, the dashboard.

A command handled twice is an error (`merge`); one a mode leaves out is disabled in the menus
and ignored by its keys, and the cheat sheet greys it (app/ui/actions.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from app.keymap import Cmd
from app.workstation.commands import (
    Table,
    annotating,
    editing,
    merge,
    on_server,
    resolving,
    with_activity,
)
from app.workstation.controller import Controller

if TYPE_CHECKING:  # a server's project only: imported by the composition root when one opens
    from app.workstation.review_controls import ReviewControls
    from app.workstation.server_sync import ServerSync


def local(c: Controller, lock: Callable[[], None] | None = None) -> Table:
    """`lock`: where the project asks for one (earmark-screen.json)."""
    return merge(editing(c), annotating(c, None), {Cmd.LOCK: lock} if lock else {})


def annotate(
    c: Controller, sync: ServerSync, sign_out: Callable[[], None], lock: Callable[[], None]
) -> Table:
    server = on_server(c, sync, sign_out, lock)
    return merge(editing(c), annotating(c, sync), server, resolving(c, sync))


def review(
    c: Controller,
    sync: ServerSync,
    controls: ReviewControls,
    sign_out: Callable[[], None],
    lock: Callable[[], None],
) -> Table:
    decisions = with_activity(c.editor, controls.handlers())
    return merge(editing(c), decisions, on_server(c, sync, sign_out, lock))
