"""The server's API over HTTPS (plain HTTP only to this machine), tokens handled for the caller.

The access token lives in memory only; the refresh token goes to whoever `save_refresh` is
(the OS keyring), each time the server rotates it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

from app.protocol import (
    API,
    BatchPut,
    BatchResult,
    ChangesPage,
    LeaseRequest,
    LoginRequest,
    Me,
    ProjectOut,
    QualityOut,
    ReviewItemOut,
    ReviewLeaseRequest,
    ReviewOut,
    ReviewPolicy,
    ReviewPut,
    TaskOut,
    Tokens,
    UnlockRequest,
    is_loopback,
)


class SyncError(Exception):
    """str() is a sentence for the person at the keyboard."""


class Offline(SyncError):
    pass


class SessionExpired(SyncError):
    pass


class ServerError(SyncError):
    pass


class Busy(SyncError):
    """The server refused for now (503 or 429) and said when to come back."""

    def __init__(self, retry_after_s: float) -> None:
        super().__init__(
            f"The server is busy; your work is kept here and sent in {retry_after_s:.0f} s."
        )
        self.retry_after_s = retry_after_s


class AlreadyReviewed(SyncError):
    """Someone decided on this item first (its lease had run out)."""

    def __init__(self, review: ReviewOut) -> None:
        super().__init__(
            f"Another reviewer decided on this item first ({review.outcome}); yours was not kept."
        )
        self.review = review


def _retry_after(r: httpx.Response, default_s: float = 5.0) -> float:
    """The server's Retry-After in seconds (only the delay form; a date counts as the default)."""
    try:
        return min(300.0, max(1.0, float(r.headers.get("Retry-After", default_s))))
    except ValueError:
        return default_s


def failed_notice(tokens: Tokens) -> str:
    """What the person signing in is told of the failed sign-ins at their account since their
    last one ("" when there were none)."""
    n = tokens.failed_sign_ins
    if not n:
        return ""
    first = (
        time.strftime(" (the first on %Y-%m-%d at %H:%M)", time.localtime(tokens.failed_since))
        if tokens.failed_since is not None
        else ""
    )
    return (
        f"{n} sign-in{'s' if n > 1 else ''} to your account failed since you last signed"
        f" in{first}. If that was not you, tell your admin."
    )


def check_server_url(url: str) -> str:
    """https anywhere; http only to this machine (loopback), so TLS is never skipped elsewhere."""
    parts = urlsplit(url.strip().rstrip("/"))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SyncError(f"{url!r} is not a server address; it looks like https://host:port.")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise SyncError(
            "Use https:// for a server on another machine; plain http is only "
            "allowed to this machine."
        )
    return f"{parts.scheme}://{parts.netloc}"


class Client:
    def __init__(
        self,
        server: str,
        save_refresh: Callable[[str], None],
        load_refresh: Callable[[], str | None],
        timeout_s: float = 15.0,
    ) -> None:
        self.server = check_server_url(server)
        self.save_refresh = save_refresh
        self.load_refresh = load_refresh
        self._access: str | None = None
        self._http = httpx.Client(base_url=self.server + API, timeout=timeout_s, verify=True)
        self.sign_in_notice = ""  # failed sign-ins at this account before the last sign-in
        self.signed_in: Me | None = None  # who the server last said the session is

    @classmethod
    def in_memory(cls, server: str) -> Client:
        """A client whose refresh token is kept in memory only: for a throwaway server (the
        demo's) and for tests. Real sign-ins keep it in the OS keyring
        (app/workstation/store/secrets.py)."""
        tokens: dict[str, str] = {}
        return cls(
            server, save_refresh=lambda t: tokens.update(t=t), load_refresh=lambda: tokens.get("t")
        )

    def close(self) -> None:
        self._http.close()

    # -- plumbing ------------------------------------------------------------------------------
    def _send(self, method: str, path: str, **kw: Any) -> httpx.Response:
        try:
            return self._http.request(method, path, **kw)
        except httpx.TimeoutException as exc:
            raise Offline(
                "The server did not answer in time; your work is kept and will be "
                "sent when it answers."
            ) from exc
        except httpx.TransportError as exc:
            raise Offline(
                "The server cannot be reached; you can keep working, everything is "
                "saved here and will be sent when it is back."
            ) from exc

    def _authed(self, method: str, path: str, **kw: Any) -> httpx.Response:
        if self._access is None:
            self._refresh()
        r = self._send(method, path, headers={"Authorization": f"Bearer {self._access}"}, **kw)
        if r.status_code == 401:
            self._refresh()
            r = self._send(method, path, headers={"Authorization": f"Bearer {self._access}"}, **kw)
        if r.status_code == 401:
            raise SessionExpired("Your session has ended: sign in again.")
        if r.status_code in (429, 503):
            raise Busy(_retry_after(r))
        if r.status_code >= 500:
            raise ServerError(f"The server had a problem ({r.status_code}); try again later.")
        return r

    def _refresh(self) -> None:
        token = self.load_refresh()
        if not token:
            raise SessionExpired("Sign in to the server first.")
        r = self._send("POST", "/auth/refresh", json={"refresh_token": token})
        if r.status_code in (429, 503):
            raise Busy(_retry_after(r))  # the session goes on: only a refusal ends it
        if r.status_code >= 500:
            raise ServerError(f"The server had a problem ({r.status_code}); try again later.")
        if r.status_code != 200:
            raise SessionExpired("Your session has ended: sign in again.")
        self._take(r)

    def _take(self, r: httpx.Response) -> Tokens:
        try:
            tokens = Tokens.model_validate(r.json())
        except ValueError as exc:
            raise ServerError("The server answered something Earmark does not understand.") from exc
        self.save_refresh(tokens.refresh_token)  # the keyring first: then the old one is gone
        self._access = tokens.access_token
        return tokens

    @staticmethod
    def _json(r: httpx.Response, ok: tuple[int, ...] = (200,)) -> Any:
        if r.status_code not in ok:
            detail = ""
            with contextlib.suppress(ValueError):
                detail = str(r.json().get("detail", ""))
            reason = f": {detail}" if detail else ""
            raise ServerError(f"The server refused ({r.status_code}{reason}).")
        try:
            return r.json()
        except ValueError as exc:
            raise ServerError("The server answered something Earmark does not understand.") from exc

    # -- API -----------------------------------------------------------------------------------
    def login(self, username: str, password: str, code: str) -> Me:
        r = self._send(
            "POST",
            "/auth/login",
            json=LoginRequest(username=username, password=password, totp_code=code).model_dump(),
        )
        if r.status_code == 429:
            raise SyncError("Too many failed sign-ins: wait a few minutes and try again.")
        if r.status_code == 503:
            raise SyncError("The server is busy; sign in again in a few seconds.")
        if r.status_code == 401:
            raise SyncError("Wrong user name, password or code.")
        self._json(r)
        self.sign_in_notice = failed_notice(self._take(r))
        return self.me()

    def unlock(self, secret: str, with_password: bool = False) -> None:
        """The second factor again (a demo server's: the password), for a locked window."""
        body = UnlockRequest(**({"password": secret} if with_password else {"totp_code": secret}))
        try:
            r = self._authed("POST", "/auth/unlock", json=body.model_dump())
        except Busy as exc:
            raise SyncError(
                f"Too many wrong tries: wait {exc.retry_after_s:.0f} s and try again."
            ) from exc
        if r.status_code == 403:
            raise SyncError("Wrong password." if with_password else "Wrong code.")
        if r.status_code != 204:
            self._json(r)  # raises with the server's reason

    def me(self) -> Me:
        self.signed_in = Me.model_validate(self._json(self._authed("GET", "/me")))
        return self.signed_in

    def projects(self) -> list[ProjectOut]:
        return [ProjectOut.model_validate(p) for p in self._json(self._authed("GET", "/projects"))]

    def lease(self, project_id: str, count: int) -> list[TaskOut]:
        body = LeaseRequest(project_id=project_id, count=count).model_dump()
        return [
            TaskOut.model_validate(t)
            for t in self._json(self._authed("POST", "/leases", json=body))
        ]

    def audio(self, task_id: str) -> bytes:
        r = self._authed("GET", f"/tasks/{task_id}/audio")
        if r.status_code != 200:
            self._json(r)  # raises with the server's reason
        return r.content

    def put_batch(self, batch: BatchPut) -> BatchResult:
        r = self._authed("POST", "/annotations/batch", json=batch.model_dump())
        return BatchResult.model_validate(self._json(r))

    def changes(self, since: int, limit: int = 500) -> ChangesPage:
        r = self._authed("GET", "/changes", params={"since": since, "limit": limit})
        return ChangesPage.model_validate(self._json(r))

    # -- review --------------------------------------------------------------------------------
    def review_leases(self, project_id: str, count: int) -> list[ReviewItemOut]:
        body = ReviewLeaseRequest(project_id=project_id, count=count).model_dump()
        r = self._authed("POST", "/review-leases", json=body)
        if r.status_code == 403:
            raise SyncError("Only reviewers can open the review queue.")
        return [ReviewItemOut.model_validate(i) for i in self._json(r)]

    def put_review(self, review_id: str, put: ReviewPut) -> ReviewOut:
        """Idempotent on review_id: sending the same decision again is harmless."""
        r = self._authed("PUT", f"/reviews/{review_id}", json=put.model_dump())
        if r.status_code == 409:
            raise AlreadyReviewed(ReviewOut.model_validate(r.json().get("detail", {})))
        return ReviewOut.model_validate(self._json(r))

    def review_policy(self, project_id: str) -> ReviewPolicy:
        r = self._authed("GET", f"/projects/{project_id}/review-policy")
        return ReviewPolicy.model_validate(self._json(r))

    def quality(self, project_id: str, annotator: str | None = None) -> QualityOut:
        params = {"annotator": annotator} if annotator else {}
        r = self._authed("GET", f"/projects/{project_id}/quality", params=params)
        return QualityOut.model_validate(self._json(r))

    def logout(self) -> None:
        token = self.load_refresh()
        if self._access and token:
            self._send(
                "POST",
                "/auth/logout",
                json={"refresh_token": token},
                headers={"Authorization": f"Bearer {self._access}"},
            )
        self._access = None
