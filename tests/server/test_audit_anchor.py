"""The audit chain's anchor: rows deleted from its end, a row edited with every later hash
recomputed, rows added without the master key, and a deletion that a later append would paper
over all fail `audit verify`, which the hash chain alone passes (the broken variant: the check
without the anchor); a head kept apart shows a rollback; a rotated key re-anchors. On SQLite
and PostgreSQL, through `earmark-server audit verify`."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select

from app.server import cli
from app.server import models as m
from app.server.audit import GENESIS, _hash, first_break
from tests.server.conftest import World


def verify(world: World, *extra: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(["--db", world.url, *extra, "audit", "verify"])
    return code, out.getvalue()


def head_of(said: str) -> tuple[int, str]:
    found = re.search(r"head: row (\d+), hash ([0-9a-f]{64})", said)
    assert found, said
    return int(found.group(1)), found.group(2)


def activity(world: World, rounds: int = 2) -> None:
    """Audited work through the server: leases, audio heard, sign-ins."""
    a = world.people["ann_a"]
    for _ in range(rounds):
        r = a.client.post(
            "/api/v1/leases", headers=a.headers(), json={"project_id": world.project_id, "count": 1}
        )
        task = r.json()[0]["id"]
        assert a.client.get(f"/api/v1/tasks/{task}/audio", headers=a.headers()).status_code == 200


def rows(world: World) -> list[dict[str, Any]]:
    columns = [c.name for c in m.AuditEntry.__table__.columns]
    with world.session() as db:
        return [
            {c: getattr(e, c) for c in columns}
            for e in db.scalars(select(m.AuditEntry).order_by(m.AuditEntry.seq))
        ]


def put_back(world: World, saved: list[dict[str, Any]], anchor: dict[str, Any]) -> None:
    with world.session() as db:  # nothing audited here: the anchor stays as put
        db.execute(delete(m.AuditEntry))
        db.execute(m.AuditEntry.__table__.insert(), saved)
        db.execute(delete(m.AuditAnchor))
        db.execute(m.AuditAnchor.__table__.insert(), [{"id": 1, **anchor}])
        db.commit()


def the_anchor(world: World) -> dict[str, Any]:
    with world.session() as db:
        a = db.get(m.AuditAnchor, 1)
        assert a is not None and a.mac
        return {"seq": a.seq, "hash": a.hash, "mac": a.mac}


def recompute_from(world: World, seq: int) -> None:
    """Row `seq` edited and every later hash made again: the chain holds as before."""
    with world.session() as db:
        entries = list(db.scalars(select(m.AuditEntry).order_by(m.AuditEntry.seq)))
        prev = GENESIS
        for e in entries:
            if e.seq == seq:
                e.action = "nothing_happened"
            if e.seq >= seq:
                e.prev_hash = prev
                e.hash = _hash(prev, e.at, e.user_id, e.action, e.object_id, e.detail)
            prev = e.hash
        db.commit()


def chain_alone_holds(world: World) -> bool:
    with world.session() as db:
        return first_break(db) is None


def test_tampering_the_hash_chain_cannot_hide_fails_verify(world: World) -> None:
    activity(world)
    code, said = verify(world)
    assert code == 0 and "holds" in said, said
    last, digest = head_of(said)
    with world.session() as db:
        assert db.scalar(select(m.AuditEntry.hash).where(m.AuditEntry.seq == last)) == digest
        assert last == db.scalar(select(m.AuditEntry.seq).order_by(m.AuditEntry.seq.desc()))
    saved, anchor = rows(world), the_anchor(world)
    tampers = {
        "deleted from its end": lambda: _delete_last(world, 2),
        "rewritten": lambda: recompute_from(world, 3),
        "without the master key": lambda: _forge_one(world),
        "anchor row is missing": lambda: _delete_anchor(world),
    }
    for named, tamper in tampers.items():
        tamper()
        assert chain_alone_holds(world), named  # the broken variant: the chain alone is fooled
        code, said = verify(world)
        assert code == 1 and named in said, (named, said)
        put_back(world, saved, anchor)
        assert verify(world)[0] == 0, named
    # a deletion is not papered over by what the server appends after it: the append says so
    _delete_last(world, 2)
    activity(world, 1)
    code, said = verify(world)
    assert code == 1 and "found the anchor broken" in said, said
    assert chain_alone_holds(world)


def _delete_last(world: World, n: int) -> None:
    with world.session() as db:
        last = db.scalar(select(m.AuditEntry.seq).order_by(m.AuditEntry.seq.desc()))
        assert last is not None
        db.execute(delete(m.AuditEntry).where(m.AuditEntry.seq > last - n))
        db.commit()


def _forge_one(world: World) -> None:
    with world.session() as db:
        last = db.scalars(select(m.AuditEntry).order_by(m.AuditEntry.seq.desc())).first()
        assert last is not None
        at, detail = last.at + 1, {"note": "all fine"}
        digest = _hash(last.hash, at, None, "login", "", detail)
        db.add(
            m.AuditEntry(
                at=at,
                user_id=None,
                action="login",
                object_id="",
                detail=detail,
                prev_hash=last.hash,
                hash=digest,
            )
        )
        db.commit()


def _delete_anchor(world: World) -> None:
    with world.session() as db:
        db.execute(delete(m.AuditAnchor))
        db.commit()


def test_a_head_kept_apart_shows_a_rollback(world: World) -> None:
    activity(world, 1)
    saved, anchor = rows(world), the_anchor(world)  # an earlier state, anchor and all
    activity(world, 2)
    code, said = verify(world)
    assert code == 0, said
    kept = "{}:{}".format(*head_of(said))
    assert cli_verify_known(world, kept)[0] == 0
    put_back(world, saved, anchor)  # the database put back whole: the anchor cannot tell
    assert verify(world)[0] == 0
    code, said = cli_verify_known(world, kept)
    assert code == 1 and "no longer holds the hash kept" in said, said
    for bad in ("12", "x:y", f"1:{'g' * 64}", f"99999999999999:{'0' * 64}"):
        assert cli_verify_known(world, bad)[0] == 2, bad


def cli_verify_known(world: World, known: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["--db", world.url, "audit", "verify", "--known", known])
    return code, out.getvalue() + err.getvalue()


def test_a_rotated_master_key_re_anchors_the_log(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    activity(world, 1)
    monkeypatch.setenv("EARMARK_SERVER_DATA", str(world.data))
    new_key = tmp_path / "keys" / "new.key"
    with contextlib.redirect_stdout(io.StringIO()):
        assert cli.main(["--db", world.url, "keys", "rotate", "--new-key-file", str(new_key)]) == 0
    code, said = verify(world, "--key-file", str(new_key))
    assert code == 0 and "holds" in said, said
    code, said = verify(world)  # the old key no longer vouches for it
    assert code == 1 and "MAC does not verify" in said, said
