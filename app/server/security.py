"""Passwords (argon2), TOTP with replay protection, opaque tokens stored as SHA-256.

A session is a family: the refresh tokens rotated from one sign-in and every access token they
issued. Rotation derives each successor from the token it replaces (keyed by a subkey of the
master key), so a client that lost the answer and asks again within the grace gets the same
successor, never a second chain; any other reuse of a spent token revokes the family, access
tokens included, as signing out does.

Failed sign-ins are throttled in app/server/throttle.py.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
import time
import uuid

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.server.models import AccessToken, RefreshToken, User

ACCESS_TTL_S = 15 * 60
REFRESH_TTL_S = 30 * 24 * 3600
REFRESH_GRACE_S = 60  # a rotated refresh token still works once this long: a lost response
TOTP_STEP_S = 30

_hasher = PasswordHasher()


@functools.cache
def _nobody() -> str:
    """Checked against when the user name is unknown, so both cases cost one argon2
    verification; made at the first sign-in, not at import (every command would pay it)."""
    return PasswordHasher().hash(secrets.token_urlsafe(16))  # _hasher's parameters


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(stored: str | None, password: str) -> bool:
    """Whether the password matches; with no stored hash, as slow as a real check, and False."""
    try:
        return _hasher.verify(stored or _nobody(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name="Earmark")


def check_totp(user: User, secret: str, code: str, now: float | None = None) -> bool:
    """A code of the current or adjacent step, and only once: its step must be newer. `secret`
    is the user's, unwrapped (app/server/keys.py)."""
    now = time.time() if now is None else now
    totp = pyotp.TOTP(secret)
    code = code.strip()
    for drift in (0, -1, 1):
        step = int(now // TOTP_STEP_S) + drift
        if secrets.compare_digest(totp.at(step * TOTP_STEP_S), code):
            if step <= user.last_totp_step:
                return False  # replayed inside its window
            user.last_totp_step = step
            return True
    return False


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_tokens(
    db: Session,
    user: User,
    family: str | None = None,
    pair: tuple[str, str] | None = None,
) -> tuple[str, str]:
    """An access and a refresh token of a session (`family`: a new one when None); `pair`
    gives the two tokens (a rotation's derived successors)."""
    now = time.time()
    family = family or str(uuid.uuid4())
    access, refresh = pair or (secrets.token_urlsafe(32), secrets.token_urlsafe(32))
    db.add(
        AccessToken(
            token_hash=digest(access), user_id=user.id, family=family, expires_at=now + ACCESS_TTL_S
        )
    )
    db.add(
        RefreshToken(
            token_hash=digest(refresh),
            user_id=user.id,
            family=family,
            expires_at=now + REFRESH_TTL_S,
        )
    )
    return access, refresh


def user_for_access(db: Session, token: str) -> User | None:
    """The user a live access token belongs to, in one query; None for anything else."""
    return db.scalars(
        select(User)
        .join(AccessToken, AccessToken.user_id == User.id)
        .where(
            AccessToken.token_hash == digest(token),
            AccessToken.revoked.is_(False),
            AccessToken.expires_at >= time.time(),
            User.disabled.is_(False),
        )
    ).first()


def successors(subkey: bytes, token: str) -> tuple[str, str]:
    """The access and refresh tokens that replace `token`: the same each time it is asked."""

    def derived(kind: bytes) -> str:
        mac = hmac.new(subkey, kind + b"|" + token.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    return derived(b"access"), derived(b"refresh")


def rotate_refresh(db: Session, token: str, subkey: bytes) -> tuple[User, str, str] | None:
    """New tokens for a valid refresh token; the old one is spent.

    A spent token presented again within REFRESH_GRACE_S, while its successor is still unused,
    is the client that lost the answer: it gets that same successor again. Any other reuse
    revokes the whole session.
    """
    now = time.time()
    row = db.get(RefreshToken, digest(token), with_for_update=True)
    if row is None or row.revoked or row.expires_at < now:
        return None
    user = db.get(User, row.user_id)
    if user is None or user.disabled:
        return None
    access, refresh = successors(subkey, token)
    if row.used_at is not None:
        successor = db.get(RefreshToken, row.successor) if row.successor else None
        lost_answer = (
            now - row.used_at <= REFRESH_GRACE_S
            and successor is not None
            and successor.used_at is None
            and not successor.revoked
            and row.successor == digest(refresh)
        )
        if not lost_answer:
            end_session(db, row.family)
            return None
        return user, access, refresh  # the same pair as the first time
    issue_tokens(db, user, row.family, (access, refresh))
    row.used_at = now
    row.successor = digest(refresh)
    return user, access, refresh


def end_session(db: Session, family: str) -> None:
    """Every token of the session stops working, access tokens included."""
    db.execute(
        update(RefreshToken)
        .where(RefreshToken.family == family)
        .values(revoked=True)
        .execution_options(synchronize_session=False)
    )
    db.execute(
        update(AccessToken)
        .where(AccessToken.family == family)
        .values(revoked=True)
        .execution_options(synchronize_session=False)
    )


def revoke(db: Session, access: str, refresh: str | None) -> None:
    """Signing out: the session of the access token (and of the refresh token) ends."""
    families = set()
    a = db.get(AccessToken, digest(access))
    if a is not None:
        a.revoked = True
        if a.family:
            families.add(a.family)
    if refresh:
        r = db.get(RefreshToken, digest(refresh))
        if r is not None and a is not None and r.user_id == a.user_id:
            families.add(r.family)
    for family in families:
        end_session(db, family)
