"""Recordings in an S3-compatible object store (SeaweedFS, run by the tests on 127.0.0.1; no
mock): named by the configuration file with its [s3] credentials, imported, served whole and by
ranges, backed up and restored, and nothing of them in the data folder."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import pytest

from app.server.config import S3_KEYS
from app.server.storage import STORE_ENV, ObjectStore, StoreError, open_store
from tests.s3 import seaweed
from tests.workstation.sync.conftest import PASSWORD, make_server


def signed_in(url: str, server_code: str, name: str) -> dict[str, str]:
    r = httpx.post(
        f"{url}/api/v1/auth/login",
        json={"username": name, "password": PASSWORD, "totp_code": server_code},
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_a_server_keeps_its_recordings_in_the_object_store_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s3 = seaweed()
    url = s3.bucket()
    config = tmp_path / "server.toml"
    env = s3.env()
    config.write_text(
        f'audio_store = "{url}"\n[s3]\n'
        f'endpoint = "{env["AWS_ENDPOINT_URL"]}"\nregion = "us-east-1"\n'
        f'access_key_id = "{env["AWS_ACCESS_KEY_ID"]}"\n'
        f'secret_access_key = "{env["AWS_SECRET_ACCESS_KEY"]}"\n'
    )
    config.chmod(0o600)
    for variable in (*S3_KEYS.values(), STORE_ENV):  # only the file says where and how
        monkeypatch.setenv(variable, "")  # noted, so that whatever is set later is undone
        monkeypatch.delenv(variable)
    monkeypatch.setenv("EARMARK_SERVER_CONFIG", str(config))
    server = make_server(tmp_path / "srv", recordings=3)  # imported by the file's store
    originals = {
        hashlib.sha256(p.read_bytes()).hexdigest(): p.read_bytes()
        for p in (tmp_path / "srv" / "recordings").glob("*.wav")
    }
    with monkeypatch.context() as looking:  # the test's own look at the store: its client
        for k, v in env.items():  # keeps what it was made with; the server has only the file
            looking.setenv(k, v)
        store = open_store(tmp_path, url)
    assert isinstance(store, ObjectStore) and len(list(store.names())) == 3
    assert not list(server.data.rglob("*.bin")), "a recording in the data folder"
    server.start()
    try:
        ann = signed_in(server.url, server.code("ann_a"), "ann_a")
        project = httpx.get(f"{server.url}/api/v1/projects", headers=ann).json()[0]["id"]
        tasks = httpx.post(
            f"{server.url}/api/v1/leases", headers=ann, json={"project_id": project, "count": 3}
        ).json()
        assert len(tasks) == 3
        for t in tasks:
            audio = f"{server.url}/api/v1/tasks/{t['id']}/audio"
            whole = httpx.get(audio, headers=ann)
            assert whole.status_code == 200 and whole.content == originals[t["audio_sha256"]]
            part = httpx.get(audio, headers={**ann, "Range": "bytes=100-2099"})
            assert part.status_code == 206 and part.content == whole.content[100:2100]
        health = httpx.get(f"{server.url}/api/v1/health").json()
        assert health["checks"]["store"] == "ok", health
        # a backup takes the objects; deleted from the store, a restore puts them back
        assert "3 recording(s) copied" in server.cli("backup", str(tmp_path / "backup"))
        admin = signed_in(server.url, server.code("admin"), "admin")
        gone = tasks[0]["id"]
        r = httpx.delete(f"{server.url}/api/v1/tasks/{gone}", headers=admin)
        assert r.status_code == 204 and f"{gone}.bin" not in set(store.names())
    finally:
        server.kill()
    said = server.cli("restore", str(tmp_path / "backup"))
    assert f"3 recording(s) restored into {url}" in said
    server.start()
    try:
        ann = signed_in(server.url, server.code("ann_a"), "ann_a")
        again = httpx.get(f"{server.url}/api/v1/tasks/{gone}/audio", headers=ann)
        assert again.status_code == 200
        assert again.content == originals[tasks[0]["audio_sha256"]]
    finally:
        server.kill()


def test_a_store_that_cannot_be_used_is_said_plainly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://192.0.2.10:9000")  # plain http, elsewhere
    with pytest.raises(StoreError, match="plain http on another machine"):
        ObjectStore("s3://bucket/prefix", Path("/tmp/earmark-scratch-test"))
    with pytest.raises(StoreError, match="s3://BUCKET/PREFIX"):
        ObjectStore("https://bucket/prefix", Path("/tmp/earmark-scratch-test"))
    s3 = seaweed()
    for k, v in s3.env().items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not the secret")  # refused by the store
    store = ObjectStore(s3.bucket(), Path("/tmp/earmark-scratch-test"))
    with pytest.raises(StoreError):
        store.probe()
    with pytest.raises(StoreError, match="did not take"):
        store.put("t1", b"RIFF....")
