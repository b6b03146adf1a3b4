#!/usr/bin/env bash
# test.sh — what `make test` (and CI, .ci/run) runs: every stage, one after
# the other, each announced by a banner line saying what it does, then a
# summary of what passed, what was skipped and why.
#
#   ==> make test: stage 2/6: lint — gofmt, go vet, staticcheck
#
# Stages: deps (install the Debian packages and staticcheck the tests use,
# when missing), lint, unit (go test ./...), fuzz (short fuzz runs), e2e (the
# Docker end-to-end test, when scripts/e2e-preflight.sh says it can run; a
# skip is reported, not a failure), kube (the manifest test on a real
# kube-apiserver; a skip is reported too). The first failing stage ends the
# run with its exit status.
#
# The kube-apiserver is built once (minutes of CPU on two cores) and cached.
# When it is not cached yet, its build starts with the run, in the
# background at the lowest CPU priority (nice 19), so that it takes what the
# stages before kube leave idle (apt-get's downloads, the end-to-end test's
# waits); stage kube waits for it. A run that ends early stops it.
#
# Environment: MAKE (make), TEST_STAGES (the stages to run, default all),
# PREFLIGHT (scripts/e2e-preflight.sh), KUBE_BUILD
# (scripts/kube-apiserver.sh).
set -uo pipefail
cd "$(dirname "$0")/.."

MAKE=${MAKE:-make}
PREFLIGHT=${PREFLIGHT:-./scripts/e2e-preflight.sh}
KUBE_BUILD=${KUBE_BUILD:-./scripts/kube-apiserver.sh}
read -r -a stages <<<"${TEST_STAGES:-deps lint unit fuzz e2e kube}"

describe() {
	case $1 in
	deps) echo "install what the tests need, when missing (Debian packages: MariaDB, a JDK, debootstrap, etcd ...; staticcheck)" ;;
	lint) echo "gofmt, go vet, staticcheck" ;;
	unit) echo "build bin/agent, then go test ./... (unit and integration tests: keytool, MariaDB, PID 1 in a namespace; all but the manifest test of stage kube), and the render report test under the race detector" ;;
	fuzz) echo "short runs of every fuzz target (FUZZTIME, default 2000 executions each)" ;;
	e2e) echo "the Docker end-to-end cluster test, when a Docker engine answers" ;;
	kube) echo "the Kubernetes manifests on a real kube-apiserver and etcd (TestKubernetesManifestsOnRealAPIServer)" ;;
	*) echo "make $1" ;;
	esac
}

kube_pid=
if [[ " ${stages[*]} " == *" kube "* ]] && ! "$KUBE_BUILD" --cached >/dev/null 2>&1; then
	mkdir -p .cache
	printf '==> make test: the kube-apiserver of stage kube is not built yet: building it meanwhile, in the background at the lowest CPU priority (log: .cache/kube-apiserver.bg.log)\n'
	setsid nice -n 19 "$KUBE_BUILD" >/dev/null 2>.cache/kube-apiserver.bg.log </dev/null &
	kube_pid=$!
	trap '[[ -z $kube_pid ]] || kill -TERM -- "-$kube_pid" 2>/dev/null' EXIT
fi

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
	if [[ $s == kube ]]; then
		rm -f .cache/kube-test.out
		if [[ -n $kube_pid ]]; then
			printf '==> make test: waiting for the kube-apiserver build started with the run (log: .cache/kube-apiserver.bg.log)\n'
			wait "$kube_pid"
			kube_pid=
		fi
	fi
	"$MAKE" --no-print-directory "$target"
	rc=$?
	if [[ $rc != 0 ]]; then
		printf '\n==> make test: stage %d/%d: %s FAILED (exit %d after %ds); later stages not run: %s\n' \
			"$n" "$total" "$s" "$rc" $((SECONDS - t0)) "${stages[*]:n}"
		exit "$rc"
	fi
	if [[ $s == kube ]] && reason=$(grep -m1 -o 'SKIPPED: .*' .cache/kube-test.out 2>/dev/null); then
		summary+=("$(printf '%-5s skipped: %s' "$s" "${reason#SKIPPED: }")")
		continue
	fi
	summary+=("$(printf '%-5s passed in %ds' "$s" $((SECONDS - t0)))")
done
printf '\n==> make test: done in %ds\n' $((SECONDS - start_all))
printf '    %s\n' "${summary[@]}"
