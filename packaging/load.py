"""Load: simulated annotators and reviewers doing what the workstation does, against a real server.

    .venv/bin/python packaging/load.py --annotators 50 --seconds 60                 SQLite
    .venv/bin/python packaging/load.py --annotators 500 --db postgresql --processes 2

Time runs --pace times faster than people work (7.5 by default: an annotator submits an item
every 2 s instead of every 15 s, and the workstation's 10 s sync timer fires every 1.3 s).
Each annotator signs in, then repeats the workstation's sync pass (app/workstation/sync/engine.py): push
what is unsent in one batch, lease, read the changes feed to its end, fetch the audio of new
items; after every submit and on the timer. Reviewers lease review items, listen, and accept
or reject (a rejected item goes back to its annotator, who submits it again).

Prints requests/s, p50/p95/p99 per endpoint and errors by status, then checks what must hold
whatever the load: no task leased to two annotators at once, every acknowledged put stored
once and unchanged, each user's changes feed received without gaps or repeats, the audit
chain intact. Exits 1 when a check fails (a slow server is a figure; a wrong one is a failure).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import numpy as np  # noqa: E402
import pyotp  # noqa: E402
import soundfile as sf  # noqa: E402
from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402

from app.model.annotation import Annotation, Segment, Status  # noqa: E402
from app.protocol import API  # noqa: E402
from app.server import models as m  # noqa: E402
from app.server.audit import verify  # noqa: E402
from app.server.db import make_engine, migrate, sessions  # noqa: E402
from app.server.keys import load_keys  # noqa: E402
from app.server.security import hash_password, new_totp_secret  # noqa: E402
from app.server.storage import FolderStore  # noqa: E402
from app.workstation.sync.engine import BATCH, LEASE_COUNT, RENEW_EVERY_S  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ITEM_S = 15.0  # a real annotator's time per utterance
REVIEW_S = 10.0  # a reviewer's time per item
SYNC_EVERY_S = 10.0  # the workstation's sync timer (app/workstation/server_sync.py)
PASSWORD = "load test password"
TARGET_P99_S = 0.300  # leases and puts (issue 8)


# -- figures ---------------------------------------------------------------------------------
@dataclass
class Figures:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    started: float = 0.0
    ended: float = 0.0

    def add(self, endpoint: str, status: int, seconds: float) -> None:
        self.latencies[endpoint].append(seconds)
        self.statuses[endpoint][status] += 1

    def report(self, title: str) -> dict[str, Any]:
        span = max(1e-9, self.ended - self.started)
        total = sum(len(v) for v in self.latencies.values())
        print(f"\n{title}: {total} requests in {span:.1f} s, {total / span:.0f} requests/s")
        print(f"{'endpoint':<16}{'count':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  statuses")
        out: dict[str, Any] = {"requests_per_s": total / span, "endpoints": {}}
        for name in sorted(self.latencies):
            lat = sorted(self.latencies[name])
            p = {q: 1000 * _quantile(lat, q) for q in (0.5, 0.95, 0.99)}
            codes = ", ".join(
                f"{c or 'timeout'}×{n}" for c, n in sorted(self.statuses[name].items())
            )
            print(f"{name:<16}{len(lat):>8}{p[0.5]:>9.1f}{p[0.95]:>9.1f}{p[0.99]:>9.1f}  {codes}")
            out["endpoints"][name] = {
                "count": len(lat),
                "p50_ms": p[0.5],
                "p95_ms": p[0.95],
                "p99_ms": p[0.99],
                "statuses": {str(c): n for c, n in self.statuses[name].items()},
            }
        return out

    def errors(self) -> Counter[int]:
        bad: Counter[int] = Counter()
        for codes in self.statuses.values():
            for code, n in codes.items():
                if code == 0 or code >= 400:
                    bad[code] += n
        return bad


def _quantile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, int(round(q * (len(sorted_values) - 1)))))
    return sorted_values[k]


# -- a light HTTP/1.1 client: one kept-alive connection per person, as each workstation has -----
class Reply:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status_code, self.headers, self.content = status, headers, body

    def json(self) -> Any:
        return json.loads(self.content)


class WireError(Exception):
    pass


class Wire:
    """Much cheaper per request than a general client, so the load generator leaves the
    machine's cores to the server it measures."""

    def __init__(self, port: int, timeout_s: float) -> None:
        self.port, self.timeout_s = port, timeout_s
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None

    async def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        json_body: Any = None,
        params: dict[str, Any] | None = None,
    ) -> Reply:
        if params:
            path += "?" + "&".join(f"{k}={v}" for k, v in params.items())
        body = b"" if json_body is None else json.dumps(json_body).encode()
        head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        if json_body is not None:
            head.append("Content-Type: application/json")
        head.append(f"Content-Length: {len(body)}")
        data = ("\r\n".join(head) + "\r\n\r\n").encode() + body
        try:
            async with asyncio.timeout(self.timeout_s):
                for attempt in range(2):  # a kept-alive connection the server closed: once more
                    try:
                        return await self._exchange(data)
                    except (ConnectionError, asyncio.IncompleteReadError, WireError):
                        await self.close()
                        if attempt:
                            raise
        except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
            await self.close()
            raise WireError(str(exc) or type(exc).__name__) from exc
        raise WireError("unreachable")

    async def _exchange(self, data: bytes) -> Reply:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(data)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise WireError("connection closed")
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            k, _, v = line.decode("latin-1").partition(":")
            headers[k.strip().lower()] = v.strip()
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            parts = []
            while (size := int((await self.reader.readline()).strip(), 16)) > 0:
                parts.append(await self.reader.readexactly(size))
                await self.reader.readline()
            await self.reader.readline()
            body = b"".join(parts)
        else:
            body = await self.reader.read()
        if headers.get("connection") == "close":
            await self.close()
        return Reply(status, headers, body)


# -- what the clients saw, for the checks ---------------------------------------------------
@dataclass
class Ledger:
    holds: dict[str, list[tuple[str, float, float | None]]] = field(
        default_factory=lambda: defaultdict(list)
    )  # task -> (annotator, leased seen at, submit sent at)
    acked: dict[str, tuple[str, str, int, dict[str, Any]]] = field(default_factory=dict)
    feeds: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    def leased(self, who: str, task_id: str, at: float) -> None:
        spans = self.holds[task_id]
        if not any(u == who and end is None for u, _s, end in spans):
            spans.append((who, at, None))

    def released(self, who: str, task_id: str, at: float) -> None:
        spans = self.holds[task_id]
        for k, (u, start, end) in enumerate(spans):
            if u == who and end is None:
                spans[k] = (u, start, at)


# -- one simulated person -------------------------------------------------------------------
class Person:
    def __init__(self, run: Run, name: str, secret: str, project_id: str) -> None:
        self.run, self.name, self.totp = run, name, pyotp.TOTP(secret)
        self.project_id = project_id
        self.wire = Wire(run.port, run.timeout_s)
        self.access = self.refresh = ""
        self.cursor = 0
        self.retry_at = 0.0

    async def call(
        self,
        endpoint: str,
        method: str,
        path: str,
        json: Any = None,
        params: dict[str, Any] | None = None,
    ) -> Reply | None:
        """One request, timed; None when it failed (the figure says how)."""
        headers = {"Authorization": f"Bearer {self.access}"} if self.access else {}
        t0 = time.perf_counter()
        try:
            r = await self.wire.request(method, API + path, headers, json, params)
        except WireError:
            self.run.record(endpoint, 0, time.perf_counter() - t0)
            self.retry_at = time.monotonic() + 2.0
            return None
        self.run.record(endpoint, r.status_code, time.perf_counter() - t0)
        renewable = r.status_code == 401 and self.refresh and endpoint != "refresh"
        if renewable and await self.renew():
            return await self.call(endpoint, method, path, json, params)
        if r.status_code in (429, 503) or r.status_code >= 500:
            wait = float(r.headers.get("Retry-After", "2") or 2)
            self.retry_at = time.monotonic() + wait / self.run.pace
            return None
        return r

    async def sign_in(self) -> bool:
        body = {"username": self.name, "password": PASSWORD, "totp_code": self.totp.now()}
        r = await self.call("login", "POST", "/auth/login", json=body)
        if r is None or r.status_code != 200:
            return False
        self.access, self.refresh = r.json()["access_token"], r.json()["refresh_token"]
        await self.call("me", "GET", "/me")
        listed = await self.call("projects", "GET", "/projects")
        if listed is not None and listed.status_code == 200:
            theirs = {p["id"] for p in listed.json()}
            if theirs != {self.project_id}:
                self.run.crossed.append(f"{self.name} was shown projects {sorted(theirs)}")
        for other in self.run.projects:  # a try at every other project: nothing is there
            if other != self.project_id:
                body = {"project_id": other, "count": 1}
                probe = await self.call("probe", "POST", "/leases", json=body)
                if probe is not None and probe.status_code != 404:
                    self.run.crossed.append(f"{self.name} could lease in another project")
        return True

    async def renew(self) -> bool:
        r = await self.call(
            "refresh", "POST", "/auth/refresh", json={"refresh_token": self.refresh}
        )
        if r is None or r.status_code != 200:
            return False
        self.access, self.refresh = r.json()["access_token"], r.json()["refresh_token"]
        return True

    async def read_feed(self) -> list[dict[str, Any]] | None:
        """The changes feed from the cursor to its end, as the engine reads it."""
        got: list[dict[str, Any]] = []
        while True:
            r = await self.call("changes", "GET", "/changes", params={"since": self.cursor})
            if r is None or r.status_code != 200:
                return None
            page = r.json()
            got += page["changes"]
            self.run.ledger.feeds[self.name] += [c["seq"] for c in page["changes"]]
            self.cursor = page["next_since"]
            if not page["more"]:
                return got

    async def sleep_until(self, when: float) -> None:
        await asyncio.sleep(max(0.0, max(when, self.retry_at) - time.monotonic()))


class Annotator(Person):
    def __init__(self, run: Run, name: str, secret: str, project_id: str) -> None:
        super().__init__(run, name, secret, project_id)
        self.open: dict[str, int] = {}  # task -> its number: the queue, to do
        self.fetched: set[str] = set()
        self.ann_ids: dict[str, str] = {}
        self.versions: dict[str, int] = {}
        self.submissions: dict[str, int] = {}
        self.unsent: dict[str, dict[str, Any]] = {}
        self.returned: set[str] = set()  # rejected by a reviewer: to do again
        self.numbers: dict[str, int] = {}
        self.leased_open: set[str] = (
            set()
        )  # as the engine keeps it (app/workstation/sync/engine.py)
        self.leased_at = float("-inf")

    async def work(self, until: float) -> None:
        rng = random.Random(self.name)
        await self.sleep_until(time.monotonic() + rng.uniform(0, self.run.ramp_s))  # arrive
        await self.sync()
        next_item = time.monotonic() + rng.uniform(0.5, 1.5) * ITEM_S / self.run.pace
        while time.monotonic() < until:
            # the workstation's timer counts from the last pass, whatever started it
            next_timer = time.monotonic() + SYNC_EVERY_S / self.run.pace
            await self.sleep_until(min(next_item, next_timer))
            if time.monotonic() >= until:
                break
            if time.monotonic() >= next_item:
                self.submit_one()
                next_item = time.monotonic() + rng.uniform(0.7, 1.3) * ITEM_S / self.run.pace
            await self.sync()

    def submit_one(self) -> None:
        if not self.open:
            self.run.dry += 1  # nothing to do: the queue ran dry
            return
        task = min(self.open, key=lambda t: self.open[t])
        del self.open[task]
        self.returned.discard(task)
        self.submissions[task] = self.submissions.get(task, 0) + 1
        doc = Annotation(
            segments=(Segment(0.0, 0.2, f"play item {task[:8]} by {self.name}"),),
            intent="play_music",
            status=Status.SUBMITTED,
            active_ms=int(ITEM_S * 1000),
            submissions=self.submissions[task],
        ).to_json()
        self.unsent[task] = doc
        self.ann_ids.setdefault(task, str(uuid.uuid4()))
        self.run.ledger.released(self.name, task, time.monotonic())
        self.run.submitted += 1

    async def sync(self) -> None:
        """The workstation's pass: push, lease, feed, audio; stops at the first failure."""
        if self.unsent:
            items = {
                self.ann_ids[t]: {
                    "task_id": t,
                    "base_version": self.versions.get(t, 0),
                    "doc": doc,
                }
                for t, doc in list(self.unsent.items())[:BATCH]
            }
            r = await self.call("batch put", "POST", "/annotations/batch", json={"items": items})
            if r is None or r.status_code != 200:
                return
            stored = r.json()["stored"]
            for ann_id, version in stored.items():
                put = items[ann_id]
                self.versions[put["task_id"]] = version
                self.run.ledger.acked[ann_id] = (self.name, put["task_id"], version, put["doc"])
                self.unsent.pop(put["task_id"], None)
                self.leased_open.discard(put["task_id"])
        leased: list[dict[str, Any]] = []
        short = len(self.leased_open) < LEASE_COUNT
        if short or time.monotonic() - self.leased_at > RENEW_EVERY_S / self.run.pace:
            body = {"project_id": self.project_id, "count": LEASE_COUNT}
            r = await self.call("lease", "POST", "/leases", json=body)
            if r is None or r.status_code != 200:
                return
            seen = self.leased_at = time.monotonic()
            leased = r.json()
            self.run.crossed += [
                f"{self.name} leased {t['id']} of another project"
                for t in leased
                if t["project_id"] != self.project_id
            ]
            self.leased_open = {t["id"] for t in leased}
            for t in leased:
                self.numbers[t["id"]] = t["number"]
                done = t["id"] in self.submissions and t["id"] not in self.returned
                if not done and t["id"] not in self.unsent:
                    self.open[t["id"]] = t["number"]
                    self.run.ledger.leased(self.name, t["id"], seen)
        changes = await self.read_feed()
        if changes is None:
            return
        for c in changes:
            if c["kind"] in ("revoked", "deleted"):
                self.open.pop(c["task_id"], None)
                self.leased_open.discard(c["task_id"])
            elif c["kind"] == "review" and c["payload"].get("outcome") == "rejected":
                self.run.rejected_seen += 1
                self.returned.add(c["task_id"])
                self.open[c["task_id"]] = self.numbers.get(c["task_id"], 0)
        for t in leased:
            if t["id"] not in self.fetched:
                r = await self.call("audio", "GET", f"/tasks/{t['id']}/audio")
                if r is None or r.status_code != 200:
                    return
                self.fetched.add(t["id"])


class Reviewer(Person):
    def __init__(self, run: Run, name: str, secret: str, project_id: str) -> None:
        super().__init__(run, name, secret, project_id)
        self.items: dict[str, dict[str, Any]] = {}
        self.decided: dict[str, dict[str, Any]] = {}  # review id -> put, until the server has it
        self.done: set[str] = set()

    async def work(self, until: float) -> None:
        rng = random.Random(self.name)
        await self.sleep_until(time.monotonic() + rng.uniform(0, self.run.ramp_s))  # arrive
        await self.sync()
        while time.monotonic() < until:
            await self.sleep_until(
                time.monotonic() + rng.uniform(0.7, 1.3) * REVIEW_S / self.run.pace
            )
            if time.monotonic() >= until:
                break
            pending = [i for i in self.items if i not in self.done]
            if pending:
                item_id = pending[0]
                self.done.add(item_id)
                reject = rng.random() < 0.2
                self.decided[str(uuid.uuid4())] = {
                    "item_id": item_id,
                    "outcome": "rejected" if reject else "accepted",
                    "reason": "transcript" if reject else "",
                    "comment": "listen again" if reject else "",
                }
            await self.sync()

    async def sync(self) -> None:
        for review_id, put in list(self.decided.items()):
            r = await self.call("review put", "PUT", f"/reviews/{review_id}", json=put)
            if r is None:
                return
            if r.status_code in (200, 404, 409):
                del self.decided[review_id]
                self.run.reviews += r.status_code == 200
        body = {"project_id": self.project_id, "count": LEASE_COUNT}
        r = await self.call("review lease", "POST", "/review-leases", json=body)
        if r is None or r.status_code != 200:
            return
        if await self.read_feed() is None:
            return
        for item in r.json():
            if item["id"] not in self.items:
                a = await self.call("audio", "GET", f"/tasks/{item['task']['id']}/audio")
                if a is None or a.status_code != 200:
                    return
                self.items[item["id"]] = item


# -- the run ---------------------------------------------------------------------------------
@dataclass
class Run:
    port: int
    pace: float
    timeout_s: float
    ramp_s: float = 0.0  # people arrive over this long; the steady state is after it
    figures: Figures = field(default_factory=Figures)
    steady: Figures = field(default_factory=Figures)
    sign_in: Figures = field(default_factory=Figures)
    steady_from: float = float("inf")
    projects: list[str] = field(default_factory=list)
    crossed: list[str] = field(default_factory=list)  # anything seen outside one's project
    ledger: Ledger = field(default_factory=Ledger)
    submitted: int = 0
    reviews: int = 0
    rejected_seen: int = 0
    dry: int = 0

    def record(self, endpoint: str, status: int, seconds: float) -> None:
        self.figures.add(endpoint, status, seconds)
        if time.monotonic() - seconds >= self.steady_from:
            self.steady.add(endpoint, status, seconds)


def _wav_bytes(seconds: float = 0.5, rate: int = 16000) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    buf = io.BytesIO()
    sf.write(buf, (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), rate, format="WAV")
    return buf.getvalue()


def prepare(
    url: str, data: Path, annotators: int, reviewers: int, tasks: int, projects: int = 1
) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """`projects` projects sharing `tasks` short recordings, and the people, each a member of
    one of them in turn; returns (name -> (TOTP secret, their project), the project ids)."""
    import hashlib

    migrate(url)
    keys = load_keys(None, data, create=True)  # the run's own, beside the data folder
    engine = make_engine(url)
    wav = _wav_bytes()
    sha = hashlib.sha256(wav).hexdigest()
    store = FolderStore(data / "audio")
    people: dict[str, tuple[str, str]] = {}
    shared_hash = hash_password(PASSWORD)  # one hash for everyone: argon2 is slow on purpose
    with sessions(engine)() as db:
        tax = json.loads((ROOT / "resources/taxonomy/earmark-taxonomy.json").read_text())
        conv = json.loads((ROOT / "resources/taxonomy/earmark-conventions.json").read_text())
        made = [
            m.Project(
                name=f"load-{k}",
                taxonomy=tax,
                conventions=conv,
                pseudonym_key=secrets.token_bytes(32),
            )
            for k in range(projects)
        ]
        db.add_all(made)
        db.flush()
        ids = [p.id for p in made]
        rows = []
        for k in range(tasks):
            task_id = m.new_id()
            rows.append(
                {
                    "id": task_id,
                    "project_id": ids[k % projects],
                    "number": k // projects + 1,
                    "customer": f"c{k}",
                    "audio_sha256": sha,
                    "audio_key": keys.wrap(store.put(task_id, wav), f"task:{task_id}"),
                    "duration_s": 0.5,
                    "sample_rate_hz": 16000,
                    "channels": 1,
                    "asr_text": "play some jazz",
                    "predicted_intent": "play_music",
                    "predicted_slots": [],
                    "deleted": False,
                }
            )
        for k in range(0, len(rows), 1000):
            db.execute(insert(m.Task), rows[k : k + 1000])
        names = [f"ann{k:04d}" for k in range(annotators)]
        names += [f"rev{k:03d}" for k in range(reviewers)]
        memberships = []
        for k, name in enumerate(names):
            secret = new_totp_secret()
            role = "annotator" if name.startswith("ann") else "reviewer"
            user_id = m.new_id()
            wrapped = keys.wrap_text(secret, f"totp:{user_id}")
            db.add(
                m.User(
                    id=user_id,
                    username=name,
                    password_hash=shared_hash,
                    role=role,
                    totp_secret=wrapped,
                )
            )
            project_id = ids[k % projects]
            people[name] = (secret, project_id)
            memberships.append(m.Membership(project_id=project_id, user_id=user_id, role=role))
        db.flush()  # the users first: the memberships refer to them
        db.add_all(memberships)
        db.commit()
    engine.dispose()
    return people, ids


def start_server(
    module: str, url: str, data: Path, port: int, processes: int, extra: list[str]
) -> subprocess.Popen[bytes]:
    env = {**os.environ, "EARMARK_SERVER_DATA": str(data), "EARMARK_SERVER_DB": url}
    log = (data / "server.log").open("ab")
    args = [sys.executable, "-m", module, "serve", "--port", str(port)]
    if processes > 1:
        args += ["--workers", str(processes)]
    proc = subprocess.Popen(args + extra, cwd=ROOT, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the server did not start:\n" + (data / "server.log").read_text())
        try:
            httpx.get(f"http://127.0.0.1:{port}{API}/openapi.json", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("the server did not start in 60 s")


def check(url: str, run: Run, people: list[Person]) -> list[str]:
    """What must hold whatever the load; each failure is a sentence."""
    failures: list[str] = []
    for task_id, spans in run.ledger.holds.items():
        closed = [(u, s, e if e is not None else float("inf")) for u, s, e in spans]
        for k, (u1, s1, e1) in enumerate(closed):
            for u2, s2, e2 in closed[k + 1 :]:
                if u1 != u2 and s1 < e2 and s2 < e1:
                    failures.append(f"task {task_id} was leased to {u1} and {u2} at once")
    engine = create_engine(url)
    with engine.connect() as c:
        stored = {
            row.id: row
            for row in c.execute(
                select(
                    m.Annotation.id, m.Annotation.task_id, m.Annotation.version, m.Annotation.doc
                )
            )
        }
        names = dict(c.execute(select(m.User.id, m.User.username)).all())
        owners = dict(c.execute(select(m.Annotation.id, m.Annotation.user_id)).all())
        per_task = Counter((row.task_id, owners[row.id]) for row in stored.values())
        for ann_id, (who, task_id, version, doc) in run.ledger.acked.items():
            row = stored.get(ann_id)
            if row is None:
                failures.append(f"acknowledged annotation {ann_id} of {who} is not stored")
            elif row.task_id != task_id or names.get(owners[ann_id]) != who:
                failures.append(f"annotation {ann_id} is stored on another task or user")
            elif row.version == version and row.doc != doc:
                failures.append(f"annotation {ann_id} version {version} changed on the server")
            elif row.version < version:
                failures.append(f"annotation {ann_id} went back from version {version}")
        for (task_id, user_id), n in per_task.items():
            if n > 1:
                failures.append(f"{names.get(user_id)} has {n} annotations on task {task_id}")
        with sessions(engine)() as db:
            broken = verify(db)
        if broken:
            failures.append(f"the audit chain is broken at rows {broken[:5]}")
        for p in people:
            got = run.ledger.feeds[p.name]
            if len(got) != len(set(got)):
                failures.append(f"{p.name} received a feed entry twice")
            if got != sorted(got):
                failures.append(f"{p.name} received the feed out of order")
            user_id = next((k for k, v in names.items() if v == p.name), None)
            truth = [
                int(s)
                for (s,) in c.execute(
                    select(m.Change.seq)
                    .where(m.Change.user_id == user_id, m.Change.seq <= p.cursor)
                    .order_by(m.Change.seq)
                )
            ]
            if sorted(set(got)) != truth:
                missed = sorted(set(truth) - set(got))
                failures.append(f"{p.name} missed feed entries {missed[:5]} below its cursor")
        c.execute(text("SELECT 1"))
        total = c.execute(select(func.count()).select_from(m.Annotation)).scalar()
    engine.dispose()
    print(f"\nstored annotations: {total}; acknowledged: {len(run.ledger.acked)}")
    return failures


async def drive(
    args: argparse.Namespace,
    url: str,
    people: dict[str, tuple[str, str]],
    projects: list[str],
    port: int,
) -> int:
    run = Run(port, args.pace, args.timeout, ramp_s=args.ramp, projects=projects)
    crowd: list[Person] = [
        Annotator(run, n, s, project) if n.startswith("ann") else Reviewer(run, n, s, project)
        for n, (s, project) in people.items()
    ]
    # Sign-in first, a few at a time (argon2 is deliberately slow); reported on its own.
    run.figures, signing = run.sign_in, asyncio.Semaphore(4)
    run.sign_in.started = time.monotonic()

    async def enter(p: Person) -> bool:
        async with signing:
            return await p.sign_in()

    signed = await asyncio.gather(*(enter(p) for p in crowd))
    run.sign_in.ended = time.monotonic()
    run.figures = Figures()
    if not all(signed):
        print(f"{signed.count(False)} of {len(crowd)} could not sign in")
    crowd = [p for p, ok in zip(crowd, signed, strict=True) if ok]
    run.figures.started = time.monotonic()
    run.steady.started = run.steady_from = run.figures.started + args.ramp
    until = run.figures.started + args.ramp + args.seconds
    await asyncio.gather(*(p.work(until) for p in crowd))
    run.figures.ended = run.steady.ended = time.monotonic()
    sign_in = run.sign_in.report("sign-in")
    whole = run.figures.report(f"arrival over {args.ramp:g} s and the run after it")
    steady = run.steady.report(
        f"steady state: {args.annotators} annotators, {args.reviewers} reviewers, {args.db}, "
        f"{args.processes} server process(es), pace {args.pace}×, {args.seconds:g} s"
    )
    print(
        f"items submitted {run.submitted}, reviews {run.reviews}, rejections seen by "
        f"annotators {run.rejected_seen}, submits with an empty queue {run.dry}"
    )
    errors = run.steady.errors()
    worst = max(
        (steady["endpoints"].get(e, {}).get("p99_ms", 0.0) for e in ("lease", "batch put")),
        default=0.0,
    )
    met = not errors and worst <= TARGET_P99_S * 1000
    print(
        f"targets (no errors, p99 of leases and puts ≤ {TARGET_P99_S * 1000:.0f} ms): "
        + ("met" if met else f"not met (errors {dict(errors)}, worst p99 {worst:.0f} ms)")
    )
    for p in crowd:
        await p.wire.close()
    failures = check(url, run, crowd) + run.crossed
    for f in failures[:20]:
        print("FAILED:", f)
    print("checks: " + ("all hold" if not failures else f"{len(failures)} failed"))
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "sign_in": sign_in,
                    "whole": whole,
                    "steady": steady,
                    "errors": dict(errors),
                    "failures": failures,
                },
                indent=1,
            )
        )
    return 1 if failures else 0


def _pg_database(host: str) -> tuple[str, str]:
    name = f"earmark_load_{secrets.token_hex(4)}"
    admin = create_engine(
        f"postgresql+psycopg:///postgres?host={host}", isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, f"postgresql+psycopg:///{name}?host={host}"


def _drop_pg(host: str, name: str) -> None:
    admin = create_engine(
        f"postgresql+psycopg:///postgres?host={host}", isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--annotators", type=int, default=50)
    p.add_argument("--reviewers", type=int, default=None, help="default: one per 10 annotators")
    p.add_argument("--seconds", type=float, default=60.0, help="the steady state measured")
    p.add_argument(
        "--ramp", type=float, default=None, help="people arrive over this long (default 10 s)"
    )
    p.add_argument("--pace", type=float, default=7.5, help="how much faster than people work")
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--pg-host", default=os.environ.get("EARMARK_TEST_PG", "/var/run/postgresql"))
    p.add_argument("--processes", type=int, default=1, help="server worker processes")
    p.add_argument(
        "--projects", type=int, default=1, help="teams, each on its own project (default 1)"
    )
    p.add_argument(
        "--timeout", type=float, default=15.0, help="client timeout, as the workstation's"
    )
    p.add_argument(
        "--server-module", default="app.server.cli", help="for a deliberately broken one"
    )
    p.add_argument("--server-arg", action="append", default=[], help="passed to serve")
    p.add_argument("--json", type=Path, help="also write the figures here")
    args = p.parse_args(argv)
    if args.reviewers is None:
        args.reviewers = max(1, args.annotators // 10)
    if args.ramp is None:
        args.ramp = min(10.0, args.seconds / 2)
    per_annotator = LEASE_COUNT + int((args.seconds + args.ramp) * args.pace / ITEM_S * 1.5) + 5
    tasks = args.annotators * per_annotator
    folder = Path(tempfile.mkdtemp(prefix="earmark-load-"))
    data = folder / "data"
    data.mkdir()
    os.environ["EARMARK_SERVER_KEY_FILE"] = str(folder / "master.key")  # outside the data
    pg_name = ""
    if args.db == "postgresql":
        pg_name, url = _pg_database(args.pg_host)
    else:
        url = f"sqlite:///{folder / 'server.sqlite3'}"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = None
    try:
        t = time.monotonic()
        people, projects = prepare(url, data, args.annotators, args.reviewers, tasks, args.projects)
        print(
            f"prepared {tasks} recordings in {len(projects)} project(s) and {len(people)} people "
            f"in {time.monotonic() - t:.1f} s"
        )
        server = start_server(args.server_module, url, data, port, args.processes, args.server_arg)
        return asyncio.run(drive(args, url, people, projects, port))
    finally:
        if server is not None:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()
        if pg_name:
            _drop_pg(args.pg_host, pg_name)


if __name__ == "__main__":
    sys.exit(main())
