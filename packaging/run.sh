#!/usr/bin/env bash
# Quick start: install what is needed and open the workstation on the bundled sample recordings.
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/system-deps.sh
bash packaging/venv.sh
exec .venv/bin/earmark open "$@"
