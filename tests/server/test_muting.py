"""A project that mutes spoken data, through the real server: a recording whose hypothesis
says a phone number is served with that stretch covered by a tone (its samples differ from
the original there and equal it elsewhere), its hypothesis says `[phone]` there, the original
is reachable by no route for any role, and the audit log has the import's muting. A recording
whose words cannot be tied to the audio is not muted, and the import says so."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import soundfile as sf
from sqlalchemy import select

from app.server import models as m
from app.server.db import make_engine, sessions
from tests.audio.test_align import RATE, spoken
from tests.workstation.sync.conftest import PASSWORD, Server, make_server

WORDS = ["please", "call", "five", "five", "five", "one", "two", "three", "four", "now"]
PHONE = (2, 9)


def token(server: Server, name: str) -> str:
    r = httpx.post(
        f"{server.url}/api/v1/auth/login",
        json={"username": name, "password": PASSWORD, "totp_code": server.code(name)},
    )
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def recordings(tmp: Path) -> tuple[Path, np.ndarray, list[tuple[float, float]]]:
    """A manifest of three: the phone number said (muted), a request without personal data
    (served as it is), the same number in telephone audio (not muted: nothing to align)."""
    folder = tmp / "batch"
    folder.mkdir()
    x, spans = spoken(WORDS, tmp)
    sf.write(str(folder / "said.wav"), x, RATE, subtype="PCM_16")
    sf.write(str(folder / "plain.wav"), x, RATE, subtype="PCM_16")
    sf.write(str(folder / "phone.wav"), x[::3], 8000, subtype="PCM_16")
    rows = [
        {"audio": "said.wav", "asr": " ".join(WORDS)},
        {"audio": "plain.wav", "asr": "please play some jazz now"},
        {"audio": "phone.wav", "asr": " ".join(WORDS)},
    ]
    manifest = folder / "m.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows))
    original, _ = sf.read(str(folder / "said.wav"), dtype="float32")
    return manifest, original, spans


def get(server: Server, tok: str, path: str) -> httpx.Response:
    return httpx.get(f"{server.url}{path}", headers={"Authorization": f"Bearer {tok}"})


def test_annotators_never_hear_the_number(tmp_path: Path) -> None:
    server = make_server(tmp_path / "earmark", recordings=0)
    server.cli("project", "mute-spoken-data", "va", "on")
    manifest, original, spans = recordings(tmp_path)
    out = server.cli("import", "va", str(manifest))
    assert "3 imported" in out, out
    assert "not muted: item 3: the hypothesis's words could not all be tied to the audio" in out
    assert "8000 Hz" in out and "served as it is" in out, out
    server.start()
    try:
        ann = token(server, "ann_a")
        project = get(server, ann, "/api/v1/projects").json()[0]["id"]
        leased = httpx.post(
            f"{server.url}/api/v1/leases",
            headers={"Authorization": f"Bearer {ann}"},
            json={"project_id": project, "count": 3},
        ).json()
        tasks = {t["number"]: t for t in leased}
        said = tasks[1]
        assert said["asr_text"] == "please call [phone] now"
        [stretch] = said["muted"]
        assert stretch["kind"] == "phone"
        assert (
            stretch["start_s"] <= spans[PHONE[0]][0] and stretch["end_s"] >= spans[PHONE[1] - 1][1]
        )
        assert tasks[2]["muted"] == [] and tasks[3]["muted"] == []
        assert tasks[3]["asr_text"] == "please call [phone] now"  # the text is never sent
        served = get(server, ann, f"/api/v1/tasks/{said['id']}/audio")
        assert served.status_code == 200
        heard, rate = sf.read(io.BytesIO(served.content), dtype="float32")
        assert rate == RATE and len(heard) == len(original)
        changed = np.flatnonzero(heard != original)
        a, b = int(changed[0]), int(changed[-1]) + 1
        assert a / RATE <= spans[PHONE[0]][0] and b / RATE >= spans[PHONE[1] - 1][1]
        assert a / RATE > spans[PHONE[0] - 1][0] and b / RATE < spans[PHONE[1]][1]
        assert np.array_equal(heard[:a], original[:a]) and np.array_equal(heard[b:], original[b:])
        assert 0.02 < float(np.sqrt(np.mean(heard[a:b] ** 2))) < 0.06  # a soft tone
        # the original, by no route, for no role: every GET the API has, with the task's id
        secret = (original[a:b] * 32768).astype("<i2").tobytes()[:4000]
        assert secret in (manifest.parent / "said.wav").read_bytes()  # the search can succeed
        paths = get(server, ann, "/api/v1/openapi.json").json()["paths"]
        for who in ("ann_a", "admin", "rev"):
            tok = ann if who == "ann_a" else token(server, who)
            for path, ops in paths.items():
                if "get" not in ops:
                    continue
                for name in ("{task_id}", "{id}", "{project_id}"):
                    path = path.replace(name, said["id"] if name != "{project_id}" else project)
                r = get(server, tok, path)
                assert secret not in r.content, (who, path)
    finally:
        server.kill()
    engine = make_engine(server.db)
    try:
        with sessions(engine)() as db:
            row: Any = db.scalars(
                select(m.AuditEntry)
                .where(m.AuditEntry.action == "import")
                .order_by(m.AuditEntry.seq.desc())
            ).first()
            assert row.detail["muted"] == [1] and row.detail["not_muted"] == [3]
    finally:
        engine.dispose()


def test_the_setting_at_creation_and_later(tmp_path: Path) -> None:
    server = make_server(tmp_path / "earmark", recordings=0)
    tax = Path(__file__).resolve().parents[2] / "resources" / "taxonomy"
    out = server.cli(
        "project",
        "create",
        "calls",
        "--taxonomy",
        str(tax / "earmark-taxonomy.json"),
        "--conventions",
        str(tax / "earmark-conventions.json"),
        "--mute-spoken-data",
    )
    assert "created" in out

    def muting() -> dict[str, bool]:
        engine = make_engine(server.db)
        try:
            with sessions(engine)() as db:
                return {p.name: p.mute_spoken_data for p in db.scalars(select(m.Project))}
        finally:
            engine.dispose()

    assert muting() == {"va": False, "calls": True}
    assert "served as they are" in server.cli("project", "mute-spoken-data", "calls", "off")
    assert muting() == {"va": False, "calls": False}
    assert "no project named nowhere" in server.cli(
        "project", "mute-spoken-data", "nowhere", "on", ok=(2,)
    )
