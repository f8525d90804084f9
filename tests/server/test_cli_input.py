"""Every earmark-server command answers bad input with one line and exit code 2, and changes
nothing: dates, whole numbers past what their column holds (PostgreSQL's INTEGER is 32 bits),
paths and names that do not exist, values out of range, text that is not UTF-8."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.server import models as m
from app.server.cli import ON_DB, main
from tests.server.conftest import World

BIG = "99999999999999999999"  # the probe's; past 64 bits
PAST_INT32 = str(2**31)  # fits SQLite's INTEGER, not PostgreSQL's
TAXONOMY = Path(__file__).resolve().parents[2] / "resources" / "taxonomy"


def run(argv: list[str], stdin: str = "") -> tuple[int | str, list[str]]:
    """earmark-server in this process: its exit code (or what escaped it) and every line it
    wrote, standard output and error together."""
    out, old_stdin = io.StringIO(), sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code: int | str = main(argv)
    except BaseException as exc:  # noqa: BLE001 - a traceback is what the test looks for
        code = f"{type(exc).__name__}: {exc}"
    finally:
        sys.stdin = old_stdin
    return code, out.getvalue().splitlines()


def problems(argv: list[str], stdin: str = "") -> list[str]:
    """What is wrong with how earmark-server answered `argv` (nothing, if one line and 2)."""
    code, lines = run(argv, stdin)
    said = f"{argv[2:]} answered {code!r} with {lines!r}"
    if code != 2 or len(lines) != 1 or any("Traceback" in line for line in lines):
        return [said]
    return []


def state(world: World) -> dict[str, Any]:
    """What a refused command must leave as it was."""
    with world.session() as s:
        return {
            "audit": s.scalar(select(func.count()).select_from(m.AuditEntry)),
            "users": s.scalars(select(m.User.username).order_by(m.User.username)).all(),
            "projects": [
                (p.name, p.retention_days, p.review_policy)
                for p in s.scalars(select(m.Project).order_by(m.Project.name))
            ],
            "tasks": s.scalar(select(func.count()).select_from(m.Task)),
        }


def bad_inputs(tmp: Path) -> list[tuple[list[str], str]]:
    tax, conv = str(TAXONOMY / "earmark-taxonomy.json"), str(TAXONOMY / "earmark-conventions.json")
    many = tmp / "reasons.json"
    many.write_text(json.dumps([{"code": f"c{k}", "title": "t"} for k in range(5000)]))
    not_list = tmp / "reasons-object.json"
    not_list.write_text('{"code": "x", "title": "y"}')
    recordings = tmp / "recordings"
    recordings.mkdir()
    return [
        (["audit", "show", "--since", "not-a-date"], ""),
        (["audit", "show", "--until", "2026-13-45"], ""),
        (["audit", "show", "--since", "9" * 400 + "d"], ""),
        (["audit", "show", "--user", "nobody"], ""),
        (["audit", "show", "--user", "ann_a\udcff"], ""),  # bytes a terminal passed, not UTF-8
        (["audit", "heard", "--project", "va", "--item", BIG], ""),
        (["audit", "heard", "--project", "va", "--item", PAST_INT32], ""),
        (["audit", "heard", "--project", "va", "--item", "x"], ""),
        (["audit", "heard", "--project", "nope", "--item", "1"], ""),
        (["audit", "heard"], ""),
        (["audit", "listened", "nobody"], ""),
        (["audit", "listened", "ann_a", "--since", "yesterday"], ""),
        (["project", "retention", "va", "--days", BIG], ""),
        (["project", "retention", "va", "--days", PAST_INT32], ""),
        (["project", "retention", "va", "--days", "0"], ""),
        (["project", "retention", "va"], ""),
        (["project", "retention", "nope", "--days", "3"], ""),
        (["project", "review-policy", "va", "--first", str(2**63)], ""),
        (["project", "review-policy", "va", "--first", "-1"], ""),
        (["project", "review-policy", "va", "--rate", "nan"], ""),
        (["project", "review-policy", "va", "--rate", "1.5"], ""),
        (["project", "review-policy", "va", "--reasons", str(many)], ""),
        (["project", "review-policy", "va", "--reasons", str(not_list)], ""),
        (["project", "review-policy", "va", "--reasons", str(tmp / "missing.json")], ""),
        (["project", "review-policy", "nope", "--first", "3"], ""),
        (["project", "create", "va", "--taxonomy", tax, "--conventions", conv], ""),
        (["project", "create", "", "--taxonomy", tax, "--conventions", conv], ""),
        (["project", "create", "x" * 201, "--taxonomy", tax, "--conventions", conv], ""),
        (["project", "create", "two\nlines", "--taxonomy", tax, "--conventions", conv], ""),
        (
            ["project", "create", "new", "--taxonomy", str(tmp / "no.json"), "--conventions", conv],
            "",
        ),
        (["project", "member", "add", "nope", "ann_a", "--role", "annotator"], ""),
        (["project", "member", "add", "va", "nobody", "--role", "annotator"], ""),
        (["project", "member", "add", "va", "ann_a", "--role", "king"], ""),
        (["project", "member", "remove", "va", "outsider"], ""),
        (["user", "add", "x" * 65, "--role", "annotator", "--password-stdin"], "a password\n"),
        (["user", "add", "ok_name", "--role", "annotator", "--password-stdin"], "short\n"),
        (["user", "disable", "nobody"], ""),
        (["user", "role", "ann_a", "superuser"], ""),
        (["user", "reset-totp", "nobody"], ""),
        (["import", "nope", str(recordings)], ""),
        (["import", "va", str(tmp / "nowhere")], ""),
        (["import", "va", str(recordings), "--sample", "2"], ""),
        (["import", "va", str(recordings), "--sample", "nan"], ""),
        (["export", "nope"], ""),
        (["export", "va", "-o", str(tmp / "no-folder" / "out.jsonl")], ""),
        (["label-studio", "pull", "va", "--url", "http://127.0.0.1:9", "--ls-project", BIG], ""),
        (["label-studio", "push", "nope", "--url", "http://127.0.0.1:9", "--ls-project", "1"], ""),
        (["customer", "forget"], ""),
        (["restore", str(tmp / "no-backup")], ""),
        (["serve", "--port", "99999"], ""),
        (["serve", "--workers", "0"], ""),
        (["serve", "--concurrency", BIG], ""),
        (["serve", "--queue-wait", "nan"], ""),
        (
            [
                "demo",
                str(tmp / "demo"),
                "--port",
                "0",
                "--manifest",
                "m",
                "--taxonomy",
                tax,
                "--conventions",
                conv,
            ],
            "",
        ),  # fmt: skip
        (["no-such-command"], ""),
        (["--config", str(tmp / "no.toml"), "user", "list"], ""),
        (["--key-file", str(tmp / "no.key"), "user", "reset-totp", "ann_a"], ""),
        (["user", "enable", "nobody"], ""),
        (["user", "role", "nobody", "admin"], ""),
        (["user", "reset-password", "nobody", "--password-stdin"], "a long password\n"),
        (["user", "add", "new_name", "--role", "annotator", "--password-stdin"], ""),
        (["project", "member", "list", "nope"], ""),
        (["audit", "heard", "no-such-task"], ""),
        (["audit", "heard", "--item", "1"], ""),
        (["audit", "verify", "--known", "12:not-a-hash"], ""),
        (["label-studio", "pull", "va", "--url", "not a url", "--ls-project", "1"], ""),
        (["label-studio", "push", "va", "--url", "ftp://127.0.0.1:9", "--ls-project", "1"], ""),
        (["keys", "rotate", "--new-key-file", str(not_list)], ""),  # there already
        (["backup", str(not_list)], ""),  # a file, not a folder
        (["restore", str(recordings)], ""),  # a folder, not a backup
        (["serve", "--host", "no host!"], ""),
        (["serve", "--trusted-proxy", "bogus"], ""),
        (["serve", "--trusted-proxy", "*"], ""),  # everyone: any client could name any address
        (["export", "va", "--format", "textgrid", "-o", str(not_list)], ""),  # a file, not a folder
    ]


def test_every_bad_input_is_one_line_and_exit_2(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EARMARK_SERVER_DATA", str(world.data))
    before = state(world)
    found = []
    (tmp_path / "bad").mkdir()
    for argv, stdin in bad_inputs(tmp_path / "bad"):
        found += problems(["--db", world.url, *argv], stdin)
    assert found == [], "\n".join(found)
    assert state(world) == before  # and nothing changed
    # a database that is none, or not set up
    assert problems(["--db", "nonsense", "user", "list"]) == []
    assert problems(["--db", f"sqlite:///{tmp_path / 'none' / 'x.sqlite3'}", "user", "list"]) == []
    assert problems(["--db", f"sqlite:///{tmp_path / 'none' / 'x.sqlite3'}", "init"]) == []


def test_the_harness_catches_a_traceback_and_a_second_line(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check above can fail: a command whose input check was forgotten (it raises, as
    `--days 99999999999999999999` did), and one that says two lines."""
    monkeypatch.setenv("EARMARK_SERVER_DATA", str(world.data))

    def fake_unchecked(_db: object, _args: object) -> int:
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    def fake_two_lines(_db: object, _args: object) -> int:
        sys.stdout.write("earmark-server: one\nand another\n")
        return 2

    monkeypatch.setitem(ON_DB, ("audit", "show"), fake_unchecked)
    assert problems(["--db", world.url, "audit", "show"]) != []
    monkeypatch.setitem(ON_DB, ("audit", "show"), fake_two_lines)
    assert problems(["--db", world.url, "audit", "show"]) != []


def test_the_harness_catches_a_refusal_that_changed_something(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refusal that "changes nothing" is checked too: a command that stores, then refuses."""
    monkeypatch.setenv("EARMARK_SERVER_DATA", str(world.data))
    before = state(world)

    def fake_stores_then_refuses(db: Session, args: argparse.Namespace) -> int:
        project = db.scalars(select(m.Project).where(m.Project.name == args.name)).one()
        project.retention_days = args.days
        db.commit()
        sys.stdout.write("earmark-server: too late\n")
        return 2

    monkeypatch.setitem(ON_DB, ("project", "retention"), fake_stores_then_refuses)
    assert problems(["--db", world.url, "project", "retention", "va", "--days", "9"]) == []
    assert state(world) != before


def test_a_name_is_said_in_one_line_whatever_it_holds(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EARMARK_SERVER_DATA", str(world.data))
    code, lines = run(["--db", world.url, "user", "disable", "no\nbody\x1b[2J"])
    assert code == 2 and lines == ["earmark-server: no user named no\\nbody\\x1b[2J"]
