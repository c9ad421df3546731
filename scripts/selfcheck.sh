#!/usr/bin/env bash
# Checks the test command itself: scripts/test.sh over a package holding a
# failing test must exit non-zero (and say FAIL for that package), and over
# a package holding a passing test must exit 0. Takes a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

out=$(mktemp)
trap 'rm -f "$out"' EXIT

set +e
TEST_PACKAGES=./scripts/testdata/failing STATICCHECK=0 ./scripts/test.sh >"$out" 2>&1
rc=$?
set -e
if [ "$rc" -eq 0 ]; then
  echo "selfcheck: FAIL: scripts/test.sh exited 0 with a failing test" >&2
  cat "$out" >&2
  exit 1
fi
if ! grep -q 'FAIL.*scripts/testdata/failing' "$out"; then
  echo "selfcheck: FAIL: scripts/test.sh exited $rc but not because of the planted test" >&2
  cat "$out" >&2
  exit 1
fi
echo "selfcheck: a failing test made scripts/test.sh exit $rc"

set +e
TEST_PACKAGES=./scripts/testdata/passing STATICCHECK=0 ./scripts/test.sh >"$out" 2>&1
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
  echo "selfcheck: FAIL: scripts/test.sh exited $rc with only a passing test" >&2
  cat "$out" >&2
  exit 1
fi
echo "selfcheck: a passing test made scripts/test.sh exit 0"
