"""Routes under /api/v1: parse, call a plain function, map its errors. Nothing else here."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.protocol import (
    API,
    AnnotationOut,
    AnnotationPut,
    BatchPut,
    BatchResult,
    ChangesPage,
    LeaseRequest,
    LoginRequest,
    Me,
    ProjectOut,
    QualityOut,
    RefreshRequest,
    ReviewItemOut,
    ReviewLeaseRequest,
    ReviewOut,
    ReviewPolicy,
    ReviewPut,
    TaskOut,
    Tokens,
)
from app.server import models as m
from app.server import review
from app.server import security as sec
from app.server import service as svc
from app.server.audit import audit
from app.server.db import make_engine, sessions
from app.server.storage import AudioStore


def create_app(db_url: str, data: Path, demo: bool = False) -> FastAPI:
    engine = make_engine(db_url)
    Maker: sessionmaker[Session] = sessions(engine)  # noqa: N806
    store = AudioStore(data / "audio")
    app = FastAPI(
        title="Earmark",
        version="1",
        openapi_url=f"{API}/openapi.json",
        docs_url=None,
        redoc_url=None,
    )

    def db() -> Iterator[Session]:
        """Routes commit before they answer: a response means the data is stored."""
        s = Maker()
        try:
            yield s
        finally:
            s.rollback()  # whatever a route did not commit
            s.close()

    DB = Annotated[Session, Depends(db)]  # noqa: N806

    def bearer(authorization: Annotated[str | None, Header()] = None) -> str:
        if not authorization or not authorization.startswith("Bearer "):
            raise HTTPException(401, "sign in first", headers={"WWW-Authenticate": "Bearer"})
        return authorization[7:]

    def current(s: DB, token: Annotated[str, Depends(bearer)]) -> m.User:
        user = sec.user_for_access(s, token)
        if user is None:
            raise HTTPException(
                401, "session expired: sign in again", headers={"WWW-Authenticate": "Bearer"}
            )
        return user

    User = Annotated[m.User, Depends(current)]  # noqa: N806

    @app.exception_handler(svc.NotFound)
    def _not_found(_r: Request, _e: svc.NotFound) -> JSONResponse:
        return JSONResponse({"detail": "not found"}, status_code=404)

    @app.exception_handler(svc.Forbidden)
    def _forbidden(_r: Request, e: svc.Forbidden) -> JSONResponse:
        return JSONResponse({"detail": str(e)}, status_code=403)

    @app.post(f"{API}/auth/login")
    def login(body: LoginRequest, request: Request, s: DB) -> Tokens:
        address = request.client.host if request.client else "?"
        keys = [f"user:{body.username.lower()}", f"addr:{address}"]
        wait = sec.throttled(s, keys)
        if wait:
            raise HTTPException(
                429,
                "too many failed sign-ins; wait and try again",
                headers={"Retry-After": str(int(wait) + 1)},
            )
        user = s.scalars(select(m.User).where(m.User.username == body.username)).first()
        ok = (
            user is not None
            and not user.disabled
            and sec.check_password(user.password_hash, body.password)
        )
        if ok and not demo:
            ok = sec.check_totp(user, body.totp_code)  # type: ignore[arg-type]
        if not ok or user is None:
            sec.record_failure(s, keys)
            audit(s, None, "login_failed", detail_user=body.username[:100])
            s.commit()
            raise HTTPException(401, "wrong user name, password or code")
        sec.clear_failures(s, keys)
        access, refresh = sec.issue_tokens(s, user)
        audit(s, user.id, "login")
        s.commit()
        return Tokens(access_token=access, refresh_token=refresh, expires_in_s=sec.ACCESS_TTL_S)

    @app.post(f"{API}/auth/refresh")
    def refresh(body: RefreshRequest, s: DB) -> Tokens:
        rotated = sec.rotate_refresh(s, body.refresh_token)
        if rotated is None:
            s.commit()  # a detected reuse revokes the family: keep that
            raise HTTPException(401, "session expired: sign in again")
        _user, access, new_refresh = rotated
        s.commit()
        return Tokens(access_token=access, refresh_token=new_refresh, expires_in_s=sec.ACCESS_TTL_S)

    @app.post(f"{API}/auth/logout", status_code=204)
    def logout(
        body: RefreshRequest, user: User, s: DB, token: Annotated[str, Depends(bearer)]
    ) -> Response:
        sec.revoke(s, token, body.refresh_token)
        audit(s, user.id, "logout")
        s.commit()
        return Response(status_code=204)

    @app.get(f"{API}/me")
    def me(user: User) -> Me:
        return Me(id=user.id, username=user.username, role=user.role)  # type: ignore[arg-type]

    @app.get(f"{API}/projects/{{project_id}}")
    def project(project_id: str, user: User, s: DB) -> ProjectOut:
        p = svc.project_for(s, project_id)
        return ProjectOut(id=p.id, name=p.name, taxonomy=p.taxonomy, conventions=p.conventions)

    @app.get(f"{API}/projects")
    def projects(user: User, s: DB) -> list[ProjectOut]:
        return [
            ProjectOut(id=p.id, name=p.name, taxonomy=p.taxonomy, conventions=p.conventions)
            for p in s.scalars(select(m.Project).order_by(m.Project.name))
        ]

    @app.post(f"{API}/leases")
    def leases(body: LeaseRequest, user: User, s: DB) -> list[TaskOut]:
        out = svc.lease(s, user, body.project_id, body.count)
        s.commit()
        return out

    @app.get(f"{API}/tasks/{{task_id}}/audio")
    def audio(
        task_id: str,
        user: User,
        s: DB,
        range_: Annotated[str | None, Header(alias="Range")] = None,
        if_none_match: Annotated[str | None, Header()] = None,
    ) -> Response:
        task, data = svc.audio(s, store, user, task_id)
        s.commit()  # the audit row of this access
        etag = f'"{task.audio_sha256}"'
        headers = {"ETag": etag, "Cache-Control": "no-store", "Accept-Ranges": "bytes"}
        if if_none_match == etag:
            return Response(status_code=304, headers=headers)
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", range_ or "")
        if match and (match.group(1) or match.group(2)):
            size = len(data)
            if match.group(1):
                start = int(match.group(1))
                end = int(match.group(2)) if match.group(2) else size - 1
            else:
                start, end = max(0, size - int(match.group(2))), size - 1
            if start >= size or end < start:
                return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})
            end = min(end, size - 1)
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
            return Response(
                data[start : end + 1],
                status_code=206,
                headers=headers,
                media_type="application/octet-stream",
            )
        return Response(data, headers=headers, media_type="application/octet-stream")

    @app.put(f"{API}/annotations/{{annotation_id}}", responses={409: {"model": AnnotationOut}})
    def put(annotation_id: str, body: AnnotationPut, user: User, s: DB) -> AnnotationOut:
        _check_uuid(annotation_id)
        try:
            sampler = review.Sampler(s, user, {body.task_id})
            out = svc.put_annotation(s, user, annotation_id, body, sampler)
            sampler.finish()
            s.commit()
            return out
        except svc.Stale as exc:
            s.commit()  # the conflict row is kept
            raise HTTPException(409, exc.server.model_dump()) from None

    @app.post(f"{API}/annotations/batch")
    def batch(body: BatchPut, user: User, s: DB) -> BatchResult:
        for ann_id in body.items:
            _check_uuid(ann_id)
        sampler = review.Sampler(s, user, {p.task_id for p in body.items.values()})
        result = svc.put_many(s, user, body.items, sampler)
        sampler.finish()
        s.commit()
        return result

    @app.get(f"{API}/changes")
    def changes(user: User, s: DB, since: int = 0, limit: int = 500) -> ChangesPage:
        return svc.changes(s, user, since, max(1, min(limit, 1000)))

    # -- second-pass review -----------------------------------------------------------------
    @app.put(f"{API}/projects/{{project_id}}/review-policy", status_code=204)
    def review_policy(project_id: str, body: ReviewPolicy, user: User, s: DB) -> Response:
        review.set_policy(s, user, project_id, body)
        s.commit()
        return Response(status_code=204)

    @app.get(f"{API}/projects/{{project_id}}/review-policy")
    def get_review_policy(project_id: str, user: User, s: DB) -> ReviewPolicy:
        return review.policy_of(svc.project_for(s, project_id))

    @app.post(f"{API}/review-leases")
    def review_leases(body: ReviewLeaseRequest, user: User, s: DB) -> list[ReviewItemOut]:
        out = review.lease_reviews(s, user, body.project_id, body.count)
        s.commit()
        return out

    @app.put(f"{API}/reviews/{{review_id}}", responses={409: {"model": ReviewOut}})
    def put_review(review_id: str, body: ReviewPut, user: User, s: DB) -> ReviewOut:
        _check_uuid(review_id)
        try:
            out = review.put_review(s, user, review_id, body)
        except review.AlreadyReviewed as exc:
            raise HTTPException(409, exc.review.model_dump()) from None
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
        s.commit()
        return out

    @app.get(f"{API}/projects/{{project_id}}/quality")
    def quality(project_id: str, user: User, s: DB, annotator: str | None = None) -> QualityOut:
        return review.quality(s, user, project_id, annotator)

    @app.delete(f"{API}/tasks/{{task_id}}", status_code=204)
    def delete(task_id: str, user: User, s: DB) -> Response:
        svc.delete_task(s, store, user, task_id)
        s.commit()
        return Response(status_code=204)

    app.state.sessions = Maker
    app.state.engine = engine
    app.state.store = store
    return app


def _check_uuid(value: str) -> None:
    if not re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", value):
        raise HTTPException(
            422, "ids of annotations and reviews are lower-case UUIDs made by the client"
        )
