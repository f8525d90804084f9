import pytest

from app.workstation import syslibs


def test_missing_library_names_the_package() -> None:
    msg = "libpulse.so.0: cannot open shared object file: No such file or directory"
    assert syslibs.package_for_import_error(msg) == "libpulse0"
    msg = "libxcb-cursor.so.0: cannot open shared object file"
    assert syslibs.package_for_import_error(msg) == "libxcb-cursor0"
    assert syslibs.package_for_import_error("no library here") is None


def test_missing_packages_are_found_by_library(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setattr(
        syslibs.ctypes.util,
        "find_library",
        lambda name: None if name in ("pulse", "xcb-cursor") else f"lib{name}.so",
    )
    assert syslibs.missing_packages() == ["libpulse0", "libxcb-cursor0"]
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert syslibs.missing_packages(sound=False) == []


def test_open_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app import cli

    monkeypatch.setattr(cli, "missing_packages", lambda: ["libxcb-cursor0"])
    assert cli.main(["open"]) == 3
    err = capsys.readouterr().err
    assert "sudo apt-get install libxcb-cursor0" in err and "Traceback" not in err
