"""Annotations: one put, or a batch of them, under the same rules (app/server/puts.py)."""

import re

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.protocol import API, AnnotationOut, AnnotationPut, BatchPut, BatchResult
from app.server import models as m
from app.server import review
from app.server import service as svc
from app.server.routes.answers import UUID, ClientId, answers, unprocessable
from app.server.routes.deps import Write

router = APIRouter(prefix=API)


class AnnotationConflict(BaseModel):
    detail: AnnotationOut  # the version the server holds


@router.put(
    "/annotations/{annotation_id}",
    responses=answers(401, 404, 409, 413, m409=AnnotationConflict),
)
async def put(annotation_id: ClientId, body: AnnotationPut, write: Write) -> AnnotationOut:
    def work(s: Session, user: m.User) -> AnnotationOut:
        sampler = review.Sampler(s, user, {body.task_id})
        return svc.put_annotation(s, user, annotation_id, body, sampler)

    try:
        return await write(work, keep=(svc.Stale,))
    except svc.Stale as exc:
        raise HTTPException(409, exc.server.model_dump()) from None


@router.post("/annotations/batch", responses=answers(401, 413))
async def batch(body: BatchPut, write: Write) -> BatchResult:
    for ann_id in body.items:
        _check_uuid(ann_id, "items")

    def work(s: Session, user: m.User) -> BatchResult:
        sampler = review.Sampler(s, user, {p.task_id for p in body.items.values()})
        return svc.put_many(s, user, body.items, sampler)  # through the module: tests swap it

    return await write(work)


def _check_uuid(value: str, where: str) -> None:
    if not re.fullmatch(UUID, value):
        raise unprocessable(
            ["body", where], "ids of annotations are lower-case UUIDs made by the client"
        )
