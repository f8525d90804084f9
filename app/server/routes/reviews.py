"""Second-pass review: a project's policy, review leases, decisions and the quality figures."""

from fastapi import APIRouter, HTTPException, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.protocol import (
    API,
    QualityOut,
    ReviewItemOut,
    ReviewLeaseRequest,
    ReviewOut,
    ReviewPolicy,
    ReviewPut,
)
from app.server import models as m
from app.server import review
from app.server import service as svc
from app.server.members import require
from app.server.routes.answers import ClientId, ServerId, answers, unprocessable
from app.server.routes.deps import Read, SignedInFirst, Write

router = APIRouter(prefix=API, route_class=SignedInFirst)


class ReviewConflict(BaseModel):
    detail: ReviewOut  # the decision the server holds


@router.put(
    "/projects/{project_id}/review-policy",
    status_code=204,
    responses=answers(401, 403, 404, 413),
)
async def review_policy(project_id: ServerId, body: ReviewPolicy, write: Write) -> Response:
    await write(lambda s, u: review.set_policy(s, u, project_id, body))
    return Response(status_code=204)


@router.get("/projects/{project_id}/review-policy", responses=answers(401, 404))
async def get_review_policy(project_id: ServerId, read: Read) -> ReviewPolicy:
    def work(s: Session, u: m.User) -> ReviewPolicy:
        require(s, u, project_id)
        return review.policy_of(svc.project_for(s, project_id))

    return await read(work)


@router.post("/review-leases", responses=answers(401, 403, 404, 413))
async def review_leases(body: ReviewLeaseRequest, write: Write) -> list[ReviewItemOut]:
    return await write(lambda s, u: review.lease_reviews(s, u, body.project_id, body.count))


@router.put(
    "/reviews/{review_id:client_id}",
    responses=answers(401, 403, 404, 409, 413, m409=ReviewConflict),
)
async def put_review(review_id: ClientId, body: ReviewPut, write: Write) -> ReviewOut:
    try:
        return await write(lambda s, u: review.put_review(s, u, review_id, body))
    except review.AlreadyReviewed as exc:
        raise HTTPException(409, exc.review.model_dump()) from None
    except ValueError as exc:
        raise unprocessable(["body"], str(exc)) from None


@router.get("/projects/{project_id}/quality", responses=answers(401, 404))
async def quality(project_id: ServerId, read: Read, annotator: str | None = None) -> QualityOut:
    return await read(lambda s, u: review.quality(s, u, project_id, annotator))
