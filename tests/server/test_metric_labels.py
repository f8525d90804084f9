"""Requests are labelled by their route's template, never by their path: junk paths, ids in
any case and made-up methods add no series to /metrics, and nothing a client wrote in a path
reaches the figures or the log. Against the real server process, and against a deliberately
broken one (tests/server/fake_server_path_labels.py) that the harness must catch."""

from __future__ import annotations

import re
import secrets
import time
import uuid
from pathlib import Path

import httpx

from app.server.observe import METHODS, UNMATCHED
from tests.server.test_backup import sign_in
from tests.server.test_operations import json_lines
from tests.workstation.sync.conftest import Server, make_server

SERIES = re.compile(r'^earmark_requests_total\{method="([^"]*)",route="([^"]*)",status="(\d+)"\}')
# 300 junk requests, six series: each kind of request once, by template or "unmatched"
EXPECTED = {
    ("GET", "/api/v1/tasks/{task_id}/audio", "401"),
    ("GET", UNMATCHED, "404"),
    ("POST", UNMATCHED, "404"),
    ("PUT", "/api/v1/annotations/{annotation_id}", "422"),  # an upper-case id breaks its rule
    ("other", "/api/v1/projects/{project_id}/quality", "405"),
    ("GET", "/api/v1/metrics", "200"),  # the first scrape
}


def series(text: str) -> set[tuple[str, str, str]]:
    found = set()
    for line in text.splitlines():
        match = SERIES.match(line)
        if match:
            found.add((match.group(1), match.group(2), match.group(3)))
    return found


def junk_requests(url: str) -> list[str]:
    """300 requests a prober might send; what each put in its path, to be looked for."""
    marks: list[str] = []
    with httpx.Client(base_url=url, timeout=10) as http:
        for k in range(300):
            mark = f"ZQXJ-CUST-p{k}-0" if k % 3 else secrets.token_hex(6) + "Q"
            upper = str(uuid.uuid4()).upper()
            path, method = [
                (f"/api/v1/tasks/{mark}/audio", "GET"),
                (f"/api/v1/tasks/{upper}/audio", "GET"),
                (f"/api/v1/{mark}", "POST"),
                (f"/{mark}/{mark}", "GET"),
                (f"/api/v1/annotations/{upper}", "PUT"),
                (f"/api/v1/projects/{mark}/quality", f"X{mark[:4]}"),  # a made-up method
            ][k % 6]
            http.request(method, path, headers={"Authorization": f"Bearer {mark}"})
            marks.append(upper if upper in path else mark)
    return marks


def problems(s: Server) -> list[str]:
    """What the server's figures and log say that they should not, after the junk."""
    s.start()
    try:
        admin = sign_in(s, "admin")
        doc = httpx.get(f"{s.url}/api/v1/openapi.json").json()
        templates = {*doc["paths"], "/api/v1/metrics", "/api/v1/openapi.json", UNMATCHED}
        metrics = f"{s.url}/api/v1/metrics"
        before = series(httpx.get(metrics, headers=admin).text)
        marks = junk_requests(s.url)
        text = httpx.get(metrics, headers=admin).text
        after = series(text)
        log = s.data / "server.log"
        end = time.monotonic() + 10  # each request's line is written once its answer is sent
        while log.read_text().count('"message": "request"') < 303:
            assert time.monotonic() < end, "the requests' lines never came"
            time.sleep(0.05)
    finally:
        s.kill()
    found = [f"series {x}" for x in sorted(after - before - EXPECTED)]
    found += [f"method {m}" for m, _r, _s in after if m not in METHODS | {"other"}]
    logged = {x["route"] for x in json_lines(log) if x.get("message") == "request"}
    found += [f"logged route {r}" for r in sorted(logged - templates)]
    written = text + log.read_text()
    found += [f"leaked {m}" for m in marks if m in written or m.lower() in written]
    return found


def test_junk_paths_add_no_series_and_name_nothing(tmp_path: Path) -> None:
    assert problems(make_server(tmp_path, recordings=1)) == []


def test_the_harness_catches_a_server_that_labels_by_path(tmp_path: Path) -> None:
    s = make_server(tmp_path, recordings=1)
    s.module = "tests.server.fake_server_path_labels"
    found = problems(s)
    assert sum(x.startswith("leaked") for x in found) == 300
    assert sum(x.startswith("series") for x in found) >= 250
