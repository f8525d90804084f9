"""Name the Debian package to install when a system library Qt needs is missing."""

from __future__ import annotations

import ctypes.util
import os
import re

# library name for find_library -> Debian/Ubuntu package
NEEDED_ALWAYS = {"EGL": "libegl1", "fontconfig": "libfontconfig1", "dbus-1": "libdbus-1-3"}
NEEDED_FOR_SOUND = {"pulse": "libpulse0"}
NEEDED_FOR_XCB = {
    "xcb-cursor": "libxcb-cursor0",
    "xcb-keysyms": "libxcb-keysyms1",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-image": "libxcb-image0",
    "xcb-render-util": "libxcb-render-util0",
    "xkbcommon-x11": "libxkbcommon-x11-0",
    "xcb-randr": "libxcb-randr0",
    "xcb-shape": "libxcb-shape0",
    "xcb-xinerama": "libxcb-xinerama0",
}

INSTALL_HINT = (
    "Install them with:\n  sudo apt-get install {packages}\nor run packaging/system-deps.sh."
)


def uses_xcb() -> bool:
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform.startswith("xcb")
    return bool(os.environ.get("DISPLAY")) and not os.environ.get("WAYLAND_DISPLAY")


def missing_packages(sound: bool = True) -> list[str]:
    wanted = dict(NEEDED_ALWAYS)
    if sound:
        wanted |= NEEDED_FOR_SOUND
    if uses_xcb():
        wanted |= NEEDED_FOR_XCB
    return sorted({pkg for lib, pkg in wanted.items() if ctypes.util.find_library(lib) is None})


def package_for_import_error(message: str) -> str | None:
    """'libpulse.so.0: cannot open shared object file' -> libpulse0."""
    m = re.search(r"lib([\w.+-]+?)\.so", message)
    if not m:
        return None
    lib = m.group(1)
    for table in (NEEDED_ALWAYS, NEEDED_FOR_SOUND, NEEDED_FOR_XCB):
        if lib in table:
            return table[lib]
    return f"the package that provides lib{lib}"
