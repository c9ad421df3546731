#!/usr/bin/env bash
# Fuzzes every Fuzz target of the module for FUZZTIME each (default 30s).
# The seed corpora (f.Add and testdata/fuzz) already run with `go test`.
#
#   FUZZTIME=2m ./scripts/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
grep -rl --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]+\(f \*testing\.F\)' . | sort | while read -r file; do
  pkg="./$(dirname "${file#./}")"
  for target in $(grep -oE '^func Fuzz[A-Za-z0-9_]+' "$file" | sed 's/^func //'); do
    echo "==> $pkg $target (${FUZZTIME:-30s})"
    go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "${FUZZTIME:-30s}"
  done
done
