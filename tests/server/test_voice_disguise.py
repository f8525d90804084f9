"""A project that disguises voices, through the real server: each recording is served with its
formants moved as the McAdams coefficient says, as long as the original and with every sound
where it was; the original is reachable by no route; with muting too, the muted stretch is the
tone. The setting at creation (the challenge's range by default) and later; a bad range is one
line and exit 2."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import soundfile as sf
from sqlalchemy import select

from app.audio.redact import TONE_HZ
from app.server import models as m
from app.server.db import make_engine, sessions
from tests.audio.test_align import RATE, spoken
from tests.audio.test_disguise import FS, peak_hz, resonance
from tests.server.test_muting import get, token
from tests.workstation.sync.conftest import Server, make_server

WORDS = ["please", "call", "five", "five", "five", "one", "two", "three", "four", "now"]


def rows(server: Server, kind: type[Any]) -> list[Any]:
    engine = make_engine(server.db)
    try:
        with sessions(engine)() as db:
            found = list(db.scalars(select(kind)))
            db.expunge_all()
            return found
    finally:
        engine.dispose()


def leased(server: Server, tok: str) -> dict[int, dict[str, Any]]:
    project = get(server, tok, "/api/v1/projects").json()[0]["id"]
    r = httpx.post(
        f"{server.url}/api/v1/leases",
        headers={"Authorization": f"Bearer {tok}"},
        json={"project_id": project, "count": 5},
    )
    return {t["number"]: t for t in r.json()}


def test_a_disguised_voice_keeps_its_time_and_the_original_is_kept_back(tmp_path: Path) -> None:
    server = make_server(tmp_path / "earmark", recordings=0)
    server.cli("project", "disguise-voice", "va", "0.8-0.8")
    server.cli("project", "mute-spoken-data", "va", "on")
    folder = tmp_path / "batch"
    folder.mkdir()
    original = resonance(1000.0, seconds=2.0)
    sf.write(str(folder / "a.wav"), original, FS, subtype="PCM_16")
    x, spans = spoken(WORDS, tmp_path)
    sf.write(str(folder / "b.wav"), x, RATE, subtype="PCM_16")
    manifest = folder / "m.jsonl"
    manifest.write_text(
        json.dumps({"audio": "a.wav", "asr": "hmm"})
        + "\n"
        + json.dumps({"audio": "b.wav", "asr": " ".join(WORDS)})
        + "\n"
    )
    server.cli("import", "va", str(manifest))
    server.start()
    try:
        ann = token(server, "ann_a")
        tasks = leased(server, ann)
        heard, rate = sf.read(
            io.BytesIO(get(server, ann, f"/api/v1/tasks/{tasks[1]['id']}/audio").content),
            dtype="float64",
        )
        stored, _ = sf.read(str(folder / "a.wav"), dtype="float64")
        assert rate == FS and len(heard) == len(stored)
        moved = (2 * np.pi * 1000 / FS) ** 0.8 * FS / (2 * np.pi)
        assert abs(peak_hz(stored) - 1000) < 40 and abs(peak_hz(heard) - moved) < 60
        # speech: as long, and with the number muted in the disguised voice
        said = get(server, ann, f"/api/v1/tasks/{tasks[2]['id']}/audio").content
        voice, _ = sf.read(io.BytesIO(said), dtype="float32")
        assert len(voice) == len(x)
        [muted] = tasks[2]["muted"]
        a, b = int(muted["start_s"] * RATE) + 200, int(muted["end_s"] * RATE) - 200
        spectrum = np.abs(np.fft.rfft(voice[a:b]))
        assert abs(np.argmax(spectrum) * RATE / (b - a) - TONE_HZ) < 20  # the tone there
        word = spans[0]
        i, j = int(word[0] * RATE), int(word[1] * RATE)
        assert not np.allclose(voice[i:j], x[i:j], atol=0.01)  # "please", disguised
        # the originals by no GET route, for no role
        secrets = [
            (folder / "a.wav").read_bytes()[2000:6000],
            (folder / "b.wav").read_bytes()[i * 2 : i * 2 + 4000],
        ]
        paths = get(server, ann, "/api/v1/openapi.json").json()["paths"]
        for who in ("ann_a", "admin", "rev"):
            tok = ann if who == "ann_a" else token(server, who)
            for task in tasks.values():
                for path, ops in paths.items():
                    if "get" in ops:
                        r = get(server, tok, path.replace("{task_id}", task["id"]))
                        assert not any(s in r.content for s in secrets), (who, path)
    finally:
        server.kill()
    alphas = sorted(t.voice_alpha for t in rows(server, m.Task))
    assert alphas == [0.8, 0.8]
    [audit] = [
        e for e in rows(server, m.AuditEntry) if e.action == "import" and e.detail.get("imported")
    ]
    assert audit.detail["voice_disguised"] == {"low": 0.8, "high": 0.8}


def test_the_setting_at_creation_and_later(tmp_path: Path) -> None:
    server = make_server(tmp_path / "earmark", recordings=0)
    tax = Path(__file__).resolve().parents[2] / "resources" / "taxonomy"
    documents = ["--taxonomy", str(tax / "earmark-taxonomy.json")]
    documents += ["--conventions", str(tax / "earmark-conventions.json")]
    server.cli("project", "create", "calls", *documents, "--disguise-voice")

    def ranges() -> dict[str, Any]:
        return {p.name: p.voice_disguise for p in rows(server, m.Project)}

    assert ranges() == {"va": None, "calls": {"low": 0.5, "high": 0.9}}
    server.cli("project", "disguise-voice", "va", "0.6-0.7")
    server.cli("project", "disguise-voice", "calls", "off")
    assert ranges() == {"va": {"low": 0.6, "high": 0.7}, "calls": None}
    for bad in ("0.9-0.5", "0-0.5", "nan", "loud"):
        try:
            server.cli("project", "disguise-voice", "va", bad, ok=(2,))
        except SystemExit as exc:  # argparse's refusal: one line, exit 2
            assert exc.code == 2
    assert ranges()["va"] == {"low": 0.6, "high": 0.7}
