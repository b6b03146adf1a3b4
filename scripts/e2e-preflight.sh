#!/usr/bin/env bash
# e2e-preflight.sh — can the Docker end-to-end stage (`make e2e`) run here?
#
# Exit 0: it can. Exit 3: it cannot, and one line on stdout says why:
#   e2e: SKIPPED: <reason>
# A skip is not a failure: `make test` goes on and reports it.
#
# It checks, in order: a Docker engine answers (`docker info`); the
# registry-free test base exists already (the image, or the root file system
# cached under WSO2_E2E_CACHE) or can be built: debootstrap is installed, we
# are root, and the Debian mirror answers (debootstrap downloads bookworm).
#
# Environment: DOCKER (docker), E2E_TESTBASE (wso2-agent-testbase:bookworm-jre17),
# WSO2_E2E_CACHE (/var/cache/wso2-agent-e2e), DEBIAN_MIRROR (as
# images/testbase/build.sh: else the host's first bookworm mirror, else
# deb.debian.org), E2E_PREFLIGHT_TIMEOUT (seconds per network check, 10).
set -uo pipefail

DOCKER=${DOCKER:-docker}
IMAGE=${E2E_TESTBASE:-wso2-agent-testbase:bookworm-jre17}
CACHE=${WSO2_E2E_CACHE:-/var/cache/wso2-agent-e2e}
TARBALL=$CACHE/testbase-bookworm-jre17.tar
TIMEOUT=${E2E_PREFLIGHT_TIMEOUT:-10}

skip() {
	echo "e2e: SKIPPED: $*"
	exit 3
}

out=$(timeout "$TIMEOUT" "$DOCKER" info --format '{{.ServerVersion}}' 2>&1)
rc=$?
if [[ $rc != 0 ]]; then
	why=$(printf '%s\n' "$out" | grep -v '^$' | tail -n1)
	case $rc in
	124) why="no answer within ${TIMEOUT}s" ;;
	127) why="${DOCKER} is not installed" ;;
	esac
	skip "no Docker engine answers (${DOCKER} info: ${why:-exit status $rc})"
fi

if "$DOCKER" image inspect "$IMAGE" >/dev/null 2>&1; then
	echo "e2e: Docker $out answers; test base image $IMAGE is built"
	exit 0
fi
if [[ -s $TARBALL ]]; then
	echo "e2e: Docker $out answers; test base cached in $TARBALL"
	exit 0
fi

# The test base must be built with debootstrap.
command -v debootstrap >/dev/null 2>&1 ||
	skip "the test base $IMAGE is not built and debootstrap is not installed (make deps installs it)"
[[ $(id -u) == 0 ]] || skip "the test base $IMAGE is not built and debootstrap needs root"

# The same mirror images/testbase/build.sh uses.
mirror() {
	if [[ -n ${DEBIAN_MIRROR:-} ]]; then echo "$DEBIAN_MIRROR"; return; fi
	local m
	m=$(grep -hs -E '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -v -- '-security' | grep -E 'debian/?$|debian ' | head -n1 |
		sed -E 's/^URIs:[[:space:]]*//; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//; s/[[:space:]].*$//')
	echo "${m:-http://deb.debian.org/debian}"
}
m=$(mirror)
url=${m%/}/dists/bookworm/Release
if command -v curl >/dev/null 2>&1; then
	err=$(curl -fsS -o /dev/null --max-time "$TIMEOUT" "$url" 2>&1) ||
		skip "the test base $IMAGE is not built and the Debian mirror does not answer (${url}: ${err:-no answer}); set DEBIAN_MIRROR to a reachable one"
elif command -v wget >/dev/null 2>&1; then
	err=$(wget -q -O /dev/null -T "$TIMEOUT" "$url" 2>&1) ||
		skip "the test base $IMAGE is not built and the Debian mirror does not answer (${url}${err:+: $err}); set DEBIAN_MIRROR to a reachable one"
fi
echo "e2e: Docker $out answers; the test base will be built from $m (debootstrap, a few minutes, once)"
exit 0
