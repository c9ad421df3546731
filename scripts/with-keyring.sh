#!/usr/bin/env bash
# Runs its arguments inside the current D-Bus session with a throwaway,
# unlocked gnome-keyring (a real Secret Service for the keyring tests).
# Meant to be called as: dbus-run-session -- scripts/with-keyring.sh CMD...
# Its exit status is the command's: it ends with exec.
set -euo pipefail
XDG_DATA_HOME=$(mktemp -d)
export XDG_DATA_HOME
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
# A throwaway keyring, unlocked with a throwaway password. If the daemon
# cannot start, the keyring tests see no Secret Service (and fail under
# OAUTHX_REQUIRE_SERVICES=1).
if keyring_env=$(printf oauthx-test | gnome-keyring-daemon --unlock --components=secrets 2>/dev/null); then
  eval "$keyring_env"
  export OAUTHX_SECRET_SERVICE=1
else
  echo "with-keyring: gnome-keyring-daemon did not start" >&2
fi
exec "$@"
