"""Passwords (argon2), TOTP with replay protection, opaque tokens stored as SHA-256, throttling."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.server.models import AccessToken, FailedLogin, RefreshToken, User

ACCESS_TTL_S = 15 * 60
REFRESH_TTL_S = 30 * 24 * 3600
REFRESH_GRACE_S = 60  # a rotated refresh token still works once this long: a lost response
MAX_FAILURES = 5
FAILURE_WINDOW_S = 15 * 60
TOTP_STEP_S = 30

_hasher = PasswordHasher()
# checked against when the user name is unknown, so both cases cost one argon2 verification
_NOBODY = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(stored: str | None, password: str) -> bool:
    """Whether the password matches; with no stored hash, as slow as a real check, and False."""
    try:
        return _hasher.verify(stored or _NOBODY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name="Earmark")


def check_totp(user: User, code: str, now: float | None = None) -> bool:
    """A code of the current or adjacent step, and only once: its step must be newer."""
    now = time.time() if now is None else now
    totp = pyotp.TOTP(user.totp_secret)
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


def issue_tokens(db: Session, user: User, family: str | None = None) -> tuple[str, str]:
    now = time.time()
    access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    db.add(AccessToken(token_hash=digest(access), user_id=user.id, expires_at=now + ACCESS_TTL_S))
    db.add(
        RefreshToken(
            token_hash=digest(refresh),
            user_id=user.id,
            family=family or str(uuid.uuid4()),
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


def rotate_refresh(db: Session, token: str) -> tuple[User, str, str] | None:
    """New tokens for a valid refresh token; the old one is spent.

    A spent token presented again within REFRESH_GRACE_S, while its successor is still unused,
    is the client that lost the response: it gets a fresh pair and the unused successor is
    revoked. Any other reuse revokes the whole family.
    """
    now = time.time()
    row = db.get(RefreshToken, digest(token))
    if row is None or row.revoked or row.expires_at < now:
        return None
    if row.used_at is not None:
        successor = db.get(RefreshToken, row.successor) if row.successor else None
        if (
            now - row.used_at <= REFRESH_GRACE_S
            and successor is not None
            and (successor.used_at is None and not successor.revoked)
        ):
            successor.revoked = True
        else:
            for r in db.scalars(select(RefreshToken).where(RefreshToken.family == row.family)):
                r.revoked = True
            return None
    user = db.get(User, row.user_id)
    if user is None or user.disabled:
        return None
    access, refresh = issue_tokens(db, user, row.family)
    row.used_at = row.used_at or now
    row.successor = digest(refresh)
    return user, access, refresh


def revoke(db: Session, access: str, refresh: str | None) -> None:
    a = db.get(AccessToken, digest(access))
    if a is not None:
        a.revoked = True
    if refresh:
        r = db.get(RefreshToken, digest(refresh))
        if r is not None:
            for t in db.scalars(select(RefreshToken).where(RefreshToken.family == r.family)):
                t.revoked = True


def throttled(db: Session, keys: list[str]) -> float:
    """Seconds to wait before another attempt, 0 when allowed."""
    now = time.time()
    wait = 0.0
    for key in keys:
        row = db.get(FailedLogin, key)
        recent = row is not None and now - row.window_start < FAILURE_WINDOW_S
        if row is not None and recent and row.count >= MAX_FAILURES:
            wait = max(wait, FAILURE_WINDOW_S - (now - row.window_start))
    return wait


def record_failure(db: Session, keys: list[str]) -> None:
    now = time.time()
    for key in keys:
        row = db.get(FailedLogin, key)
        if row is None or now - row.window_start >= FAILURE_WINDOW_S:
            if row is None:
                db.add(FailedLogin(key=key, window_start=now, count=1))
            else:
                row.window_start, row.count = now, 1
        else:
            row.count += 1


def clear_failures(db: Session, keys: list[str]) -> None:
    for key in keys:
        row = db.get(FailedLogin, key)
        if row is not None:
            db.delete(row)
