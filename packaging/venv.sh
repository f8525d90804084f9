#!/usr/bin/env bash
# Create .venv (once) and install Earmark into it, with the word aligner; --server adds the
# server, --bundle PyInstaller (packaging/bundle.sh), --dev the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv
fi
extra="[align]"
case "${1:-}" in
  --dev) extra="[dev]" ;;
  --server) extra="[server,align]" ;;
  --bundle) extra="[align,bundle]" ;;
esac
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extra}"
# Compiled once here: where PYTHONDONTWRITEBYTECODE is set (as on CI machines), Python would
# otherwise compile every module of the app again at each start of a window or a server.
.venv/bin/python -m compileall -q app >/dev/null
