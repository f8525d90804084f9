"""What an operator's tools read, against the real server process: health for a load balancer
(with the database stopped, with the store read-only), the Prometheus figures (admins and the
scrape token only), and one JSON object a log line for every request."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.server.test_backup import server_cli, sign_in
from tests.workstation.sync.conftest import Server, free_port, make_server


@contextmanager
def private_postgres() -> Iterator[tuple[str, list[str], list[str]]]:
    """A PostgreSQL of this test's own (so that stopping it stops nobody else's): its URL, and
    the commands that stop and start it."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not versions:
        pytest.fail("PostgreSQL's server binaries are needed (packaging/system-deps.sh --test)")
    bindir = versions[-1].parent
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    top = Path(tempfile.mkdtemp(prefix="earmark-pg-"))
    top.chmod(0o755)
    data, sock, port = top / "data", top / "sock", free_port()
    data.mkdir()
    sock.mkdir()
    if as_pg:
        shutil.chown(data, "postgres")
        shutil.chown(sock, "postgres")
    subprocess.run(
        [*as_pg, bindir / "initdb", "-D", data, "-A", "trust", "-U", "postgres"],
        check=True,
        capture_output=True,
    )
    opts = f"-k {sock} -p {port} -c listen_addresses=''"
    log = top / "postgres.log"  # pg_ctl's child keeps whatever output it is given: a file
    ctl = [*as_pg, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log)]
    start = [*ctl, "-o", opts, "-w", "start"]
    stop = [*ctl, "-m", "immediate", "-w", "stop"]
    if as_pg:
        log.touch()
        shutil.chown(log, "postgres")
    subprocess.run(start, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        subprocess.run(
            [*as_pg, bindir / "createdb", "-h", sock, "-p", str(port), "-U", "postgres", "earmark"],
            check=True,
            capture_output=True,
        )
        yield f"postgresql+psycopg://postgres@/earmark?host={sock}&port={port}", stop, start
    finally:
        subprocess.run(stop, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(top, ignore_errors=True)


def health(s: Server) -> httpx.Response:
    return httpx.get(f"{s.url}/api/v1/health", timeout=10)


def settles_to(s: Server, code: int) -> httpx.Response:
    """The answer once it is `code` (a pool renews its connections after the first failure)."""
    for _ in range(20):
        r = health(s)
        if r.status_code == code:
            return r
        time.sleep(0.2)
    return r


def test_health_with_the_database_stopped_and_started_again(tmp_path: Path) -> None:
    with private_postgres() as (url, stop, start):
        s = make_server(tmp_path, recordings=1, db=url)
        s.start()
        try:
            r = health(s)
            assert r.status_code == 200
            assert r.json() == {"status": "ok", "checks": {"database": "ok", "store": "ok"}}
            assert "server" not in r.headers  # nothing said of what runs it
            subprocess.run(stop, check=True, stdout=subprocess.DEVNULL)
            r = settles_to(s, 503)
            assert r.status_code == 503
            assert r.json() == {
                "status": "failing",
                "checks": {"database": "failing", "store": "ok"},
            }
            subprocess.run(start, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            assert settles_to(s, 200).status_code == 200
        finally:
            s.kill()


def test_health_with_the_store_read_only(tmp_path: Path) -> None:
    s = make_server(tmp_path, recordings=1)
    s.start()
    store = s.data / "audio"
    try:
        assert health(s).status_code == 200
        # immutable: not even root may add a file (a read-only mount, as a full or failed disk
        # would leave it)
        subprocess.run(["chattr", "+i", str(store)], check=True)
        r = health(s)
        assert r.status_code == 503
        assert r.json() == {"status": "failing", "checks": {"database": "ok", "store": "failing"}}
    finally:
        subprocess.run(["chattr", "-i", str(store)], check=False)
        s.kill()
    assert not list(store.glob(".health-*"))  # the probe leaves nothing behind


def json_lines(path: Path) -> list[dict]:
    out = []
    for line in path.read_text().splitlines():
        out.append(json.loads(line))  # every line is one JSON object
    return out


def test_metrics_are_for_admins_and_the_scrape_token_and_each_request_logs_a_line(
    tmp_path: Path,
) -> None:
    s = make_server(tmp_path, recordings=6)
    s.start()
    try:
        ann, admin = sign_in(s, "ann_a"), sign_in(s, "admin")
        url = f"{s.url}/api/v1/metrics"
        assert httpx.get(url).status_code == 401
        assert httpx.get(url, headers=ann).status_code == 403
        assert httpx.get(url, headers={"Authorization": "Bearer not-a-token"}).status_code == 403
        projects = httpx.get(f"{s.url}/api/v1/projects", headers=ann).json()
        lease = httpx.post(
            f"{s.url}/api/v1/leases",
            headers=ann,
            json={"project_id": projects[0]["id"], "count": 2},
        )
        assert lease.status_code == 200
        r = httpx.get(url, headers=admin)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
        body = r.text
        assert 'earmark_tasks{project="va",state="open"} 4.0' in body
        assert 'earmark_tasks{project="va",state="leased"} 2.0' in body
        assert (
            'earmark_requests_total{method="POST",route="/api/v1/leases",status="200"} 1.0' in body
        )
        assert "earmark_request_duration_seconds_bucket" in body
        out = server_cli(s, "metrics-token")
        token = out.stdout.splitlines()[0]
        scrape = {"Authorization": f"Bearer {token}"}
        assert httpx.get(url, headers=scrape).status_code == 200
        assert token not in (s.data / "metrics-token.sha256").read_text()
        server_cli(s, "metrics-token")  # a new one: the old one stops working
        assert httpx.get(url, headers=scrape).status_code == 403
        task = lease.json()[0]["id"]
        r = httpx.get(
            f"{s.url}/api/v1/tasks/{task}/audio", headers={**ann, "X-Request-ID": "trace-12345678"}
        )
        assert r.status_code == 200 and r.headers["x-request-id"] == "trace-12345678"
        # a request's line is written once its answer is sent: wait for it before the kill
        end = time.monotonic() + 10
        while "trace-12345678" not in (s.data / "server.log").read_text():
            assert time.monotonic() < end, "the request's line never came"
            time.sleep(0.05)
    finally:
        s.kill()
    lines = json_lines(s.data / "server.log")
    requests = [x for x in lines if x.get("message") == "request"]
    audio = [x for x in requests if x["request_id"] == "trace-12345678"]
    assert len(audio) == 1
    (a,) = audio
    assert a["route"] == "/api/v1/tasks/{task_id}/audio" and a["status"] == 200
    assert a["user_id"] and a["method"] == "GET" and a["duration_ms"] >= 0
    assert task not in json.dumps(lines)  # ids of items are folded away
    assert {x["status"] for x in requests} >= {200, 401, 403}
    assert all(len(x["request_id"]) >= 8 for x in requests)
    assert len({x["request_id"] for x in requests}) == len(requests)
