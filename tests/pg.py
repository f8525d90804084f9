"""PostgreSQL databases for the tests, from EARMARK_TEST_PG (a libpq host, for example
/var/run/postgresql, which packaging/test.sh starts and sets); without it, a test that needs
one fails (it never skips).

A database set up once (a template) is copied for each test by PostgreSQL itself (CREATE
DATABASE ... TEMPLATE), which takes milliseconds where migrating and setting up took a second."""

from __future__ import annotations

import atexit
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, create_engine, make_url, text

_templates: list[str] = []


def _admin() -> tuple[Engine, str]:
    host = os.environ.get("EARMARK_TEST_PG")
    if not host:
        pytest.fail("PostgreSQL needed: set EARMARK_TEST_PG (packaging/test.sh starts one)")
    engine = create_engine(
        f"postgresql+psycopg:///postgres?host={host}", isolation_level="AUTOCOMMIT"
    )
    return engine, host


def _run(*statements: str) -> None:
    admin, _host = _admin()
    try:
        with admin.connect() as c:
            for statement in statements:
                c.execute(text(statement))
    finally:
        admin.dispose()


@contextmanager
def pg_database() -> Iterator[str]:
    """A new PostgreSQL database of its own, dropped afterwards."""
    _admin()[0].dispose()
    host = os.environ["EARMARK_TEST_PG"]
    name = f"earmark_test_{secrets.token_hex(6)}"
    _run(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg:///{name}?host={host}"
    finally:
        _run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_template(name: str) -> str:
    """An empty database to set up once and copy from; dropped when the tests end."""
    _admin()[0].dispose()
    host = os.environ["EARMARK_TEST_PG"]
    _run(f'CREATE DATABASE "{name}"')
    _templates.append(name)
    return f"postgresql+psycopg:///{name}?host={host}"


def on_test_cluster(url: str) -> bool:
    """Whether `url` names a database of EARMARK_TEST_PG's cluster (where the templates are)."""
    query = make_url(url).query
    return query.get("host") == os.environ.get("EARMARK_TEST_PG") and "port" not in query


def copy_pg_database(template_url: str, target_url: str) -> None:
    """The (empty) target database replaced by a copy of the template."""
    template, target = make_url(template_url).database, make_url(target_url).database
    _run(
        f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)',
        f'CREATE DATABASE "{target}" TEMPLATE "{template}"',
    )


@atexit.register
def _drop_templates() -> None:
    if _templates and os.environ.get("EARMARK_TEST_PG"):
        _run(*(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in _templates))
