"""What routes take besides their input, as `Annotated` aliases: the bearer token, the caller,
the server's long-lived parts, and a reader's or a writer's session for the caller's work.

Signed in first: every router uses `SignedInFirst`, which looks the caller of a route that
takes a token up before anything else of the request is read, so a stranger's request costs
one lookup and is refused (401) before its body is parsed or validated. `Read` and `Write` then
bind the caller to `Calls` (app/server/routes/calls.py). Every dependency here is a coroutine:
none takes a thread of its own.
"""

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, HTTPException, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param

from app.server import models as m
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


# in the OpenAPI document as the routes' security scheme (the fuzzer asks them without it)
BEARER = HTTPBearer(auto_error=False, description="an access token from /auth/login")


def token_of(authorization: str | None) -> str:
    """The token of `Authorization: Bearer TOKEN`; 401 for anything else."""
    scheme, token = get_authorization_scheme_param(authorization)
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(401, "sign in first", headers={"WWW-Authenticate": "Bearer"})
    return token


async def bearer(
    request: Request, _scheme: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]
) -> str:
    return token_of(request.headers.get("authorization"))


Server = Annotated[Parts, Depends(parts)]
Token = Annotated[str, Depends(bearer)]


def _takes_token(dependant: Dependant) -> bool:
    return any(d.call is bearer or _takes_token(d) for d in dependant.dependencies)


class SignedInFirst(APIRoute):
    """A route that takes a token finds its caller before it reads the request's body."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if not _takes_token(self.dependant):
            return handler

        async def signed_in_first(request: Request) -> Response:
            token = token_of(request.headers.get("authorization"))
            calls = (await parts(request)).calls
            request.state.caller = await calls.public(lambda: calls.caller(token))
            return await handler(request)

        return signed_in_first


async def caller(request: Request, _token: Token) -> m.User:
    """The caller `SignedInFirst` found (a route of another class has none: an error)."""
    found: m.User = request.state.caller
    return found


Caller = Annotated[m.User, Depends(caller)]


class Reader:
    """`await read(work)` runs `work(session, caller)` in a reader's session: for routes that
    only read (on SQLite it never takes the write lock)."""

    def __init__(self, calls: Calls, user: m.User) -> None:
        self.calls, self.user = calls, user

    async def __call__(self, work: Work[T]) -> T:
        return await self.calls.read(self.user, work)


class Writer:
    """`await write(work)` runs `work(session, caller)` in a writer's session, committed when it
    returns, and also when it raises one of `keep`."""

    def __init__(self, calls: Calls, user: m.User, token: str) -> None:
        self.calls, self.user, self.token = calls, user, token

    async def __call__(self, work: Work[T], keep: tuple[type[Exception], ...] = ()) -> T:
        return await self.calls.write(self.user, work, keep)


async def reader(server: Server, user: Caller) -> Reader:
    return Reader(server.calls, user)


async def writer(server: Server, user: Caller, token: Token) -> Writer:
    return Writer(server.calls, user, token)


Read = Annotated[Reader, Depends(reader)]
Write = Annotated[Writer, Depends(writer)]
