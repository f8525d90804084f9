"""The server application: its long-lived parts, admission, error answers and the routers.

The routes live in app/server/routes/, one router per resource; how each request's database
work runs (one worker thread, a reader's or a writer's session) is in app/server/routes/calls.py.
"""

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.protocol import API
from app.server import service as svc
from app.server.anchor import anchor_key
from app.server.audit import AuditFailed, Auditor
from app.server.db import Database
from app.server.keys import Keys
from app.server.limits import Admission, AdmissionMiddleware, Limits
from app.server.members import NotAllowed, NotMember
from app.server.observe import RequestLog, RouteTable
from app.server.operations import add_operations
from app.server.routes import annotations, auth, changes, projects, reviews, tasks
from app.server.routes.calls import Calls
from app.server.routes.deps import Parts
from app.server.storage import open_store

log = logging.getLogger(__name__)


def create_app(
    db_url: str,
    data: Path,
    keys: Keys,
    demo: bool = False,
    limits: Limits | None = None,
) -> FastAPI:
    limits = limits or Limits()
    database = Database.open(db_url, limits, anchor_key(keys))  # audits move the anchor on
    calls = Calls(database)
    store = open_store(data)  # --audio-store's, or the data folder's (app/server/storage.py)
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
    admission = Admission(limits, lanes={auth.LOGIN: limits.sign_in_concurrency})
    app.add_middleware(AdmissionMiddleware, admission=admission)
    routes = RouteTable()  # filled below, once every route is there
    app.add_middleware(RequestLog, routes=routes)  # outermost: admission's refusals are logged
    add_error_answers(app, limits.retry_after_s)

    add_operations(app, database, data, store, calls.is_admin)
    for module in (auth, projects, tasks, annotations, changes, reviews):
        app.include_router(module.router)
        routes.add(module.router.routes)
    routes.add(app.router.routes)  # the document, health and metrics

    app.state.parts = Parts(database, calls, keys, store, auditor, demo)
    app.state.sessions = database.write
    app.state.engine = database.engine
    app.state.store = store
    app.state.admission = admission
    app.state.routes = routes
    app.state.auditor = auditor
    return app


def add_error_answers(app: FastAPI, retry_after_s: int) -> None:
    """The answers to what routes and the service raise: 422, 404, 403, and 503 "busy"."""

    @app.exception_handler(RequestValidationError)
    def _invalid(_r: Request, e: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": validation_errors(e.errors())}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(r: Request, e: StarletteHTTPException) -> Response:
        if e.status_code == 405:  # every method of the path, whichever route said it
            allowed = r.app.state.routes.methods(r.scope["path"])
            e.headers = {**(e.headers or {}), "Allow": ", ".join(allowed)}
        if e.status_code == 404 and "route" not in r.scope:  # no route took the path
            _template, wrong = r.app.state.routes.misfit(r.scope["path"], r.method)
            if wrong:  # a route's but for an id no client makes: say which, and the rule
                return JSONResponse({"detail": misfit_errors(wrong)}, status_code=422)
        return await http_exception_handler(r, e)

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
            headers={"Retry-After": str(retry_after_s)},
        )


ERRORS_MAX = 20  # a 422 lists this many errors; the rest are counted
LOC_MAX = 64  # characters of a part of an error's place (a key may be the client's)


def validation_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Where and what, never the input echoed back (it may be huge, or not even JSON: 1e400),
    and a bounded answer however many items were wrong."""
    out: list[dict[str, Any]] = [
        {
            "loc": [str(x)[:LOC_MAX] for x in err["loc"]],
            "msg": str(err["msg"])[:200],
            "type": str(err["type"])[:64],
        }
        for err in errors[:ERRORS_MAX]
    ]
    if len(errors) > ERRORS_MAX:
        more = len(errors) - ERRORS_MAX
        out.append({"loc": ["body"], "msg": f"and {more} more errors", "type": "too_many_errors"})
    return out


CLIENT_ID_RULE = "ids of annotations and reviews are lower-case UUIDs made by the client"


def misfit_errors(names: list[str]) -> list[dict[str, Any]]:
    """A 422 shaped like FastAPI's own, for a path some route would take but for an id in it
    that breaks the id's rule (the only rule a path's parameter has: CLIENT_ID_RULE)."""
    return [
        {"loc": ["path", name], "msg": CLIENT_ID_RULE, "type": "string_pattern_mismatch"}
        for name in names
    ]
