"""What earmark-server's options accept: each a type for argparse, so that a bad value is
refused before anything runs, in one line, with exit code 2 (the parser's error).

Whole numbers are bounded by what they go into: a column of INTEGER is 32 bits on PostgreSQL
(64 on SQLite), so a number stored or looked up there is at most INT32_MAX.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import math
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import inspect, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from app.protocol import ReasonCode, ReviewPolicy
from app.server.db import make_engine

INT32_MAX = 2**31 - 1  # PostgreSQL's INTEGER; SQLite's holds more, so this bounds both
PORT_MAX = 65_535
# serve: more than one machine runs well, less than what exhausts it at start
WORKERS_MAX = 256
CONCURRENCY_MAX = 1_024  # each holds a database connection
QUEUE_MAX = 100_000
WAIT_MAX_S = 600.0


def _quoted(text: str) -> str:
    """The value as given, short and printable, to name it in an error."""
    return repr(text if len(text) <= 40 else text[:40] + "...")


def whole(low: int, high: int) -> Callable[[str], int]:
    """A whole number from `low` to `high`."""

    def parse(text: str) -> int:
        try:
            n = int(text.strip())
        except ValueError:  # also a number of thousands of digits (Python refuses to read it)
            raise argparse.ArgumentTypeError(f"{_quoted(text)} is not a whole number") from None
        if not low <= n <= high:
            raise argparse.ArgumentTypeError(f"{_quoted(text)} is not from {low} to {high:,}")
        return n

    return parse


def number(low: float, high: float) -> Callable[[str], float]:
    """A finite number from `low` to `high` (never nan or inf)."""

    def parse(text: str) -> float:
        try:
            x = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{_quoted(text)} is not a number") from None
        if not (math.isfinite(x) and low <= x <= high):
            raise argparse.ArgumentTypeError(f"{_quoted(text)} is not from {low:g} to {high:g}")
        return x

    return parse


_HOST_NAME = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.?)+", re.IGNORECASE)


def host(text: str) -> str:
    """serve --host: an address of this machine's (127.0.0.1, ::, 0.0.0.0) or a host name."""
    with contextlib.suppress(ValueError):
        return str(ipaddress.ip_address(text))
    if _HOST_NAME.fullmatch(text) is None:
        raise argparse.ArgumentTypeError(f"{_quoted(text)} is not an address or a host name")
    return text


def proxy(text: str) -> str:
    """serve --trusted-proxy: an address or a network (10.0.0.0/8); never `*`, which would let
    any client name any address (and so pass sign-in throttling as a new one each time)."""
    with contextlib.suppress(ValueError):
        return str(ipaddress.ip_address(text))
    try:
        return str(ipaddress.ip_network(text, strict=False))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{_quoted(text)} is not an address or a network (10.0.0.5, 10.0.0.0/8)"
        ) from None


def when(text: str | None, now: float | None = None) -> float | None:
    """Seconds since the epoch for a date, a date and time (UTC unless it says), or an age."""
    if text is None:
        return None
    now = time.time() if now is None else now
    age = re.fullmatch(r"(\d+)([dhm])", text.strip())
    if age:
        n, unit = int(age.group(1)), age.group(2)
        return now - n * {"d": 86_400, "h": 3_600, "m": 60}[unit]
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def moment(text: str) -> float:
    """--since and --until: a date, a date and time, or an age (7d, 12h, 30m)."""
    try:
        at = when(text)
    except (ValueError, OverflowError):  # not a date; an age of more digits than a float holds
        at = None
    if at is None or not math.isfinite(at):
        raise argparse.ArgumentTypeError(
            f"{_quoted(text)} is not a date (2026-11-30), a time (2026-11-30T09:00) or an age"
            " (7d, 12h, 30m)"
        )
    return at


def one_line(exc: Exception) -> str:
    """An exception's message in one line; a model's refusal as `where: what` for each error."""
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(part) for part in e['loc']) or 'value'}: {e['msg']}"
            for e in exc.errors()[:3]
        )
    return " ".join(str(exc).split())


def undecodable(args: argparse.Namespace) -> str | None:
    """The option whose text is not UTF-8 (bytes a terminal passed that no database stores), or
    None. Paths are left alone: a file may be named in any bytes."""
    for name, value in vars(args).items():
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str) and not text.isascii():
                try:
                    text.encode("utf-8")
                except UnicodeEncodeError:
                    return name.replace("_", "-")
    return None


def database_problem(url: str, need: str) -> str | None:
    """Why the database at `url` cannot be used, in one line (no password in it), or None:
    not a URL of a database Earmark speaks to (need "url"), not reachable ("connect"), or
    not set up ("schema")."""
    try:
        parsed = make_url(url)
        parsed.get_dialect().import_dbapi()
    except (ArgumentError, NoSuchModuleError, ImportError):
        return "--db must be sqlite:///PATH or postgresql+psycopg://..."
    if need == "url":
        return None
    schema = need == "schema"
    missing = parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file()
    if schema and missing:  # not made by connecting to it
        return f"no database at {parsed.database}: run `earmark-server init` first"
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            if schema and not inspect(c).has_table("alembic_version"):
                return "the database has no Earmark tables: run `earmark-server init` first"
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines() or ["no reason given"]
        return f"the database cannot be opened: {reason[0]}"
    finally:
        engine.dispose()
    return None


REASONS_FILE_MAX = 1 << 20  # far more than the most reason codes a policy holds take


def reason_codes(text: str) -> list[ReasonCode]:
    """review-policy --reasons: a JSON file's reason codes, held to the protocol's bounds."""
    path = Path(text)
    try:
        with path.open("rb") as f:
            raw = f.read(REASONS_FILE_MAX + 1)
        if len(raw) > REASONS_FILE_MAX:
            raise ValueError(f"larger than {REASONS_FILE_MAX >> 20} MiB")
        data = json.loads(raw)
        if not isinstance(data, list):
            raise ValueError("not a list")
        return ReviewPolicy(reasons=data).reasons
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"cannot read {text}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f'{text} is not a JSON list of {{"code": ..., "title": ...}} ({one_line(exc)})'
        ) from None
