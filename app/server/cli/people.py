"""Users and who works on which project, each change audited.

    user add|list|disable|enable|role|reset-password|reset-totp
    project member add|remove|list

Disabling a user, or resetting their password or second factor, ends every session they have;
a user disabled or taken off a project gives their open items back to the pool.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import get_args

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.protocol import Role
from app.server import models as m
from app.server.audit import audit
from app.server.cli import ON_DB, keys_of, say
from app.server.feed import feed
from app.server.keys import Keys
from app.server.members import ROLES
from app.server.security import hash_password, new_totp_secret, totp_uri
from app.server.usernames import NameRefused, find_user, new_username

GLOBAL_ROLES = list(get_args(Role))


def add(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    project: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    u = sub.add_parser("user", help="manage users").add_subparsers(dest="action", required=True)
    a = u.add_parser("add", help="add a user; prints the TOTP enrolment URI and QR code")
    a.add_argument(
        "username",
        help="letters and digits (Latin, Cyrillic and Greek not mixed), . _ - @; stored in"
        " lower case (sign-in takes any case); refused if it looks like another user's",
    )
    a.add_argument("--role", choices=GLOBAL_ROLES, required=True)
    a.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    u.add_parser("list", help="every user, their role, state and projects")
    for verb, what in (
        ("disable", "sign-in refused, sessions ended, open items back to the pool"),
        ("enable", "may sign in again"),
    ):
        v = u.add_parser(verb, help=what)
        v.add_argument("username")
    r = u.add_parser("role", help="a user's role on this server")
    r.add_argument("username")
    r.add_argument("role", choices=GLOBAL_ROLES)
    pw = u.add_parser("reset-password", help="a new password; their sessions end")
    pw.add_argument("username")
    pw.add_argument("--password-stdin", action="store_true")
    t = u.add_parser("reset-totp", help="a new second factor (prints its enrolment); sessions end")
    t.add_argument("username")
    mem = project.add_parser("member", help="who works on a project").add_subparsers(
        dest="member_action", required=True
    )
    ma = mem.add_parser("add", help="add a member, or change their role")
    ma.add_argument("project")
    ma.add_argument("username")
    ma.add_argument("--role", choices=ROLES, required=True)
    mr = mem.add_parser("remove", help="take a member off (their open items go back)")
    mr.add_argument("project")
    mr.add_argument("username")
    ml = mem.add_parser("list", help="a project's members")
    ml.add_argument("project")
    ON_DB[("user", "add")] = user_add
    ON_DB[("user", "list")] = user_list
    ON_DB[("user", "disable")] = lambda db, args: set_disabled(db, args.username, True)
    ON_DB[("user", "enable")] = lambda db, args: set_disabled(db, args.username, False)
    ON_DB[("user", "role")] = user_role
    ON_DB[("user", "reset-password")] = reset_password
    ON_DB[("user", "reset-totp")] = reset_totp
    ON_DB[("project", "member")] = member


def _password(args: argparse.Namespace) -> str | None:
    password = (
        sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Password: ")
    )
    if len(password) < 8:
        say("earmark-server: a password needs at least 8 characters")
        return None
    return password


def _user(db: Session, username: str) -> m.User | None:
    user = find_user(db, username)
    if user is None:
        say(f"earmark-server: no user named {username}")
    return user


def _enrol(secret: str, username: str) -> None:
    uri = totp_uri(secret, username)
    say(uri)
    if sys.stdout.isatty():
        import qrcode

        qr = qrcode.QRCode(border=1)
        qr.add_data(uri)
        qr.print_ascii(invert=True)


def end_sessions(db: Session, user_id: str) -> None:
    for table in (m.AccessToken, m.RefreshToken):
        db.execute(
            update(table)
            .where(table.user_id == user_id)
            .values(revoked=True)
            .execution_options(synchronize_session=False)
        )


def release_leases(db: Session, user_id: str, project_id: str | None = None) -> int:
    """Their open items back to the pool (they hear of it, should they come back)."""
    query = select(m.Task).where(m.Task.leased_by == user_id)
    if project_id is not None:
        query = query.where(m.Task.project_id == project_id)
    n = 0
    for t in db.scalars(query):
        feed(db, user_id, "revoked", t.id, reason="no longer yours")
        t.leased_by, t.lease_expires_at = None, None
        n += 1
    return n


def user_add(db: Session, args: argparse.Namespace) -> int:
    try:  # before the password is asked for
        name = new_username(db, args.username)
    except NameRefused as exc:
        say(f"earmark-server: cannot add a user named {args.username!r}: {exc}")
        return 2
    password = _password(args)
    if password is None:
        return 2
    secret = add_user(db, keys_of(args), name, args.role, hash_password(password))
    say(f"user {name} ({args.role}) added. Enrol their authenticator app:")
    _enrol(secret, name)
    return 0


def add_user(db: Session, keys: Keys, username: str, role: str, password_hash: str) -> str:
    """A new user, audited and committed; their TOTP secret (stored wrapped), to enrol."""
    secret = new_totp_secret()
    user = m.User(username=username, password_hash=password_hash, role=role, totp_secret="")
    db.add(user)
    db.flush()
    user.totp_secret = keys.wrap_text(secret, f"totp:{user.id}")
    audit(db, None, "user_add", user.id, username=username, role=role)
    db.commit()
    return secret


def user_list(db: Session, args: argparse.Namespace) -> int:
    projects = dict(db.execute(select(m.Project.id, m.Project.name)).all())
    parts: dict[str, list[str]] = {}
    for mb in db.scalars(select(m.Membership)):
        parts.setdefault(mb.user_id, []).append(f"{projects.get(mb.project_id, '?')}:{mb.role}")
    for u in db.scalars(select(m.User).order_by(m.User.username)):
        state = "disabled" if u.disabled else "active"
        where = ", ".join(sorted(parts.get(u.id, []))) or "-"
        say(f"{u.username:<24} {u.role:<10} {state:<9} {where}")
    return 0


def set_disabled(db: Session, username: str, disabled: bool) -> int:
    user = _user(db, username)
    if user is None:
        return 2
    user.disabled = disabled
    released = 0
    if disabled:
        end_sessions(db, user.id)
        released = release_leases(db, user.id)
    audit(db, None, "user_disable" if disabled else "user_enable", user.id, released=released)
    db.commit()
    say(
        f"{username} disabled: sessions ended, {released} open item(s) back to the pool"
        if disabled
        else f"{username} may sign in again"
    )
    return 0


def user_role(db: Session, args: argparse.Namespace) -> int:
    user = _user(db, args.username)
    if user is None:
        return 2
    before, user.role = user.role, args.role
    audit(db, None, "user_role", user.id, before=before, after=args.role)
    db.commit()
    say(f"{args.username}: {before} -> {args.role}")
    return 0


def reset_password(db: Session, args: argparse.Namespace) -> int:
    user = _user(db, args.username)
    password = _password(args) if user is not None else None
    if user is None or password is None:
        return 2
    user.password_hash = hash_password(password)
    end_sessions(db, user.id)
    audit(db, None, "password_reset", user.id)
    db.commit()
    say(f"{args.username}: new password set; every session of theirs has ended")
    return 0


def reset_totp(db: Session, args: argparse.Namespace) -> int:
    user = _user(db, args.username)
    if user is None:
        return 2
    secret = new_totp_secret()
    user.totp_secret = keys_of(args).wrap_text(secret, f"totp:{user.id}")
    user.last_totp_step = 0
    end_sessions(db, user.id)
    audit(db, None, "totp_reset", user.id)
    db.commit()
    say(f"{args.username}: a new second factor; every session of theirs has ended. Enrol it:")
    _enrol(secret, args.username)
    return 0


def member(db: Session, args: argparse.Namespace) -> int:
    project = db.scalars(select(m.Project).where(m.Project.name == args.project)).first()
    if project is None:
        say(f"earmark-server: no project named {args.project}")
        return 2
    if args.member_action == "list":
        rows = db.execute(
            select(m.User.username, m.Membership.role)
            .join(m.Membership, m.Membership.user_id == m.User.id)
            .where(m.Membership.project_id == project.id)
            .order_by(m.User.username)
        ).all()
        for name, role in rows:
            say(f"{name:<24} {role}")
        return 0
    user = _user(db, args.username)
    if user is None:
        return 2
    row = db.get(m.Membership, (project.id, user.id))
    if args.member_action == "add":
        if row is None:
            db.add(m.Membership(project_id=project.id, user_id=user.id, role=args.role))
        else:
            row.role = args.role
        audit(db, None, "member_add", project.id, user=user.id, role=args.role)
        db.commit()
        say(f"{args.username} is a {args.role} in {args.project}")
        return 0
    if row is None:
        say(f"earmark-server: {args.username} is not a member of {args.project}")
        return 2
    db.delete(row)
    released = release_leases(db, user.id, project.id)
    audit(db, None, "member_remove", project.id, user=user.id, released=released)
    db.commit()
    say(f"{args.username} is off {args.project}; {released} open item(s) back to the pool")
    return 0
