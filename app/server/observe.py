"""What an operator reads: one JSON object a line for every request and log record, and
Prometheus figures (requests, latencies, admission, work queues).

A request's line has its id (sent back as X-Request-ID), the caller's user id once known, the
route's template (/api/v1/tasks/{task_id}/audio, or "unmatched" for a path no route takes), the
status and the duration. Nothing else of the request is logged: no path, header, query or
body, so no id a client wrote, token, password, code or recording content; and the figures'
labels are as few as the routes, whatever paths and methods clients send.
With several processes (`serve --workers`), prometheus-client's multiprocess mode sums them.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.routing import compile_path

from app.server.limits import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("earmark.request")
# the request being answered: a dict the route's worker thread fills in (user_id)
REQUEST: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "earmark_request", default=None
)
FIELDS = ("request_id", "user_id", "method", "route", "status", "duration_ms")
_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
UNMATCHED = "unmatched"  # the route label of every path no route takes
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
MULTIPROC = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter("earmark_requests", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram(
    "earmark_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
IN_FLIGHT = Gauge(
    "earmark_requests_in_flight", "Requests being answered", multiprocess_mode="livesum"
)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, and a request's fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for k in FIELDS:
            if hasattr(record, k):
                out[k] = getattr(record, k)
        if "request_id" not in out:
            current = REQUEST.get()
            if current is not None:
                out["request_id"] = current["request_id"]
        if record.exc_info:
            out["error"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def log_config(level: str = "info") -> dict[str, Any]:
    """logging.config.dictConfig for every server process (uvicorn applies it in each worker)."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "app.server.observe.JsonFormatter"}},
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": level.upper()},
        "loggers": {
            name: {"handlers": [], "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }


@dataclass(frozen=True, slots=True)
class _Route:
    regex: re.Pattern[str]  # the route's own, with its parameters' rules
    loose: re.Pattern[str]  # any segment for each parameter
    template: str
    methods: frozenset[str]
    rules: tuple[tuple[str, re.Pattern[str]], ...]  # parameters whose segment has a rule


class RouteTable:
    """The server's routes by template: what a request is labelled by (never its path), and
    which methods a path takes. Built from the routers' own routes, so that it holds however
    the framework nests them."""

    def __init__(self) -> None:
        self._routes: list[_Route] = []

    def add(self, routes: Iterable[object]) -> None:
        for route in routes:
            regex = getattr(route, "path_regex", None)
            template = getattr(route, "path_format", None)
            if isinstance(regex, re.Pattern) and isinstance(template, str):
                loose, _format, plain = compile_path(template)
                convertors = getattr(route, "param_convertors", {})
                rules = tuple(
                    (name, re.compile(c.regex))
                    for name, c in convertors.items()
                    if c.regex != plain[name].regex
                )
                methods = frozenset(getattr(route, "methods", None) or ())
                self._routes.append(_Route(regex, loose, template, methods, rules))

    def template(self, path: str, method: str) -> str:
        """The template of the route that takes the request (of one whose path matches when
        none takes its method, or whose parameter alone is wrong), or UNMATCHED: a label of as
        many values as there are routes."""
        near = UNMATCHED
        for route in self._routes:
            if route.regex.match(path):
                if method in route.methods:
                    return route.template
                near = route.template if near == UNMATCHED else near
        return near if near != UNMATCHED else self.misfit(path, method)[0]

    def misfit(self, path: str, method: str) -> tuple[str, list[str]]:
        """For a path no route takes: the template of a route of `method` that would take it
        but for the rule of some parameter (a client's id: a lower-case UUID), and the names
        of the parameters that break their rule; or (UNMATCHED, [])."""
        for route in self._routes:
            found = route.loose.match(path)
            if found and method in route.methods:
                wrong = [name for name, rule in route.rules if not rule.fullmatch(found[name])]
                if wrong:
                    return route.template, wrong
        return UNMATCHED, []

    def methods(self, path: str) -> list[str]:
        """Every method some route of `path` takes (for Allow)."""
        found: set[str] = set()
        for route in self._routes:
            if route.regex.match(path):
                found |= route.methods
        return sorted(found)


def method_of(scope: Scope) -> str:
    """The request's method, or "other" for one HTTP does not define (a client may send any)."""
    method = str(scope.get("method", ""))
    return method if method in METHODS else "other"


def note_user(user_id: str) -> None:
    """The caller is known: its id goes on the request's line."""
    current = REQUEST.get()
    if current is not None:
        current["user_id"] = user_id


class RequestLog:
    """ASGI middleware: an id for each request, its line in the log, its figures."""

    def __init__(self, app: ASGIApp, routes: RouteTable) -> None:
        self.app, self.routes = app, routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        rid = given if _ID.match(given) else uuid.uuid4().hex
        info: dict[str, Any] = {"request_id": rid, "user_id": None, "status": 500}
        token = REQUEST.set(info)
        started = time.perf_counter()

        async def answer(message: Message) -> None:
            if message["type"] == "http.response.start":
                info["status"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, answer)
        finally:
            IN_FLIGHT.dec()
            took = time.perf_counter() - started
            method = method_of(scope)
            route = self.routes.template(str(scope.get("path", "")), method)
            REQUESTS.labels(method, route, str(info["status"])).inc()
            LATENCY.labels(method, route).observe(took)
            log.info(
                "request",
                extra={
                    "request_id": rid,
                    "user_id": info["user_id"],
                    "method": method,
                    "route": route,
                    "status": info["status"],
                    "duration_ms": round(took * 1000, 1),
                },
            )
            REQUEST.reset(token)


def exposition(extra: Callable[[CollectorRegistry], None]) -> tuple[bytes, str]:
    """The figures in Prometheus' text format: this process's (or, with several, all of
    theirs), and what `extra` adds (read from the database at each scrape)."""
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROC):
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        from prometheus_client import REGISTRY

        body = generate_latest(REGISTRY)
    now = CollectorRegistry()
    extra(now)
    return body + generate_latest(now), CONTENT_TYPE_LATEST
