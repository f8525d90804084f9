#!/usr/bin/env bash
# Inside a D-Bus session: start gnome-keyring's Secret Service with a fresh login keyring in a
# private folder, then run the given command.
set -euo pipefail
home=$(mktemp -d)
export XDG_DATA_HOME="$home/data" XDG_CONFIG_HOME="$home/config"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME"
head -c 24 /dev/urandom | base64 | tr -d '\n' \
  | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null
"$@"
