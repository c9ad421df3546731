#!/usr/bin/env bash
# Runs every oauthx benchmark beside its golang.org/x/oauth2 counterpart in
# one `go test -bench` run and prints the ratios.
#
#   ./scripts/bench.sh            # default -benchtime
#   BENCHTIME=5000x ./scripts/bench.sh
#   STORM=0 ./scripts/bench.sh    # skip the refresh storm
#
# Pairs are sub-benchmarks named .../oauthx and .../x-oauth2 of the same
# benchmark. ratio = x/oauth2 ns/op ÷ oauthx ns/op (above 1: oauthx faster).
# Then ./bench/storm runs the cross-process refresh storm (processes ×
# goroutines on one file-stored session against the single-use fake) for
# tokenstore.TokenSource and for x/oauth2's ReuseTokenSource.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp)
go test -run '^$' -bench "${BENCH:-.}" -benchmem -benchtime "${BENCHTIME:-1s}" -count 1 ./... | tee "$out" >&2
echo
awk '
  /^Benchmark/ && / ns\/op/ {
    name=$1; sub(/-[0-9]+$/, "", name)
    n=split(name, parts, "/"); impl=parts[n]
    base=name; sub("/" impl "$", "", base)
    for (i=2; i<=NF; i++) {
      if ($(i+1)=="ns/op") ns[base, impl]=$i
      if ($(i+1)=="allocs/op") al[base, impl]=$i
      if ($(i+1)=="B/op") by[base, impl]=$i
    }
    if (impl=="oauthx" || impl=="x-oauth2") { if (!(base in seen)) { seen[base]=1; order[++k]=base } }
  }
  END {
    printf "%-40s %12s %12s %8s %10s %10s\n", "benchmark", "oauthx ns", "x/oauth2 ns", "speedup", "allocs", "x/o2 allocs"
    for (i=1; i<=k; i++) {
      b=order[i]
      if (!((b, "oauthx") in ns) || !((b, "x-oauth2") in ns)) continue
      printf "%-40s %12.0f %12.0f %7.2fx %10s %10s\n", b, ns[b, "oauthx"], ns[b, "x-oauth2"], ns[b, "x-oauth2"]/ns[b, "oauthx"], al[b, "oauthx"], al[b, "x-oauth2"]
    }
  }' "$out"
rm -f "$out"
if [ "${STORM:-1}" != 0 ]; then
  echo
  go run ./bench/storm ${STORM_ARGS:-}
fi
