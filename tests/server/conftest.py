"""The server on SQLite and on PostgreSQL: every test here runs on both.

PostgreSQL comes from EARMARK_TEST_PG (a libpq host, e.g. /var/run/postgresql), which
packaging/test.sh sets after starting the server; without it the PostgreSQL half fails.
"""

from __future__ import annotations

import functools
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.protocol import AnnotationDoc
from app.server import models as m
from app.server.anchor import anchor_key
from app.server.api import create_app
from app.server.db import make_engine, migrate, sessions
from app.server.importer import import_recordings
from app.server.keys import Keys, load_keys, pseudonym_context
from app.server.security import hash_password, new_totp_secret
from app.server.storage import STORE_ENV, AudioStore, open_store
from tests.conftest import write_tone
from tests.pg import copy_pg_database, pg_database, pg_template
from tests.s3 import use_object_store

PASSWORD = "correct horse battery"


def text_doc(text: str, **fields: Any) -> dict[str, Any]:
    """A whole annotation document with one segment of `text`, as the server stores it."""
    doc = {"segments": [{"start_s": 0.0, "end_s": 1.0, "text": text, "slots": []}], **fields}
    return AnnotationDoc.model_validate(doc).model_dump()


@pytest.fixture(params=["folder", "s3"])
def both_stores(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Asked for before `world`: the test runs on the data folder's audio/ and on a bucket of
    a real S3-compatible store (SeaweedFS, tests/s3.py); the store's description."""
    if request.param == "s3":
        return use_object_store(monkeypatch)
    monkeypatch.delenv(STORE_ENV, raising=False)
    return "folder"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'server.sqlite3'}"
        return
    with pg_database() as url:
        yield url


@dataclass
class Person:
    """A user of the world; signed in (password and code) when a test first uses their token
    or code, since each sign-in costs an argon2 check (0.15 s) and most tests use two or three
    of the seven people."""

    user: m.User
    totp: pyotp.TOTP
    client: TestClient
    signs_in: bool = False  # disabled people do not
    _token: str = ""
    _code_used: str = ""

    @property
    def token(self) -> str:
        if not self._token and self.signs_in:
            self._token = sign_in(self.client, self)
        return self._token

    @token.setter
    def token(self, value: str) -> None:
        self._token = value

    @property
    def code_used(self) -> str:
        """The TOTP code of the last sign-in, for replay tests."""
        _ = self.token
        return self._code_used

    @code_used.setter
    def code_used(self, value: str) -> None:
        self._code_used = value

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
    store: AudioStore  # the data folder's audio/, or an object store (`both_stores`)

    def stored(self) -> dict[str, bytes]:
        """Every sealed file the store holds, as it holds it."""
        out = {}
        for name in self.store.names():
            target = Path(tempfile.mkdtemp()) / name
            self.store.fetch(name, target)
            out[name] = target.read_bytes()
        return out

    def session(self) -> Session:
        """A session as the server's: what it audits moves the chain's anchor on."""
        return sessions(self.engine, anchor_key(server_keys()))()


def server_keys(data: Path | None = None) -> Keys:
    """The tests' master key (tests/conftest.py makes it, outside every data folder)."""
    return load_keys(None, data)


def new_project(name: str, key: bytes) -> m.Project:
    """A project whose pseudonym key is stored wrapped, as `project create` makes it."""
    project_id = m.new_id()
    return m.Project(
        id=project_id,
        name=name,
        taxonomy={"intents": ["play_music"], "slot_types": []},
        conventions={"tags": []},
        pseudonym_key=server_keys().wrap(key, pseudonym_context(project_id)),
    )


@functools.cache
def password_hash() -> str:
    """PASSWORD's argon2 hash, made once: every test's users share it (a hash took 0.15 s)."""
    return hash_password(PASSWORD)


_MIGRATED: dict[str, str] = {}  # an empty database of the newest schema, of each kind


def migrated(db_url: str) -> None:
    """The empty database at `db_url` given the newest schema: a copy of one migrated once
    (migrating took 0.4 s each time). tests/server/test_migrations.py migrates for real."""
    if db_url.startswith("sqlite"):
        if "sqlite" not in _MIGRATED:
            path = Path(tempfile.mkdtemp(prefix="earmark-schema-")) / "schema.sqlite3"
            migrate(f"sqlite:///{path}")
            _MIGRATED["sqlite"] = str(path)
        shutil.copyfile(_MIGRATED["sqlite"], db_url.removeprefix("sqlite:///"))
        return
    if "postgresql" not in _MIGRATED:
        _MIGRATED["postgresql"] = pg_template(f"earmark_schema_{secrets.token_hex(4)}")
        migrate(_MIGRATED["postgresql"])
    copy_pg_database(_MIGRATED["postgresql"], db_url)


def add_user(engine: Engine, name: str, role: str, disabled: bool = False) -> tuple[m.User, str]:
    """A user, and their TOTP secret (stored wrapped, as the server keeps it)."""
    secret = new_totp_secret()
    with sessions(engine)() as db:
        u = m.User(
            username=name,
            password_hash=password_hash(),
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
    code = p.code_used = p.totp.now()
    r = client.post(
        "/api/v1/auth/login",
        json={"username": p.user.username, "password": PASSWORD, "totp_code": code},
    )
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[World]:
    migrated(db_url)
    data = tmp_path / "server-data"
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    for k in range(8):
        write_tone(recordings / f"r{k}.wav", 0.5 + 0.1 * k)
    engine = make_engine(db_url)
    with sessions(engine, anchor_key(server_keys()))() as db:
        project = new_project("va", b"k" * 32)
        db.add(project)
        db.flush()
        store = open_store(data)  # the folder, unless `both_stores` named an object store
        import_recordings(db, store, server_keys(), project, recordings)
        # another team's project: nobody of va's team is in it
        elsewhere = new_project("elsewhere", b"e" * 32)
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
        people[name].signs_in = True
    yield World(db_url, data, app, project_id, people, task_ids, engine, store)
    for p in people.values():
        p.client.close()
    app.state.auditor.close()
    app.state.engine.dispose()
    engine.dispose()
