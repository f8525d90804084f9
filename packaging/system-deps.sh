#!/usr/bin/env bash
# System packages Earmark needs on Debian/Ubuntu. The README and .ci/run both use this script.
#   packaging/system-deps.sh          what the workstation needs to run
#   packaging/system-deps.sh --test   plus the real services the tests use
#   packaging/system-deps.sh --bundle plus what PyInstaller needs (packaging/bundle.sh)
set -euo pipefail

RUN_PKGS=(
  libpulse0 libegl1 libgl1 libfontconfig1 libdbus-1-3 libglib2.0-0 libsndfile1
  libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-keysyms1 libxcb-icccm4 libxcb-image0
  libxcb-render-util0 libxcb-randr0 libxcb-shape0 libxcb-xinerama0 libxcb-xfixes0 libxcb-shm0
  libxcb-sync1 libxcb-xkb1 libx11-xcb1 fonts-dejavu-core
)
BUNDLE_PKGS=(binutils)
TEST_PKGS=(
  pulseaudio pulseaudio-utils dbus dbus-x11 gnome-keyring xvfb xauth sox postgresql espeak-ng
  desktop-file-utils appstream e2fsprogs "${BUNDLE_PKGS[@]}"
)

pkgs=("${RUN_PKGS[@]}")
if [[ "${1:-}" == "--test" ]]; then
  pkgs+=("${TEST_PKGS[@]}")
elif [[ "${1:-}" == "--bundle" ]]; then
  pkgs+=("${BUNDLE_PKGS[@]}")
fi
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  pkgs+=(python3-venv)
fi

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

missing=()
for p in "${pkgs[@]}"; do
  installed "$p" || installed "${p}t64" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
# Newer releases renamed some libraries with a t64 suffix (64-bit time_t); take what exists.
resolved=()
for p in "${missing[@]}"; do
  if apt-cache show "$p" >/dev/null 2>&1; then
    resolved+=("$p")
  elif apt-cache show "${p}t64" >/dev/null 2>&1; then
    resolved+=("${p}t64")
  else
    echo "warning: no package named $p or ${p}t64 here; skipping it" >&2
  fi
done
echo "Installing system packages: ${resolved[*]}"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${resolved[@]}"
