#!/usr/bin/env bash
# fuzz.sh BUDGET — runs every Go fuzz target in the module for BUDGET each.
#
# BUDGET is a go test -fuzztime value. The default is an execution count
# (20000x), not a duration: a duration is measured in wall-clock time, so on a
# busy host it buys almost no executions, and when it runs out while a worker
# is still starting or minimising, go test reports "context deadline exceeded"
# as a failure of the target (seen in CI). A count does the same work on any
# host and has no deadline to miss. Pass a duration (make fuzz FUZZTIME=5m)
# for a long local run.
set -euo pipefail
t=${1:-20000x}
n=0
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    echo "fuzz: $pkg $f for $t"
    go test -run "^$" -fuzz "^$f\$" -fuzztime "$t" -fuzzminimizetime 200x "$pkg" >/tmp/fuzz-$$.log 2>&1 || { cat /tmp/fuzz-$$.log; exit 1; }
    tail -1 /tmp/fuzz-$$.log
    n=$((n+1))
  done
done
echo "fuzz: $n targets run"
