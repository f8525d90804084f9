"""Annotations: one put, or a batch of them, under the same rules (app/server/puts.py)."""

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.protocol import API, AnnotationOut, AnnotationPut, BatchPut, BatchResult
from app.server import models as m
from app.server import review
from app.server import service as svc
from app.server.routes.answers import ClientId, answers
from app.server.routes.deps import Server, SignedInFirst, Write

router = APIRouter(prefix=API, route_class=SignedInFirst)


class AnnotationConflict(BaseModel):
    detail: AnnotationOut  # the version the server holds


@router.put(
    "/annotations/{annotation_id:client_id}",
    responses=answers(401, 404, 409, 413, m409=AnnotationConflict),
)
async def put(
    annotation_id: ClientId, body: AnnotationPut, write: Write, server: Server
) -> AnnotationOut:
    keys = server.keys

    def work(s: Session, user: m.User) -> AnnotationOut:
        sampler = review.Sampler(s, user, {body.task_id}, keys)
        return svc.put_annotation(s, user, annotation_id, body, sampler)

    try:
        return await write(work, keep=(svc.Stale,))
    except svc.Stale as exc:
        raise HTTPException(409, exc.server.model_dump()) from None


@router.post("/annotations/batch", responses=answers(401, 413))
async def batch(body: BatchPut, write: Write, server: Server) -> BatchResult:
    keys = server.keys

    def work(s: Session, user: m.User) -> BatchResult:
        sampler = review.Sampler(s, user, {p.task_id for p in body.items.values()}, keys)
        return svc.put_many(s, user, body.items, sampler)  # through the module: tests swap it

    return await write(work)
