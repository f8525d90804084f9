"""Tasks: leasing them, hearing their recordings, deleting them."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Header, Response
from fastapi.responses import StreamingResponse

from app.protocol import API, LeaseRequest, TaskOut
from app.sealed import SealedReader
from app.server import models as m
from app.server import service as svc
from app.server.ranges import Unsatisfiable, byte_range, range_applies
from app.server.routes.answers import ServerId, answers
from app.server.routes.deps import Caller, Server, SignedInFirst, Write

AUDIO_TYPE = "application/octet-stream"  # the recording's own file, as it was imported

router = APIRouter(prefix=API, route_class=SignedInFirst)


@router.post("/leases", responses=answers(401, 403, 404, 413))
async def leases(body: LeaseRequest, write: Write) -> list[TaskOut]:
    return await write(lambda s, u: svc.lease(s, u, body.project_id, body.count))


audio_answers = answers(401, 404, 416)
audio_answers |= {
    200: {"content": {AUDIO_TYPE: {"schema": {"type": "string", "format": "binary"}}}},
    206: {
        "description": "the range asked for",
        "content": {AUDIO_TYPE: {"schema": {"type": "string", "format": "binary"}}},
    },
    304: {"description": "not changed (If-None-Match)"},
}


@router.get("/tasks/{task_id}/audio", response_class=Response, responses=audio_answers)
async def audio(
    task_id: ServerId,
    user: Caller,
    server: Server,
    range_: Annotated[str | None, Header(alias="Range")] = None,
    if_range: Annotated[str | None, Header()] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The recording, whole or by one byte range (when If-Range, if sent, names it); every
    access is audited before anything is sent, and only the chunks a range touches are
    decrypted."""

    def hear() -> tuple[m.Task, SealedReader]:
        with server.database.read() as s:
            task = svc.audible_task(s, user, task_id)
        server.auditor.record(user.id, "audio_access", task.id)  # on the log before it is heard
        key = server.keys.unwrap(task.audio_key or b"", f"task:{task.id}")
        return task, server.store.reader(task.id, key)

    task, reader = await server.calls.public(hear)
    etag = f'"{task.audio_sha256}"'
    headers = {"ETag": etag, "Cache-Control": "no-store", "Accept-Ranges": "bytes"}
    if if_none_match == etag:
        reader.close()
        return Response(status_code=304, headers=headers)
    try:
        span = byte_range(range_ if range_applies(if_range, etag) else None, reader.size)
    except Unsatisfiable as exc:
        reader.close()
        return Response(status_code=416, headers={"Content-Range": str(exc)})
    start, end = span if span is not None else (0, reader.size - 1)
    if span is not None:
        headers["Content-Range"] = f"bytes {start}-{end}/{reader.size}"
    headers["Content-Length"] = str(max(0, end + 1 - start))

    def pieces() -> Iterator[bytes]:
        try:
            yield from reader.pieces(start, end)
        finally:
            reader.close()

    return StreamingResponse(
        pieces(),
        status_code=206 if span is not None else 200,
        headers=headers,
        media_type=AUDIO_TYPE,
    )


@router.delete("/tasks/{task_id}", status_code=204, responses=answers(401, 403, 404))
async def delete(task_id: ServerId, write: Write, server: Server) -> Response:
    store = server.store
    await write(lambda s, u: svc.delete_task(s, store, u, task_id))
    return Response(status_code=204)
