"""Projects: one by its id, and the list of the caller's."""

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.protocol import API, ProjectOut
from app.server import models as m
from app.server import service as svc
from app.server.members import projects_of, require, role_in
from app.server.routes.answers import ServerId, answers
from app.server.routes.deps import Read, SignedInFirst

router = APIRouter(prefix=API, route_class=SignedInFirst)


def project_out(p: m.Project, role: str) -> ProjectOut:
    return ProjectOut(
        id=p.id,
        name=p.name,
        taxonomy=p.taxonomy,
        conventions=p.conventions,
        role=role,
        lock_after_s=p.lock_after_s,
        watermark=p.watermark,
    )


@router.get("/projects/{project_id}", responses=answers(401, 404))
async def project(project_id: ServerId, read: Read) -> ProjectOut:
    def work(s: Session, u: m.User) -> ProjectOut:
        role = require(s, u, project_id)
        return project_out(svc.project_for(s, project_id), role)

    return await read(work)


@router.get("/projects", responses=answers(401))
async def projects(read: Read) -> list[ProjectOut]:
    """The caller's projects, each with their role in it."""

    def work(s: Session, u: m.User) -> list[ProjectOut]:
        mine = s.scalars(
            select(m.Project).where(m.Project.id.in_(projects_of(u))).order_by(m.Project.name)
        )
        return [project_out(p, role_in(s, u, p.id) or "") for p in mine]

    return await read(work)
