"""Sign-in with a second factor, throttling in the database, token rotation, sign-out."""

from __future__ import annotations

import threading
import time

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.server import throttle
from app.server.models import FailedLogin
from app.server.throttle import PAIR_MAX, UNDER_ATTACK, UNDER_ATTACK_PAIR_MAX
from tests.server.conftest import PASSWORD, World

LOGIN = "/api/v1/auth/login"


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


def test_brute_force_is_throttled_without_locking_the_owner_out(world: World) -> None:
    """Five wrong passwords from one address stop that address guessing that account; the
    owner elsewhere still signs in; an address guessing across accounts is stopped too."""
    for _ in range(5):
        assert login(world, "rev", password="guess").status_code == 401
    r = login(world, "rev")  # even the right password, from the guessing address
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    owner = TestClient(world.app, client=("192.0.2.7", 40000))  # the owner, at their desk
    p = world.people["rev"]
    r = owner.post(
        "/api/v1/auth/login",
        json={"username": "rev", "password": PASSWORD, "totp_code": p.totp.at(time.time() + 30)},
    )
    assert r.status_code == 200, r.text
    owner.close()
    # the guessing address goes on to other accounts: 20 failures in all, then it is stopped
    for name in ("ann_b", "ann_a", "gone"):
        for k in range(5):
            assert login(world, name, password=f"guess {k}").status_code == 401
    assert login(world, "admin", password="guess").status_code == 429


def test_a_guess_from_many_addresses_never_locks_the_owner_out(world: World) -> None:
    """The probe's 55 guesses from 11 addresses: each address is stopped (after fewer tries once
    the account is under attack), the owner at a fresh address with the right password and code
    signs in, and is told of the failures, once."""
    guess = {"username": "ann_b", "password": "guess", "totp_code": "000000"}
    account, expected, seen = 0, [], []
    for k in range(11):
        far = TestClient(world.app, client=(f"198.51.100.{k}", 40000))
        pair = 0
        for _ in range(5):
            allowed = UNDER_ATTACK_PAIR_MAX if account >= UNDER_ATTACK else PAIR_MAX
            expected.append(401 if pair < allowed else 429)
            account, pair = (account + 1, pair + 1) if pair < allowed else (account, pair)
            seen.append(far.post(LOGIN, json=guess).status_code)
        far.close()
    assert seen == expected and expected.count(429) > 0
    p = world.people["ann_b"]
    owner = TestClient(world.app, client=("192.0.2.7", 40000))  # the owner, at their desk
    wrong_code = {**guess, "password": PASSWORD}  # the right password is not enough
    assert owner.post(LOGIN, json=wrong_code).status_code == 401
    r = owner.post(LOGIN, json={**wrong_code, "totp_code": p.totp.now()})
    assert r.status_code == 200, r.text
    assert r.json()["failed_sign_ins"] == expected.count(401) + 1
    assert time.time() - 600 < r.json()["failed_since"] <= time.time()
    r = owner.post(LOGIN, json={**wrong_code, "totp_code": p.totp.at(time.time() + 30)})
    assert r.status_code == 200 and r.json()["failed_sign_ins"] == 0  # told once
    owner.close()
    stopped = TestClient(world.app, client=("198.51.100.0", 40000))
    assert stopped.post(LOGIN, json=guess).status_code == 429  # the owner forgave nobody
    stopped.close()


def test_the_addresses_of_one_ipv6_network_are_one_guesser(world: World) -> None:
    """Whoever holds one address of an IPv6 /64 holds them all: a new one each guess is still
    the same guesser, while the next network and IPv4 are others."""
    guess = {"username": "ann_b", "password": "guess", "totp_code": "000000"}

    def from_(address: str) -> int:
        c = TestClient(world.app, client=(address, 40000))
        status = c.post(LOGIN, json=guess).status_code
        c.close()
        return status

    assert [from_(f"2001:db8:0:1::{k + 1:x}") for k in range(PAIR_MAX)] == [401] * PAIR_MAX
    assert from_("2001:db8:0:1:ffff::9") == 429
    assert from_("2001:db8:0:2::1") == 401
    assert from_("203.0.113.50") == 401


def test_failures_at_the_same_moment_are_all_counted(world: World) -> None:
    """Two failures at once, each in its own transaction: both count (read, add one and write
    back lost one, or failed on the key the other had just inserted)."""
    attempt = throttle.Attempt.of("ann_a", "203.0.113.9")
    first, second = world.session(), world.session()
    throttle.record_failure(first, attempt, None)  # not committed: the other must wait for it
    errors: list[Exception] = []

    def other() -> None:
        try:
            throttle.record_failure(second, attempt, None)
            second.commit()
        except Exception as exc:  # noqa: BLE001 - what the test reports
            errors.append(exc)

    racer = threading.Thread(target=other)
    racer.start()
    waiting_for_the_first(world, racer)
    first.commit()
    racer.join()
    first.close(), second.close()
    assert errors == []
    with world.session() as s:
        assert s.get(FailedLogin, attempt.pair).count == 2  # type: ignore[union-attr]


def waiting_for_the_first(world: World, racer: threading.Thread) -> None:
    """Until the racer's statement waits on the first transaction's lock: PostgreSQL shows it;
    SQLite does not, so there the racer is given a moment."""
    if not world.url.startswith("postgresql"):
        racer.join(0.5)
        return
    probe = world.session()
    for _ in range(200):
        waits = probe.scalar(
            text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
        )
        if waits:
            break
        racer.join(0.05)
    probe.close()


def test_refresh_rotates_and_survives_one_lost_response(world: World) -> None:
    p = world.people["ann_a"]
    first = login(world, "ann_a", code=p.totp.at(time.time() + 30)).json()
    r1 = p.client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r1.status_code == 200
    # the answer r1 was lost: the client asks again with the old token and gets the same
    # successor, never a second chain
    r2 = p.client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r2.status_code == 200 and r2.json() == r1.json()
    # the successor works; then the first token again is theft: the whole session ends,
    # its access tokens too
    r3 = p.client.post("/api/v1/auth/refresh", json={"refresh_token": r2.json()["refresh_token"]})
    assert r3.status_code == 200
    bearer = {"Authorization": f"Bearer {r3.json()['access_token']}"}
    assert p.client.get("/api/v1/me", headers=bearer).status_code == 200
    again = p.client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert again.status_code == 401
    for token in (r3.json()["refresh_token"], r1.json()["refresh_token"]):
        r = p.client.post("/api/v1/auth/refresh", json={"refresh_token": token})
        assert r.status_code == 401
    for access in (first["access_token"], r1.json()["access_token"], r3.json()["access_token"]):
        me = p.client.get("/api/v1/me", headers={"Authorization": f"Bearer {access}"})
        assert me.status_code == 401, "an access token of the ended session still works"


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


def test_sign_out_ends_every_token_of_the_session(world: World) -> None:
    p = world.people["ann_b"]
    first = login(world, "ann_b", code=p.totp.at(time.time() + 30)).json()
    rotated = p.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    ).json()
    old = {"Authorization": f"Bearer {first['access_token']}"}
    assert p.client.get("/api/v1/me", headers=old).status_code == 200  # issued earlier, live
    now = {"Authorization": f"Bearer {rotated['access_token']}"}
    r = p.client.post(
        "/api/v1/auth/logout", headers=now, json={"refresh_token": rotated["refresh_token"]}
    )
    assert r.status_code == 204
    assert p.client.get("/api/v1/me", headers=old).status_code == 401


def test_no_token_no_access(world: World) -> None:
    c = world.people["ann_a"].client
    assert c.get("/api/v1/me").status_code == 401
    assert c.get("/api/v1/me", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    assert pyotp  # imported for the fixtures' codes


UNLOCK = "/api/v1/auth/unlock"


def test_a_locked_workstation_needs_the_second_factor_again(world: World) -> None:
    """POST /auth/unlock: the caller's own code, once, throttled like sign-in, audited."""
    p = world.people["ann_a"]
    assert p.client.post(UNLOCK, json={"totp_code": p.totp.now()}).status_code == 401
    assert p.client.get("/api/v1/me", headers=p.headers()).json()["unlock_with"] == "code"
    # the code the session signed in with is spent; the next step's works, once
    assert (
        p.client.post(UNLOCK, headers=p.headers(), json={"totp_code": p.code_used}).status_code
        == 403
    )
    next_code = p.totp.at(time.time() + 30)
    assert (
        p.client.post(UNLOCK, headers=p.headers(), json={"totp_code": next_code}).status_code == 204
    )
    assert (
        p.client.post(UNLOCK, headers=p.headers(), json={"totp_code": next_code}).status_code == 403
    )
    # another user's code is not this user's
    other = world.people["ann_b"].totp.at(time.time() - 30)
    assert p.client.post(UNLOCK, headers=p.headers(), json={"totp_code": other}).status_code == 403
    for _ in range(PAIR_MAX - 2):  # two wrong since the right one forgave the first
        r = p.client.post(UNLOCK, headers=p.headers(), json={"totp_code": "000000"})
        assert r.status_code == 403
    r = p.client.post(UNLOCK, headers=p.headers(), json={"totp_code": p.totp.now()})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0  # even the right one
    # a sign-in from the same address at the same account is stopped too: one count
    assert login(world, "ann_a").status_code == 429
    with world.session() as s:
        actions = [
            a
            for (a,) in s.execute(
                text("SELECT action FROM audit WHERE user_id = :u ORDER BY seq"),
                {"u": p.user.id},
            )
        ]
    assert actions.count("unlock") == 1 and actions.count("unlock_failed") == PAIR_MAX + 1
