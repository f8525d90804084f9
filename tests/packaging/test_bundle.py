"""The frozen workstation (packaging/bundle.sh, PyInstaller) does what the source does: the same
`earmark import` lines and exit codes on the samples and on broken files, a draft made with the
bundled recogniser, the window opened on the samples and closed without a traceback; its
install script puts it where a desktop looks; its desktop entry and metainfo validate."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.workstation.test_project import mixed_folder

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "io.github.earmark.Earmark"


@pytest.fixture(scope="module")
def bundle() -> Iterator[Path]:
    """The tar.gz bundle.sh builds (once for this module)."""
    r = subprocess.run(
        ["bash", "packaging/bundle.sh", "--no-install"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    sys.stdout.write(r.stdout)  # its size and largest parts, in the test log
    (tar,) = (ROOT / "dist").glob("earmark-*-linux-*.tar.gz")
    yield tar


@pytest.fixture(scope="module")
def unpacked(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    top = tmp_path_factory.mktemp("bundle")
    with tarfile.open(bundle) as t:
        t.extractall(top, filter="tar")
    (folder,) = top.iterdir()
    return folder


def run(cmd: list[str], home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "EARMARK_HOME": str(home), **env},
    )


def test_frozen_import_says_what_the_source_says(unpacked: Path, tmp_path: Path) -> None:
    frozen = str(unpacked / "earmark" / "earmark")
    samples = tmp_path / "samples"
    shutil.copytree(ROOT / "resources" / "samples", samples)
    broken = mixed_folder(tmp_path)
    for folder, code in ((samples, 0), (broken, 1)):
        src = run([sys.executable, "-m", "app", "import", str(folder)], tmp_path / "h-src")
        got = run([frozen, "import", str(folder)], tmp_path / "h-frozen")
        assert (src.returncode, got.returncode) == (code, code), got.stderr
        assert got.stdout == src.stdout and got.stdout
        assert "Traceback" not in got.stderr
        # and the export from the frozen program's store is the source's, line for line
        exp_src = run(
            [sys.executable, "-m", "app", "export", str(folder), "--all"], tmp_path / "h-src"
        )
        exp_got = run([frozen, "export", str(folder), "--all"], tmp_path / "h-frozen")
        assert exp_got.returncode == 0 and exp_got.stdout == exp_src.stdout


def test_the_bundled_recogniser_drafts(unpacked: Path, tmp_path: Path) -> None:
    folder = tmp_path / "rec"
    folder.mkdir()
    subprocess.run(
        ["espeak-ng", "-w", str(folder / "a.wav"), "what is the weather tomorrow"], check=True
    )
    r = run(
        [str(unpacked / "earmark" / "earmark"), "import", str(folder), "--draft"], tmp_path / "h"
    )
    assert r.returncode == 0, r.stderr
    assert "1 draft(s) made" in r.stdout and "drafted: a.wav:" in r.stdout


def test_the_frozen_window_opens_on_the_samples_and_closes(
    unpacked: Path, tmp_path: Path, pulse: str
) -> None:
    r = run(
        [
            str(unpacked / "earmark" / "earmark"),
            "open",
            str(ROOT / "resources" / "samples"),
            "--quit-after",
            "4000",
        ],
        tmp_path / "h",
        QT_QPA_PLATFORM="offscreen",
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert "Traceback" not in r.stderr
    assert "first waveform shown" in r.stderr  # the recording was decoded and drawn
    assert "cannot play audio" not in r.stderr.lower()  # QtMultimedia's plugins came along


def test_the_frozen_demo_says_why_it_is_not_there(unpacked: Path, tmp_path: Path) -> None:
    r = run([str(unpacked / "earmark" / "earmark"), "demo"], tmp_path / "h")
    assert r.returncode == 2 and "does not carry the server" in r.stderr
    assert "Traceback" not in r.stderr


def test_the_install_script_puts_it_where_a_desktop_looks(unpacked: Path, tmp_path: Path) -> None:
    prefix = tmp_path / "prefix"
    r = subprocess.run(
        ["sh", str(unpacked / "install.sh"), "--prefix", str(prefix)],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    program = prefix / "lib" / "earmark" / "earmark"
    desktop = prefix / "share" / "applications" / f"{APP_ID}.desktop"
    assert f"Exec={program} open %f" in desktop.read_text()
    assert (prefix / "share" / "icons" / "hicolor" / "scalable" / "apps" / "earmark.svg").is_file()
    assert (prefix / "share" / "metainfo" / f"{APP_ID}.metainfo.xml").is_file()
    v = subprocess.run(
        [str(prefix / "bin" / "earmark"), "--version"], capture_output=True, text=True
    )
    assert v.returncode == 0 and v.stdout.startswith("earmark ")
    assert (
        subprocess.run(["desktop-file-validate", str(desktop)], capture_output=True).returncode == 0
    )
    r = subprocess.run(
        ["sh", str(unpacked / "install.sh"), "--prefix", str(prefix), "--uninstall"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0 and not program.exists() and not desktop.exists()


def test_the_desktop_entry_and_the_metainfo_validate() -> None:
    d = subprocess.run(
        ["desktop-file-validate", str(ROOT / "packaging" / f"{APP_ID}.desktop")],
        capture_output=True,
        text=True,
    )
    assert d.returncode == 0 and d.stdout.strip() == "", d.stdout
    a = subprocess.run(
        [
            "appstreamcli",
            "validate",
            "--no-net",
            "--pedantic",
            str(ROOT / "packaging" / f"{APP_ID}.metainfo.xml"),
        ],
        capture_output=True,
        text=True,
    )
    assert a.returncode == 0, a.stdout + a.stderr
