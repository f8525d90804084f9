"""User names as identity systems treat them.

A new name must pass the PRECIS UsernameCaseMapped profile (RFC 8265, through the precis-i18n
library: width mapping, lower case, NFC; letters and digits of any script, no controls, no
spaces, nothing invisible, the Bidi Rule), then ours: of ASCII punctuation only `. _ - @`, and
not first (a name starting with `-` would be read as an option); Latin, Cyrillic and Greek
letters not mixed in one name. It is stored as the profile
makes it, and refused when its skeleton (Unicode TR39: what it looks like) is the skeleton of
an existing user's name: a Cyrillic or Greek letter for a Latin one, `0` for `o`, an NFC/NFD
twin, another case.

Sign-in and every command that names a user make what was typed the same way, so `Ann`, `ＡＮＮ`
and `ann` are one user; a name stored before these rules is still found as it was typed.
"""

from __future__ import annotations

import contextlib
import unicodedata

from precis_i18n import get_profile
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.server.models import User

USERNAME_MAX = 64  # characters; well inside what sign-in takes (app/protocol.py) and the column
PUNCTUATION = "._-@"
_PROFILE = get_profile("UsernameCaseMapped")

# TR39's prototypes for the look-alikes that matter for names typed on a keyboard: a letter of
# another script, or a digit, that a reader takes for a Latin letter (a table of our own: the
# libraries that carry all of confusables.txt are unmaintained)
_LOOKALIKES = str.maketrans(
    {
        # Cyrillic
        "а": "a", "ԁ": "cl", "е": "e", "һ": "h", "і": "i", "ј": "j", "ӏ": "l", "о": "o",
        "р": "p", "ԛ": "q", "ѕ": "s", "у": "y", "х": "x", "ԝ": "w", "с": "c", "ь": "b",
        # Greek
        "α": "a", "γ": "y", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "υ": "u",
        "χ": "x",
        # Latin and digits
        "ı": "i", "ɩ": "i", "ɡ": "g", "ɑ": "a", "0": "o", "1": "l", "m": "rn", "d": "cl",
    }
)  # fmt: skip


class NameRefused(ValueError):
    """Not a user name this server takes; the message says why, in one line."""


_REASONS = {
    "controls": "a control character",
    "spaces": "a space",
    "precis_ignorable_properties": "an invisible character",
    "zero_width_joiner": "an invisible character",
    "zero_width_nonjoiner": "an invisible character",
    "has_compat": "a compatibility character (a ligature, a superscript...)",
    "bidi_rule": "right-to-left and left-to-right letters that could display misleadingly",
}


def _held(c: str, at: int, what: str) -> str:
    named = unicodedata.name(c, "")
    return f"it holds U+{ord(c):04X}{' ' + named if named else ''} at {at}: {what}"


ONLY = f"letters, digits and {' '.join(PUNCTUATION)} only"


def _why(exc: UnicodeEncodeError) -> str:
    reason = exc.reason.rpartition("/")[2]
    if reason == "empty" or exc.start >= len(exc.object):
        return "it is empty"
    what = _REASONS.get(reason, f"{reason.replace('_', ' ')} ({ONLY})")
    return _held(exc.object[exc.start], exc.start + 1, what)


def canonical(typed: str) -> str:
    """The name as it is stored and compared; NameRefused says why `typed` cannot be one."""
    if len(typed) > 4 * USERNAME_MAX:  # before the profile reads it all
        raise NameRefused(f"it is longer than {USERNAME_MAX} characters")
    try:
        name = _PROFILE.enforce(typed)
    except UnicodeEncodeError as exc:
        raise NameRefused(_why(exc)) from None
    assert isinstance(name, str)
    if len(name) > USERNAME_MAX:
        raise NameRefused(f"it is longer than {USERNAME_MAX} characters")
    for k, c in enumerate(name, 1):
        if c.isascii() and not c.isalnum() and c not in PUNCTUATION:
            raise NameRefused(_held(c, k, ONLY))
    if name[0] in PUNCTUATION:
        raise NameRefused("it starts with punctuation")
    mixed = sorted({_script(c) for c in name} & set(_CONFUSED_SCRIPTS))
    if len(mixed) > 1:
        raise NameRefused(f"it mixes {' and '.join(mixed).lower()} letters (one script a name)")
    return name


# scripts whose letters pass for each other's: a name holds letters of one of them at most
# (TR39's "moderately restrictive" level), so nobody takes "pаypal" before "paypal" is added
_CONFUSED_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")


def _script(c: str) -> str:
    """A letter's script, as the first word of its Unicode name says; "" for anything else."""
    return unicodedata.name(c, "").partition(" ")[0] if c.isalpha() else ""


def skeleton(name: str) -> str:
    """What `name` looks like (TR39: NFD, each look-alike as its prototype, NFD), case aside."""
    folded = unicodedata.normalize("NFD", unicodedata.normalize("NFC", name).casefold())
    return unicodedata.normalize("NFD", folded.translate(_LOOKALIKES))


def new_username(db: Session, typed: str) -> str:
    """The stored form of a new user's name; NameRefused when it is no name, or looks like the
    name of a user there is (theirs is in the message)."""
    name = canonical(typed)
    looks = skeleton(name)
    for (existing,) in db.execute(select(User.username)):
        if existing == name:
            raise NameRefused(f"there is a user named {name} already")
        if skeleton(existing) == looks:
            raise NameRefused(f"it looks like the name of the user {existing!r}")
    return name


def find_user(db: Session, typed: str) -> User | None:
    """The user `typed` names: the name as stored, else as the profile makes it."""
    names = [typed]
    with contextlib.suppress(NameRefused):  # else a name stored before the rules, or none
        names.append(canonical(typed))
    found = {u.username: u for u in db.scalars(select(User).where(User.username.in_(names)))}
    return next((found[n] for n in names if n in found), None)


def account_of(typed: str) -> str:
    """What sign-in throttling counts failures against: one account however it was typed."""
    try:
        return canonical(typed)
    except NameRefused:
        return unicodedata.normalize("NFC", typed).casefold()
