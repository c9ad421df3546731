#!/usr/bin/env bash
# Runs the benchmarks of every package that pairs oauthx with its
# golang.org/x/oauth2 counterpart, both halves in the same process run,
# and prints a table of medians, ratios and allocations; then the
# cross-process refresh storm.
#
#   ./scripts/bench.sh                      # COUNT=5 runs of 1s each
#   COUNT=10 BENCHTIME=2s ./scripts/bench.sh
#   BENCH=CachedToken ./scripts/bench.sh    # a subset
#   STORM=0 ./scripts/bench.sh              # skip the refresh storm
#   STORM_ARGS='-shapes 8x64 -expiries 8' ./scripts/bench.sh
#   STORM_ARGS='-waiters redis -waiter-rounds 9' ./scripts/bench.sh
#   RPS=0 ./scripts/bench.sh                # skip the Shopify middleware req/s run
#   CLI=0 ./scripts/bench.sh                # skip oauthx token beside the x/oauth2 program
#   CLI_RUNS=100 ./scripts/bench.sh         # runs of each in the CLI comparison (default 40)
#
# Pairs are sub-benchmarks named .../oauthx and .../x-oauth2 of the same
# benchmark. speedup = x/oauth2 ns/op ÷ oauthx ns/op (above 1: oauthx
# faster), on the medians of COUNT runs. Benchmark modules of their own
# (bench/jwt: DecodeSessionToken beside golang-jwt v5) pair .../oauthx with
# another baseline, named under the table. Then ./bench/storm runs P processes
# × G goroutines calling Token() on one file-stored session through several
# expiries, against the single-use refresh-token fake, for
# tokenstore.TokenSource and for x/oauth2's ReuseTokenSource; and the
# refresh-waiter latency (p50, p99, last goroutine) at 1×512 and 8×64 for
# the file, Redis and PostgreSQL stores beside the floor (one refresh +
# one compare-and-set save). -waiters '' skips it; a store whose server
# does not answer is reported as skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp)
# Each package's test binary is built once and run COUNT times, so the
# oauthx and x/oauth2 halves of a pair alternate and share the machine's
# load drift (go test -count would run all of one half first).
bin=$(mktemp -d)
trap 'rm -f "$out"; rm -rf "$bin"' EXIT
pkgs=$(grep -rl --include='*_test.go' '"x-oauth2"' . | xargs -n1 dirname | sort -u)
for p in $pkgs; do go test -c -o "$bin/$(echo "${p#./}" | tr / _).test" "$p"; done
# Benchmark modules of their own (comparison libraries that must not enter
# the library's go.mod): sub-benchmarks .../oauthx and .../golang-jwt.
mods="./bench/jwt"
for m in $mods; do (cd "$m" && go test -c -o "$bin/$(echo "${m#./}" | tr / _).test" .); done
for _ in $(seq "${COUNT:-5}"); do
  for p in $pkgs $mods; do
    (cd "$p" && "$bin/$(echo "${p#./}" | tr / _).test" -test.run '^$' -test.bench "${BENCH:-.}" -test.benchmem \
      -test.benchtime "${BENCHTIME:-1s}") | tee -a "$out" >&2
  done
done
echo
echo "$(grep -m1 '^cpu:' "$out" || true); GOMAXPROCS=${GOMAXPROCS:-$(nproc)}; load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
gawk '
  function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j+1] = a[j]; a[j+1] = t }
    return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
  }
  /^Benchmark/ && / ns\/op/ {
    name=$1; sub(/-[0-9]+$/, "", name)
    n=split(name, parts, "/"); impl=parts[n]
    if (impl != "oauthx" && impl != "x-oauth2" && impl != "golang-jwt") next
    base=name; sub("/" impl "$", "", base); sub(/^Benchmark/, "", base)
    for (i=2; i<=NF; i++) {
      if ($(i+1)=="ns/op") ns[base, impl]=ns[base, impl] " " $i
      if ($(i+1)=="allocs/op") al[base, impl]=$i
      if ($(i+1)=="B/op") by[base, impl]=$i
    }
    if (impl != "oauthx") other[base]=impl
    if (!(base in seen)) { seen[base]=1; order[++k]=base }
  }
  END {
    printf "%-22s %11s %11s %8s %14s %14s\n", "benchmark (median)", "oauthx", "x/oauth2*", "speedup", "allocs/op", "B/op"
    for (i=1; i<=k; i++) {
      b=order[i]
      y=other[b]
      if (!((b, "oauthx") in ns) || !((b, y) in ns)) continue
      o=median(ns[b, "oauthx"]); x=median(ns[b, y])
      printf "%-22s %8.1f ns %8.1f ns %7.2fx %14s %14s\n", b, o, x, x/o, al[b, "oauthx"] " vs " al[b, y], by[b, "oauthx"] " vs " by[b, y]
      if (y != "x-oauth2") foot=foot "  * " b ": the baseline is " y " doing the same checks\n"
    }
    printf "%s", foot
  }' "$out"
if [ "${STORM:-1}" != 0 ]; then
  echo
  # shellcheck disable=SC2086 # STORM_ARGS is a list of flags
  go run ./bench/storm ${STORM_ARGS:-}
fi
if [ "${RPS:-1}" != 0 ]; then
  echo
  # The Shopify middleware's requests per second beside the bare server,
  # load from a second process (wrk when installed: apt-get install wrk).
  # shellcheck disable=SC2086 # RPS_ARGS is a list of flags
  go run ./bench/shopifyrps ${RPS_ARGS:-}
fi
if [ "${CLI:-1}" != 0 ]; then
  echo
  # `oauthx token NAME` (default store, no D-Bus session: the remembered file
  # fallback) beside a minimal x/oauth2 program reading a token file, both
  # built as `go build` builds them; bench/cli is a module of its own.
  go build -o "$bin/oauthx" ./cmd/oauthx
  (cd bench/cli && go build -o "$bin/x-oauth2-baseline" ./baseline && go run . -oauthx "$bin/oauthx" -baseline "$bin/x-oauth2-baseline" -n "${CLI_RUNS:-40}")
fi
