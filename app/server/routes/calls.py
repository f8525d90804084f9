"""How a route reaches the database: `Calls` runs a request's database work on a worker thread.

Each request's database work runs on one worker thread in one go. The caller was looked up
before (`caller`, in a short read session of its own on a worker thread, before the request's
body was read: app/server/routes/deps.py), so a request holds one thread and at most one
connection at a time, and never waits for one while holding the other.
Routes that only read take a reader's session (on SQLite it never takes the write lock).
Admission in front of the routes (app/server/limits.py) bounds how many run at once, so the
pool always has a connection for each.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio.to_thread
from fastapi import HTTPException
from sqlalchemy.orm import Session, sessionmaker

from app.server import models as m
from app.server import security as sec
from app.server.db import Database
from app.server.observe import note_user

T = TypeVar("T")
Work = Callable[[Session, m.User], T]  # a route's database work


class Calls:
    """The one way a route reaches the database: on a worker thread, one session at a time."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def caller(self, token: str) -> m.User:
        with self.database.read() as s:  # closed before the route opens its own session
            user = sec.user_for_access(s, token)
        if user is None:
            raise HTTPException(
                401, "session expired: sign in again", headers={"WWW-Authenticate": "Bearer"}
            )
        note_user(user.id)  # on the request's log line
        return user

    def _run(
        self,
        user: m.User,
        work: Work[T],
        maker: sessionmaker[Session],
        keep: tuple[type[Exception], ...],
    ) -> T:
        with maker() as s:  # closing rolls back whatever was not committed
            try:
                out = work(s, user)
            except keep:
                s.commit()  # what the refusal stored (a conflict row) is kept
                raise
            if maker is self.database.write:
                s.commit()
            return out

    async def read(self, user: m.User, work: Work[T]) -> T:
        return await anyio.to_thread.run_sync(self._run, user, work, self.database.read, ())

    async def write(self, user: m.User, work: Work[T], keep: tuple[type[Exception], ...] = ()) -> T:
        """`work` is committed when it returns, and also when it raises one of `keep`."""
        return await anyio.to_thread.run_sync(self._run, user, work, self.database.write, keep)

    async def public(self, work: Callable[[], T]) -> T:
        return await anyio.to_thread.run_sync(work)

    async def is_admin(self, token: str) -> bool:
        """Whether an access token is a signed-in admin's (for GET /metrics)."""

        def check() -> bool:
            try:
                return self.caller(token).role == "admin"
            except HTTPException:
                return False

        return await self.public(check)
