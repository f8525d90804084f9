"""How much one server process takes on at once, and what it does with the rest.

A request is admitted when one of `concurrency` places is free; it then runs on at most one worker
thread and holds at most one database connection at a time, and the pool has a connection for
every place, so an admitted request never waits for a thread or a connection. A request that
finds every place taken waits at most `wait_s`, behind at most `queue` others, then is answered
503 with Retry-After: the server refuses quickly instead of letting a queue grow until every
client times out. And where the queue ahead cannot drain in `wait_s` at the pace requests have
been leaving (a moving average of their time inside), the refusal comes at once instead of
after the whole wait. Sign-in has a lane of its own (its password hash is slow on purpose), so a
crowd signing in at nine never starves everyone's sync.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Limits:
    concurrency: int = 16  # requests handled at once by one process, each on one thread
    sign_in_concurrency: int = 2  # sign-ins hashed at once (argon2 takes a core for ~0.15 s)
    queue: int = 200  # requests that may wait for a place; more are refused at once
    wait_s: float = 3.0  # longest wait for a place before 503
    retry_after_s: int = 2  # what a refused client is told to wait
    db_timeout_s: float = 10.0  # longest wait for a database lock (SQLite) or a connection
    body_bytes: int = 16 << 20  # a request body larger than this is refused (413)

    @property
    def pool_size(self) -> int:
        """A connection for every place, and two for short writes beside a route's (audit)."""
        return self.concurrency + self.sign_in_concurrency + 2

    @property
    def threads(self) -> int:
        return self.concurrency + self.sign_in_concurrency + 8


BUSY = json.dumps({"detail": "the server is busy; try again in a moment (your work is kept)"})


async def busy(send: Send, retry_after_s: int) -> None:
    body = BUSY.encode()
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/json"),
                (b"retry-after", str(retry_after_s).encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class Lane:
    """`places` requests at a time; a bounded, short wait for the others."""

    def __init__(self, places: int, queue: int, wait_s: float) -> None:
        self.places, self.queue, self.wait_s = places, queue, wait_s
        self.inside = self.waiting = self.refused = 0
        self.refused_at_once = 0  # of those, without waiting: the queue could not drain in time
        self.service_s = 0.0  # a request's time inside, on average of late (0: none seen yet)
        self._sem: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._sem is None or self._loop is not loop:  # a test client runs a loop per call
            self._sem, self._loop = asyncio.Semaphore(self.places), loop
        return self._sem

    async def enter(self) -> bool:
        """True once inside; False when refused (the queue is full or the wait ran out)."""
        sem = self._semaphore()
        if sem.locked():
            if self.waiting >= self.queue or self.expected_wait_s() > self.wait_s:
                self.refused += 1
                self.refused_at_once += 1
                return False
            self.waiting += 1
            try:
                async with asyncio.timeout(self.wait_s):
                    await sem.acquire()
            except TimeoutError:
                self.refused += 1
                return False
            finally:
                self.waiting -= 1
        else:
            await sem.acquire()
        self.inside += 1
        return True

    def expected_wait_s(self) -> float:
        """How long one more request would wait: everyone ahead of it, at the pace of late."""
        return (self.waiting + 1) * self.service_s / self.places

    def leave(self, took_s: float = 0.0) -> None:
        """Out, after `took_s` inside (answer sent)."""
        self.inside -= 1
        self.service_s = took_s if not self.service_s else 0.9 * self.service_s + 0.1 * took_s
        self._semaphore().release()


class Admission:
    """The lanes of one process: one for most requests, others by path."""

    def __init__(self, limits: Limits, lanes: dict[str, int] | None = None) -> None:
        self.limits = limits
        self.main = Lane(limits.concurrency, limits.queue, limits.wait_s)
        self.lanes = {
            path: Lane(n, limits.queue, limits.wait_s) for path, n in (lanes or {}).items()
        }

    def lane(self, path: str) -> Lane:
        return self.lanes.get(path, self.main)


class AdmissionMiddleware:
    """ASGI middleware putting every HTTP request through its lane."""

    def __init__(self, app: ASGIApp, admission: Admission) -> None:
        self.app, self.admission = app, admission

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        lane = self.admission.lane(str(scope.get("path", "")))
        if not await lane.enter():
            await busy(send, self.admission.limits.retry_after_s)
            return
        start = time.monotonic()
        try:
            await self.app(scope, receive, send)
        finally:
            lane.leave(time.monotonic() - start)
