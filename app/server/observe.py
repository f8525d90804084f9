"""What an operator reads: one JSON object a line for every request and log record, and
Prometheus figures (requests, latencies, admission, work queues).

A request's line has its id (sent back as X-Request-ID), the caller's user id once known, the
route with ids folded away, the status and the duration. Nothing else of the request is
logged: no header, no query, no body, so no token, password, code or recording content.
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
from collections.abc import Callable
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

from app.server.limits import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("earmark.request")
# the request being answered: a dict the route's worker thread fills in (user_id)
REQUEST: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "earmark_request", default=None
)
FIELDS = ("request_id", "user_id", "method", "route", "status", "duration_ms")
_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_VARYING = re.compile(rf"/(?:{_UUID}|\d+)(?=/|$)")
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


def route_of(path: str) -> str:
    """The path with ids folded to {id}: a label of few values, and no item named in a log."""
    return _VARYING.sub("/{id}", path)


def note_user(user_id: str) -> None:
    """The caller is known: its id goes on the request's line."""
    current = REQUEST.get()
    if current is not None:
        current["user_id"] = user_id


class RequestLog:
    """ASGI middleware: an id for each request, its line in the log, its figures."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

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
            method, route = str(scope.get("method", "")), route_of(str(scope.get("path", "")))
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
