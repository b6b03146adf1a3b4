#!/usr/bin/env bash
# fuzz.sh [BUDGET] — runs every Go fuzz target in the module, each for BUDGET
# (a go test -fuzztime value: 5000x, 2m) or, without one, for its default.
#
# The defaults are execution counts, not durations: a duration is measured in
# wall-clock time, so on a busy host it buys almost no executions, and when it
# runs out while a worker is still starting or minimising, go test reports
# "context deadline exceeded" as a failure of the target (seen in CI). A count
# does the same work on any host and has no deadline to miss. Most targets
# get 2000 executions; those whose every execution plans or renders a whole
# product home (tens of milliseconds each) get 300, so that the whole run
# stays within a few minutes. Pass a duration (make fuzz FUZZTIME=5m) for a
# long local run.
set -euo pipefail
given=${1:-}
declare -A heavy=([FuzzPlan]=300x [FuzzRenderMasksSecrets]=300x)
n=0
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    t=${given:-${heavy[$f]:-2000x}}
    echo "fuzz: $pkg $f for $t"
    go test -run "^$" -fuzz "^$f\$" -fuzztime "$t" -fuzzminimizetime 100x -timeout 20m "$pkg" >/tmp/fuzz-$$.log 2>&1 || { cat /tmp/fuzz-$$.log; exit 1; }
    tail -1 /tmp/fuzz-$$.log
    n=$((n+1))
  done
done
echo "fuzz: $n targets run"
