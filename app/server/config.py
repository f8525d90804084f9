"""The server's configuration file (TOML), for a service manager to start it with one option.

    earmark-server --config /etc/earmark-server/config.toml serve

Every key is optional; an option on the command line wins over the file, and the file over the
environment (EARMARK_SERVER_DB, EARMARK_SERVER_DATA, EARMARK_SERVER_KEY_FILE). A key the file
does not know, or a value of the wrong kind, is an error that names it: a typo must not pass
for a setting. packaging/earmark-server.toml is an example with every key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from app.server.limits import Limits


class ConfigError(ValueError):
    """The file cannot be used; the message says which key and why."""


@dataclass(frozen=True, slots=True)
class Config:
    database: str | None = None  # a SQLAlchemy URL
    data: Path | None = None  # the data folder: audio store, SQLite database
    key_file: Path | None = None  # the master key, outside the data folder
    host: str = "127.0.0.1"
    port: int = 8765
    workers: int = 1
    trusted_proxies: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    audio_store: str | None = None  # s3://BUCKET/PREFIX; none: the data folder's audio/
    s3: dict[str, str] = field(default_factory=dict)  # endpoint, region and credentials


S3_KEYS = {  # [s3] key -> the environment variable the object store's client reads
    "endpoint": "AWS_ENDPOINT_URL",
    "region": "AWS_REGION",
    "access_key_id": "AWS_ACCESS_KEY_ID",
    "secret_access_key": "AWS_SECRET_ACCESS_KEY",
}

_TOP: dict[str, type] = {
    "database": str,
    "data": str,
    "key_file": str,
    "host": str,
    "port": int,
    "workers": int,
    "trusted_proxies": list,
    "limits": dict,
    "audio_store": str,
    "s3": dict,
}


def _kind(name: str, value: Any, want: type) -> Any:
    if want is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, want) or (want is int and isinstance(value, bool)):
        raise ConfigError(f"{name} must be {want.__name__}, not {type(value).__name__}")
    return value


def load_config(path: Path) -> Config:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    unknown = sorted(set(raw) - set(_TOP))
    if unknown:
        raise ConfigError(f"unknown key(s) in {path.name}: {', '.join(unknown)}")
    values = {k: _kind(k, v, _TOP[k]) for k, v in raw.items()}
    d = Config()
    proxies = tuple(_kind("trusted_proxies[]", p, str) for p in values.get("trusted_proxies", []))
    cfg = Config(
        database=values.get("database", d.database),
        data=Path(values["data"]) if "data" in values else None,
        key_file=Path(values["key_file"]) if "key_file" in values else None,
        host=values.get("host", d.host),
        port=values.get("port", d.port),
        workers=values.get("workers", d.workers),
        trusted_proxies=proxies,
        limits=_limits(values.get("limits", {})),
        audio_store=values.get("audio_store"),
        s3=_s3(values.get("s3", {})),
    )
    if not 1 <= cfg.port <= 65535:
        raise ConfigError(f"port must be 1-65535, not {cfg.port}")
    if cfg.workers < 1:
        raise ConfigError(f"workers must be at least 1, not {cfg.workers}")
    return cfg


def _s3(raw: dict[str, Any]) -> dict[str, str]:
    unknown = sorted(set(raw) - set(S3_KEYS))
    if unknown:
        raise ConfigError(f"unknown key(s) in [s3]: {', '.join(unknown)}")
    return {k: _kind(f"s3.{k}", v, str) for k, v in raw.items()}


def _limits(raw: dict[str, Any]) -> Limits:
    known = {f.name: f for f in fields(Limits)}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ConfigError(f"unknown key(s) in [limits]: {', '.join(unknown)}")
    out = Limits()
    for k, v in raw.items():
        want = type(getattr(out, k))
        value = _kind(f"limits.{k}", v, want)
        if value <= 0:
            raise ConfigError(f"limits.{k} must be more than 0, not {value}")
        out = replace(out, **{k: value})
    return out
