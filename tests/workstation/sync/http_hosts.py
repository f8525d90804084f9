"""Tiny HTTP servers of a test's own on 127.0.0.1, each in a thread: another host a Label
Studio task can point at (`OtherHost`, a real server the bridge must never reach), and Label
Studios that misbehave as the real one cannot be made to (`FakeLyingLabelStudio`,
`FakeRedirectingLabelStudio`)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

from app.formats.labelstudio import CONFIG

# what a route answers: a status, headers, and the body in chunks (no Content-Length is sent
# unless a header gives it: the body then ends when the connection closes)
Answer = tuple[int, dict[str, str], Iterator[bytes]]


def body(data: bytes, status: int = 200, **headers: str) -> Answer:
    return status, {"Content-Length": str(len(data)), **headers}, iter([data])


@dataclass
class Seen:
    path: str
    authorization: str | None


@dataclass
class Host:
    """An HTTP server answering every GET through `answer`; what it was asked is in `seen`."""

    answer: Callable[[str], Answer]
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        host = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # a body without a length ends with the connection

            def do_GET(self) -> None:
                host.seen.append(Seen(self.path, self.headers.get("Authorization")))
                status, headers, chunks = host.answer(self.path)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    for chunk in chunks:
                        self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading, as it should past its cap

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Host:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.server.shutdown()
        self.server.server_close()


class OtherHost(Host):
    """Another service on this machine: `files` by path, 404 for the rest."""

    def __init__(self, files: dict[str, bytes]) -> None:
        super().__init__(lambda path: body(files[path]) if path in files else body(b"no", 404))


class FakeRedirectingLabelStudio(Host):
    """A Label Studio whose file URLs redirect (`moves`: path -> Location), as one with
    presigned cloud storage does; the real one needs a cloud bucket for that."""

    def __init__(self, moves: dict[str, str], files: dict[str, bytes]) -> None:
        def answer(path: str) -> Answer:
            if path in moves:
                return body(b"", 302, Location=moves[path])
            return body(files[path]) if path in files else body(b"no", 404)

        super().__init__(answer)


@dataclass
class FakeLyingLabelStudio:
    """A Label Studio whose task list lies: it claims `total` tasks and answers page N with
    `page_of(N)` (task ids). The real one cannot be made to lie. After `budget` requests for
    tasks it answers 500, so a bridge that would page for ever fails instead of hanging."""

    total: int
    page_of: Callable[[int], list[int]]
    audio: bytes
    budget: int = 50
    host: Host = field(init=False)

    def __post_init__(self) -> None:
        self.host = Host(self._answer)

    @property
    def url(self) -> str:
        return self.host.url

    def task_requests(self) -> int:
        return sum(1 for s in self.host.seen if s.path.startswith("/api/tasks"))

    def _answer(self, path: str) -> Answer:
        parts = urlsplit(path)
        if parts.path.startswith("/api/projects/"):
            return body(json.dumps({"label_config": CONFIG}).encode())
        if parts.path == "/api/tasks":
            if self.task_requests() > self.budget:
                return body(b"worn out", 500)
            page = int(parse_qs(parts.query)["page"][0])
            tasks = [
                {"id": i, "data": {"audio": f"/data/upload/1/t{i}.wav"}} for i in self.page_of(page)
            ]
            return body(json.dumps({"total": self.total, "tasks": tasks}).encode())
        if parts.path.startswith("/data/upload/"):
            return body(self.audio)
        return body(b"no", 404)

    def __enter__(self) -> FakeLyingLabelStudio:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.host.__exit__(kind, exc, tb)
