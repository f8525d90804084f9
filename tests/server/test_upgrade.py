"""A store written before recordings were chunked and keys wrapped is brought up to date by
`earmark-server init`; the master key can be rotated; a wrong key opens nothing."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import httpx
import pyotp
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select

from app.sealed import MAGIC
from app.server import models as m
from app.server.db import make_engine, sessions
from app.server.keys import FileKey, is_wrapped, is_wrapped_text
from tests.workstation.sync.conftest import PASSWORD, Server, make_server


def make_legacy(server: Server) -> tuple[str, bytes, str]:
    """Turn the first task and ann_a back into how an older version stored them: the audio
    one blob under a key kept in plain, the TOTP secret in plain. Returns (task, its audio,
    ann_a's secret)."""
    engine = make_engine(server.db)
    with sessions(engine)() as db:
        task = db.scalars(select(m.Task).order_by(m.Task.number)).first()
        user = db.scalars(select(m.User).where(m.User.username == "ann_a")).one()
        assert task is not None and is_wrapped(task.audio_key)
        from app.server.keys import load_keys

        keys = load_keys(server.key_file, server.data)
        from app.server.storage import FolderStore

        audio = FolderStore(server.data / "audio").get(
            task.id, keys.unwrap(task.audio_key or b"", f"task:{task.id}")
        )
        raw = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(12)
        (server.data / "audio" / f"{task.id}.bin").write_bytes(
            nonce + AESGCM(raw).encrypt(nonce, audio, task.id.encode())
        )
        task.audio_key = raw
        secret = keys.unwrap_text(user.totp_secret, f"totp:{user.id}")
        user.totp_secret = secret
        db.commit()
        task_id = task.id
    engine.dispose()
    return task_id, audio, secret


def sign_in_and_hear(server: Server, task: str, code: str) -> bytes:
    r = httpx.post(
        f"{server.url}/api/v1/auth/login",
        json={"username": "admin", "password": PASSWORD, "totp_code": code},
    )
    assert r.status_code == 200, r.text
    bearer = {"Authorization": f"Bearer {r.json()['access_token']}"}
    return httpx.get(f"{server.url}/api/v1/tasks/{task}/audio", headers=bearer).content


def test_an_older_store_is_upgraded_and_the_key_rotates(tmp_path: Path) -> None:
    (tmp_path / "keys").mkdir()
    old_key = tmp_path / "keys" / "old.key"
    FileKey.create(old_key)
    server = make_server_with_key(tmp_path, old_key)
    task, audio, secret = make_legacy(server)
    out = server.cli("init")
    assert "upgraded: 1 recording(s), 1 secret(s)" in out, out
    assert (server.data / "audio" / f"{task}.bin").read_bytes()[:4] == MAGIC
    engine = make_engine(server.db)
    with sessions(engine)() as db:
        assert all(is_wrapped(t.audio_key) for t in db.scalars(select(m.Task)))
        assert all(is_wrapped_text(u.totp_secret) for u in db.scalars(select(m.User)))
    engine.dispose()
    assert "database ready" in server.cli("init")  # again: nothing left to do
    server.start()
    try:
        assert sign_in_and_hear(server, task, server.code("admin")) == audio
        r = httpx.post(  # ann_a's secret, kept in plain before, still gives good codes
            f"{server.url}/api/v1/auth/login",
            json={"username": "ann_a", "password": PASSWORD, "totp_code": pyotp.TOTP(secret).now()},
        )
        assert r.status_code == 200, r.text
    finally:
        server.kill()
    # rotation: everything rewrapped under a new key; the old one no longer opens anything
    new_key = tmp_path / "keys" / "new.key"
    out = server.cli("keys", "rotate", "--new-key-file", str(new_key))
    assert "now wrapped under" in out
    server.key_file = new_key
    server.start()
    try:
        heard = sign_in_and_hear(server, task, server.code("admin"))
        assert hashlib.sha256(heard).digest() == hashlib.sha256(audio).digest()
    finally:
        server.kill()
    # the old key opens nothing now: the server says so and does not start with it
    server.key_file = old_key
    out = server.cli("init", ok=(2,))
    assert "master key this server does not have" in out, out


def make_server_with_key(tmp: Path, key: Path) -> Server:
    """make_server, but under a master key of this test's own."""
    old = os.environ["EARMARK_SERVER_KEY_FILE"]
    os.environ["EARMARK_SERVER_KEY_FILE"] = str(key)
    try:
        server = make_server(tmp, recordings=2)
    finally:
        os.environ["EARMARK_SERVER_KEY_FILE"] = old
    server.key_file = key
    return server
