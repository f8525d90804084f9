#!/usr/bin/env bash
# Quick start: install what is needed, start a throwaway demo server with the sample recordings
# on 127.0.0.1, and open the workstation signed in to it. With a PATH, open that folder or
# manifest on this machine instead (no server).
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/system-deps.sh
bash packaging/venv.sh --server
if [[ $# -gt 0 ]]; then
  exec .venv/bin/earmark open "$@"
fi
exec .venv/bin/earmark demo
