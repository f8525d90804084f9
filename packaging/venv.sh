#!/usr/bin/env bash
# Create .venv (once) and install Earmark into it; with --dev, the test tools too.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv
fi
extra=""
if [[ "${1:-}" == "--dev" ]]; then extra="[dev]"; fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extra}"
