"""Failed sign-ins, counted in the database so that every server process sees them.

Throttling stops the guesser, not the owner. An address is stopped after a few failures at one
account (PAIR_MAX), or more across accounts (ADDRESS_MAX). Failures at one account from
anywhere never stop an attempt by themselves, or a guesser with many addresses could lock its
owner out: they mark it under attack (UNDER_ATTACK), and then each address may fail at it only
UNDER_ATTACK_PAIR_MAX times, so every guess or two costs the attacker an address, while the
owner, with the right password and code from an address that has not failed there, signs in.
An address is an IPv4 address, or an IPv6 address's /64 (one subscriber's network: whoever has
one address of it has all 2**64). At that sign-in they are told how many failures there were
since their last one.

Each failure is one statement per counter (an upsert), so sign-ins failing at the same moment,
in any number of processes, are all counted.
"""

from __future__ import annotations

import hashlib
import importlib
import ipaddress
import time
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, case, delete, select
from sqlalchemy.orm import Session

from app.server.models import FailedLogin
from app.server.usernames import account_of

WINDOW_S = 15 * 60
PAIR_MAX = 5  # failures at one account from one address, per window
ADDRESS_MAX = 20  # failures from one address at any accounts
UNDER_ATTACK = 20  # failures at one account from anywhere that mark it under attack
UNDER_ATTACK_PAIR_MAX = 2  # what an address may then fail at it (its owner may mistype once)
_UNSEEN = "unseen:"  # + a user's id: failures since their last sign-in, and the first's time
UNSEEN_MAX = 2**31 - 1  # what its column holds on PostgreSQL; "at least" that many were told
_TABLE = cast(Table, FailedLogin.__table__)


@dataclass(frozen=True, slots=True)
class Attempt:
    """What a sign-in's failure counts against: the account from this address, the account
    (one however its name was typed: app/server/usernames.py), this address."""

    pair: str
    account: str
    address: str

    @classmethod
    def of(cls, username: str, address: str) -> Attempt:
        name = account_of(username)
        if len(name) > 64:  # a name no user has, longer once case-folded: the key column is 200
            name = "#" + hashlib.sha256(name.encode()).hexdigest()
        address = _sender(address)
        return cls(f"pair:{name}|{address}", f"account:{name}", f"address:{address}")


def _sender(address: str) -> str:
    """Who is counted for an address: an IPv6 address's /64 (one subscriber's network: its
    holder has 2**64 addresses to try from), an IPv4 address (or one mapped into IPv6) as it
    is; anything else (a test client's name) as given, cut short."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:100]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def wait_s(db: Session, attempt: Attempt) -> float:
    """Seconds before this address may try this account again; 0 when it may now."""
    now = time.time()
    keys = (attempt.pair, attempt.account, attempt.address)
    rows = db.scalars(select(FailedLogin).where(FailedLogin.key.in_(keys)))
    count = {r.key: (r.count, r.window_start) for r in rows if now - r.window_start < WINDOW_S}
    attacked = count.get(attempt.account, (0, now))[0] >= UNDER_ATTACK
    limits = {
        attempt.pair: UNDER_ATTACK_PAIR_MAX if attacked else PAIR_MAX,
        attempt.address: ADDRESS_MAX,
    }
    wait = 0.0
    for key, limit in limits.items():
        n, since = count.get(key, (0, now))
        if n >= limit:
            wait = max(wait, WINDOW_S - (now - since))
    return wait


def _bump(db: Session, key: str, now: float, windowed: bool) -> None:
    """One more failure at `key`, in one statement; a window that ended starts again at 1."""
    dialect = db.get_bind().dialect.name  # each dialect's module imported when it serves
    insert = importlib.import_module(f"sqlalchemy.dialects.{dialect}").insert
    count, since = _TABLE.c["count"], _TABLE.c["window_start"]
    values: dict[str, Any] = {"count": case((count >= UNSEEN_MAX, count), else_=count + 1)}
    if windowed:
        ended = since <= now - WINDOW_S
        values = {
            "count": case((ended, 1), else_=count + 1),
            "window_start": case((ended, now), else_=since),
        }
    stmt = insert(_TABLE).values(key=key, window_start=now, count=1)
    db.execute(stmt.on_conflict_do_update(index_elements=["key"], set_=values))


def record_failure(db: Session, attempt: Attempt, user_id: str | None) -> None:
    """A failed sign-in; at a user's account (`user_id`), kept for them to hear of."""
    now = time.time()
    for key in (attempt.pair, attempt.account, attempt.address):
        _bump(db, key, now, windowed=True)
    if user_id is not None:
        _bump(db, _UNSEEN + user_id, now, windowed=False)


def forgive(db: Session, attempt: Attempt) -> None:
    """After a success: this account's failures from this address (the others still count:
    someone else may be guessing)."""
    db.execute(delete(_TABLE).where(_TABLE.c["key"] == attempt.pair))


def unseen_failures(db: Session, user_id: str) -> tuple[int, float | None]:
    """At a sign-in: how many failed at this account since its last one, and when the first of
    them was; told once (two sign-ins at once: one of them is told)."""
    key = _TABLE.c["key"]
    taken = db.execute(
        delete(_TABLE)
        .where(key == _UNSEEN + user_id)
        .returning(_TABLE.c["count"], _TABLE.c["window_start"])
    ).first()
    return (int(taken[0]), float(taken[1])) if taken else (0, None)
