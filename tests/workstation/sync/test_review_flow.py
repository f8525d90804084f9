"""Review end to end through the real server: submit, reject, see it, fix it, accept, figures."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.audio.vault import new_key
from app.model import annotation as ops
from app.model.annotation import Status
from app.workstation.editor import Editor, InlineRunner
from app.workstation.store.db import Store
from app.workstation.sync.client import Client, SyncError
from app.workstation.sync.engine import SyncEngine
from app.workstation.sync.review import ReviewEngine
from tests.workstation.sync.conftest import PASSWORD, Server


def client_for(server: Server, name: str) -> Client:
    c = Client.in_memory(server.url)
    c.login(name, PASSWORD, server.code(name))
    return c


@dataclass
class Pair:
    """An annotator's workstation and a reviewer's, each with its engine, on the real server."""

    ann_client: Client
    rev_client: Client
    ann_store: Store
    rev_store: Store
    ann: SyncEngine
    rev: ReviewEngine


@pytest.fixture
def pair(server: Server, tmp_path: Path) -> Iterator[Pair]:
    ann_client, rev_client = client_for(server, "ann_a"), client_for(server, "rev")
    ann_store, rev_store = Store(tmp_path / "ann.sqlite3"), Store(tmp_path / "rev.sqlite3")
    yield Pair(
        ann_client,
        rev_client,
        ann_store,
        rev_store,
        SyncEngine(ann_store, ann_client, server.project_id, tmp_path / "a-audio", new_key()),
        ReviewEngine(rev_store, rev_client, server.project_id, tmp_path / "r-audio", new_key()),
    )
    for c in (ann_client, rev_client):
        c.close()
    ann_store.close()
    rev_store.close()


def test_reject_fix_accept_and_the_figures(server: Server, pair: Pair) -> None:
    ann_client, rev_client, ann_store, rev_store = (
        pair.ann_client, pair.rev_client, pair.ann_store, pair.rev_store
    )  # fmt: skip
    ann, rev = pair.ann, pair.rev
    # the annotator cannot open the review queue, nor see another annotator's figures
    try:
        ann_client.review_leases(server.project_id, 5)
        raise AssertionError("an annotator opened the review queue")
    except SyncError as exc:
        assert "Only reviewers" in str(exc)
    try:
        ann_client.quality(server.project_id, "ann_b")
        raise AssertionError("an annotator saw another's figures")
    except SyncError as exc:
        assert "404" in str(exc)
    ann.sync_once()
    editor = Editor(ann_store, InlineRunner())
    editor.resume()
    task = editor.task
    assert task is not None
    editor.apply("Typing", ops.set_text, 0, "play some jazz")
    editor.apply("Intent", ops.set_intent, "play_music")
    assert editor.submit_and_next(lambda _a: [])
    assert ann.sync_once().pending == 0

    # the reviewer gets it (a new annotator's first items are all reviewed), and rejects it
    status = rev.sync_once()
    assert status.online and status.assigned == 1
    reviewer = Editor(rev_store, InlineRunner())
    reviewer.resume()
    item = reviewer.task
    assert item is not None and item.title.endswith("· ann_a")
    assert Path(item.audio_path).exists()
    assert reviewer.annotation is not None
    assert reviewer.annotation.segments[0].text == "play some jazz"  # the submission
    d = rev.decision(
        rev.tables.item(item.id),
        "7c0e8d5e-8a0e-4b51-9f3a-2f1e0c6b9a11",
        reviewer.annotation,
        "transcript",
        "the artist is missing",
        (0.0, 0.2),
    )
    assert d.outcome == "rejected" and d.doc is None
    rev.tables.decide(d)
    assert rev.sync_once().pending == 0 and rev.tables.decisions()[item.id].sent

    # the annotator sees it come back, with the reason and the comment
    status = ann.sync_once()
    assert status.reviewed == [task.id]
    note = ann.tables.review_notes()[task.id]
    assert note.returned and note.reason_title == "Transcript wrong or incomplete"
    assert (note.comment, note.start_s, note.end_s) == ("the artist is missing", 0.0, 0.2)
    editor.returned = {task.id: note.submission}
    assert editor.statuses()[task.id] == Status.TODO
    q = ann_client.quality(server.project_id)
    assert list(q.annotators) == ["ann_a"] and q.annotators["ann_a"].rejected == 1

    # fixed and submitted again: back to review
    k = [t.id for t in editor.tasks].index(task.id)
    editor.open_task(k)
    editor.apply("Typing", ops.set_text, 0, "play some jazz by nina simone")
    assert editor.submit_and_next(lambda _a: [])
    ann.sync_once()
    assert not ann.tables.review_notes()[task.id].returned
    assert editor.statuses()[task.id] == Status.SUBMITTED

    # the reviewer changes one word and accepts: fixed and accepted
    status = rev.sync_once()
    assert status.assigned == 1 and status.tasks is not None
    reviewer.set_tasks(status.tasks, status.removed, status.annotations)  # as the window does
    second = [t for t in reviewer.tasks if t.id != item.id]
    assert len(second) == 1
    reviewer.open_task(reviewer.tasks.index(second[0]))
    assert reviewer.annotation is not None
    assert reviewer.annotation.segments[0].text == "play some jazz by nina simone"
    reviewer.apply("Typing", ops.set_text, 0, "play some jazz by nina simone please")
    d = rev.decision(
        rev.tables.item(second[0].id), "1b7e3a4c-7d51-4c0e-8f0a-5a1d2b3c4d5e", reviewer.annotation
    )
    assert d.outcome == "fixed" and d.doc is not None
    rev.tables.decide(d)
    rev.sync_once()

    # the figures: one rejection, and one fix: one word inserted, over the 7 the reference has
    q = rev_client.quality(server.project_id)
    a = q.annotators["ann_a"]
    assert (a.items_reviewed, a.fixed, a.rejected) == (2, 1, 1)
    assert a.wer is not None and abs(a.wer - 1 / 7) < 1e-9
    out = server.cli("export", "va", "--accepted-only")
    assert '"play some jazz by nina simone please"' in out and '"outcome": "fixed"' in out


def test_a_deleted_recording_leaves_the_reviewers_machine(server: Server, pair: Pair) -> None:
    ann_store, rev_store, ann, rev = pair.ann_store, pair.rev_store, pair.ann, pair.rev
    ann.sync_once()
    editor = Editor(ann_store, InlineRunner())
    editor.resume()
    for text in ("first", "second"):
        editor.apply("Typing", ops.set_text, 0, text)
        assert editor.submit_and_next(lambda _a: [])
    ann.sync_once()
    assert rev.sync_once().assigned == 2
    items = rev.tables.items()
    decided, open_one = sorted(items, key=lambda i: items[i].doc["segments"][0]["text"])
    reviewer = Editor(rev_store, InlineRunner())
    reviewer.resume()
    reviewer.open_task([t.id for t in reviewer.tasks].index(decided))
    assert reviewer.annotation is not None
    rev.tables.decide(rev.decision(items[decided], str(uuid.uuid4()), reviewer.annotation))
    rev.sync_once()
    audio = {i: Path(t.audio_path) for t in rev_store.tasks() for i in [t.id]}
    assert all(p.exists() for p in audio.values())
    for item in (decided, open_one):
        assert server.delete_task(items[item].task_id) == 204
    status = rev.sync_once()
    assert sorted(status.removed) == sorted([decided, open_one])
    assert rev.tables.items() == {} and rev.tables.decisions() == {}
    assert rev_store.tasks() == [] and rev_store.annotations() == {}
    assert not any(p.exists() for p in audio.values())
