"""Signing in and out, refreshing a session, and who the caller is."""

from fastapi import APIRouter, HTTPException, Request, Response
from sqlalchemy.orm import Session

from app.protocol import API, LoginRequest, Me, RefreshRequest, Tokens, UnlockRequest
from app.server import auth
from app.server import models as m
from app.server import security as sec
from app.server.audit import audit
from app.server.routes.answers import answers
from app.server.routes.deps import Caller, Server, SignedInFirst, Write

SIGN_IN = "/auth/login"
LOGIN = API + SIGN_IN  # a lane of its own at admission (app/server/limits.py)
# what anyone may send unsigned-in: a name, a password and a code, or a refresh token, in far
# less (a larger body is refused, 413, before it is read, let alone parsed)
PUBLIC_BODY_BYTES = 16 << 10

router = APIRouter(prefix=API, route_class=SignedInFirst)


@router.post(SIGN_IN, responses=answers(401, 413, 429), max_body_size=PUBLIC_BODY_BYTES)
async def login(body: LoginRequest, request: Request, server: Server) -> Tokens:
    # the connection's address; uvicorn puts a trusted proxy's X-Forwarded-For there, and
    # only a trusted one's (serve --trusted-proxy)
    address = request.client.host if request.client else "?"
    database, keys, demo = server.database, server.keys, server.demo
    try:
        return await server.calls.public(lambda: auth.sign_in(database, keys, body, address, demo))
    except auth.Throttled as exc:
        raise HTTPException(
            429, str(exc), headers={"Retry-After": str(int(exc.wait_s) + 1)}
        ) from None
    except auth.Refused as exc:
        raise HTTPException(401, str(exc)) from None


@router.post("/auth/refresh", responses=answers(401, 413), max_body_size=PUBLIC_BODY_BYTES)
async def refresh(body: RefreshRequest, server: Server) -> Tokens:
    database, keys = server.database, server.keys
    try:
        return await server.calls.public(lambda: auth.refresh(database, keys, body.refresh_token))
    except auth.Refused as exc:
        raise HTTPException(401, str(exc)) from None


@router.post("/auth/logout", status_code=204, responses=answers(401, 413))
async def logout(body: RefreshRequest, write: Write) -> Response:
    def work(s: Session, user: m.User) -> None:
        sec.revoke(s, write.token, body.refresh_token)
        audit(s, user.id, "logout")

    await write(work)
    return Response(status_code=204)


@router.post(
    "/auth/unlock",
    status_code=204,
    responses=answers(401, 403, 413, 429),
    max_body_size=PUBLIC_BODY_BYTES,
)
async def unlock(body: UnlockRequest, request: Request, user: Caller, server: Server) -> Response:
    """A locked workstation's user back: the second factor again (403 when wrong, throttled
    like sign-in)."""
    address = request.client.host if request.client else "?"
    database, keys, demo, user_id = server.database, server.keys, server.demo, user.id
    try:
        await server.calls.public(lambda: auth.unlock(database, keys, user_id, body, address, demo))
    except auth.Throttled as exc:
        raise HTTPException(
            429, str(exc), headers={"Retry-After": str(int(exc.wait_s) + 1)}
        ) from None
    except auth.Refused as exc:
        raise HTTPException(403, str(exc)) from None
    return Response(status_code=204)


@router.get("/me", responses=answers(401))
async def me(user: Caller, server: Server) -> Me:
    return Me(
        id=user.id,
        username=user.username,
        role=user.role,  # type: ignore[arg-type]
        unlock_with="password" if server.demo else "code",
    )
