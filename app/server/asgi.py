"""The application each server process builds: `earmark-server serve` puts its settings in the
environment, so the one process or each of `--workers` processes reads the same."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from app.server.api import create_app
from app.server.limits import Limits

SETTINGS = "EARMARK_SERVER_SERVE"


def settings(db_url: str, data: Path, demo: bool, limits: Limits) -> str:
    """What `serve` hands to its processes (no secret: the database URL is the caller's)."""
    fields = {k: getattr(limits, k) for k in Limits.__dataclass_fields__}
    return json.dumps({"db": db_url, "data": str(data), "demo": demo, "limits": fields})


def app() -> FastAPI:
    import sys

    sys.setswitchinterval(float(os.environ.get("X_SWITCH", "0.005")))
    cfg: dict[str, Any] = json.loads(os.environ[SETTINGS])
    return create_app(
        cfg["db"], Path(cfg["data"]), demo=bool(cfg["demo"]), limits=Limits(**cfg["limits"])
    )
