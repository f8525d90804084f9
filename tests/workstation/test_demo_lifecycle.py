"""Nothing outlives `earmark demo`: its server process and its folder are gone when the demo is
asked to stop (SIGTERM, SIGINT, SIGHUP), within seconds when it is killed outright, and a
folder a crashed demo left is removed by the next one."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app.workstation.demo import LOCK, PREFIX, remove_stale_folders

ROOT = Path(__file__).resolve().parents[2]


def leftovers(tmp: Path) -> list[str]:
    """Demo folders under `tmp`, and processes whose command line names one of them."""
    found = [str(p) for p in tmp.glob(PREFIX + "*")]
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if f"{tmp}/{PREFIX}" in cmdline and (proc / "stat").read_text().split()[2] != "Z":
            found.append(f"process {proc.name}: {cmdline[:200]}")
    return found


def wait_gone(tmp: Path, timeout_s: float) -> list[str]:
    end = time.monotonic() + timeout_s
    while (left := leftovers(tmp)) and time.monotonic() < end:
        time.sleep(0.1)
    return left


class Demo:
    """`earmark demo` as a user starts it, its log read as it comes."""

    def __init__(self, tmp: Path) -> None:
        env = {**os.environ, "TMPDIR": str(tmp), "QT_QPA_PLATFORM": "offscreen"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app", "demo"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)

    def __enter__(self) -> Demo:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.proc.kill()
        self.proc.wait(10)
        assert self.proc.stderr is not None
        self.proc.stderr.close()

    def wait_for(self, text: str, timeout_s: float = 60) -> None:
        end = time.monotonic() + timeout_s
        while not any(text in line for line in self.lines):
            assert self.proc.poll() is None, "".join(self.lines)[-3000:]
            assert time.monotonic() < end, "".join(self.lines)[-3000:]
            time.sleep(0.05)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=str)
def test_a_demo_asked_to_stop_leaves_nothing(tmp_path: Path, sig: signal.Signals) -> None:
    with Demo(tmp_path) as demo:
        demo.wait_for("first waveform shown")
        assert len(leftovers(tmp_path)) == 2  # its folder and its server, while it runs
        demo.proc.send_signal(sig)
        assert demo.proc.wait(30) == 0  # closed as the close button would
        assert wait_gone(tmp_path, 10) == []


def test_a_killed_demo_takes_its_server_along(tmp_path: Path) -> None:
    for moment in ("starting window shown", "first waveform shown"):  # setting up, working
        with Demo(tmp_path) as demo:
            demo.wait_for(moment)
            demo.proc.send_signal(signal.SIGKILL)
            demo.proc.wait(10)
            # a few seconds (here, on a quiet machine); a loaded one may still be importing the
            # server when its parent dies, and only then reads that its input has closed
            assert wait_gone(tmp_path, 20) == [], moment


def test_the_check_sees_a_server_left_behind(tmp_path: Path) -> None:
    """The harness above can fail: a process naming a demo folder, and the folder, are seen."""
    folder = tmp_path / f"{PREFIX}orphan"
    folder.mkdir()
    orphan = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", str(folder)])
    try:
        time.sleep(0.2)
        left = leftovers(tmp_path)
        assert str(folder) in left and any(f"process {orphan.pid}" in x for x in left)
        assert wait_gone(tmp_path, 0.5) != []
    finally:
        orphan.kill()
        orphan.wait()


def test_folders_of_crashed_demos_are_removed_and_running_ones_kept(tmp_path: Path) -> None:
    crashed, running, young = (tmp_path / f"{PREFIX}{name}" for name in ("a", "b", "c"))
    for folder in (crashed, running, young):
        (folder / "data").mkdir(parents=True)
        (folder / LOCK).touch()
    hour_ago = time.time() - 3600
    for folder in (crashed, running):
        os.utime(folder, (hour_ago, hour_ago))
    with (running / LOCK).open("wb") as held:  # a running demo holds its lock
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert remove_stale_folders(tmp_path) == [crashed]
    assert not crashed.exists()
    assert running.exists() and young.exists()  # a demo just starting may not hold it yet
