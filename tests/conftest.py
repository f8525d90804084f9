"""Test session setup: offscreen Qt, a private EARMARK_HOME, and a real PulseAudio null sink."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_SESSION_DIR = Path(tempfile.mkdtemp(prefix="earmark-tests-"))
_RUNTIME = _SESSION_DIR / "xdg-runtime"
_RUNTIME.mkdir(mode=0o700)
# Pulse clients (Qt's audio engine) find the server through XDG_RUNTIME_DIR, read once per
# process, so it is set before anything imports QtMultimedia.
os.environ["XDG_RUNTIME_DIR"] = str(_RUNTIME)
# The servers the tests start (in this process and as processes) share one master key, made
# here, outside every data folder, as a deployment keeps it (app/server/keys.py).
_MASTER_KEY = _SESSION_DIR / "server-master.key"
_MASTER_KEY.write_bytes(os.urandom(32))
_MASTER_KEY.chmod(0o600)
os.environ["EARMARK_SERVER_KEY_FILE"] = str(_MASTER_KEY)
os.environ.pop("PULSE_SERVER", None)
_pulse_error = ""


def _start_pulse() -> None:
    global _pulse_error
    exe = shutil.which("pulseaudio")
    if exe is None:
        _pulse_error = "pulseaudio is not installed (packaging/system-deps.sh --test installs it)"
        return
    # without the session bus: each pulseaudio claims org.PulseAudio1 on it, so a second one
    # (a parallel test worker's) would refuse to start; the tests reach it by its socket
    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    subprocess.run(
        [
            exe,
            "-D",
            "--exit-idle-time=-1",
            "-n",
            "--disallow-exit",
            "--load=module-null-sink sink_name=earmark_null",
            "--load=module-native-protocol-unix",
        ],
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if subprocess.run(["pactl", "info"], capture_output=True, check=False).returncode == 0:
            return
        time.sleep(0.1)
    _pulse_error = "pulseaudio did not start"


# The files that take longest, longest first. Parallel workers (packaging/test.sh) take whole
# files in collection order, so these start at once, side by side, instead of one of them
# starting last and running on alone at the end. Scheduling only: nothing depends on order.
LONGEST_FIRST = (
    "workstation/sync/test_server_crash.py",
    "workstation/sync/test_server_crash_pg.py",
    "packaging/test_bundle.py",
    "workstation/sync/test_label_studio.py",
    "test_bench.py",
    "server/test_openapi.py",
    "test_load.py",
    "server/test_backup.py",
    "server/test_auth.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent

    def rank(item: pytest.Item) -> int:
        name = item.path.relative_to(here).as_posix() if item.path.is_relative_to(here) else ""
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the rest keep their order


def pytest_configure(config: pytest.Config) -> None:
    if getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput"):
        return  # the controller of parallel workers runs no test; each worker has its own
    _start_pulse()


def pytest_unconfigure(config: pytest.Config) -> None:
    from tests import s3

    s3.stop()  # the object store this test process started, if it did
    subprocess.run(["pulseaudio", "--kill"], check=False, capture_output=True)
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)


@pytest.fixture
def pulse() -> str:
    """The real PulseAudio null sink; a missing one fails the test (it never skips)."""
    if _pulse_error:
        pytest.fail(f"real sound server needed: {_pulse_error}")
    return "earmark_null"


@pytest.fixture(autouse=True)
def earmark_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "earmark-home"
    monkeypatch.setenv("EARMARK_HOME", str(home))
    return home


def write_tone(
    path: Path, seconds: float, rate: int = 16000, freq: float = 200.0, channels: int = 1
) -> Path:
    t = np.arange(int(seconds * rate)) / rate
    x = (0.4 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    data = np.repeat(x[:, None], channels, axis=1) if channels > 1 else x
    sf.write(str(path), data, rate, subtype="PCM_16")
    return path


@pytest.fixture
def samples_dir() -> Path:
    from app.workstation.store.paths import resources_dir

    return resources_dir() / "samples"


@pytest.fixture
def copy_samples(tmp_path: Path, samples_dir: Path) -> Iterator[Path]:
    """A private copy of the bundled samples, so a test's store is its own."""
    dst = tmp_path / "samples"
    shutil.copytree(samples_dir, dst)
    yield dst
