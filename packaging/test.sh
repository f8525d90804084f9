#!/usr/bin/env bash
# Quick start: install everything the tests need, start the real services, run every check.
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/system-deps.sh --test
bash packaging/venv.sh --dev
.venv/bin/ruff check app tests packaging
.venv/bin/lint-imports
.venv/bin/mypy
# PostgreSQL for the server suite: Debian's cluster, reached over its socket as the current
# user (peer authentication: no password anywhere).
bash packaging/start-postgres.sh
export EARMARK_TEST_PG=/var/run/postgresql
# A real Label Studio, in its own environment, for the bridge tests (they start it themselves).
bash packaging/label-studio.sh
export EARMARK_TEST_LABEL_STUDIO="$PWD/.venv-label-studio/bin/label-studio"
# The tests start their own PulseAudio null sink (tests/conftest.py); the keyring tests use a
# real Secret Service: gnome-keyring in a private D-Bus session, its login keyring unlocked
# with a random password made here and kept nowhere.
# In parallel: four processes (most tests wait on a server, a sound card or a subprocess, so
# four keep two cores busy), each test file in one process so that a file's shared servers
# start once; EARMARK_TEST_WORKERS=0 runs them one after another.
exec dbus-run-session -- bash packaging/with-keyring.sh .venv/bin/python -m pytest \
  -n "${EARMARK_TEST_WORKERS:-4}" --dist loadfile "$@"
