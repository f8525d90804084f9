"""Signing in, refreshing and signing out, as plain functions over the database.

Sign-in reads first (throttling, the user), checks the password with no transaction open (the
hash is slow on purpose, and costs the same for an unknown name), then writes in one short
transaction: the TOTP step, failures or tokens, and the audit row.
"""

from __future__ import annotations

from sqlalchemy import select

from app.protocol import LoginRequest, Tokens
from app.server import models as m
from app.server import security as sec
from app.server.audit import audit
from app.server.db import Database
from app.server.keys import Keys


class Refused(Exception):
    """Wrong name, password or code, an expired session, a disabled user: str() says which."""


class Throttled(Exception):
    def __init__(self, wait_s: float) -> None:
        super().__init__("too many failed sign-ins; wait and try again")
        self.wait_s = wait_s


def tokens(access: str, refresh: str) -> Tokens:
    return Tokens(access_token=access, refresh_token=refresh, expires_in_s=sec.ACCESS_TTL_S)


def sign_in(db: Database, keys: Keys, body: LoginRequest, address: str, demo: bool) -> Tokens:
    """`address` is the client's, as the connection gives it or a trusted proxy said it."""
    counted = sec.throttle_keys(body.username, address)
    with db.read() as s:
        wait = sec.throttled(s, counted)
        known = s.scalars(select(m.User).where(m.User.username == body.username)).first()
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
            sec.record_failure(s, counted)
            audit(s, None, "login_failed", detail_user=body.username[:100])
            s.commit()
            raise Refused("wrong user name, password or code")
        sec.clear_failures(s, counted)
        access, refresh = sec.issue_tokens(s, user)
        audit(s, user.id, "login")
        s.commit()
    return tokens(access, refresh)


def refresh(db: Database, keys: Keys, refresh_token: str) -> Tokens:
    with db.write() as s:
        rotated = sec.rotate_refresh(s, refresh_token, keys.derive("refresh successors"))
        s.commit()  # a detected reuse revokes the family: keep that too
    if rotated is None:
        raise Refused("session expired: sign in again")
    _user, access, new_refresh = rotated
    return tokens(access, new_refresh)
