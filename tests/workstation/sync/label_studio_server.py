"""A real Label Studio 1.23 started on 127.0.0.1 for the bridge's tests (installed into its own
environment by packaging/label-studio.sh; EARMARK_TEST_LABEL_STUDIO names its program), and a
project of audio tasks in Earmark's labeling config."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.formats.labelstudio import CONFIG
from tests.conftest import write_tone
from tests.workstation.sync.conftest import ROOT, free_port

PROGRAM = os.environ.get(
    "EARMARK_TEST_LABEL_STUDIO", str(ROOT / ".venv-label-studio" / "bin" / "label-studio")
)
SECRET_DATA = "Jane Whitfield"


@dataclass
class LS:
    url: str
    token: str
    http: httpx.Client

    def post(self, path: str, **kw: object) -> dict:
        r = self.http.post(path, **kw)  # type: ignore[arg-type]
        assert r.status_code in (200, 201), r.text
        return r.json()  # type: ignore[no-any-return]

    def annotations(self, task: int) -> list[dict]:
        r = self.http.get(f"/api/tasks/{task}/annotations")
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]


def running_label_studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LS]:
    """A fresh Label Studio with one user whose legacy token is LS.token, until closed."""
    assert Path(PROGRAM).is_file() or shutil.which(PROGRAM), (
        f"Label Studio is not installed at {PROGRAM}: run packaging/label-studio.sh "
        "(packaging/test.sh does)"
    )
    data = tmp_path_factory.mktemp("label-studio")
    port, token = free_port(), secrets.token_hex(20)
    log = (data / "ls.log").open("wb")
    proc = subprocess.Popen(
        [
            PROGRAM,
            "start",
            "--no-browser",
            "--internal-host",
            "127.0.0.1",
            "--port",
            str(port),
            "--data-dir",
            str(data / "data"),
            "--username",
            "lead@example.com",
            "--password",
            secrets.token_hex(12),
            "--user-token",
            token,
            "--enable-legacy-api-token",
        ],
        stdout=log,
        stderr=log,
        cwd=data,
        env={**os.environ, "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true"},
    )
    url = f"http://127.0.0.1:{port}"
    http = httpx.Client(base_url=url, headers={"Authorization": f"Token {token}"}, timeout=30)
    try:
        deadline = time.monotonic() + 300
        while True:
            assert proc.poll() is None, (data / "ls.log").read_text()[-3000:]
            try:
                if http.get("/api/version").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "Label Studio did not start in 5 minutes"
            time.sleep(1)
        yield LS(url, token, http)
    finally:
        http.close()
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def ls_project(ls: LS, tmp: Path) -> tuple[int, list[int]]:
    """A Label Studio project in Earmark's labeling config: three audio tasks (one with a
    customer id and a name in its data) and a prediction on each."""
    config = CONFIG.replace(
        '<Choices name="intent" toName="audio" choice="single"/>',
        '<Choices name="intent" toName="audio" choice="single">'
        '<Choice value="alarm_set"/><Choice value="play_music"/></Choices>',
    )
    scratch = ls.post("/api/projects", json={"title": "uploads", "label_config": config})["id"]
    urls = []
    for k in range(3):
        wav = write_tone(tmp / f"call{k}.wav", 2.0)
        with wav.open("rb") as f:
            ls.post(f"/api/projects/{scratch}/import", files={"file": (wav.name, f, "audio/wav")})
    r = ls.http.get(
        f"/api/projects/{scratch}/export",
        params={"exportType": "JSON", "download_all_tasks": "true"},
    )
    urls = sorted(t["data"]["audio"] for t in r.json())
    assert len(urls) == 3
    pid = ls.post("/api/projects", json={"title": "voice calls", "label_config": config})["id"]
    tasks = [{"data": {"audio": u}} for u in urls]
    tasks[0]["data"] |= {"customer_id": "cust-00042", "customer_name": SECRET_DATA}
    ls.post(f"/api/projects/{pid}/import", json=tasks)
    r = ls.http.get(
        f"/api/projects/{pid}/export", params={"exportType": "JSON", "download_all_tasks": "true"}
    )
    ids = sorted(t["id"] for t in r.json())
    for k, tid in enumerate(ids):
        region = {"to_name": "audio", "original_length": 2.0}
        value = {"start": 0.2, "end": 1.5}
        ls.post(
            "/api/predictions",
            json={
                "task": tid,
                "model_version": "asr-1",
                "result": [
                    {
                        **region,
                        "id": "p1",
                        "from_name": "labels",
                        "type": "labels",
                        "value": {**value, "labels": ["Speech"]},
                    },
                    {
                        **region,
                        "id": "p1",
                        "from_name": "transcription",
                        "type": "textarea",
                        "value": {**value, "text": [f"wake me up at {k + 5}"]},
                    },
                    {
                        "id": "p2",
                        "from_name": "intent",
                        "to_name": "audio",
                        "type": "choices",
                        "value": {"choices": ["alarm_set"]},
                    },
                ],
            },
        )
    return pid, ids
