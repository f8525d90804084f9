"""Personal data on the server: spans an annotator confirmed travel in the annotation, and the
project's export either redacts them (`--redact`) or is taken unredacted by a named lead, on
the audit log with the items it held."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.server import cli
from app.server import models as m
from tests.server.conftest import World
from tests.server.test_review import lease_one

SAID = "my card is four one one one one one one one one one one one one one one one"
NUMBER = " ".join(SAID.split()[3:])


def doc(personal: bool = True) -> dict[str, Any]:
    seg: dict[str, Any] = {"start_s": 0, "end_s": 1, "text": SAID, "slots": []}
    if personal:
        seg["personal"] = [{"kind": "card", "start_word": 3, "end_word": 19}]
    return {
        "segments": [seg],
        "intent": "play_music",
        "flags": ["personal_data"] if personal else [],
        "status": "submitted",
        "submissions": 1,
        "active_ms": 1000,
    }


def submit(world: World, personal: bool = True) -> None:
    p = world.people["ann_a"]
    task = lease_one(world, "ann_a")
    r = p.client.put(
        "/api/v1/annotations/4f1c6d0e-2b7a-4c1e-9f3d-5a6b7c8d9e0f",
        headers=p.headers(),
        json={"task_id": task, "base_version": 0, "doc": doc(personal)},
    )
    assert r.status_code == 200, r.text


def run_export(world: World, out: Path, *flags: str) -> int:
    return cli.main(["--db", world.url, "export", "va", "-o", str(out), *flags])


def test_spans_travel_and_redact_in_the_export(world: World, tmp_path: Path) -> None:
    submit(world)
    with world.session() as db:
        stored = db.scalars(select(m.Annotation)).one().doc
    assert stored["segments"][0]["personal"] == [{"kind": "card", "start_word": 3, "end_word": 19}]
    out = tmp_path / "redacted.jsonl"
    assert run_export(world, out, "--redact") == 0
    text = out.read_text()
    assert NUMBER not in text and "my card is [card]" in text
    [record] = [json.loads(line) for line in text.splitlines()]
    assert record["asr"] == ""
    grid = tmp_path / "grids"
    grid.mkdir()
    assert run_export(world, grid, "--redact", "--format", "textgrid") == 0
    assert all(NUMBER not in f.read_text() for f in grid.iterdir())


def test_unredacted_only_by_a_lead_and_audited(world: World, tmp_path: Path, capsys) -> None:
    submit(world)
    out = tmp_path / "plain.jsonl"
    assert run_export(world, out) == 2
    said = capsys.readouterr().out
    assert "hold personal data" in said and "--redact" in said and not out.exists()
    assert run_export(world, out, "--unredacted-by", "ann_a") == 2  # an annotator may not
    assert "not a lead of va" in capsys.readouterr().out
    assert run_export(world, out, "--unredacted-by", "lead") == 0
    assert NUMBER in out.read_text()
    with world.session() as db:
        row = db.scalars(
            select(m.AuditEntry).where(m.AuditEntry.action == "export_unredacted")
        ).one()
        assert row.user_id == world.people["lead"].user.id
        assert row.detail["items"] == [1] and row.detail["format"] == "jsonl"


def test_an_export_without_personal_data_needs_no_lead(world: World, tmp_path: Path) -> None:
    submit(world, personal=False)
    assert run_export(world, tmp_path / "x.jsonl") == 0
