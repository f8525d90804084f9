"""What routes answer when they refuse: the OpenAPI entries of refusals, and a 422 of our own."""

from typing import Annotated

from fastapi import HTTPException
from fastapi import Path as PathParam
from pydantic import BaseModel
from starlette.convertors import Convertor, register_url_convertor

from app.protocol import CLIENT_ID, ErrorOut

# ids of annotations and reviews: lower-case UUIDs the client makes
ClientId = Annotated[str, PathParam(pattern=CLIENT_ID)]
# ids the server made (projects, tasks): no longer than any it makes
ServerId = Annotated[str, PathParam(min_length=1, max_length=36)]


class ClientIdConvertor(Convertor[str]):
    """A path segment that is a client's id, so that /annotations/batch is never taken for
    /annotations/{annotation_id}: a PUT there hears 405 (Allow: POST), not a 422 of the id."""

    regex = CLIENT_ID.strip("^$")

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("client_id", ClientIdConvertor())  # in a path: {annotation_id:client_id}

_SAY = {
    400: "the body could not be read",
    401: "not signed in, or the session ended",
    403: "not for this role",
    404: "not found, or not the caller's to see",
    409: "the server holds another version",
    413: "the request body is too large",
    416: "the range lies past the end of the recording",
    429: "too many failed sign-ins: wait (Retry-After)",
    503: "busy: try again after Retry-After; nothing was stored",
}


def answers(*codes: int, **models: type[BaseModel]) -> dict[int | str, dict[str, object]]:
    """The OpenAPI entries of a route's refusals (503 for every route: admission may say it;
    a route that takes a body may say 400 and 413 of it)."""
    out: dict[int | str, dict[str, object]] = {}
    if 413 in codes:
        codes = (400, *codes)
    for code in (*codes, 503):
        model = models.get(f"m{code}", ErrorOut)
        out[code] = {"model": model, "description": _SAY[code]}
    return out


def unprocessable(where: list[str], message: str) -> HTTPException:
    """A 422 shaped like FastAPI's own (HTTPValidationError), so one schema covers both."""
    return HTTPException(422, [{"loc": where, "msg": message, "type": "value_error"}])
