"""What routes take besides their input, as `Annotated` aliases: the bearer token, the server's
long-lived parts, and a reader's or a writer's session for the caller's work.

`Read` and `Write` bind the request's token to `Calls` (app/server/routes/calls.py) without
looking the caller up: the lookup and the work run together on one worker thread when the
route awaits them, so a route checks its input first. Every dependency here is a coroutine:
none takes a thread of its own.
"""

from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Header, HTTPException, Request

from app.server.audit import Auditor
from app.server.db import Database
from app.server.keys import Keys
from app.server.routes.calls import Calls, Work
from app.server.storage import AudioStore

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Parts:
    """The long-lived objects create_app builds (app/server/api.py), for the routes."""

    database: Database
    calls: Calls
    keys: Keys
    store: AudioStore
    auditor: Auditor
    demo: bool  # sign-in without a second factor (app/server/auth.py)


async def parts(request: Request) -> Parts:
    found: Parts = request.app.state.parts
    return found


async def bearer(authorization: Annotated[str | None, Header()] = None) -> str:
    if not authorization or not authorization.startswith("Bearer "):
        raise HTTPException(401, "sign in first", headers={"WWW-Authenticate": "Bearer"})
    return authorization[7:]


Server = Annotated[Parts, Depends(parts)]
Token = Annotated[str, Depends(bearer)]


class Reader:
    """`await read(work)` runs `work(session, caller)` in a reader's session: for routes that
    only read (on SQLite it never takes the write lock)."""

    def __init__(self, calls: Calls, token: str) -> None:
        self.calls, self.token = calls, token

    async def __call__(self, work: Work[T]) -> T:
        return await self.calls.read(self.token, work)


class Writer:
    """`await write(work)` runs `work(session, caller)` in a writer's session, committed when it
    returns, and also when it raises one of `keep`."""

    def __init__(self, calls: Calls, token: str) -> None:
        self.calls, self.token = calls, token

    async def __call__(self, work: Work[T], keep: tuple[type[Exception], ...] = ()) -> T:
        return await self.calls.write(self.token, work, keep)


async def reader(server: Server, token: Token) -> Reader:
    return Reader(server.calls, token)


async def writer(server: Server, token: Token) -> Writer:
    return Writer(server.calls, token)


Read = Annotated[Reader, Depends(reader)]
Write = Annotated[Writer, Depends(writer)]
