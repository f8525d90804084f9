"""A deliberately broken server for the load script's checks: it asks nobody's membership, so
anyone may lease in any project. The load script must report the crossing (tests/test_load.py)."""

from __future__ import annotations

import sys
from typing import Any

from app.server import members, service
from app.server.cli import main


def fake_require_letting_anyone_in(db: Any, user: Any, project_id: str, *roles: str) -> str:
    return "admin"


members.require = fake_require_letting_anyone_in
service.require = fake_require_letting_anyone_in

if __name__ == "__main__":
    sys.exit(main())
