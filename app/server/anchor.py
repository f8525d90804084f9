"""The audit chain's anchor: its head (last sequence number and hash) with a MAC under a key
derived from the master key, moved on by every append (app/server/audit.py).

The hash chain alone shows an edited row, but not rows deleted from its end, nor a row edited
with every later hash recomputed: the anchor does, since nobody without the master key can make
its MAC. An append that finds the anchor not matching the head (rows deleted or rewritten since,
or added by someone without the key) still goes on, and says so in a row of its own, which the
anchor then covers: `audit verify` names it for good.

What it does not prove: that the database was not put back, whole, to an earlier state with its
anchor (a restored backup, or an attacker's copy of one). The head that `audit verify` reports,
kept apart from the server, shows that: `audit verify --known SEQ:HASH` checks the log still
holds that row with that hash.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from app.server.keys import Keys
from app.server.models import AuditAnchor, AuditEntry

KEY = "earmark_audit_anchor_key"  # Session.info: the MAC key, or a function that gives it
AnchorKey = bytes | Callable[[], bytes]
ANCHORED = "audit_anchored"  # the row of the first anchoring
BROKEN = "audit_anchor_broken"  # the row of an append that found the anchor not matching


@dataclass(frozen=True, slots=True)
class Head:
    seq: int  # 0 for an empty chain
    hash: str


@dataclass(frozen=True, slots=True)
class Anchor:
    """The anchor row as read (m.AuditAnchor)."""

    seq: int
    hash: str
    mac: str  # "" until first anchored


def anchor_key(keys: Keys) -> bytes:
    return keys.derive("audit anchor")


def session_key(db: Session) -> bytes | None:
    """The session's MAC key; None in a session made without the master key (a test's own),
    whose appends leave the anchor where it is."""
    found = db.info.get(KEY)
    if callable(found):  # loaded only when first needed (a command that audits nothing)
        found = db.info[KEY] = found()
    return found if isinstance(found, bytes) else None


def mac(key: bytes, head: Head) -> str:
    body = f"earmark audit anchor|{head.seq}|{head.hash}".encode()
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def note(key: bytes, head: Head, anchor: Anchor | None) -> tuple[str, dict[str, object]]:
    """What an append with the key must record before its rows ("" when nothing)."""
    if anchor is None:
        return BROKEN, {"why": "the anchor row was missing", "head_row": head.seq}
    if anchor.mac == "":
        return ANCHORED, {"from_row": head.seq}
    if not hmac.compare_digest(anchor.mac, mac(key, Head(anchor.seq, anchor.hash))):
        return BROKEN, {"why": "its MAC did not verify", "head_row": head.seq}
    if (anchor.seq, anchor.hash) != (head.seq, head.hash):
        return BROKEN, {
            "why": "the chain's head was not the one anchored",
            "anchored_row": anchor.seq,
            "head_row": head.seq,
        }
    return "", {}


def move(db: Session, key: bytes, last_hash: str, anchor: Anchor | None) -> None:
    """The anchor set on the head just appended (under the chain's lock)."""
    seq = int(db.scalar(select(func.max(AuditEntry.seq))) or 0)
    values = {"seq": seq, "hash": last_hash, "mac": mac(key, Head(seq, last_hash))}
    if anchor is None:
        db.execute(insert(AuditAnchor).values(id=1, **values))
    else:
        db.execute(update(AuditAnchor).where(AuditAnchor.id == 1).values(**values))


def read(db: Session) -> Anchor | None:
    row = db.execute(
        select(AuditAnchor.seq, AuditAnchor.hash, AuditAnchor.mac).where(AuditAnchor.id == 1)
    ).first()
    return None if row is None else Anchor(int(row[0]), str(row[1]), str(row[2]))


def head(db: Session) -> Head:
    row = db.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()))
    last = row.first()
    return Head(0, "0" * 64) if last is None else Head(int(last[0]), str(last[1]))


def rekey(db: Session, new_key: bytes) -> bool:
    """The anchor's MAC made again under a new master key's subkey, in the session's
    transaction, if it verifies under the old one (a broken anchor stays broken); the session
    appends under the new one from here."""
    old = session_key(db)
    anchor = read(db)
    good = (
        old is not None
        and anchor is not None
        and anchor.mac != ""
        and hmac.compare_digest(anchor.mac, mac(old, Head(anchor.seq, anchor.hash)))
    )
    if good and anchor is not None:
        new_mac = mac(new_key, Head(anchor.seq, anchor.hash))
        db.execute(update(AuditAnchor).where(AuditAnchor.id == 1).values(mac=new_mac))
    db.info[KEY] = new_key
    return good


def problems(db: Session, key: bytes, known: Sequence[Head] = ()) -> list[str]:
    """Why the anchor does not vouch for the chain as it stands; empty when it does."""
    anchor, now = read(db), head(db)
    out: list[str] = []
    if anchor is None:
        out.append("the anchor row is missing (deleted)")
    elif anchor.mac == "":
        if now.seq:
            out.append("the log was never anchored: run `earmark-server init` once")
    elif not hmac.compare_digest(anchor.mac, mac(key, Head(anchor.seq, anchor.hash))):
        out.append(
            "the anchor's MAC does not verify under this master key (forged, or made under"
            " another key)"
        )
    elif now.seq < anchor.seq:
        out.append(
            f"the log ends at row {now.seq} but its anchor vouches for row {anchor.seq}:"
            " rows were deleted from its end"
        )
    elif now.seq > anchor.seq:
        out.append(
            f"rows {anchor.seq + 1} to {now.seq} come after the anchored head: they were added"
            " without the master key"
        )
    elif now.hash != anchor.hash:
        out.append(
            f"row {now.seq} is not the row anchored: rows were rewritten and their hashes"
            " recomputed"
        )
    for e in db.scalars(select(AuditEntry).where(AuditEntry.action == BROKEN)):
        why = e.detail.get("why", "") if isinstance(e.detail, dict) else ""
        out.append(f"at row {e.seq} the server found the anchor broken ({why})")
    anchored = list(db.scalars(select(AuditEntry.seq).where(AuditEntry.action == ANCHORED)))
    for seq in anchored[1:]:
        out.append(f"the log was anchored again at row {seq}: its anchor had been reset")
    for k in known:
        held = db.scalar(select(AuditEntry.hash).where(AuditEntry.seq == k.seq))
        if held != k.hash:
            out.append(f"row {k.seq} no longer holds the hash kept for it ({k.hash[:12]}…)")
    return out
