"""After a whole session nothing the workstation wrote, nor the server's log, holds a secret."""

from __future__ import annotations

import base64
import shutil
import time
import urllib.parse
from pathlib import Path

import httpx
from PySide6.QtCore import QSettings

from app.model import annotation as ops
from app.workstation.editor import Editor, InlineRunner
from app.workstation.remote import open_remote, sign_out
from app.workstation.store import secrets
from app.workstation.store.settings import Settings
from app.workstation.sync.client import Client
from tests.workstation.sync.conftest import PASSWORD, Server


def forms(secret: str) -> set[str]:
    raw = secret.encode()
    out = {secret, raw.hex(), urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret)}
    for enc in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        out |= {enc.decode(), enc.decode().rstrip("=")}
    return {f for f in out if len(f) >= 8}


def scan(paths: list[Path], needles: dict[str, str]) -> list[str]:
    found = []
    for path in paths:
        data = path.read_bytes()
        found += sorted(
            {
                f"{what} in {path.name}"
                for needle, what in needles.items()
                if needle.encode() in data
            }
        )
    return found


def files_under(*roots: Path) -> list[Path]:
    return [p for r in roots if r.exists() for p in r.rglob("*") if p.is_file()]


def test_no_secret_in_any_file_or_log(server: Server, tmp_path: Path, earmark_home: Path) -> None:
    secrets.check_backend()
    seen: list[str] = []

    def save(token: str) -> None:
        seen.append(token)
        secrets.save_refresh_token(server.url, "ann_a", token)

    client = Client(
        server.url,
        save_refresh=save,
        load_refresh=lambda: secrets.load_refresh_token(server.url, "ann_a"),
    )
    settings = Settings(QSettings(str(earmark_home / "settings.ini"), QSettings.Format.IniFormat))
    settings.save(settings.load())
    code = server.code("ann_a")
    client.login("ann_a", PASSWORD, code)
    cache_key = secrets.cache_key(server.url, "ann_a")
    assert secrets.cache_key(server.url, "ann_a") == cache_key  # made once, then read back
    remote = open_remote(client, "ann_a", cache_key)
    store, engine = remote.project.store, remote.engine
    engine.sync_once()
    assert any(engine.audio_dir.iterdir())
    editor = Editor(store, InlineRunner())
    editor.resume()
    editor.apply("Typing", ops.set_text, 0, "words")
    seen.append(str(client._access))
    # what an operator's tools read: the figures, as an admin scrapes them
    metrics = tmp_path / "metrics.txt"
    r = httpx.get(
        f"{server.url}/api/v1/metrics", headers={"Authorization": f"Bearer {server.admin_token}"}
    )
    assert r.status_code == 200 and "earmark_requests_total" in r.text
    metrics.write_text(r.text)
    seen.append(server.admin_token)
    client._access = None  # a refresh
    engine.sync_once()
    seen.append(str(client._access))
    server.kill()  # a crash, mid-session
    editor.apply("Typing", ops.set_text, 0, "more words")
    engine.sync_once()
    server.start()
    engine.sync_once()
    seen.append(str(client._access))
    kept = tmp_path / "cache-before-sign-out"  # sign-out deletes the cached recordings
    shutil.copytree(engine.audio_dir, kept)

    def forget() -> None:
        secrets.delete_refresh_token(server.url, "ann_a")
        secrets.delete_cache_key(server.url, "ann_a")

    sign_out(remote, forget)
    assert secrets.load_refresh_token(server.url, "ann_a") is None
    assert not engine.audio_dir.exists()
    assert secrets.cache_key(server.url, "ann_a") != cache_key  # the old one is gone
    secrets.delete_cache_key(server.url, "ann_a")
    client.close()
    store.close()
    totp_secret = server.totp["ann_a"].secret
    needles = {
        f: what
        for what, s in [("password", PASSWORD), ("totp secret", totp_secret)]
        + [("token", t) for t in seen]
        + [("cache key", cache_key.hex()), ("cache key", base64.b64encode(cache_key).decode())]
        for f in forms(s)
    }
    log = server.data / "server.log"  # one JSON object a line, each request's among them
    assert '"message": "request"' in log.read_text()
    scanned = files_under(earmark_home, kept) + [log, metrics]
    assert len(scanned) > 5 and any(p.suffix == ".sqlite3" for p in scanned)
    assert scan(scanned, needles) == []
    # the scan can fail: a token leaked in base64 into a log is found
    leak = tmp_path / "leak.log"
    leak.write_text("debug: " + base64.b64encode(seen[0].encode()).decode())
    assert scan([leak], needles) == ["token in leak.log"]
    assert len(seen) >= 4 and time.time()
