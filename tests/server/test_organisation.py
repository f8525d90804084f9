"""What an organisation runs the server for: deletion by customer across projects and
workstations, retention, the audit log's answers, and managing its people."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import httpx
from sqlalchemy import select, update

from app.audio.vault import new_key
from app.model import annotation as ops
from app.server import models as m
from app.server.db import make_engine, sessions
from app.workstation.editor import Editor, InlineRunner
from app.workstation.store.db import Store
from app.workstation.sync.client import Client
from app.workstation.sync.engine import SyncEngine
from tests.conftest import write_tone
from tests.workstation.sync.conftest import PASSWORD, ROOT, Server, make_server
from tests.workstation.sync.test_queue import Desk

SECRET = "SECRET-TEXT-777"  # what the customer said, as typed by the annotators
CUSTOMER = "cust-777"


def second_project(server: Server, tmp: Path) -> None:
    tax = ROOT / "resources" / "taxonomy"
    server.cli(
        "project", "create", "second", "--taxonomy", str(tax / "earmark-taxonomy.json"),
        "--conventions", str(tax / "earmark-conventions.json"),
    )  # fmt: skip
    server.cli("project", "member", "add", "second", "ann_b", "--role", "annotator")
    for project in ("va", "second"):
        folder = tmp / f"customer-{project}"
        folder.mkdir()
        write_tone(folder / "theirs.wav", 0.6)
        write_tone(folder / "someone-else.wav", 0.7)
        lines = [
            {"audio": "theirs.wav", "customer_id": CUSTOMER, "asr": f"{SECRET} asr"},
            {"audio": "someone-else.wav", "customer_id": "cust-1", "asr": "play some jazz"},
        ]
        (folder / "m.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
        server.cli("import", project, str(folder / "m.jsonl"))


def desk(server: Server, tmp: Path, name: str, project: str) -> Desk:
    client = Client.in_memory(server.url)
    client.login(name, PASSWORD, server.code(name))
    project_id = next(p.id for p in client.projects() if p.name == project)
    store = Store(tmp / f"{name}.sqlite3")
    engine = SyncEngine(store, client, project_id, tmp / f"{name}-audio", new_key())
    return Desk(name, client, store, engine, Editor(store, InlineRunner()))


def annotate_theirs(d: Desk, words: str) -> str:
    d.sync()
    theirs = next(t for t in d.editor.tasks if SECRET in t.asr_text)
    d.editor.open_task(d.editor.tasks.index(theirs))
    d.editor.apply("Typing", ops.set_text, 0, words)
    d.editor.apply("Intent", ops.set_intent, "play_music")
    assert d.editor.submit_and_next(lambda _a: [])
    d.sync()
    return theirs.id


def holds(paths: list[Path], text: str) -> list[str]:
    found = []
    for p in paths:
        for f in [p, *p.parent.glob(p.name + "-*")] if p.is_file() else p.rglob("*"):
            if f.is_file() and text.encode() in f.read_bytes():
                found.append(str(f))
    return found


def test_a_customer_is_forgotten_everywhere(tmp_path: Path) -> None:
    server = make_server(tmp_path / "srv", recordings=2)
    second_project(server, tmp_path)
    server.start()
    a = desk(server, tmp_path, "ann_a", "va")
    b = desk(server, tmp_path, "ann_b", "second")
    try:
        task_a = annotate_theirs(a, f"{SECRET} my shopping list")
        task_b = annotate_theirs(b, f"{SECRET} other words")
        assert holds([a.store.path], SECRET) and holds([b.store.path], SECRET)  # the scan works
        out = server.cli("customer", "forget", CUSTOMER)
        assert re.search(r"erased: 2 recording\(s\)", out), out
        assert "va: items" in out and "second: items" in out
        # the one online syncs; the other is offline until after
        a.sync()
        assert task_a not in {t.id for t in a.store.tasks()}
        assert holds([a.store.path, a.engine.audio_dir], SECRET) == []
        assert not a.engine.audio_path(task_a).exists()
        assert holds([b.store.path], SECRET), "the offline workstation still has it (for now)"
        b.sync()
        assert task_b not in {t.id for t in b.store.tasks()}
        assert holds([b.store.path, b.engine.audio_dir], SECRET) == []
        assert not b.engine.audio_path(task_b).exists()
    finally:
        for d in (a, b):
            d.client.close()
            d.store.close()
        server.kill()
    # nothing of the customer on the server: rows, files, the database's own pages
    engine = make_engine(server.db)
    with sessions(engine)() as db:
        for t in db.scalars(select(m.Task).where(m.Task.id.in_([task_a, task_b]))):
            assert t.deleted and t.customer == "" and t.asr_text == "" and t.audio_key is None
        rows = list(
            db.scalars(select(m.AuditEntry).where(m.AuditEntry.action == "customer_forgotten"))
        )
        assert len(rows) == 1 and set(rows[0].detail["recordings"]) == {task_a, task_b}
        assert CUSTOMER not in json.dumps(rows[0].detail)
        left = db.scalars(select(m.Task).where(m.Task.deleted.is_(False))).all()
        assert all(CUSTOMER not in t.asr_text and SECRET not in t.asr_text for t in left)
    engine.dispose()
    assert not (server.data / "audio" / f"{task_a}.bin").exists()
    assert holds([Path(server.db.removeprefix("sqlite:///"))], SECRET) == []


def test_a_project_is_created_only_from_documents_the_model_reads(tmp_path: Path) -> None:
    server = make_server(tmp_path, recordings=1)
    tax = ROOT / "resources" / "taxonomy"
    twice = tmp_path / "twice.json"
    twice.write_text(json.dumps({"intents": ["play_music", "play_music"], "slot_types": []}))
    untagged = tmp_path / "untagged.json"
    untagged.write_text(json.dumps({"tags": "[noise]"}))
    for taxonomy, conventions, why in (
        (twice, tax / "earmark-conventions.json", "an intent is listed twice: play_music"),
        (tax / "earmark-taxonomy.json", untagged, 'the conventions\' "tags" must be a list'),
        (tax / "earmark-taxonomy.json", tmp_path / "missing.json", "No such file"),
    ):
        out = server.cli(
            "project", "create", "bad", "--taxonomy", str(taxonomy),
            "--conventions", str(conventions), ok=(2,),
        )  # fmt: skip
        assert why in out, out
    engine = make_engine(server.db)
    with sessions(engine)() as db:
        assert db.scalars(select(m.Project.name)).all() == ["va"]  # nothing stored
    engine.dispose()


def test_retention_erases_by_age(tmp_path: Path) -> None:
    server = make_server(tmp_path, recordings=3)
    out = server.cli("project", "retention", "va", "--days", "30")
    assert "30 day(s)" in out
    engine = make_engine(server.db)
    with sessions(engine)() as db:
        old = db.scalars(select(m.Task).order_by(m.Task.number)).first()
        assert old is not None
        db.execute(
            update(m.Task).where(m.Task.id == old.id).values(imported_at=time.time() - 31 * 86400)
        )
        db.commit()
    out = server.cli("retention", "run")
    assert "1 recording(s)" in out and "va: items 1" in out
    with sessions(engine)() as db:
        left = {t.number: t.deleted for t in db.scalars(select(m.Task))}
        assert left == {1: True, 2: False, 3: False}
    engine.dispose()
    assert "0 recording(s)" in server.cli("retention", "run")  # nothing more is that old


def test_the_audit_log_answers_and_shows_tampering(tmp_path: Path) -> None:
    server = make_server(tmp_path, recordings=3)
    server.start()
    try:
        tokens = {}
        for name in ("ann_a", "rev"):
            r = httpx.post(
                f"{server.url}/api/v1/auth/login",
                json={"username": name, "password": PASSWORD, "totp_code": server.code(name)},
            )
            tokens[name] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        project = httpx.get(f"{server.url}/api/v1/projects", headers=tokens["ann_a"]).json()[0]
        leased = httpx.post(
            f"{server.url}/api/v1/leases",
            headers=tokens["ann_a"],
            json={"project_id": project["id"], "count": 3},
        ).json()
        first = leased[0]
        for t in leased:
            httpx.get(f"{server.url}/api/v1/tasks/{t['id']}/audio", headers=tokens["ann_a"])
        httpx.get(f"{server.url}/api/v1/tasks/{first['id']}/audio", headers=tokens["ann_a"])
    finally:
        server.kill()
    # who heard recording X: by its id, or by its project and item number
    out = server.cli("audit", "heard", first["id"])
    assert re.search(r"^ann_a\s+2\s", out, flags=re.MULTILINE), out
    assert out == server.cli("audit", "heard", "--project", "va", "--item", str(first["number"]))
    # what did ann_a hear last week: the three recordings, by project and item
    out = server.cli("audit", "listened", "ann_a", "--json")
    heard = [json.loads(line) for line in out.splitlines()]
    assert sorted(h["item"] for h in heard) == sorted(t["number"] for t in leased)
    assert "nothing" in server.cli("audit", "listened", "rev")
    assert "nothing" in server.cli("audit", "listened", "ann_a", "--until", "2020-01-01")
    rows = server.cli("audit", "show", "--user", "ann_a", "--action", "audio_access", "--json")
    assert len(rows.splitlines()) == 4
    assert "holds" in server.cli("audit", "verify")
    # tampering: an edited row, a deleted row, a reordered pair; each named
    engine = make_engine(server.db)
    for tamper in ("edit", "delete", "reorder"):
        with sessions(engine)() as db:
            entries = list(db.scalars(select(m.AuditEntry).order_by(m.AuditEntry.seq)))
            columns = [c.name for c in m.AuditEntry.__table__.columns]
            backup = [{c: getattr(e, c) for c in columns} for e in entries]
            victim = entries[3]
            if tamper == "edit":
                victim.action = "nothing_happened"
            elif tamper == "delete":
                db.delete(victim)
            else:  # rows 3 and 4 swap places in the order
                a, b = entries[3], entries[4]
                a.prev_hash, b.prev_hash = b.prev_hash, a.prev_hash
                a.hash, b.hash = b.hash, a.hash
                a.action, b.action = b.action, a.action
                a.detail, b.detail = b.detail, a.detail
                a.at, b.at = b.at, a.at
                a.user_id, b.user_id = b.user_id, a.user_id
                a.object_id, b.object_id = b.object_id, a.object_id
            db.commit()
        out = server.cli("audit", "verify", ok=(1,))
        named = victim.seq + 1 if tamper == "delete" else victim.seq  # the row after the gap
        assert f"broken at row {named}" in out, (tamper, out)
        with sessions(engine)() as db:  # put it back as it was
            db.execute(m.AuditEntry.__table__.delete())
            db.execute(m.AuditEntry.__table__.insert(), backup)
            db.commit()
        assert "holds" in server.cli("audit", "verify"), tamper
    engine.dispose()


def test_people_are_managed_and_every_change_is_audited(tmp_path: Path) -> None:
    server = make_server(tmp_path, recordings=3)
    server.start()

    def sign_in(name: str, password: str = PASSWORD, refused: bool = False) -> httpx.Response:
        # a refusal is expected before the code is looked at: it spends no code
        code = "000000" if refused else server.code(name)
        return httpx.post(
            f"{server.url}/api/v1/auth/login",
            json={"username": name, "password": password, "totp_code": code},
        )

    try:
        bearer = {"Authorization": f"Bearer {sign_in('ann_a').json()['access_token']}"}
        project = httpx.get(f"{server.url}/api/v1/projects", headers=bearer).json()[0]["id"]
        leased = httpx.post(
            f"{server.url}/api/v1/leases", headers=bearer, json={"project_id": project, "count": 2}
        ).json()
        assert len(leased) == 2
        out = server.cli("user", "disable", "ann_a")
        assert "2 open item(s) back to the pool" in out
        assert httpx.get(f"{server.url}/api/v1/me", headers=bearer).status_code == 401
        assert sign_in("ann_a", refused=True).status_code == 401
        server.cli("user", "enable", "ann_a")
        assert sign_in("ann_a").status_code == 200
        server.cli(
            "user", "reset-password", "ann_a", "--password-stdin", stdin="a new password here\n"
        )
        assert sign_in("ann_a", refused=True).status_code == 401
        signed = sign_in("ann_a", "a new password here")
        assert signed.status_code == 200
        out = server.cli("user", "reset-totp", "ann_b")
        secret = re.search(r"secret=([A-Z2-7]+)", out)
        assert secret
        import pyotp

        server.totp["ann_b"] = pyotp.TOTP(secret.group(1))
        assert sign_in("ann_b").status_code == 200  # the new second factor works
        server.cli("user", "role", "ann_b", "reviewer")
        listing = server.cli("user", "list")
        assert re.search(r"^ann_b\s+reviewer\s+active\s+va:annotator", listing, flags=re.M)
        # membership: off the project, its items and its listing are gone for them, in the
        # session they have (a sign-in of its own needs a fourth code: a wait for the next step)
        server.cli("project", "member", "remove", "va", "ann_a")
        bearer = {"Authorization": f"Bearer {signed.json()['access_token']}"}
        assert httpx.get(f"{server.url}/api/v1/projects", headers=bearer).json() == []
        r = httpx.post(
            f"{server.url}/api/v1/leases", headers=bearer, json={"project_id": project, "count": 1}
        )
        assert r.status_code == 404
        assert "ann_a" not in server.cli("project", "member", "list", "va")
    finally:
        server.kill()
    actions = [
        json.loads(line)["action"] for line in server.cli("audit", "show", "--json").splitlines()
    ]
    for done in (
        "user_disable",
        "user_enable",
        "password_reset",
        "totp_reset",
        "user_role",
        "member_remove",
    ):
        assert done in actions, done
