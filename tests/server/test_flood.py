"""An 8-hour recording served by ranges to a crowd: the server's memory stays bounded (it never
holds the recording whole), and every other user is answered meanwhile. Against the real server
process; figures of the same in packaging/bench.py."""

from __future__ import annotations

import asyncio
import hashlib
import random
import time
from pathlib import Path

import httpx
import numpy as np
import soundfile as sf

from tests.workstation.sync.conftest import PASSWORD, Server, make_server

HOURS = 8
RATE = 8000  # 8-bit mono at 8 kHz: 230 MB for 8 hours
CLIENTS = 64
FLOOD_S = 8.0


def eight_hours(folder: Path) -> Path:
    folder.mkdir()
    path = folder / "eight-hours.wav"
    block = (96 * np.sin(np.arange(RATE * 60) / 5)).astype(np.int16).astype(np.float32) / 128
    with sf.SoundFile(str(path), "w", RATE, 1, "PCM_U8") as f:
        for _ in range(HOURS * 60):
            f.write(block)
    return path


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def token(server: Server, name: str) -> str:
    r = httpx.post(
        f"{server.url}/api/v1/auth/login",
        json={"username": name, "password": PASSWORD, "totp_code": server.code(name)},
    )
    return str(r.json()["access_token"])


async def flood(server: Server, task: str, size: int, ranger: str, bystander: str) -> dict:
    limits = httpx.Limits(max_connections=CLIENTS + 4)
    async with httpx.AsyncClient(base_url=server.url, timeout=15, limits=limits) as http:
        url = f"/api/v1/tasks/{task}/audio"
        end = time.monotonic() + FLOOD_S
        statuses: list[int] = []
        others: list[int] = []

        async def one_client(k: int) -> None:
            rng = random.Random(k)
            while time.monotonic() < end:
                start = rng.randrange(0, size - 100)
                r = await http.get(
                    url,
                    headers={
                        "Authorization": f"Bearer {ranger}",
                        "Range": f"bytes={start}-{start + 99}",
                    },
                )
                statuses.append(r.status_code)
                assert r.status_code != 206 or len(r.content) == 100

        async def someone_else() -> None:
            while time.monotonic() < end:
                r = await http.get("/api/v1/me", headers={"Authorization": f"Bearer {bystander}"})
                others.append(r.status_code)
                await asyncio.sleep(0.2)

        await asyncio.gather(*(one_client(k) for k in range(CLIENTS)), someone_else())
    return {"ranges": statuses, "others": others}


def test_a_crowd_of_small_ranges_of_eight_hours(tmp_path: Path) -> None:
    server = make_server(tmp_path, recordings=1)
    path = eight_hours(tmp_path / "long")
    server.cli("import", "va", str(path.parent))
    server.start()
    try:
        admin, bystander = token(server, "admin"), token(server, "ann_b")
        tasks = httpx.post(
            f"{server.url}/api/v1/leases",
            headers={"Authorization": f"Bearer {admin}"},
            json={"project_id": _project(server, admin), "count": 5},
        ).json()
        long_task = max(tasks, key=lambda t: t["duration_s"])
        assert long_task["duration_s"] > HOURS * 3600 - 1
        size = path.stat().st_size
        assert server.proc is not None
        before = peak_rss_mb(server.proc.pid)
        seen = asyncio.run(flood(server, long_task["id"], size, admin, bystander))
        ranges, others = seen["ranges"], seen["others"]
        assert len(ranges) > CLIENTS and set(ranges) <= {206, 503}, set(ranges)
        assert ranges.count(206) > len(ranges) // 2
        assert others and set(others) == {200}, "someone else went unanswered in the flood"
        # and the whole recording, streamed, is the one imported
        digest = hashlib.sha256()
        with httpx.stream(
            "GET",
            f"{server.url}/api/v1/tasks/{long_task['id']}/audio",
            headers={"Authorization": f"Bearer {admin}"},
            timeout=60,
        ) as r:
            assert r.status_code == 200 and int(r.headers["content-length"]) == size
            for piece in r.iter_bytes():
                digest.update(piece)
        assert digest.hexdigest() == long_task["audio_sha256"]
        after = peak_rss_mb(server.proc.pid)
        assert after - before < 120, f"the server grew {after - before:.0f} MB serving ranges"
        assert after < size / 2**20, "the server held something the size of the recording"
    finally:
        server.kill()


def _project(server: Server, token: str) -> str:
    r = httpx.get(f"{server.url}/api/v1/projects", headers={"Authorization": f"Bearer {token}"})
    return str(r.json()[0]["id"])
