"""The workstation's sync engine against the real server, the refresh token in the real keyring."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.audio.vault import new_key
from app.model import annotation as ops
from app.workstation.editor import Editor, InlineRunner
from app.workstation.store import secrets
from app.workstation.store.db import Store
from app.workstation.sync.client import Client, SyncError, check_server_url
from app.workstation.sync.engine import SyncEngine
from tests.workstation.sync.conftest import PASSWORD, Server


def outbox_count(store: Store) -> int:
    """Items with a revision not yet sent (local projects never send: every edited item)."""
    return int(store.rows("SELECT count(*) FROM outbox")[0][0])


def client_for(server: Server, name: str) -> Client:
    return Client(
        server.url,
        save_refresh=lambda t: secrets.save_refresh_token(server.url, name, t),
        load_refresh=lambda: secrets.load_refresh_token(server.url, name),
    )


@pytest.fixture
def signed_in(server: Server, tmp_path: Path) -> Iterator[tuple[Client, Store, SyncEngine]]:
    try:
        secrets.check_backend()
    except secrets.KeyringError as exc:
        pytest.fail(f"a real Secret Service is needed (packaging/test.sh starts one): {exc}")
    client = client_for(server, "ann_a")
    me = client.login("ann_a", PASSWORD, server.code("ann_a"))
    assert me.username == "ann_a"
    store = Store(tmp_path / "local.sqlite3")
    key = new_key()
    yield client, store, SyncEngine(store, client, server.project_id, tmp_path / "audio", key)
    client.close()
    store.close()


def test_only_https_or_loopback() -> None:
    assert check_server_url("http://127.0.0.1:8765/") == "http://127.0.0.1:8765"
    assert check_server_url("https://earmark.example") == "https://earmark.example"
    with pytest.raises(SyncError, match="https"):
        check_server_url("http://earmark.example")


def test_sync_round_trip(server: Server, signed_in: tuple[Client, Store, SyncEngine]) -> None:
    client, store, engine = signed_in
    status = engine.sync_once()
    assert status.online and status.assigned == 6 and status.pending == 0
    tasks = store.tasks()
    assert len(tasks) == 6 and all(Path(t.audio_path).stat().st_size > 1000 for t in tasks)
    # named by the server's per-project number; neither UUID nor the original file name shows
    assert sorted(t.name for t in tasks) == [f"Item {k}" for k in range(1, 7)]
    editor = Editor(store, InlineRunner())
    editor.resume()
    editor.apply("Typing", ops.set_text, 0, "play some jazz")
    editor.apply("Intent", ops.set_intent, "play_music")
    assert outbox_count(store) == 1  # two edits, one item to send at its newest revision
    assert engine.sync_once().pending == 0
    assert outbox_count(store) == 0  # acknowledged: nothing kept to send
    # the cached recordings are sealed: no audio container header anywhere in the cache
    cached = [p.read_bytes() for p in engine.audio_dir.iterdir()]
    assert len(cached) == 6
    assert not any(m in blob for blob in cached for m in (b"RIFF", b"WAVE", b"fLaC", b"OggS"))
    # the server holds exactly that, once
    r = httpx.get(
        f"{server.url}/api/v1/tasks/{editor.task.id}/audio",  # type: ignore[union-attr]
        headers={"Authorization": "Bearer nope"},
    )
    assert r.status_code == 401
    out = server.cli("export", "va")
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1 and '"play some jazz"' in lines[0] and '"play_music"' in lines[0]
    # the refresh token is in the keyring, and rotates there
    before = secrets.load_refresh_token(server.url, "ann_a")
    client._access = None  # as after a restart: only the keyring is left
    assert engine.sync_once().online
    after = secrets.load_refresh_token(server.url, "ann_a")
    assert before and after and before != after


def test_offline_work_is_kept_and_sent_later(
    server: Server, signed_in: tuple[Client, Store, SyncEngine]
) -> None:
    _client, store, engine = signed_in
    engine.sync_once()
    server.kill()
    editor = Editor(store, InlineRunner())
    editor.resume()
    editor.apply("Typing", ops.set_text, 0, "offline words")
    status = engine.sync_once()
    assert not status.online and status.pending == 1 and "saved here" in status.message
    server.start()
    status = engine.sync_once()
    assert status.online and status.pending == 0
    assert '"offline words"' in server.cli("export", "va")


def test_a_stale_base_is_a_conflict_with_both_versions(
    server: Server, signed_in: tuple[Client, Store, SyncEngine], tmp_path: Path
) -> None:
    client, store, engine = signed_in
    engine.sync_once()
    editor = Editor(store, InlineRunner())
    editor.resume()
    editor.apply("Typing", ops.set_text, 0, "mine")
    engine.sync_once()
    # the same annotation changed elsewhere (another session of the same annotator)
    pending_id = store._db.execute(
        "SELECT annotation_id, server_version FROM remote WHERE task_id = ?", (editor.task.id,)
    ).fetchone()  # type: ignore[union-attr]
    from app.protocol import AnnotationDoc, AnnotationPut, BatchPut

    elsewhere = AnnotationDoc.model_validate(
        {"segments": [{"start_s": 0, "end_s": 1, "text": "from elsewhere"}]}
    )
    # the same annotation changed by another session of the same annotator
    client.put_batch(
        BatchPut(
            items={
                pending_id[0]: AnnotationPut(
                    task_id=editor.task.id,  # type: ignore[union-attr]
                    base_version=pending_id[1],
                    doc=elsewhere,
                )
            }
        )
    )
    editor.apply("Typing", ops.set_text, 0, "mine, edited")
    status = engine.sync_once()
    assert status.conflicts == 1
    (conflict,) = engine.tables.conflicts().values()
    assert conflict["doc"] == elsewhere.model_dump()
    assert store.annotation(editor.task.id)[1].transcript == "mine, edited"  # type: ignore[index,union-attr]
    engine.tables.keep_mine(editor.task.id)  # type: ignore[union-attr]
    assert engine.sync_once().conflicts == 0
    assert '"mine, edited"' in server.cli("export", "va")


def test_deletion_purges_the_workstation(
    server: Server, signed_in: tuple[Client, Store, SyncEngine]
) -> None:
    _client, store, engine = signed_in
    engine.sync_once()
    editor = Editor(store, InlineRunner())
    editor.resume()
    victim = editor.task
    assert victim is not None
    editor.apply("Typing", ops.set_text, 0, "draft of a deleted recording")
    engine.sync_once()
    assert server.delete_task(victim.id) == 204
    status = engine.sync_once()
    assert victim.id in status.removed
    assert victim.id not in {t.id for t in store.tasks()}
    assert store.annotation(victim.id) is None
    assert not Path(victim.audio_path).exists()
    assert (
        store._db.execute("SELECT count(*) FROM outbox WHERE task_id = ?", (victim.id,)).fetchone()[
            0
        ]
        == 0
    )


def test_expired_session_says_sign_in_again(
    server: Server, signed_in: tuple[Client, Store, SyncEngine]
) -> None:
    client, _store, engine = signed_in
    client.logout()
    secrets.save_refresh_token(server.url, "ann_a", "revoked-or-forged-token")
    status = engine.sync_once()
    assert not status.online or "sign in again" in status.message
    assert "sign in again" in status.message.lower() or "Sign in" in status.message
    assert time.time()
