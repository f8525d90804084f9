"""Signing in, refreshing and signing out, as plain functions over the database.

Sign-in reads first (throttling, the user), checks the password with no transaction open (the
hash is slow on purpose, and costs the same for an unknown name), then writes in one short
transaction: the TOTP step, failures or tokens, and the audit row.
"""

from __future__ import annotations

from app.protocol import LoginRequest, Tokens, UnlockRequest
from app.server import models as m
from app.server import security as sec
from app.server import throttle
from app.server.audit import audit
from app.server.db import Database
from app.server.keys import Keys
from app.server.usernames import find_user


class Refused(Exception):
    """Wrong name, password or code, an expired session, a disabled user: str() says which."""


class Throttled(Exception):
    def __init__(self, wait_s: float) -> None:
        super().__init__("too many failed sign-ins; wait and try again")
        self.wait_s = wait_s


def tokens(access: str, refresh: str, failed: int = 0, since: float | None = None) -> Tokens:
    """A session's tokens; a sign-in's also say how many failed at the account before it."""
    return Tokens(
        access_token=access,
        refresh_token=refresh,
        expires_in_s=sec.ACCESS_TTL_S,
        failed_sign_ins=failed,
        failed_since=since,
    )


def sign_in(db: Database, keys: Keys, body: LoginRequest, address: str, demo: bool) -> Tokens:
    """`address` is the client's, as the connection gives it or a trusted proxy said it."""
    attempt = throttle.Attempt.of(body.username, address)
    with db.read() as s:
        wait = throttle.wait_s(s, attempt)
        known = find_user(s, body.username)  # as stored, or as the name profile makes it
    if wait:
        raise Throttled(wait)
    ok = sec.check_password(known.password_hash if known else None, body.password)
    with db.write() as s:
        user = s.get(m.User, known.id, with_for_update=True) if ok and known else None
        ok = user is not None and not user.disabled
        if ok and not demo and user is not None:
            secret = keys.unwrap_text(user.totp_secret, f"totp:{user.id}")
            ok = sec.check_totp(user, secret, body.totp_code)
        if not ok or user is None:
            throttle.record_failure(s, attempt, known.id if known else None)
            audit(s, None, "login_failed", detail_user=body.username[:100])
            s.commit()
            raise Refused("wrong user name, password or code")
        throttle.forgive(s, attempt)
        failed, since = throttle.unseen_failures(s, user.id)
        access, refresh = sec.issue_tokens(s, user)
        audit(s, user.id, "login", "", **({"failed_before": failed} if failed else {}))
        s.commit()
    return tokens(access, refresh, failed, since)


def unlock(
    db: Database, keys: Keys, user_id: str, body: UnlockRequest, address: str, demo: bool
) -> None:
    """A signed-in user's second factor checked again (their workstation locked while idle):
    throttled, replay-checked and audited as a sign-in is; a demo server, which has no second
    factor, checks the password."""
    with db.read() as s:
        known = s.get(m.User, user_id)
        if known is None:
            raise Refused("no such user")
        attempt = throttle.Attempt.of(known.username, address)
        wait = throttle.wait_s(s, attempt)
        stored = known.password_hash
    if wait:
        raise Throttled(wait)
    password_ok = demo and sec.check_password(stored, body.password)  # slow: no transaction
    with db.write() as s:
        user = s.get(m.User, user_id, with_for_update=True)
        ok = user is not None and not user.disabled
        if ok and user is not None and not demo:
            secret = keys.unwrap_text(user.totp_secret, f"totp:{user.id}")
            ok = sec.check_totp(user, secret, body.totp_code)
        elif demo:
            ok = ok and password_ok
        if not ok:
            throttle.record_failure(s, attempt, user_id)
            audit(s, user_id, "unlock_failed")
            s.commit()
            raise Refused("wrong password" if demo else "wrong code")
        throttle.forgive(s, attempt)
        audit(s, user_id, "unlock")
        s.commit()


def refresh(db: Database, keys: Keys, refresh_token: str) -> Tokens:
    with db.write() as s:
        rotated = sec.rotate_refresh(s, refresh_token, keys.derive("refresh successors"))
        s.commit()  # a detected reuse revokes the family: keep that too
    if rotated is None:
        raise Refused("session expired: sign in again")
    _user, access, new_refresh = rotated
    return tokens(access, new_refresh)
