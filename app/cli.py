"""The `earmark` command: open, import, export."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from app import __version__, formats
from app.audio.load import AudioError
from app.workstation.project import ProjectError, draft_missing, export, import_source, open_project
from app.workstation.store.db import StoreError
from app.workstation.store.paths import resources_dir
from app.workstation.syslibs import INSTALL_HINT, missing_packages, package_for_import_error

FROZEN_DEMO = (
    "earmark: the demo runs a server of its own, and this installed workstation does not carry"
    " the server. Connect to your team's server (earmark connect URL), open recordings on this"
    " machine (earmark open FOLDER), or run the demo from a source checkout (packaging/run.sh)."
)


def _samples() -> Path:
    return resources_dir() / "samples"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="earmark", description="Speech-data annotation workstation.")
    p.add_argument("--version", action="version", version=f"earmark {__version__}")
    sub = p.add_subparsers(dest="command")
    demo = sub.add_parser(
        "demo", help="a throwaway server with the samples, and the workstation on it"
    )
    demo.add_argument(
        "--review", action="store_true", help="as a reviewer, checking a colleague's work"
    )
    con = sub.add_parser("connect", help="sign in to a server and work on its project")
    con.add_argument("server", nargs="?", default="", help="e.g. https://earmark.example.org")
    con.add_argument("--user", default="", help="your user name on that server")
    con.add_argument(
        "--review",
        action="store_true",
        default=None,
        help="open the review queue (a reviewer's default; an admin may review too)",
    )
    what = (
        "a folder of recordings (TextGrid, EAF, VTT or SRT sidecars beside them are read), a"
        " JSONL, NeMo, SLURP or MASSIVE manifest, a Label Studio export or a Kaldi data folder"
    )
    o = sub.add_parser("open", help="open recordings to annotate", description=f"Open {what}.")
    o.add_argument("path", nargs="?", type=Path, help="default: the bundled sample recordings")
    o.add_argument("--keys", choices=["default", "otranscribe"], help="key preset to use")
    o.add_argument(
        "--quit-after",
        type=int,
        metavar="MS",
        help="close the window after MS milliseconds, as the close button would (smoke tests)",
    )
    i = sub.add_parser(
        "import", help="check and queue recordings without opening a window", description=what
    )
    i.add_argument("path", type=Path)
    for cmd in (o, i):
        cmd.add_argument(
            "--tier", help="the TextGrid or ELAN tier to read (default: the first with text)"
        )
    i.add_argument(
        "--segment",
        action="store_true",
        help="segments from pauses for each recording that brings none (adjust them later with"
        " Ctrl+Shift+B)",
    )
    i.add_argument(
        "--draft",
        action="store_true",
        help="a local draft transcript (PocketSphinx, English) for each recording that came"
        " without a hypothesis; marked as a draft in exports",
    )
    e = sub.add_parser("export", help="write a project's annotations")
    e.add_argument("path", type=Path, help="the folder or manifest that was opened")
    e.add_argument("--format", choices=formats.FORMATS, default="jsonl")
    e.add_argument(
        "-o",
        "--output",
        type=Path,
        help="a file (default: standard output); a folder for textgrid, eaf, vtt, srt, kaldi",
    )
    e.add_argument(
        "--all", action="store_true", help="include items not yet submitted, as they would start"
    )
    e.add_argument(
        "--redact",
        action="store_true",
        help="write confirmed personal data as its kind's tag ([phone]); no hypotheses",
    )
    return p


def cmd_import(path: Path, tier: str | None, segment: bool = False, draft: bool = False) -> int:
    project = open_project(path)
    try:
        report = import_source(path, project.store, tier, segment)
        for line in report.notes:
            _say(f"not kept: {line}")
        for r in report.refused:
            _say(f"refused: {r.name}: {r.reason}")
        _say(
            f"{len(report.accepted)} recording(s) queued, {len(report.refused)} refused"
            f" ({project.source})."
        )
        if draft:
            n = draft_missing(project, _say)
            _say(f"{n} draft(s) made; each is marked as a local draft, not an ASR hypothesis.")
    finally:
        project.store.close()
    return 1 if report.refused else 0


def cmd_export(
    path: Path, fmt: str, output: Path | None, include_todo: bool, redact: bool = False
) -> int:
    project = open_project(path)
    try:
        n, notes = export(project.store, fmt, output, include_todo, redact)
    finally:
        project.store.close()
    for line in notes:
        _say(f"not written: {line}", err=True)
    unit = "file(s)" if fmt in formats.FOLDERS and fmt != "kaldi" else "line(s)"
    _say(f"exported {n} {unit} as {fmt}", err=True)
    return 0


def _say(line: str, err: bool = False) -> None:
    (sys.stderr if err else sys.stdout).write(line + "\n")


def _launch(entry: str, *args: object, starting: str = "") -> int:
    """Open a window through app.main.<entry>, or say which system package is missing. With
    `starting`, a small window says so at once, before the workstation is imported; the entry
    is handed that window."""
    missing = missing_packages()
    if missing:
        _say(
            "Earmark cannot start: system libraries are missing.\n"
            + INSTALL_HINT.format(packages=" ".join(missing)),
            err=True,
        )
        return 3
    extra: dict[str, object] = {}
    try:
        if starting:
            from app.ui.application import show_starting

            extra["starting"] = show_starting(
                "Earmark", starting, resources_dir() / "icons" / "earmark.svg"
            )
            logging.getLogger(__name__).info("starting window shown")
        import app.main as gui
    except ImportError as exc:
        pkg = package_for_import_error(str(exc))
        if pkg is None:
            raise
        _say(f"Earmark cannot start: {exc}.\n" + INSTALL_HINT.format(packages=pkg), err=True)
        return 3
    result: int = getattr(gui, entry)(*args, **extra)
    return result


def cmd_demo(review: bool) -> int:
    """The demo server started first, so that it sets itself up while the window's code is
    imported; stopped (its folder removed) however the window ends."""
    from app.workstation.demo import launch_demo_server

    demo = launch_demo_server()
    try:
        return _launch("run_demo", demo, review, starting="Starting the demo server…")
    finally:
        demo.stop()


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = _parser().parse_args(argv)
    try:
        if args.command == "import":
            return cmd_import(args.path, args.tier, args.segment, args.draft)
        if args.command == "export":
            return cmd_export(args.path, args.format, args.output, args.all, args.redact)
        if args.command == "demo":
            if getattr(sys, "frozen", False):
                _say(FROZEN_DEMO, err=True)
                return 2
            return cmd_demo(args.review)
        if args.command == "connect":
            return _launch("run_connect", args.server, args.user, args.review)
        path = getattr(args, "path", None)
        return _launch(
            "run_workstation",
            path or _samples(),
            getattr(args, "keys", None),
            getattr(args, "tier", None),
            getattr(args, "quit_after", None),
        )
    except (ProjectError, StoreError, AudioError) as exc:
        _say(f"earmark: {exc}", err=True)
        return 2
