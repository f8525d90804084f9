"""Who may do what in a project: its members, each with a role (annotator, reviewer, lead).

Everything a route reaches is scoped by these: a project the caller is not a member of, and
everything in it, does not exist for them (404); a member whose role does not allow the act is
told so (403). The server's admins are members of every project, as leads and more.
"""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.server import models as m

ROLES = ("annotator", "reviewer", "lead")
ANNOTATING = ("annotator", "lead")
REVIEWING = ("reviewer", "lead")


class NotMember(Exception):
    """Not a project of the caller's: answered as not found."""


class NotAllowed(Exception):
    """A member whose role does not allow this."""


def role_in(db: Session, user: m.User, project_id: str) -> str | None:
    """The caller's role in the project ("admin" for the server's admins), None outside it."""
    if db.scalar(select(m.Project.id).where(m.Project.id == project_id)) is None:
        return None
    if user.role == "admin":
        return "admin"
    return db.scalar(
        select(m.Membership.role).where(
            m.Membership.project_id == project_id, m.Membership.user_id == user.id
        )
    )


def require(db: Session, user: m.User, project_id: str, *roles: str) -> str:
    """The caller's role, if it is one of `roles` (any role when none are named); an admin may
    do everything."""
    role = role_in(db, user, project_id)
    if role is None:
        raise NotMember(project_id)
    if roles and role != "admin" and role not in roles:
        raise NotAllowed(f"a {role} in this project cannot do this")
    return role


def projects_of(user: m.User) -> Select[str]:
    """The ids of the caller's projects, as a subquery."""
    if user.role == "admin":
        return select(m.Project.id)
    return select(m.Membership.project_id).where(m.Membership.user_id == user.id)


def projects_where(user: m.User, *roles: str) -> Select[str]:
    """The ids of the projects where the caller holds one of `roles`."""
    if user.role == "admin":
        return select(m.Project.id)
    return select(m.Membership.project_id).where(
        m.Membership.user_id == user.id, m.Membership.role.in_(roles)
    )
