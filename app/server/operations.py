"""The routes an operator's tools call: health for load balancers, figures for Prometheus.

GET /api/v1/health needs no sign-in and says only "ok" or "failing" for the database and the
audio store, never why (no version, path or error leaves the server). GET /api/v1/metrics is
for the server's admins, or for a scraper holding the metrics token that
`earmark-server metrics-token` makes (only its SHA-256 is kept, in the data folder).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI, Header, HTTPException
from fastapi.responses import JSONResponse, Response
from prometheus_client import CollectorRegistry, Gauge
from sqlalchemy import func, select, text

from app.protocol import API
from app.server import models as m
from app.server.db import Database
from app.server.observe import exposition
from app.server.storage import AudioStore, StoreError

log = logging.getLogger(__name__)
TOKEN_FILE = "metrics-token.sha256"


def check_health(database: Database, store: AudioStore) -> dict[str, str]:
    out = {"database": "ok", "store": "ok"}
    try:
        with database.read() as s:
            s.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure is "failing"; the log says which
        log.warning("health: database failing: %s", type(exc).__name__)
        out["database"] = "failing"
    try:
        store.probe()
    except (OSError, StoreError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else None
        log.warning("health: store failing: %s", reason or type(exc).__name__)
        out["store"] = "failing"
    return out


def new_metrics_token(data: Path) -> str:
    """A new scrape token (the old one stops working); only its hash is written."""
    token = uuid.uuid4().hex + uuid.uuid4().hex
    path = data / TOKEN_FILE
    path.write_text(hashlib.sha256(token.encode()).hexdigest() + "\n", encoding="ascii")
    path.chmod(0o600)
    return token


def _is_metrics_token(data: Path, token: str) -> bool:
    try:
        want = (data / TOKEN_FILE).read_text(encoding="ascii").strip()
    except OSError:
        return False
    return hmac.compare_digest(want, hashlib.sha256(token.encode()).hexdigest())


def queue_depths(database: Database, registry: CollectorRegistry) -> None:
    """Work waiting in each project, read at each scrape."""
    tasks = Gauge("earmark_tasks", "Items by state", ["project", "state"], registry=registry)
    review = Gauge(
        "earmark_review_items_waiting", "Items waiting for review", ["project"], registry=registry
    )
    now = time.time()
    with database.read() as s:
        names = dict(s.execute(select(m.Project.id, m.Project.name)).all())
        for name in names.values():
            for state in ("open", "leased", "closed"):
                tasks.labels(name, state).set(0)
            review.labels(name).set(0)
        live = m.Task.deleted.is_(False)
        leased = (m.Task.lease_expires_at > now) & m.Task.closed.is_(False)
        for state, where in (
            ("closed", m.Task.closed.is_(True)),
            ("leased", leased),
            (  # no lease, or one run out (NULL compares to nothing: said outright)
                "open",
                m.Task.closed.is_(False)
                & (m.Task.lease_expires_at.is_(None) | (m.Task.lease_expires_at <= now)),
            ),
        ):
            rows = s.execute(
                select(m.Task.project_id, func.count())
                .where(live, where)
                .group_by(m.Task.project_id)
            )
            for pid, n in rows:
                tasks.labels(names.get(pid, pid), state).set(n)
        rows = s.execute(
            select(m.ReviewItem.project_id, func.count())
            .where(m.ReviewItem.done.is_(False))
            .group_by(m.ReviewItem.project_id)
        )
        for pid, n in rows:
            review.labels(names.get(pid, pid)).set(n)


def add_operations(
    app: FastAPI,
    database: Database,
    data: Path,
    store: AudioStore,
    admin_of: Callable[[str], Awaitable[bool]],
) -> None:
    """`admin_of(token)` says whether an access token is a signed-in admin's."""

    @app.get(f"{API}/health", include_in_schema=True)
    async def health() -> JSONResponse:
        checks = await anyio.to_thread.run_sync(check_health, database, store)
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ok" if ok else "failing", "checks": checks},
            status_code=200 if ok else 503,
            headers={"Cache-Control": "no-store"},
        )

    @app.get(f"{API}/metrics", include_in_schema=False)
    async def metrics(authorization: str | None = Header(None)) -> Response:
        if not authorization or not authorization.startswith("Bearer "):
            raise HTTPException(401, "sign in first", headers={"WWW-Authenticate": "Bearer"})
        token = authorization[7:]
        if not _is_metrics_token(data, token) and not await admin_of(token):
            raise HTTPException(403, "the figures are for the server's admins")
        body, kind = await anyio.to_thread.run_sync(
            lambda: exposition(lambda r: queue_depths(database, r))
        )
        return Response(body, media_type=kind)
