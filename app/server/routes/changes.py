"""The caller's feed of changes: what happened to their work since they last asked."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.protocol import API, ChangesPage
from app.server import service as svc
from app.server.routes.answers import answers
from app.server.routes.deps import Read, SignedInFirst

FEED_MAX = 2**31 - 1

router = APIRouter(prefix=API, route_class=SignedInFirst)


@router.get("/changes", responses=answers(401))
async def changes(
    read: Read,
    since: Annotated[int, Query(ge=0, le=FEED_MAX)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> ChangesPage:
    return await read(lambda s, u: svc.changes(s, u, since, limit))
