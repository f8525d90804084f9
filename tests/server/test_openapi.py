"""The API says what it does: schemathesis fuzzes the OpenAPI document against the real server
process, as an annotator and as an admin, with every check it has: no 5xx; no status, header,
body or content type the document does not list; every case the document calls valid
accepted and every invalid one refused; a method a path does not take answered 405 with the
path's methods in Allow; a request without its token refused. Deterministic (a fixed seed, no
example database) and bounded (a few examples per route)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.workstation.sync.conftest import PASSWORD, ROOT, make_server

HOOKS = Path(__file__).with_name("schemathesis_hooks.py")  # the rules JSON Schema cannot say
LOGOUT = "/api/v1/auth/logout"


def schemathesis(exe: str, url: str, token: str, *select: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            exe,
            "run",
            f"{url}/api/v1/openapi.json",
            "-H",
            f"Authorization: Bearer {token}",
            "--checks",
            "all",
            *select,
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            "15",
            "--workers",
            "1",
            "--seed",
            "2026",
            "--generation-database",
            "none",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS), "PYTHONPATH": str(ROOT)},
    )


@pytest.mark.parametrize("who", ["ann_a", "admin"])
def test_the_openapi_document_holds_against_the_live_server(tmp_path: Path, who: str) -> None:
    exe = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert exe, "schemathesis is a test dependency (pip install -e '.[dev]')"
    server = make_server(tmp_path, recordings=4)
    server.start()
    try:
        r = httpx.post(
            f"{server.url}/api/v1/auth/login",
            json={"username": who, "password": PASSWORD, "totp_code": server.code(who)},
        )
        token = r.json()["access_token"]
        # every route but signing out, which would end the session the others run in; then it
        for select in (("--exclude-path", LOGOUT), ("--include-path", LOGOUT)):
            run = schemathesis(exe, server.url, token, *select)
            assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
            assert " passed" in run.stdout and "failed" not in run.stdout, run.stdout[-6000:]
    finally:
        server.kill()
