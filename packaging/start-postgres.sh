#!/usr/bin/env bash
# Start Debian's PostgreSQL cluster (installed by system-deps.sh --test) and make sure the
# current user has a superuser role there, reached by peer authentication over the socket.
set -euo pipefail
if [[ $(id -u) -eq 0 ]]; then
  as_root() { "$@"; }
  as_postgres() { runuser -u postgres -- "$@"; }
else
  as_root() { sudo "$@"; }
  as_postgres() { sudo -u postgres "$@"; }
fi
read -r version cluster _port status _rest < <(pg_lsclusters -h | head -n 1) || true
if [[ -z "${version:-}" ]]; then
  echo "no PostgreSQL cluster found; run packaging/system-deps.sh --test" >&2
  exit 1
fi
if [[ "$status" != online* ]]; then
  as_root pg_ctlcluster "$version" "$cluster" start
fi
me=$(id -un)
for _ in $(seq 1 50); do
  if as_postgres psql -qtAc "SELECT 1" >/dev/null 2>&1; then break; fi
  sleep 0.2
done
if ! as_postgres psql -qtAc "SELECT 1 FROM pg_roles WHERE rolname='$me'" | grep -q 1; then
  as_postgres createuser --superuser "$me"
fi
