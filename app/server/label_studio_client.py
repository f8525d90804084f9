"""One Label Studio server over its REST API (httpx; its SDK is heavy), for the bridge.

Only that server is ever asked for anything: a task's audio URL is fetched when, and only when,
it is on the origin given on the command line (same scheme, host and port; no user or password
in it), and so is every redirect. That covers what Label Studio 1.23 hands out for each kind of
storage: uploads (`/data/upload/...`), local files (`/data/local-files/?d=...`) and cloud
storage it proxies (`/tasks/N/resolve/?fileuri=...`). A presigned cloud URL is another host and
is refused. A download stops at MAX_DOWNLOAD_BYTES; the task list at what was really received.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urljoin, urlsplit

import httpx

from app.protocol import is_loopback

TIMEOUT = httpx.Timeout(30.0, connect=10.0)
# The most a recording may weigh: 4 GiB, the largest WAV there is (its sizes are 32-bit), and
# above eight hours of 48 kHz 16-bit mono.
MAX_DOWNLOAD_BYTES = 4 << 30
MAX_REDIRECTS = 5
PAGE_SIZE = 100
MAX_TASKS = 1_000_000  # Label Studio's own most per project (TASKS_MAX_NUMBER)
DEFAULT_PORTS = {"http": 80, "https": 443}


class BridgeError(Exception):
    """Label Studio could not be reached or answered otherwise; str() is one line for the user."""


def _origin_of(parts: SplitResult) -> tuple[str, str, int] | None:
    """Scheme, host and port (the default one when none is written); None for anything else."""
    try:
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname, port or DEFAULT_PORTS[parts.scheme]


def _shown(parts: SplitResult) -> str:
    """A URL to name in a message: no user, password or query (a presigned URL's signature)."""
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{host}{port}{parts.path}" if host else f"{parts.scheme}:{parts.path}"


@dataclass
class LabelStudio:
    """One Label Studio server, signed in with an API token (never logged, never in a URL)."""

    url: str
    token: str
    max_download_bytes: int = MAX_DOWNLOAD_BYTES
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        own = _origin_of(parts)
        if own is None:
            raise BridgeError(f"{self.url} is not a Label Studio address (http(s)://host:port).")
        if parts.username is not None or parts.password is not None:
            raise BridgeError(
                f"{_shown(parts)}: give the Label Studio address without a user or password."
            )
        if parts.scheme == "http" and not is_loopback(own[1]):
            raise BridgeError(
                f"{self.url}: the token would cross the network in the clear; use https "
                "(plain http only to this machine)."
            )
        self._own = own
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.http = httpx.Client(
            base_url=self.origin,
            headers={"Authorization": f"Token {self.token}"},
            timeout=TIMEOUT,
            follow_redirects=False,
        )

    def close(self) -> None:
        self.http.close()

    def _call(self, method: str, path: str, **kw: Any) -> httpx.Response:
        try:
            r = self.http.request(method, path, **kw)
        except httpx.HTTPError as exc:
            raise BridgeError(f"Label Studio at {self.origin} cannot be reached ({exc}).") from None
        if r.status_code in (401, 403):
            raise BridgeError(
                f"Label Studio at {self.origin} refused the token ({r.status_code}); check it, "
                "and that legacy API tokens are enabled."
            )
        if r.status_code == 404:
            raise BridgeError(f"Label Studio at {self.origin} has no {path.split('?')[0]}.")
        if r.status_code >= 400:
            raise BridgeError(
                f"Label Studio at {self.origin} answered {r.status_code} to {method} "
                f"{path.split('?')[0]}."
            )
        return r

    def json(self, method: str, path: str, **kw: Any) -> Any:
        r = self._call(method, path, **kw)
        try:
            return r.json()
        except ValueError:
            raise BridgeError(
                f"Label Studio at {self.origin} answered {path.split('?')[0]} with something "
                "other than JSON."
            ) from None

    def config(self, project: int) -> str:
        got = self.json("GET", f"/api/projects/{project}")
        return str((got.get("label_config") if isinstance(got, dict) else None) or "")

    def _page(self, project: int, page: int, page_size: int) -> tuple[list[dict[str, Any]], int]:
        got = self.json(
            "GET",
            "/api/tasks",
            params={"project": project, "fields": "all", "page": page, "page_size": page_size},
        )
        tasks = got.get("tasks") if isinstance(got, dict) else None
        total = got.get("total") if isinstance(got, dict) else None
        if (
            not isinstance(tasks, list)
            or not all(isinstance(t, dict) and type(t.get("id")) is int for t in tasks)
            or type(total) is not int
            or total < 0
        ):
            raise BridgeError(f"Label Studio at {self.origin}: /api/tasks is not a task list.")
        return tasks, total

    def tasks(
        self, project: int, page_size: int = PAGE_SIZE, max_tasks: int = MAX_TASKS
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Every task with its annotations and predictions, page by page (the export holds
        predictions only by id), and a line when Label Studio gave fewer than it said it had.
        Paging stops at an empty page, a page of nothing new, the total, and after the pages
        `max_tasks` takes: a server that lies about its total cannot keep it going."""
        seen: dict[int, dict[str, Any]] = {}
        claimed = 0
        for page in range(1, math.ceil(max_tasks / page_size) + 1):
            tasks, total = self._page(project, page, page_size)
            if page == 1:
                claimed = total
                if total > max_tasks:
                    raise BridgeError(
                        f"Label Studio at {self.origin} says project {project} has {total:,} "
                        f"tasks, more than the {max_tasks:,} a pull takes; nothing pulled."
                    )
            new = [t for t in tasks if t["id"] not in seen]
            seen.update((t["id"], t) for t in new)
            if not new or len(seen) >= min(claimed, max_tasks):
                break
        short = None
        if len(seen) < claimed:
            short = (
                f"Label Studio project {project}: said it has {claimed} tasks but gave "
                f"{len(seen)}; pull again to take the rest"
            )
        return list(seen.values()), short

    def own_url(self, ref: str) -> str:
        """`ref` as a URL on this Label Studio, or a BridgeError naming where it points."""
        parts = urlsplit(urljoin(self.origin + "/", ref.strip()))
        if _origin_of(parts) != self._own:
            raise BridgeError(
                f"{_shown(parts)} is not on Label Studio at {self.origin}; only its own files "
                "are fetched."
            )
        if parts.username is not None or parts.password is not None:
            raise BridgeError(f"{_shown(parts)} carries a user or password; not fetched.")
        # rebuilt on the origin, so no other reading of the URL can reach another host
        return self.origin + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    def download(self, ref: str, target: Path) -> None:
        """A task's audio from this Label Studio only (redirects too), at most
        `max_download_bytes`; nothing is left at `target` when it fails."""
        url = self.own_url(ref)
        try:
            for _hop in range(MAX_REDIRECTS + 1):
                with self.http.stream("GET", url) as r:
                    if r.is_redirect:
                        try:
                            url = self.own_url(urljoin(url, r.headers["location"]))
                        except BridgeError as exc:
                            raise BridgeError(
                                f"Label Studio sends {_shown(urlsplit(url))} elsewhere: {exc} "
                                "(a presigned storage URL? let Label Studio serve the files: "
                                "turn off pre-signed URLs on the storage)"
                            ) from None
                        continue
                    if not r.is_success:
                        raise BridgeError(
                            f"{_shown(urlsplit(url))}: Label Studio answered {r.status_code}."
                        )
                    self._save(r, url, target)
                    return
            raise BridgeError(f"{_shown(urlsplit(url))}: more than {MAX_REDIRECTS} redirects.")
        except httpx.HTTPError as exc:
            target.unlink(missing_ok=True)
            raise BridgeError(f"{_shown(urlsplit(url))} could not be fetched ({exc}).") from None
        except OSError as exc:
            target.unlink(missing_ok=True)
            raise BridgeError(f"{target.name} could not be written ({exc.strerror}).") from None
        except BridgeError:
            target.unlink(missing_ok=True)
            raise

    def _save(self, r: httpx.Response, url: str, target: Path) -> None:
        cap = self.max_download_bytes
        too_big = BridgeError(
            f"{_shown(urlsplit(url))} is larger than {cap:,} bytes, the most a recording may "
            "be; not fetched."
        )
        declared = r.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise too_big
        got = 0
        with target.open("wb") as out:
            for chunk in r.iter_bytes(1 << 20):
                got += len(chunk)
                if got > cap:
                    raise too_big
                out.write(chunk)


def token_from(env: dict[str, str], stdin_line: str | None) -> str:
    token = env.get("LABEL_STUDIO_TOKEN", "").strip() or (stdin_line or "").strip()
    if not token:
        raise BridgeError(
            "no Label Studio token: set LABEL_STUDIO_TOKEN, or give it on standard input "
            "(never on the command line)."
        )
    return token
