"""`earmark-server import` takes only recordings under the folder of the file that names them
(symbolic links followed), unless the operator names another folder with --allow-outside; each
one refused is named on a `refused:` line and the rest are imported."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from app.server import models as m
from app.server.db import make_engine, sessions
from tests.conftest import write_tone
from tests.workstation.sync.conftest import Server, make_server


def tasks_of(server: Server) -> int:
    engine = make_engine(server.db)
    try:
        with sessions(engine)() as db:
            return int(db.scalar(select(func.count()).select_from(m.Task)) or 0)
    finally:
        engine.dispose()


def refused(out: str) -> list[str]:
    return [line.removeprefix("refused: ") for line in out.splitlines() if "refused: " in line]


def test_a_manifest_names_only_recordings_under_its_folder(tmp_path: Path) -> None:
    server = make_server(tmp_path / "earmark", recordings=0)
    inside, elsewhere = tmp_path / "batch", tmp_path / "elsewhere"
    inside.mkdir()
    elsewhere.mkdir()
    write_tone(inside / "a.wav", 0.5)
    (inside / "sub").mkdir()
    write_tone(inside / "sub" / "b.wav", 0.5)
    for name in ("c.wav", "d.wav", "e.wav"):
        write_tone(elsewhere / name, 0.5)
    (inside / "link.wav").symlink_to(elsewhere / "e.wav")
    names = [
        "a.wav",
        "sub/b.wav",
        "../elsewhere/c.wav",
        str(elsewhere / "d.wav"),
        "link.wav",
        "/etc/passwd",
        "sub/" + "../" * (len(inside.resolve().parts) + 1) + "etc/passwd",  # past the root
    ]
    manifest = inside / "m.jsonl"
    manifest.write_text("".join(json.dumps({"audio": n}) + "\n" for n in names))
    out = server.cli("import", "va", str(manifest))
    assert "2 imported, 0 left out by sampling, 5 refused" in out, out
    lines = refused(out)
    assert len(lines) == 5 and all(f"is outside {inside.resolve()}," in x for x in lines), out
    for path in (elsewhere / "c.wav", elsewhere / "d.wav", elsewhere / "e.wav"):
        assert sum(x.startswith(f"{path.resolve()} is outside") for x in lines) == 1, out
    assert sum(x.startswith("/etc/passwd is outside") for x in lines) == 2, out
    assert tasks_of(server) == 2
    # the operator says otherwise for one folder: its recordings come in, /etc still does not
    manifest.write_text("".join(json.dumps({"audio": n}) + "\n" for n in names[2:]))
    out = server.cli("import", "va", str(manifest), "--allow-outside", str(elsewhere))
    assert "3 imported, 0 left out by sampling, 2 refused" in out, out
    assert all(x.startswith("/etc/passwd is outside") for x in refused(out)), out
    assert tasks_of(server) == 5


def test_other_formats_and_a_folder_of_recordings_keep_the_same_rule(tmp_path: Path) -> None:
    """A Kaldi wav.scp naming a file elsewhere, a link out of a folder of recordings; SLURP's
    own layout (recordings in slurp_real beside the text's folder) still comes in."""
    server = make_server(tmp_path / "earmark", recordings=0)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    secret = write_tone(elsewhere / "secret.wav", 0.5)
    kaldi = tmp_path / "kaldi"
    kaldi.mkdir()
    write_tone(kaldi / "u1.wav", 0.5)
    (kaldi / "wav.scp").write_text(f"u1 u1.wav\nu2 {secret}\nu3 ../elsewhere/secret.wav\n")
    out = server.cli("import", "va", str(kaldi))
    assert "1 imported, 0 left out by sampling, 2 refused" in out, out
    folder = tmp_path / "folder"
    folder.mkdir()
    write_tone(folder / "own.wav", 0.5)
    (folder / "borrowed.wav").symlink_to(secret)
    out = server.cli("import", "va", str(folder))
    assert "1 imported, 0 left out by sampling, 1 refused" in out, out
    assert refused(out) == [
        f"{secret.resolve()} is outside {folder.resolve()}, the folder of "
        "the file that names it (--allow-outside DIR imports from DIR too)"
    ]
    text = tmp_path / "slurp" / "dataset"
    text.mkdir(parents=True)
    (tmp_path / "slurp" / "slurp_real").mkdir()
    write_tone(tmp_path / "slurp" / "slurp_real" / "s1.flac", 0.5)
    files = [{"file": "s1.flac"}, {"file": "../../elsewhere/secret.wav"}]
    row = {"slurp_id": 1, "sentence": "hi", "recordings": files}
    (text / "test.jsonl").write_text(json.dumps(row) + "\n")
    out = server.cli("import", "va", str(text / "test.jsonl"))
    assert "1 imported, 0 left out by sampling, 1 refused" in out, out
    assert tasks_of(server) == 3


def test_allow_outside_must_name_a_folder(tmp_path: Path) -> None:
    server = make_server(tmp_path / "earmark", recordings=0)
    write_tone(tmp_path / "a.wav", 0.5)
    out = server.cli(
        "import",
        "va",
        str(tmp_path / "a.wav"),
        "--allow-outside",
        str(tmp_path / "nowhere"),
        ok=(2,),
    )
    assert out.strip() == f"earmark-server: --allow-outside {tmp_path / 'nowhere'}: not a folder"
    assert tasks_of(server) == 0
