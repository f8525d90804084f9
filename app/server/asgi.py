"""The application each server process builds: `earmark-server serve` puts its settings in the
environment, so the one process or each of `--workers` processes reads the same."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from app.server.api import create_app
from app.server.keys import load_keys
from app.server.limits import Limits
from app.server.serving import serving

SETTINGS = "EARMARK_SERVER_SERVE"


def settings(db_url: str, data: Path, key_file: Path, demo: bool, limits: Limits) -> str:
    """What `serve` hands to its processes: where things are, never a key itself."""
    fields = {k: getattr(limits, k) for k in Limits.__dataclass_fields__}
    return json.dumps(
        {
            "db": db_url,
            "data": str(data),
            "key_file": str(key_file),
            "demo": demo,
            "limits": fields,
        }
    )


def app() -> FastAPI:
    cfg: dict[str, Any] = json.loads(os.environ[SETTINGS])
    data = Path(cfg["data"])
    held = serving(cfg["db"], data)  # restore and keys rotate refuse while this process lives
    built = create_app(
        cfg["db"],
        data,
        load_keys(Path(cfg["key_file"]), data),
        demo=bool(cfg["demo"]),
        limits=Limits(**cfg["limits"]),
    )
    built.state.serving = held
    return built
