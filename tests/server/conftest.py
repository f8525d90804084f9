"""The server on SQLite and on PostgreSQL: every test here runs on both.

PostgreSQL comes from EARMARK_TEST_PG (a libpq host, e.g. /var/run/postgresql), which
packaging/test.sh sets after starting the server; without it the PostgreSQL half fails.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from app.protocol import AnnotationDoc
from app.server import models as m
from app.server.api import create_app
from app.server.db import make_engine, migrate, sessions
from app.server.importer import import_recordings
from app.server.keys import Keys, load_keys
from app.server.security import hash_password, new_totp_secret
from app.server.storage import AudioStore
from tests.conftest import write_tone

PASSWORD = "correct horse battery"


def text_doc(text: str, **fields: Any) -> dict[str, Any]:
    """A whole annotation document with one segment of `text`, as the server stores it."""
    doc = {"segments": [{"start_s": 0.0, "end_s": 1.0, "text": text, "slots": []}], **fields}
    return AnnotationDoc.model_validate(doc).model_dump()


@contextmanager
def pg_database() -> Iterator[str]:
    """A new PostgreSQL database of its own, dropped afterwards."""
    host = os.environ.get("EARMARK_TEST_PG")
    if not host:
        pytest.fail("PostgreSQL needed: set EARMARK_TEST_PG (packaging/test.sh starts one)")
    name = f"earmark_test_{secrets.token_hex(6)}"
    admin = create_engine(
        f"postgresql+psycopg:///postgres?host={host}", isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg:///{name}?host={host}"
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'server.sqlite3'}"
        return
    with pg_database() as url:
        yield url


@dataclass
class Person:
    user: m.User
    totp: pyotp.TOTP
    client: TestClient
    token: str = ""
    code_used: str = ""  # the TOTP code of the last sign-in, for replay tests

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class World:
    url: str
    data: Path
    app: Any
    project_id: str
    people: dict[str, Person]
    task_ids: list[str]
    engine: Engine

    def session(self) -> Session:
        return sessions(self.engine)()


def server_keys(data: Path | None = None) -> Keys:
    """The tests' master key (tests/conftest.py makes it, outside every data folder)."""
    return load_keys(None, data)


def add_user(engine: Engine, name: str, role: str, disabled: bool = False) -> tuple[m.User, str]:
    """A user, and their TOTP secret (stored wrapped, as the server keeps it)."""
    secret = new_totp_secret()
    with sessions(engine)() as db:
        u = m.User(
            username=name,
            password_hash=hash_password(PASSWORD),
            role=role,
            totp_secret="",
            disabled=disabled,
        )
        db.add(u)
        db.flush()
        u.totp_secret = server_keys().wrap_text(secret, f"totp:{u.id}")
        db.commit()
        return u, secret


def sign_in(client: TestClient, p: Person) -> str:
    p.code_used = p.totp.now()
    r = client.post(
        "/api/v1/auth/login",
        json={"username": p.user.username, "password": PASSWORD, "totp_code": p.code_used},
    )
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[World]:
    migrate(db_url)
    data = tmp_path / "server-data"
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    for k in range(8):
        write_tone(recordings / f"r{k}.wav", 0.5 + 0.1 * k)
    engine = make_engine(db_url)
    with sessions(engine)() as db:
        project = m.Project(
            name="va",
            taxonomy={"intents": ["play_music"], "slot_types": []},
            conventions={"tags": []},
            pseudonym_key=b"k" * 32,
        )
        db.add(project)
        db.flush()
        import_recordings(db, AudioStore(data / "audio"), server_keys(), project, recordings)
        elsewhere = m.Project(  # another team's project: nobody of va's team is in it
            name="elsewhere",
            taxonomy={"intents": ["play_music"], "slot_types": []},
            conventions={"tags": []},
            pseudonym_key=b"e" * 32,
        )
        db.add(elsewhere)
        db.commit()
        project_id, elsewhere_id = project.id, elsewhere.id
        task_ids = [t.id for t in db.query(m.Task).order_by(m.Task.number)]  # item order
    app = create_app(db_url, data, server_keys(data))
    people = {}
    for name, role, disabled in (
        ("ann_a", "annotator", False),
        ("ann_b", "annotator", False),
        ("rev", "reviewer", False),
        ("admin", "admin", False),
        ("gone", "annotator", True),
        ("lead", "annotator", False),  # va's lead
        ("outsider", "annotator", False),  # elsewhere's lead, nothing in va
    ):
        user, secret = add_user(engine, name, role, disabled)
        people[name] = Person(user, pyotp.TOTP(secret), TestClient(app))
    with sessions(engine)() as db:  # the team of project va (the admin is in every project)
        for name, role in (("ann_a", "annotator"), ("ann_b", "annotator"), ("rev", "reviewer")):
            db.add(m.Membership(project_id=project_id, user_id=people[name].user.id, role=role))
        db.add(
            m.Membership(project_id=project_id, user_id=people["gone"].user.id, role="annotator")
        )
        db.add(m.Membership(project_id=project_id, user_id=people["lead"].user.id, role="lead"))
        outsider = people["outsider"].user.id
        db.add(m.Membership(project_id=elsewhere_id, user_id=outsider, role="lead"))
        db.commit()
    for name in ("ann_a", "ann_b", "rev", "admin", "lead", "outsider"):
        people[name].token = sign_in(people[name].client, people[name])
    yield World(db_url, data, app, project_id, people, task_ids, engine)
    for p in people.values():
        p.client.close()
    app.state.auditor.close()
    app.state.engine.dispose()
    engine.dispose()
