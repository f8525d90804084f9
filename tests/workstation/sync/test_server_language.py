"""A server's project in another language: the workstation reads its conventions as it reads a
local project's, so the word aligner says it does not apply (tests/ui/test_words_window.py)."""

from __future__ import annotations

import json
from pathlib import Path

from app.audio.vault import new_key
from app.workstation.remote import open_remote
from app.workstation.sync.client import Client
from tests.conftest import write_tone
from tests.ui.windows import show_remote
from tests.workstation.sync.conftest import PASSWORD, ROOT, make_server


def test_a_server_project_in_german_is_not_aligned(qtbot, tmp_path: Path, pulse: str) -> None:
    server = make_server(tmp_path / "server", recordings=1)
    tax = ROOT / "resources" / "taxonomy"
    conventions = json.loads((tax / "earmark-conventions.json").read_text())
    german = tmp_path / "conventions-de.json"
    german.write_text(json.dumps({**conventions, "language": "de"}))
    server.cli(
        "project", "create", "de", "--taxonomy", str(tax / "earmark-taxonomy.json"),
        "--conventions", str(german),
    )  # fmt: skip
    server.cli("project", "member", "add", "de", "ann_a", "--role", "annotator")
    recordings = tmp_path / "de-recordings"
    recordings.mkdir()
    write_tone(recordings / "anruf.wav", 1.0)
    server.cli("import", "de", str(recordings))
    server.start()
    client = Client.in_memory(server.url)
    try:
        client.login("ann_a", PASSWORD, server.code("ann_a"))
        [de] = [p for p in client.projects() if p.name == "de"]
        remote = open_remote(client, "ann_a", new_key(), de.id)
        ws = show_remote(qtbot, remote, tmp_path / "ann_a.ini")
        ctrl = ws.ctrl
        try:
            qtbot.waitUntil(
                lambda: ctrl.editor.task is not None and ctrl.clip is not None, timeout=20_000
            )
            words = ctrl.window.transcript.words_label.text()
            assert "English model only" in words and "'de'" in words, words
        finally:
            ctrl.window.close()
            ws.runner.shutdown()
            ctrl.project.store.close()
    finally:
        client.close()
        server.kill()
