"""After a whole session nothing the workstation wrote, nor the server's log, holds a secret."""

from __future__ import annotations

import base64
import time
import urllib.parse
from pathlib import Path

from PySide6.QtCore import QSettings

from app.editor import Editor, InlineRunner
from app.model import annotation as ops
from app.remote import sign_out
from app.store import secrets
from app.store.db import Store
from app.store.settings import Settings
from app.sync.client import Client
from app.sync.engine import SyncEngine
from tests.sync.conftest import PASSWORD, Server


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
    store = Store(earmark_home / "data" / "local.sqlite3")
    engine = SyncEngine(store, client, server.project_id, earmark_home / "cache" / "audio")
    engine.sync_once()
    editor = Editor(store, InlineRunner())
    editor.resume()
    editor.apply("Typing", ops.set_text, 0, "words")
    seen.append(str(client._access))
    client._access = None  # a refresh
    engine.sync_once()
    seen.append(str(client._access))
    server.kill()  # a crash, mid-session
    editor.apply("Typing", ops.set_text, 0, "more words")
    engine.sync_once()
    server.start()
    engine.sync_once()
    seen.append(str(client._access))
    sign_out(client, lambda: secrets.delete_refresh_token(server.url, "ann_a"))
    assert secrets.load_refresh_token(server.url, "ann_a") is None
    client.close()
    store.close()
    totp_secret = server.totp["ann_a"].secret
    needles = {
        f: what
        for what, s in [("password", PASSWORD), ("totp secret", totp_secret)]
        + [("token", t) for t in seen]
        for f in forms(s)
    }
    scanned = files_under(earmark_home) + [server.data / "server.log"]
    assert len(scanned) > 5 and any(p.suffix == ".sqlite3" for p in scanned)
    assert scan(scanned, needles) == []
    # the scan can fail: a token leaked in base64 into a log is found
    leak = tmp_path / "leak.log"
    leak.write_text("debug: " + base64.b64encode(seen[0].encode()).decode())
    assert scan([leak], needles) == ["token in leak.log"]
    assert len(seen) >= 4 and time.time()
