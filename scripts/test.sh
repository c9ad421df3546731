#!/usr/bin/env bash
# Runs every test of oauthx on a fresh Debian machine: installs what the
# tests need (gnome-keyring and D-Bus for a real Secret Service), starts
# Redis, PostgreSQL and a three-master Redis Cluster when they are down,
# then runs vet, gofmt, staticcheck and `go test -race ./...` inside a D-Bus
# session with an unlocked keyring, and the modules of their own: bench/jwt
# and e2e (the real-browser login test, headless Chromium).
#
# OAUTHX_REQUIRE_SERVICES=1 (CI sets it) turns a missing service into a
# failure instead of a skip.
#
# TEST_PACKAGES="./a ./b" limits vet, staticcheck and go test to those
# packages and skips the self-check and the demo; scripts/selfcheck.sh uses
# it to prove that a failing test makes this script exit non-zero.
#
# Every step runs in this shell under `set -euo pipefail`; the D-Bus session
# wraps only the `go test` command (scripts/with-keyring.sh), and its exit
# status is this script's, so no failure can be swallowed by a subshell.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '==> %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi
}

apt_updated=0
need_pkgs() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  if [ $apt_updated = 0 ]; then as_root apt-get update -qq || true; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# --- Secret Service (keyring tests) -----------------------------------------
if command -v apt-get >/dev/null; then
  need_pkgs dbus dbus-x11 gnome-keyring || log "could not install gnome-keyring/dbus"
fi

# --- Headless Chromium (e2e's real-browser login test), wrk (bench.sh), curl (the README's oauthx fake block) ---
if command -v apt-get >/dev/null; then
  need_pkgs chromium wrk curl || log "could not install chromium/wrk/curl"
fi

# --- Redis --------------------------------------------------------------------
redis_up() { (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; }
if ! redis_up; then
  command -v redis-server >/dev/null || need_pkgs redis-server || true
  if command -v redis-server >/dev/null; then
    log "starting Redis on 127.0.0.1:6379"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
    for _ in $(seq 1 50); do redis_up && break; sleep 0.1; done
  fi
fi

# --- PostgreSQL ---------------------------------------------------------------
pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
if ! pg_up; then
  command -v pg_ctlcluster >/dev/null || need_pkgs postgresql || true
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    log "starting PostgreSQL on 127.0.0.1:5432"
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 100); do pg_up && break; sleep 0.1; done
  fi
fi
if pg_up && command -v psql >/dev/null; then
  psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='test'" 2>/dev/null | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE test" >/dev/null 2>&1 || true
fi

# --- Redis Cluster (the chaos suite's storm) ----------------------------------
# Three masters on 127.0.0.1:7000-7002 (cluster bus 17000-17002), from the
# same Debian redis-server, data in $OAUTHX_REDIS_CLUSTER_DIR (default
# /tmp/oauthx-redis-cluster). Left running like Redis and PostgreSQL above;
# a cluster that already says cluster_state:ok is reused as it is. The tests
# find it through OAUTHX_REDIS_CLUSTER.
cluster_ports=(7000 7001 7002)
cluster_ok() { redis-cli -h 127.0.0.1 -p "${cluster_ports[0]}" cluster info 2>/dev/null | grep -q '^cluster_state:ok'; }
port_up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
command -v redis-server >/dev/null || need_pkgs redis-server || true
if command -v redis-server >/dev/null && command -v redis-cli >/dev/null && ! cluster_ok; then
  cluster_dir=${OAUTHX_REDIS_CLUSTER_DIR:-${TMPDIR:-/tmp}/oauthx-redis-cluster}
  log "starting a Redis Cluster on 127.0.0.1:${cluster_ports[0]}-${cluster_ports[2]} ($cluster_dir)"
  for p in "${cluster_ports[@]}"; do
    port_up "$p" && continue
    mkdir -p "$cluster_dir/$p"
    redis-server --port "$p" --bind 127.0.0.1 --cluster-enabled yes \
      --cluster-config-file "$cluster_dir/$p/nodes.conf" --cluster-node-timeout 5000 \
      --save "" --appendonly no --daemonize yes --dir "$cluster_dir/$p" \
      --logfile "$cluster_dir/$p/redis.log" --pidfile "$cluster_dir/$p/redis.pid" || true
  done
  for p in "${cluster_ports[@]}"; do
    for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p "$p" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
  done
  # Fresh nodes hold no slots: join them. Nodes that remember a cluster
  # (nodes.conf from an earlier run) only need time to agree again.
  if redis-cli -h 127.0.0.1 -p "${cluster_ports[0]}" cluster info 2>/dev/null | grep -q '^cluster_slots_assigned:0'; then
    redis-cli --cluster create "${cluster_ports[@]/#/127.0.0.1:}" --cluster-replicas 0 --cluster-yes >/dev/null \
      || log "redis-cli --cluster create failed"
  fi
  for _ in $(seq 1 100); do cluster_ok && break; sleep 0.1; done
fi
if cluster_ok; then
  OAUTHX_REDIS_CLUSTER=$(printf '127.0.0.1:%s,' "${cluster_ports[@]}")
  export OAUTHX_REDIS_CLUSTER=${OAUTHX_REDIS_CLUSTER%,}
else
  log "no Redis Cluster: its tests skip (fail with OAUTHX_REQUIRE_SERVICES=1)"
fi

if [ "${OAUTHX_REQUIRE_SERVICES:-}" = 1 ]; then
  redis_up || { echo "FAIL: Redis is not reachable on 127.0.0.1:6379" >&2; exit 1; }
  pg_up || { echo "FAIL: PostgreSQL is not reachable on 127.0.0.1:5432" >&2; exit 1; }
  cluster_ok || { echo "FAIL: no Redis Cluster on 127.0.0.1:${cluster_ports[0]}-${cluster_ports[2]}" >&2; exit 1; }
  command -v gnome-keyring-daemon >/dev/null || { echo "FAIL: gnome-keyring is not installed" >&2; exit 1; }
  command -v dbus-run-session >/dev/null || { echo "FAIL: dbus-run-session is not installed" >&2; exit 1; }
  command -v chromium >/dev/null || { echo "FAIL: chromium is not installed" >&2; exit 1; }
fi

# --- Self-check of this script ----------------------------------------------------
# Runs this script over a package with a failing test and one with a passing
# test (both under scripts/testdata, outside ./...) and asserts the exit codes.
if [ -z "${TEST_PACKAGES:-}" ]; then
  log "self-check: a failing test must fail this script"
  ./scripts/selfcheck.sh
fi

read -r -a packages <<<"${TEST_PACKAGES:-./...}"

# --- Static checks --------------------------------------------------------------
log "go vet"
go vet "${packages[@]}"
# The modules of their own (not in ./...): the golang-jwt and CLI baselines and the
# real-browser test, whose chromedp stays out of the library's go.mod.
own_modules=(bench/jwt bench/cli e2e)
if [ -z "${TEST_PACKAGES:-}" ]; then
  for m in "${own_modules[@]}"; do
    log "go vet ($m)"
    (cd "$m" && go vet ./...)
  done
fi
log "gofmt"
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then echo "gofmt would change:"; echo "$unformatted"; exit 1; fi

# staticcheck from the Go module proxy, pinned; its findings fail the run.
# STATICCHECK=0 skips it. A staticcheck that cannot be installed (offline,
# or no release for a newer Go yet) is reported and skipped, unless
# OAUTHX_REQUIRE_STATICCHECK=1.
STATICCHECK_VERSION=v0.8.2 # staticcheck 2026.2.2, which supports Go 1.26
if [ "${STATICCHECK:-1}" != 0 ]; then
  sc="$(go env GOPATH)/bin/staticcheck"
  if ! "$sc" -version 2>/dev/null | grep -qF "(${STATICCHECK_VERSION#v})"; then
    log "installing staticcheck $STATICCHECK_VERSION"
    go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION" || log "could not install staticcheck"
  fi
  if "$sc" -version >/dev/null 2>&1; then
    log "staticcheck"
    "$sc" "${packages[@]}"
    if [ -z "${TEST_PACKAGES:-}" ]; then
      for m in "${own_modules[@]}"; do
        log "staticcheck ($m)"
        (cd "$m" && "$sc" ./...)
      done
    fi
  elif [ "${OAUTHX_REQUIRE_STATICCHECK:-}" = 1 ]; then
    echo "FAIL: staticcheck $STATICCHECK_VERSION is not available" >&2; exit 1
  else
    log "staticcheck unavailable: skipped"
  fi
fi

# --- Tests ----------------------------------------------------------------------
log "go test -race ${packages[*]}"
if command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
  dbus-run-session -- ./scripts/with-keyring.sh go test -race -count=1 -timeout 30m "${packages[@]}"
else
  go test -race -count=1 -timeout 30m "${packages[@]}"
fi

if [ -z "${TEST_PACKAGES:-}" ]; then
  # The benchmark module of its own: its test checks that the golang-jwt
  # baseline refuses what DecodeSessionToken refuses.
  log "bench/jwt: test"
  (cd bench/jwt && go test -count=1 ./...)
  # The real-browser test: the built oauthx fake generic and oauthx login
  # generic, driven through the consent page by headless Chromium (Allow
  # and Deny). Without Chromium it skips; OAUTHX_REQUIRE_SERVICES=1 makes
  # that a failure (checked above too). Screenshots of the end pages go to
  # $OAUTHX_ARTIFACTS/browser, else artifacts/browser.
  log "e2e: the real-browser login test (headless Chromium)"
  (cd e2e && go test -race -count=1 -timeout 10m -v ./...)
  log "main job: go run ./cmd/oauthx demo"
  go run ./cmd/oauthx demo
fi
log "all steps passed"
