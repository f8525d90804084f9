"""The Label Studio bridge against a real Label Studio started here on 127.0.0.1 (installed into
its own environment by packaging/label-studio.sh; EARMARK_TEST_LABEL_STUDIO names its program).

Pull a project of three audio tasks with predictions, annotate them through the workstation's
engine against the real Earmark server, push, and read the annotations back through Label
Studio's API; push again and find nothing new. Tasks pointing anywhere but Label Studio are
refused, and the host they point at is never asked."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import pytest
from sqlalchemy import select

from app.audio.vault import new_key
from app.model import annotation as ops
from app.server import label_studio
from app.server import models as m
from app.server.db import make_engine, sessions
from app.server.label_studio_client import LabelStudio
from app.workstation.editor import Editor, InlineRunner
from app.workstation.store.db import Store
from app.workstation.sync.client import Client
from app.workstation.sync.engine import SyncEngine
from tests.conftest import write_tone
from tests.workstation.sync.conftest import PASSWORD, Server, make_server
from tests.workstation.sync.http_hosts import OtherHost, Seen
from tests.workstation.sync.label_studio_server import (
    LS,
    SECRET_DATA,
    ls_project,
    running_label_studio,
)


@pytest.fixture(scope="module")
def ls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LS]:
    yield from running_label_studio(tmp_path_factory)


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


def test_bad_token_and_plain_http_elsewhere_are_clear_errors(
    ls: LS, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = make_server(tmp_path, recordings=0)
    out = bridge(server, ls, "pull", 1, token="not-the-token")
    assert "refused the token" in out and "not-the-token" not in out
    with pytest.raises(label_studio.BridgeError, match="in the clear"):
        label_studio.LabelStudio("http://ls.example.org:8080", "t")
    old = os.environ.pop("LABEL_STUDIO_TOKEN", None)
    try:
        capsys.readouterr()
        pull = ("label-studio", "pull", "va", "--url", ls.url, "--ls-project", "1")
        server.cli(*pull, "--token", "x", ok=(2,))  # no option gives it on the command line
        assert "unrecognized arguments: --token x" in capsys.readouterr().err
    finally:
        if old is not None:
            os.environ["LABEL_STUDIO_TOKEN"] = old


def pull_pointing_elsewhere(ls: LS, tmp: Path) -> tuple[str, list[Seen], int]:
    """A real Label Studio project whose tasks name another service on this machine, plainly,
    scheme-relative, dressed as Label Studio (`LS@other`), by another name, or with a user on
    Label Studio's own address, beside three uploads: what `pull` says, what the other service
    was asked, and the project."""
    wav = write_tone(tmp / "elsewhere.wav", 1.0).read_bytes()
    pid, _ids = ls_project(ls, tmp)
    with OtherHost({"/x.wav": wav}) as other:
        ls_host = ls.url.removeprefix("http://")
        hostile = [
            f"{other.url}/x.wav",
            f"//127.0.0.1:{other.port}/x.wav",
            f"http://{ls_host}@127.0.0.1:{other.port}/x.wav",
            f"http://localhost:{other.port}/x.wav",
            f"http://lead@{ls_host}/x.wav",
        ]
        made = ls.post(f"/api/projects/{pid}/import", json=[{"audio": u} for u in hostile])
        assert made["task_count"] == len(hostile), made
        server = make_server(tmp / "earmark", recordings=0)
        return bridge(server, ls, "pull", pid), other.seen, pid


def test_tasks_pointing_elsewhere_are_refused_and_never_fetched(ls: LS, tmp_path: Path) -> None:
    """Each refused on a line naming its task, the uploads pulled, the other host never asked;
    a download over the cap, from Label Studio itself, is refused too."""
    out, seen, pid = pull_pointing_elsewhere(ls, tmp_path)
    assert seen == [], out
    assert "3 pulled, 0 pulled before, 5 refused" in out, out
    refused = [line for line in out.splitlines() if line.startswith("refused: ")]
    assert len(refused) == 5, out
    assert all(line.startswith("refused: Label Studio task ") for line in refused), out
    assert sum("is not on Label Studio at" in line for line in refused) == 4, out
    assert sum("carries a user or password" in line for line in refused) == 1, out
    (task,) = ls.http.get("/api/tasks", params={"project": pid, "page_size": 1}).json()["tasks"]
    small = label_studio.LabelStudio(ls.url, ls.token, max_download_bytes=1000)
    try:
        with pytest.raises(label_studio.BridgeError, match="larger than 1,000 bytes"):
            small.download(task["data"]["audio"], tmp_path / "big.wav")
    finally:
        small.close()
    assert not (tmp_path / "big.wav").exists()


def test_a_bridge_that_fetched_anywhere_would_be_caught(ls: LS, tmp_path: Path) -> None:
    """Broken variant: a bridge taking task URLs as they come asks the other host, and the
    check above sees it."""
    trusting = pytest.MonkeyPatch()
    trusting.setattr(LabelStudio, "own_url", lambda self, ref: urljoin(self.origin + "/", ref))
    try:
        _out, seen, _pid = pull_pointing_elsewhere(ls, tmp_path)
    finally:
        trusting.undo()
    assert seen != []
