"""Every file location the workstation uses; EARMARK_HOME overrides the per-user folders."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import platformdirs

APP = "earmark"


def data_dir() -> Path:
    home = os.environ.get("EARMARK_HOME")
    path = Path(home) / "data" if home else Path(platformdirs.user_data_dir(APP, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    home = os.environ.get("EARMARK_HOME")
    path = Path(home) / "cache" if home else Path(platformdirs.user_cache_dir(APP, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def peak_cache_dir() -> Path:
    path = cache_dir() / "peaks"
    path.mkdir(parents=True, exist_ok=True)
    return path


def decode_cache_dir() -> Path:
    path = cache_dir() / "decoded"
    path.mkdir(parents=True, exist_ok=True)
    return path


def project_db(source: Path) -> Path:
    """One local store per opened folder or manifest, named by its resolved path."""
    key = hashlib.sha256(str(source.resolve()).encode()).hexdigest()[:16]
    folder = data_dir() / "projects"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{key}.sqlite3"


def resources_dir() -> Path:
    """resources/ of a source checkout, or the copy installed beside the package."""
    here = Path(__file__).resolve().parents[2]  # the app package
    for candidate in (here.parent / "resources", here / "resources"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("Earmark's resources folder is missing; reinstall Earmark.")
