#!/usr/bin/env bash
# A real Label Studio for the bridge tests (tests/workstation/sync/test_label_studio.py), in its own
# environment beside the project's: it pins hundreds of packages of its own. About 2 minutes the
# first time; afterwards nothing. The tests start it on 127.0.0.1 and stop it.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=1.23.2
VENV=.venv-label-studio
if [ -x "$VENV/bin/label-studio" ] && "$VENV/bin/python" -c "
import importlib.metadata as m, sys
sys.exit(m.version('label-studio') != '$VERSION')" 2>/dev/null; then
    exit 0
fi
rm -rf "$VENV"
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "label-studio==$VERSION"
