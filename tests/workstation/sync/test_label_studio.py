"""The Label Studio bridge against a real Label Studio started here on 127.0.0.1 (installed into
its own environment by packaging/label-studio.sh; EARMARK_TEST_LABEL_STUDIO names its program).

Pull a project of three audio tasks with predictions, annotate them through the workstation's
engine against the real Earmark server, push, and read the annotations back through Label
Studio's API; push again and find nothing new."""

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
from sqlalchemy import select

from app.audio.vault import new_key
from app.formats.labelstudio import CONFIG
from app.model import annotation as ops
from app.server import label_studio
from app.server import models as m
from app.server.db import make_engine, sessions
from app.workstation.editor import Editor, InlineRunner
from app.workstation.store.db import Store
from app.workstation.sync.client import Client
from app.workstation.sync.engine import SyncEngine
from tests.conftest import write_tone
from tests.workstation.sync.conftest import PASSWORD, ROOT, Server, free_port, make_server

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


@pytest.fixture(scope="module")
def ls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LS]:
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


def bridge(server: Server, ls: LS, action: str, pid: int, token: str | None = None) -> str:
    old = os.environ.get("LABEL_STUDIO_TOKEN")
    os.environ["LABEL_STUDIO_TOKEN"] = ls.token if token is None else token
    try:
        return server.cli(
            "label-studio", action, "va", "--url", ls.url, "--ls-project", str(pid), ok=(0, 1, 2)
        )
    finally:
        if old is None:
            os.environ.pop("LABEL_STUDIO_TOKEN", None)
        else:
            os.environ["LABEL_STUDIO_TOKEN"] = old


def annotate_all(server: Server, tmp: Path) -> dict[str, str]:
    """ann_a works through the queue on the workstation's engine: task id -> text typed."""
    client = Client.in_memory(server.url)
    client.login("ann_a", PASSWORD, server.code("ann_a"))
    store = Store(tmp / "ws.sqlite3")
    engine = SyncEngine(store, client, client.projects()[0].id, tmp / "ws-audio", new_key())
    editor = Editor(store, InlineRunner())
    typed: dict[str, str] = {}
    try:
        for _ in range(10):
            assert engine.sync_once().online
            editor.set_tasks(store.tasks())
            editor.resume()
            task, a = editor.task, editor.annotation
            if task is None or a is None or task.id in typed:
                break
            # the prediction pre-fills: its region, its text, its intent
            assert [(s.start_s, s.end_s) for s in a.segments] == [(0.2, 1.5)]
            assert a.segments[0].text.startswith("wake me up at")
            assert task.predicted_intent == "alarm_set"
            typed[task.id] = f"wake me at {len(typed) + 1} please"
            editor.apply("Text", ops.set_text, 0, typed[task.id])
            editor.apply("Intent", ops.set_intent, "alarm_set")
            assert editor.submit_and_next(lambda _a: [])
        assert engine.sync_once().online
    finally:
        client.close()
        store.close()
    return typed


def one_each(ls: LS, ids: list[int]) -> dict[int, dict]:
    found = {tid: ls.annotations(tid) for tid in ids}
    assert all(len(a) == 1 for a in found.values()), {t: len(a) for t, a in found.items()}
    return {t: a[0] for t, a in found.items()}


def test_pull_annotate_push_and_push_again(ls: LS, tmp_path: Path) -> None:
    pid, ids = ls_project(ls, tmp_path)
    server = make_server(tmp_path, recordings=0)
    out = bridge(server, ls, "pull", pid)
    assert "3 pulled, 0 pulled before, 0 refused" in out, out
    assert "0 pulled, 3 pulled before" in bridge(server, ls, "pull", pid)  # nothing twice
    engine = make_engine(server.db)
    with sessions(engine)() as db:
        tasks = list(db.scalars(select(m.Task)))
        assert len(tasks) == 3
        dump = " ".join(str(v) for t in tasks for v in t.__dict__.values())
        assert SECRET_DATA not in dump and "cust-00042" not in dump  # only a pseudonym
        assert len({t.customer for t in tasks}) == 3
    engine.dispose()
    server.start()
    try:
        typed = annotate_all(server, tmp_path)
    finally:
        server.kill()
    assert len(typed) == 3
    assert "3 created, 0 updated, 0 unchanged" in bridge(server, ls, "push", pid)
    back = one_each(ls, ids)
    texts = sorted(
        r["value"]["text"][0]
        for a in back.values()
        for r in a["result"]
        if r["from_name"] == "transcription"
    )
    assert texts == sorted(typed.values())
    for a in back.values():
        regions = [r for r in a["result"] if r["type"] == "labels"]
        assert [(r["value"]["start"], r["value"]["end"]) for r in regions] == [(0.2, 1.5)]
        intents = [r["value"]["choices"] for r in a["result"] if r["from_name"] == "intent"]
        assert intents == [["alarm_set"]]
    # again: nothing sent, nothing added
    assert "0 created, 0 updated, 3 unchanged" in bridge(server, ls, "push", pid)
    assert one_each(ls, ids) == back


def pushed_once(ls: LS, tmp: Path) -> tuple[Server, int, list[int]]:
    """A project pulled, annotated and pushed; then the Earmark side forgets what it pushed."""
    pid, ids = ls_project(ls, tmp)
    server = make_server(tmp, recordings=0)
    bridge(server, ls, "pull", pid)
    server.start()
    try:
        annotate_all(server, tmp)
    finally:
        server.kill()
    bridge(server, ls, "push", pid)
    engine = make_engine(server.db)
    with sessions(engine)() as db:
        for link in db.scalars(select(m.LabelStudioLink)):
            link.pushed, link.ls_annotation = "", None
        db.commit()
    engine.dispose()
    return server, pid, ids


def test_a_push_that_forgot_what_it_pushed_would_be_caught(ls: LS, tmp_path: Path) -> None:
    """Broken variant: a bridge that keeps no record of its pushes and does not recognise its
    own annotations duplicates them, and the count the test above makes sees it."""
    server, pid, ids = pushed_once(ls, tmp_path)
    forgetful = pytest.MonkeyPatch()
    forgetful.setattr(label_studio, "_ours", lambda _a: False)
    try:
        bridge(server, ls, "push", pid)
    finally:
        forgetful.undo()
    with pytest.raises(AssertionError):
        one_each(ls, ids)


def test_a_push_cut_short_adopts_its_own_annotation(ls: LS, tmp_path: Path) -> None:
    """Label Studio stored the annotation but the answer was lost (the link has no id): the
    next push finds its own annotation and adds none."""
    server, pid, ids = pushed_once(ls, tmp_path)
    assert "0 created, 3 updated" in bridge(server, ls, "push", pid)
    one_each(ls, ids)


def test_bad_token_and_plain_http_elsewhere_are_clear_errors(ls: LS, tmp_path: Path) -> None:
    server = make_server(tmp_path, recordings=0)
    out = bridge(server, ls, "pull", 1, token="not-the-token")
    assert "refused the token" in out and "not-the-token" not in out
    with pytest.raises(label_studio.BridgeError, match="in the clear"):
        label_studio.LabelStudio("http://ls.example.org:8080", "t")
    old = os.environ.pop("LABEL_STUDIO_TOKEN", None)
    try:
        with pytest.raises(SystemExit):  # there is no option to give it on the command line
            server.cli(
                "label-studio", "pull", "va", "--url", ls.url, "--ls-project", "1", "--token", "x"
            )
    finally:
        if old is not None:
            os.environ["LABEL_STUDIO_TOKEN"] = old
