#!/usr/bin/env bash
# Runs its arguments inside the current D-Bus session with a throwaway,
# unlocked gnome-keyring (a real Secret Service for the keyring tests).
# Meant to be called as: dbus-run-session -- scripts/with-keyring.sh CMD...
# Its exit status is the command's. The keyring daemon it started (found by
# the throwaway XDG_DATA_HOME in its environment) is ended by PID afterwards,
# so no gnome-keyring-daemon outlives the run.
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
keyring_pids() {
  local f pid
  for f in /proc/[0-9]*/environ; do
    pid=${f#/proc/}; pid=${pid%/environ}
    [ "$pid" = $$ ] && continue
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = gnome-keyring-d ] || continue
    grep -qxF "XDG_DATA_HOME=$XDG_DATA_HOME" < <(tr '\0' '\n' <"$f" 2>/dev/null) && echo "$pid"
  done
  return 0
}
status=0
"$@" || status=$?
for pid in $(keyring_pids); do kill "$pid" 2>/dev/null || true; done
exit "$status"
