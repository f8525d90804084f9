#!/bin/sh
# Install the Earmark workstation from this unpacked bundle where a Linux desktop finds it.
#   ./install.sh                 for you alone: ~/.local (no sudo)
#   sudo ./install.sh --system   for everyone: /opt/earmark, /usr/local/bin, /usr/local/share
#   ./install.sh --prefix DIR    into DIR (DIR/lib/earmark, DIR/bin, DIR/share), for packagers
#   add --uninstall to any of these to take it away again
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mode=user
prefix=""
uninstall=0
while [ $# -gt 0 ]; do
  case "$1" in
    --system) mode=system ;;
    --prefix) prefix="$2"; mode=prefix; shift ;;
    --uninstall) uninstall=1 ;;
    *) echo "install.sh: unknown option $1 (see the top of this file)" >&2; exit 2 ;;
  esac
  shift
done
case "$mode" in
  user)
    lib="$HOME/.local/lib/earmark"; bin="$HOME/.local/bin"
    share="${XDG_DATA_HOME:-$HOME/.local/share}" ;;
  system)
    if [ "$(id -u)" -ne 0 ]; then echo "install.sh --system needs root: sudo $0 --system" >&2; exit 2; fi
    lib=/opt/earmark; bin=/usr/local/bin; share=/usr/local/share ;;
  prefix)
    lib="$prefix/lib/earmark"; bin="$prefix/bin"; share="$prefix/share" ;;
esac
id=io.github.earmark.Earmark
desktop="$share/applications/$id.desktop"
icon="$share/icons/hicolor/scalable/apps/earmark.svg"
metainfo="$share/metainfo/$id.metainfo.xml"

if [ "$uninstall" -eq 1 ]; then
  rm -rf "$lib"
  rm -f "$bin/earmark" "$desktop" "$icon" "$metainfo"
  echo "Earmark removed from $lib (your annotations and settings are kept)."
  exit 0
fi

mkdir -p "$lib" "$bin" "$(dirname "$desktop")" "$(dirname "$icon")" "$(dirname "$metainfo")"
rm -rf "$lib.new"
cp -a "$here/earmark" "$lib.new"   # copied whole, then swapped in: never half an install
rm -rf "$lib"
mv "$lib.new" "$lib"
ln -sf "$lib/earmark" "$bin/earmark"
# the menu entry starts this copy, wherever PATH points
sed "s|^Exec=earmark |Exec=$lib/earmark |" "$here/$id.desktop" > "$desktop"
cp "$here/earmark.svg" "$icon"
cp "$here/$id.metainfo.xml" "$metainfo"
if command -v update-desktop-database >/dev/null 2>&1; then
  update-desktop-database -q "$share/applications" || true
fi
if command -v gtk-update-icon-cache >/dev/null 2>&1; then
  gtk-update-icon-cache -q -t "$share/icons/hicolor" || true
fi
echo "Earmark installed in $lib; 'earmark' is in $bin, and it is in your applications menu."
case ":$PATH:" in
  *":$bin:"*) ;;
  *) echo "Add $bin to your PATH to run 'earmark' from a terminal." ;;
esac
