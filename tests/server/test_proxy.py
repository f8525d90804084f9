"""X-Forwarded-For is believed only from the proxies the admin names: anyone else, even on
this machine, who sends it to look like many addresses is still counted as one."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.workstation.sync.conftest import make_server


def guess(url: str, name: str, forwarded: str) -> int:
    r = httpx.post(
        f"{url}/api/v1/auth/login",
        json={"username": name, "password": "a wrong guess", "totp_code": "000000"},
        headers={"X-Forwarded-For": forwarded},
    )
    return r.status_code


def test_forwarded_addresses_are_not_believed_from_anyone(tmp_path: Path) -> None:
    server = make_server(tmp_path, recordings=1)
    server.start()
    try:
        k = 0
        for name in ("ann_a", "ann_b", "admin", "rev"):  # five guesses each: twenty in all
            for _ in range(5):
                k += 1
                assert guess(server.url, name, f"203.0.113.{k}") == 401
        # one address, however it dresses: it has guessed enough for now
        assert guess(server.url, "somebody", "198.51.100.99") == 429
    finally:
        server.kill()


def test_a_named_proxy_is_believed(tmp_path: Path) -> None:
    server = make_server(tmp_path, recordings=1)
    server.start("--trusted-proxy", "127.0.0.1")
    try:
        k = 0
        for name in ("ann_a", "ann_b", "admin", "rev"):
            for _ in range(5):
                k += 1
                assert guess(server.url, name, f"203.0.113.{k}") == 401
        # each guess came from another address, as the proxy said: none of them is stopped
        assert guess(server.url, "somebody", "198.51.100.99") == 401
        # but one address guessing one account is, through the proxy too
        for _ in range(5):
            assert guess(server.url, "ann_a", "198.51.100.7") == 401
        assert guess(server.url, "ann_a", "198.51.100.7") == 429
    finally:
        server.kill()
