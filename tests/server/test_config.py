"""The server's configuration file: the example in packaging/ loads as written; a typo or a
value of the wrong kind is refused by name, never taken for a default."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.server.config import ConfigError, load_config
from app.server.limits import Limits

ROOT = Path(__file__).resolve().parents[2]


def test_the_packaged_example_loads_as_written() -> None:
    cfg = load_config(ROOT / "packaging" / "earmark-server.toml")
    assert cfg.database == "sqlite:////var/lib/earmark-server/server.sqlite3"
    assert cfg.data == Path("/var/lib/earmark-server")
    assert cfg.key_file == Path("/etc/earmark-server/master.key")
    assert (cfg.host, cfg.port, cfg.workers) == ("127.0.0.1", 8765, 2)
    assert cfg.trusted_proxies == ("127.0.0.1",)
    assert cfg.limits == Limits()  # the example spells out the defaults


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ('databse = "sqlite://"', "unknown key(s) in c.toml: databse"),
        ("port = 99999", "port must be 1-65535"),
        ('port = "80"', "port must be int, not str"),
        ("workers = 0", "workers must be at least 1"),
        ("trusted_proxies = [1]", "trusted_proxies[] must be str"),
        ("[limits]\nconcurency = 4", "unknown key(s) in [limits]: concurency"),
        ("[limits]\nwait_s = -1", "limits.wait_s must be more than 0"),
        ("[limits]\nqueue = true", "limits.queue must be int, not bool"),
        ("port = ", "not valid TOML"),
        ('[s3]\nendpont = "https://s3.example.org"', "unknown key(s) in [s3]: endpont"),
        ("[s3]\nregion = 1", "s3.region must be str, not int"),
        ("audio_store = 1", "audio_store must be str, not int"),
    ],
)
def test_a_careless_file_is_refused_by_name(tmp_path: Path, body: str, says: str) -> None:
    f = tmp_path / "c.toml"
    f.write_text(body + "\n")
    with pytest.raises(ConfigError, match=None) as exc:
        load_config(f)
    assert says in str(exc.value)


def test_numbers_where_fractions_go_and_a_missing_file(tmp_path: Path) -> None:
    f = tmp_path / "c.toml"
    f.write_text("[limits]\nwait_s = 5\n")
    assert load_config(f).limits.wait_s == 5.0
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml")
