"""Sign-in with a second factor, throttling in the database, token rotation, sign-out."""

from __future__ import annotations

import time

import pyotp

from tests.server.conftest import PASSWORD, World


def login(w: World, name: str, password: str = PASSWORD, code: str | None = None):  # type: ignore[no-untyped-def]
    p = w.people[name]
    return p.client.post(
        "/api/v1/auth/login",
        json={
            "username": p.user.username,
            "password": password,
            "totp_code": p.totp.now() if code is None else code,
        },
    )


def test_password_and_code_are_both_needed(world: World) -> None:
    assert login(world, "ann_a", password="wrong password").status_code == 401
    assert login(world, "ann_a", code="000000").status_code == 401
    assert login(world, "gone").status_code == 401  # disabled
    me = world.people["ann_a"].client.get("/api/v1/me", headers=world.people["ann_a"].headers())
    assert me.json()["username"] == "ann_a" and me.json()["role"] == "annotator"


def test_a_code_is_accepted_once(world: World) -> None:
    p = world.people["ann_b"]
    # the code the fixture signed in with, again: a replay, refused even a step later
    assert login(world, "ann_b", code=p.code_used).status_code == 401
    next_code = p.totp.at(time.time() + 30)  # the next step, inside the accepted drift
    assert login(world, "ann_b", code=next_code).status_code == 200
    assert login(world, "ann_b", code=next_code).status_code == 401


def test_brute_force_is_throttled_per_account_and_address(world: World) -> None:
    for _ in range(5):
        assert login(world, "rev", password="guess").status_code == 401
    r = login(world, "rev")  # even the right password is refused now
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    # the same address is throttled for other accounts too
    assert login(world, "admin").status_code == 429


def test_refresh_rotates_and_survives_one_lost_response(world: World) -> None:
    p = world.people["ann_a"]
    first = login(world, "ann_a", code=p.totp.at(time.time() + 30)).json()
    r1 = p.client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r1.status_code == 200
    # the response r1 was lost: the client retries with the old token, and gets through
    r2 = p.client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r2.status_code == 200
    lost = r1.json()["refresh_token"]
    assert p.client.post("/api/v1/auth/refresh", json={"refresh_token": lost}).status_code == 401
    # r2's token works; then the first token again is theft: the whole family is revoked
    r3 = p.client.post("/api/v1/auth/refresh", json={"refresh_token": r2.json()["refresh_token"]})
    assert r3.status_code == 200
    assert (
        p.client.post(
            "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
        ).status_code
        == 401
    )
    assert (
        p.client.post(
            "/api/v1/auth/refresh", json={"refresh_token": r3.json()["refresh_token"]}
        ).status_code
        == 401
    )


def test_sign_out_revokes(world: World) -> None:
    p = world.people["admin"]
    tokens = login(world, "admin", code=p.totp.at(time.time() + 30)).json()
    h = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (
        p.client.post(
            "/api/v1/auth/logout", headers=h, json={"refresh_token": tokens["refresh_token"]}
        ).status_code
        == 204
    )
    assert p.client.get("/api/v1/me", headers=h).status_code == 401
    assert (
        p.client.post(
            "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        ).status_code
        == 401
    )


def test_no_token_no_access(world: World) -> None:
    c = world.people["ann_a"].client
    assert c.get("/api/v1/me").status_code == 401
    assert c.get("/api/v1/me", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    assert pyotp  # imported for the fixtures' codes
