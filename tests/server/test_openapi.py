"""The API says what it does: schemathesis fuzzes the OpenAPI document against the real server
process, as an annotator and as an admin; no 5xx, no status the document does not list, no
answer that breaks its schema or content type."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.workstation.sync.conftest import PASSWORD, make_server

CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance,"
CHECKS += "content_type_conformance"


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
        run = subprocess.run(
            [
                exe,
                "run",
                f"{server.url}/api/v1/openapi.json",
                "-H",
                f"Authorization: Bearer {token}",
                "--checks",
                CHECKS,
                # signing out would end the session every other case runs in
                "--exclude-path",
                "/api/v1/auth/logout",
                "--phases",
                "examples,coverage,fuzzing",
                "--max-examples",
                "15",
                "--workers",
                "1",
                "--seed",
                "2026",
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
        assert " passed" in run.stdout
    finally:
        server.kill()
