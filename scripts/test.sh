#!/usr/bin/env bash
# test.sh — what `make test` (and CI, .ci/run) runs: every stage, one after
# the other, each announced by a banner line saying what it does, then a
# summary of what passed, what was skipped and why.
#
#   ==> make test: stage 2/5: lint — gofmt, go vet, staticcheck
#
# Stages: deps (install the Debian packages and staticcheck the tests use,
# when missing), lint, unit (go test ./...), fuzz (short fuzz runs), e2e (the
# Docker end-to-end test, when scripts/e2e-preflight.sh says it can run; a
# skip is reported, not a failure). The first failing stage ends the run
# with its exit status.
#
# Environment: MAKE (make), TEST_STAGES (the stages to run, default all),
# PREFLIGHT (scripts/e2e-preflight.sh).
set -uo pipefail
cd "$(dirname "$0")/.."

MAKE=${MAKE:-make}
PREFLIGHT=${PREFLIGHT:-./scripts/e2e-preflight.sh}
read -r -a stages <<<"${TEST_STAGES:-deps lint unit fuzz e2e}"

describe() {
	case $1 in
	deps) echo "install what the tests need, when missing (Debian packages: MariaDB, a JDK, debootstrap, etcd ...; staticcheck)" ;;
	lint) echo "gofmt, go vet, staticcheck" ;;
	unit) echo "build bin/agent (and, once, a kube-apiserver for the manifest test), then go test ./... (unit and integration tests: keytool, MariaDB, PID 1 in a namespace), and the render report test under the race detector" ;;
	fuzz) echo "short runs of every fuzz target (FUZZTIME, default 2000 executions each)" ;;
	e2e) echo "the Docker end-to-end cluster test, when a Docker engine answers" ;;
	*) echo "make $1" ;;
	esac
}

summary=()
total=${#stages[@]}
n=0
start_all=$SECONDS
for s in "${stages[@]}"; do
	n=$((n + 1))
	printf '\n==> make test: stage %d/%d: %s — %s\n' "$n" "$total" "$s" "$(describe "$s")"
	t0=$SECONDS
	target=$s
	if [[ $s == e2e ]]; then
		reason=$("$PREFLIGHT" 2>&1)
		rc=$?
		printf '%s\n' "$reason"
		if [[ $rc == 3 ]]; then
			summary+=("$(printf '%-5s skipped: %s' "$s" "${reason#e2e: SKIPPED: }")")
			continue
		elif [[ $rc != 0 ]]; then
			printf '==> make test: stage %d/%d: %s FAILED: %s exited %d\n' "$n" "$total" "$s" "$PREFLIGHT" "$rc"
			exit "$rc"
		fi
	fi
	"$MAKE" --no-print-directory "$target"
	rc=$?
	if [[ $rc != 0 ]]; then
		printf '\n==> make test: stage %d/%d: %s FAILED (exit %d after %ds); later stages not run: %s\n' \
			"$n" "$total" "$s" "$rc" $((SECONDS - t0)) "${stages[*]:n}"
		exit "$rc"
	fi
	summary+=("$(printf '%-5s passed in %ds' "$s" $((SECONDS - t0)))")
done
printf '\n==> make test: done in %ds\n' $((SECONDS - start_all))
printf '    %s\n' "${summary[@]}"
