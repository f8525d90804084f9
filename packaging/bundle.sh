#!/usr/bin/env bash
# Build the workstation as one folder (PyInstaller, packaging/earmark.spec) and pack it with its
# desktop entry, icon, AppStream metainfo and install script:
#   dist/earmark-VERSION-linux-ARCH.tar.gz     (unpack, then ./install.sh)
# Prints the bundle's size and what takes the most room. --no-install: use .venv as it is
# (the tests build it so, from the environment they run in).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" != "--no-install" ]]; then
  bash packaging/system-deps.sh --bundle
  bash packaging/venv.sh --bundle
fi
version=$(.venv/bin/python -c 'import app; print(app.__version__)')
name="earmark-$version-linux-$(uname -m)"
start=$(date +%s)
.venv/bin/pyinstaller --noconfirm --log-level WARN --distpath build/dist --workpath build/work \
  packaging/earmark.spec
stage="build/$name"
rm -rf "$stage" dist/earmark-*-linux-*.tar.gz
mkdir -p "$stage" dist
cp -a build/dist/earmark "$stage/earmark"
cp packaging/io.github.earmark.Earmark.desktop packaging/io.github.earmark.Earmark.metainfo.xml \
  packaging/install.sh resources/icons/earmark.svg "$stage/"
tar -czf "dist/$name.tar.gz" -C build "$name"
took=$(( $(date +%s) - start ))
echo "built dist/$name.tar.gz in ${took} s"
echo "size: $(du -sh "$stage/earmark" | cut -f1) unpacked, $(du -sh "dist/$name.tar.gz" | cut -f1) packed"
echo "largest parts:"
( cd "$stage/earmark/_internal" && du -s -- * | sort -rn | head -8 |
    awk '{ printf "  %6.1f MB  %s\n", $1 / 1024, $2 }' )
( cd "$stage/earmark/_internal" && find . -type f -size +2M -printf '%s %p\n' | sort -rn | head -12 |
    awk '{ printf "  %6.1f MB  %s\n", $1 / 1048576, $2 }' )
