"""While a server serves a database and data folder, `restore` and `keys rotate` are refused
(a put acknowledged afterwards is kept, sign-ins go on working), and a server does not start
while either runs; once it has stopped, they go ahead. On PostgreSQL a server on another
machine (another data folder) is seen through the database. A new master key inside the data
folder is refused, as `serve` would refuse it."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import httpx

from app.server.serving import alone
from tests.pg import pg_database
from tests.server.conftest import text_doc
from tests.server.test_backup import held, sign_in
from tests.workstation.sync.conftest import ROOT, Server, make_server


def put_one(s: Server, headers: dict[str, str], project_id: str) -> str:
    r = httpx.post(
        f"{s.url}/api/v1/leases", headers=headers, json={"project_id": project_id, "count": 1}
    )
    task, ann = r.json()[0]["id"], str(uuid.uuid4())
    r = httpx.put(
        f"{s.url}/api/v1/annotations/{ann}",
        headers=headers,
        json={"task_id": task, "base_version": 0, "doc": text_doc("after the refusal")},
    )
    assert r.status_code == 200, r.text
    return ann


def test_restore_and_rotation_wait_for_the_server_to_stop(tmp_path: Path) -> None:
    s = make_server(tmp_path / "live", recordings=2)
    out = tmp_path / "backup"
    s.cli("backup", str(out), ok=(0,))
    new_key = tmp_path / "keys" / "new.key"
    s.start()
    try:  # the commands in this process, the server in its own
        assert "a server is running on" in s.cli("restore", str(out), ok=(2,))
        assert not list(s.data.glob("audio.before-restore-*"))
        said = s.cli("keys", "rotate", "--new-key-file", str(new_key), ok=(2,))
        assert "a server is running on" in said
        assert not new_key.exists()
        headers = sign_in(s, "ann_a")  # the server's key still opens everything: no 500
        project = httpx.get(f"{s.url}/api/v1/projects", headers=headers).json()[0]["id"]
        kept = put_one(s, headers, project)
    finally:
        s.kill()
    assert kept in held(s.db)  # what it acknowledged after the refused restore is there
    said = s.cli("keys", "rotate", "--new-key-file", str(s.data / "new.key"), ok=(2,))
    assert "inside the data folder" in said
    assert not (s.data / "new.key").exists()
    # stopped: both go ahead, and a server does not start while one of them runs
    s.cli("restore", str(out), ok=(0,))
    assert kept not in held(s.db)
    with alone(s.db, s.data, "a test"):
        serve = subprocess.run(
            [sys.executable, "-m", "app.server.cli", "serve", "--port", str(s.port)],
            cwd=ROOT,
            env=s.env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert serve.returncode == 2, serve.stdout + serve.stderr
    assert "a restore or a key rotation is running" in serve.stdout
    s.cli("keys", "rotate", "--new-key-file", str(new_key), ok=(0,))
    assert new_key.exists()


def test_a_server_elsewhere_on_the_same_postgresql_is_seen(tmp_path: Path) -> None:
    with pg_database() as url:
        s = make_server(tmp_path / "live", recordings=1, db=url)
        out = tmp_path / "backup"
        s.cli("backup", str(out), ok=(0,))
        s.start()
        try:  # another machine: the same database, a data folder of its own
            there = Server(db=url, data=tmp_path / "elsewhere", port=0)
            there.data.mkdir()
            assert "PostgreSQL database" in there.cli("restore", str(out), ok=(2,))
            new_key = tmp_path / "keys" / "new.key"
            said = there.cli("keys", "rotate", "--new-key-file", str(new_key), ok=(2,))
            assert "PostgreSQL database" in said
            assert not new_key.exists()
        finally:
            s.kill()
        there.cli("restore", str(out), ok=(0,))
