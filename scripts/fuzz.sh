#!/usr/bin/env bash
# fuzz.sh DURATION — runs every Go fuzz target in the module for DURATION each.
set -euo pipefail
t=${1:-10s}
n=0
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    echo "fuzz: $pkg $f for $t"
    go test -run "^$" -fuzz "^$f\$" -fuzztime "$t" -fuzzminimizetime 1s "$pkg" >/tmp/fuzz-$$.log 2>&1 || { cat /tmp/fuzz-$$.log; exit 1; }
    tail -1 /tmp/fuzz-$$.log
    n=$((n+1))
  done
done
echo "fuzz: $n targets run"
