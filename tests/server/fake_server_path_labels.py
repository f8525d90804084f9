"""A deliberately broken server for tests/server/test_metric_labels.py: it labels each request
by the path the client sent, as the server once did with anything but lower-case UUIDs and
digits. The harness must find the ids in its figures and its log."""

from __future__ import annotations

import sys

from app.server import observe
from app.server.cli import main


def fake_template_by_path(self: observe.RouteTable, path: str, method: str) -> str:
    return path


observe.RouteTable.template = fake_template_by_path  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(main())
