"""Routes under /api/v1: parse, hand a plain function to `Calls`, map its errors.

Each request's database work runs on one worker thread in one go (`Calls`): the caller is
looked up in a short read session of its own, closed before the route's session opens, so a
request holds one thread and at most one connection at a time, and never waits for one while
holding the other. Routes that only read take a reader's session (on SQLite it never takes the
write lock). Admission in front of the routes (app/server/limits.py) bounds how many run at
once, so the pool always has a connection for each.

(No `from __future__ import annotations` here: FastAPI reads the route annotations, some of
which are aliases local to create_app.)
"""

import logging
import re
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import anyio.to_thread
from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel
from sqlalchemy import exc as sa_exc
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.protocol import (
    API,
    AnnotationOut,
    AnnotationPut,
    BatchPut,
    BatchResult,
    ChangesPage,
    ErrorOut,
    LeaseRequest,
    LoginRequest,
    Me,
    ProjectOut,
    QualityOut,
    RefreshRequest,
    ReviewItemOut,
    ReviewLeaseRequest,
    ReviewOut,
    ReviewPolicy,
    ReviewPut,
    TaskOut,
    Tokens,
)
from app.sealed import SealedReader
from app.server import auth, review
from app.server import models as m
from app.server import security as sec
from app.server import service as svc
from app.server.audit import AuditFailed, Auditor, audit
from app.server.db import Database
from app.server.keys import Keys
from app.server.limits import Admission, AdmissionMiddleware, Limits
from app.server.members import NotAllowed, NotMember, projects_of, require, role_in
from app.server.observe import RequestLog, note_user
from app.server.operations import add_operations
from app.server.ranges import Unsatisfiable, byte_range
from app.server.storage import AudioStore

log = logging.getLogger(__name__)
LOGIN = f"{API}/auth/login"
AUDIO_TYPE = "application/octet-stream"  # the recording's own file, as it was imported
UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
# ids of annotations and reviews: lower-case UUIDs the client makes
ClientId = Annotated[str, PathParam(pattern=UUID)]
FEED_MAX = 2**31 - 1


class AnnotationConflict(BaseModel):
    detail: AnnotationOut  # the version the server holds


class ReviewConflict(BaseModel):
    detail: ReviewOut  # the decision the server holds


_SAY = {
    400: "the body could not be read",
    401: "not signed in, or the session ended",
    403: "not for this role",
    404: "not found, or not the caller's to see",
    409: "the server holds another version",
    413: "the request body is too large",
    416: "the range lies past the end of the recording",
    429: "too many failed sign-ins: wait (Retry-After)",
    503: "busy: try again after Retry-After; nothing was stored",
}


def answers(*codes: int, **models: type[BaseModel]) -> dict[int | str, dict[str, object]]:
    """The OpenAPI entries of a route's refusals (503 for every route: admission may say it;
    a route that takes a body may say 400 and 413 of it)."""
    out: dict[int | str, dict[str, object]] = {}
    if 413 in codes:
        codes = (400, *codes)
    for code in (*codes, 503):
        model = models.get(f"m{code}", ErrorOut)
        out[code] = {"model": model, "description": _SAY[code]}
    return out


def unprocessable(where: list[str], message: str) -> HTTPException:
    """A 422 shaped like FastAPI's own (HTTPValidationError), so one schema covers both."""
    return HTTPException(422, [{"loc": where, "msg": message, "type": "value_error"}])


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
        token: str,
        work: Work[T],
        maker: sessionmaker[Session],
        keep: tuple[type[Exception], ...],
    ) -> T:
        user = self.caller(token)
        with maker() as s:  # closing rolls back whatever was not committed
            try:
                out = work(s, user)
            except keep:
                s.commit()  # what the refusal stored (a conflict row) is kept
                raise
            if maker is self.database.write:
                s.commit()
            return out

    async def read(self, token: str, work: Work[T]) -> T:
        return await anyio.to_thread.run_sync(self._run, token, work, self.database.read, ())

    async def write(self, token: str, work: Work[T], keep: tuple[type[Exception], ...] = ()) -> T:
        """`work` is committed when it returns, and also when it raises one of `keep`."""
        return await anyio.to_thread.run_sync(self._run, token, work, self.database.write, keep)

    async def public(self, work: Callable[[], T]) -> T:
        return await anyio.to_thread.run_sync(work)


def create_app(
    db_url: str,
    data: Path,
    keys: Keys,
    demo: bool = False,
    limits: Limits | None = None,
) -> FastAPI:
    limits = limits or Limits()
    database = Database.open(db_url, limits)
    calls = Calls(database)
    store = AudioStore(data / "audio")
    auditor = Auditor(database.write, limits.db_timeout_s)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # a thread for every admitted request and sign-in, and some for Starlette's own use
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = max(limiter.total_tokens, limits.threads)
        yield
        auditor.close()

    app = FastAPI(
        title="Earmark",
        version="1",
        openapi_url=f"{API}/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        max_body_size=limits.body_bytes,
    )
    admission = Admission(limits, lanes={LOGIN: limits.sign_in_concurrency})
    app.add_middleware(AdmissionMiddleware, admission=admission)
    app.add_middleware(RequestLog)  # outermost: a refusal at admission is logged too

    async def admin_of(token: str) -> bool:
        def check() -> bool:
            try:
                return calls.caller(token).role == "admin"
            except HTTPException:
                return False

        return await calls.public(check)

    add_operations(app, database, data, store.folder, admin_of)

    async def bearer(authorization: Annotated[str | None, Header()] = None) -> str:
        if not authorization or not authorization.startswith("Bearer "):
            raise HTTPException(401, "sign in first", headers={"WWW-Authenticate": "Bearer"})
        return authorization[7:]

    Token = Annotated[str, Depends(bearer)]  # noqa: N806

    @app.exception_handler(RequestValidationError)
    def _invalid(_r: Request, e: RequestValidationError) -> JSONResponse:
        # where and what, never the input echoed back (it may be huge, or not even JSON: 1e400)
        errors = [
            {"loc": [str(x) for x in err["loc"]], "msg": err["msg"], "type": err["type"]}
            for err in e.errors()
        ]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(svc.NotFound)
    @app.exception_handler(NotMember)
    def _not_found(_r: Request, _e: Exception) -> JSONResponse:
        return JSONResponse({"detail": "not found"}, status_code=404)

    @app.exception_handler(svc.Forbidden)
    @app.exception_handler(NotAllowed)
    def _forbidden(_r: Request, e: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(e)}, status_code=403)

    @app.exception_handler(sa_exc.OperationalError)
    @app.exception_handler(sa_exc.TimeoutError)
    @app.exception_handler(AuditFailed)
    def _busy(_r: Request, e: Exception) -> JSONResponse:
        # a lock or a connection not had in time: the client retries later, nothing was stored
        log.warning("database busy: %s", str(e).splitlines()[0][:200])
        return JSONResponse(
            {"detail": "the server is busy; try again in a moment (your work is kept)"},
            status_code=503,
            headers={"Retry-After": str(limits.retry_after_s)},
        )

    @app.post(LOGIN, responses=answers(401, 413, 429))
    async def login(body: LoginRequest, request: Request) -> Tokens:
        # the connection's address; uvicorn puts a trusted proxy's X-Forwarded-For there, and
        # only a trusted one's (serve --trusted-proxy)
        address = request.client.host if request.client else "?"
        try:
            return await calls.public(lambda: auth.sign_in(database, keys, body, address, demo))
        except auth.Throttled as exc:
            raise HTTPException(
                429, str(exc), headers={"Retry-After": str(int(exc.wait_s) + 1)}
            ) from None
        except auth.Refused as exc:
            raise HTTPException(401, str(exc)) from None

    @app.post(f"{API}/auth/refresh", responses=answers(401, 413))
    async def refresh(body: RefreshRequest) -> Tokens:
        try:
            return await calls.public(lambda: auth.refresh(database, keys, body.refresh_token))
        except auth.Refused as exc:
            raise HTTPException(401, str(exc)) from None

    @app.post(f"{API}/auth/logout", status_code=204, responses=answers(401, 413))
    async def logout(body: RefreshRequest, token: Token) -> Response:
        def work(s: Session, user: m.User) -> None:
            sec.revoke(s, token, body.refresh_token)
            audit(s, user.id, "logout")

        await calls.write(token, work)
        return Response(status_code=204)

    @app.get(f"{API}/me", responses=answers(401))
    async def me(token: Token) -> Me:
        user = await calls.public(lambda: calls.caller(token))
        return Me(id=user.id, username=user.username, role=user.role)  # type: ignore[arg-type]

    def project_out(p: m.Project, role: str) -> ProjectOut:
        return ProjectOut(
            id=p.id, name=p.name, taxonomy=p.taxonomy, conventions=p.conventions, role=role
        )

    @app.get(f"{API}/projects/{{project_id}}", responses=answers(401, 404))
    async def project(project_id: str, token: Token) -> ProjectOut:
        def work(s: Session, u: m.User) -> ProjectOut:
            role = require(s, u, project_id)
            return project_out(svc.project_for(s, project_id), role)

        return await calls.read(token, work)

    @app.get(f"{API}/projects", responses=answers(401))
    async def projects(token: Token) -> list[ProjectOut]:
        """The caller's projects, each with their role in it."""

        def work(s: Session, u: m.User) -> list[ProjectOut]:
            mine = s.scalars(
                select(m.Project).where(m.Project.id.in_(projects_of(u))).order_by(m.Project.name)
            )
            return [project_out(p, role_in(s, u, p.id) or "") for p in mine]

        return await calls.read(token, work)

    @app.post(f"{API}/leases", responses=answers(401, 403, 404, 413))
    async def leases(body: LeaseRequest, token: Token) -> list[TaskOut]:
        return await calls.write(token, lambda s, u: svc.lease(s, u, body.project_id, body.count))

    audio_answers = answers(401, 404, 416)
    audio_answers |= {
        200: {"content": {AUDIO_TYPE: {"schema": {"type": "string", "format": "binary"}}}},
        206: {
            "description": "the range asked for",
            "content": {AUDIO_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        },
        304: {"description": "not changed (If-None-Match)"},
    }

    @app.get(
        f"{API}/tasks/{{task_id}}/audio",
        response_class=Response,
        responses=audio_answers,
    )
    async def audio(
        task_id: str,
        token: Token,
        range_: Annotated[str | None, Header(alias="Range")] = None,
        if_none_match: Annotated[str | None, Header()] = None,
    ) -> Response:
        """The recording, whole or by one byte range; every access is audited before anything
        is sent, and only the chunks a range touches are decrypted."""

        def hear() -> tuple[m.Task, SealedReader]:
            user = calls.caller(token)
            with database.read() as s:
                task = svc.audible_task(s, user, task_id)
            auditor.record(user.id, "audio_access", task.id)  # on the log before it is heard
            key = keys.unwrap(task.audio_key or b"", f"task:{task.id}")
            return task, store.reader(task.id, key)

        task, reader = await calls.public(hear)
        etag = f'"{task.audio_sha256}"'
        headers = {"ETag": etag, "Cache-Control": "no-store", "Accept-Ranges": "bytes"}
        if if_none_match == etag:
            reader.close()
            return Response(status_code=304, headers=headers)
        try:
            span = byte_range(range_, reader.size)
        except Unsatisfiable as exc:
            reader.close()
            return Response(status_code=416, headers={"Content-Range": str(exc)})
        start, end = span if span is not None else (0, reader.size - 1)
        if span is not None:
            headers["Content-Range"] = f"bytes {start}-{end}/{reader.size}"
        headers["Content-Length"] = str(max(0, end + 1 - start))

        def pieces() -> Iterator[bytes]:
            try:
                yield from reader.pieces(start, end)
            finally:
                reader.close()

        return StreamingResponse(
            pieces(),
            status_code=206 if span is not None else 200,
            headers=headers,
            media_type=AUDIO_TYPE,
        )

    @app.put(
        f"{API}/annotations/{{annotation_id}}",
        responses=answers(401, 404, 409, 413, m409=AnnotationConflict),
    )
    async def put(annotation_id: ClientId, body: AnnotationPut, token: Token) -> AnnotationOut:
        def work(s: Session, user: m.User) -> AnnotationOut:
            sampler = review.Sampler(s, user, {body.task_id})
            return svc.put_annotation(s, user, annotation_id, body, sampler)

        try:
            return await calls.write(token, work, keep=(svc.Stale,))
        except svc.Stale as exc:
            raise HTTPException(409, exc.server.model_dump()) from None

    @app.post(f"{API}/annotations/batch", responses=answers(401, 413))
    async def batch(body: BatchPut, token: Token) -> BatchResult:
        for ann_id in body.items:
            _check_uuid(ann_id, "items")

        def work(s: Session, user: m.User) -> BatchResult:
            sampler = review.Sampler(s, user, {p.task_id for p in body.items.values()})
            return svc.put_many(s, user, body.items, sampler)

        return await calls.write(token, work)

    @app.get(f"{API}/changes", responses=answers(401))
    async def changes(
        token: Token,
        since: Annotated[int, Query(ge=0, le=FEED_MAX)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    ) -> ChangesPage:
        return await calls.read(token, lambda s, u: svc.changes(s, u, since, limit))

    # -- second-pass review -----------------------------------------------------------------
    @app.put(
        f"{API}/projects/{{project_id}}/review-policy",
        status_code=204,
        responses=answers(401, 403, 404, 413),
    )
    async def review_policy(project_id: str, body: ReviewPolicy, token: Token) -> Response:
        await calls.write(token, lambda s, u: review.set_policy(s, u, project_id, body))
        return Response(status_code=204)

    @app.get(f"{API}/projects/{{project_id}}/review-policy", responses=answers(401, 404))
    async def get_review_policy(project_id: str, token: Token) -> ReviewPolicy:
        def work(s: Session, u: m.User) -> ReviewPolicy:
            require(s, u, project_id)
            return review.policy_of(svc.project_for(s, project_id))

        return await calls.read(token, work)

    @app.post(f"{API}/review-leases", responses=answers(401, 403, 404, 413))
    async def review_leases(body: ReviewLeaseRequest, token: Token) -> list[ReviewItemOut]:
        return await calls.write(
            token, lambda s, u: review.lease_reviews(s, u, body.project_id, body.count)
        )

    @app.put(
        f"{API}/reviews/{{review_id}}",
        responses=answers(401, 403, 404, 409, 413, m409=ReviewConflict),
    )
    async def put_review(review_id: ClientId, body: ReviewPut, token: Token) -> ReviewOut:
        try:
            return await calls.write(token, lambda s, u: review.put_review(s, u, review_id, body))
        except review.AlreadyReviewed as exc:
            raise HTTPException(409, exc.review.model_dump()) from None
        except ValueError as exc:
            raise unprocessable(["body"], str(exc)) from None

    @app.get(f"{API}/projects/{{project_id}}/quality", responses=answers(401, 404))
    async def quality(project_id: str, token: Token, annotator: str | None = None) -> QualityOut:
        return await calls.read(token, lambda s, u: review.quality(s, u, project_id, annotator))

    @app.delete(f"{API}/tasks/{{task_id}}", status_code=204, responses=answers(401, 403, 404))
    async def delete(task_id: str, token: Token) -> Response:
        await calls.write(token, lambda s, u: svc.delete_task(s, store, u, task_id))
        return Response(status_code=204)

    app.state.sessions = database.write
    app.state.engine = database.engine
    app.state.store = store
    app.state.admission = admission
    app.state.auditor = auditor
    return app


def _check_uuid(value: str, where: str) -> None:
    if not re.fullmatch(UUID, value):
        raise unprocessable(
            ["body", where], "ids of annotations are lower-case UUIDs made by the client"
        )
