#!/usr/bin/env bash
# Builds the local, registry-free base image used by the e2e tests:
# Debian bookworm (minbase) + openjdk-17-jre-headless + ca-certificates + procps,
# made with debootstrap and imported with `docker import`.
#
# Why JRE 17: Debian bookworm has no Java 8 package. The e2e stand-in server only
# needs a JVM with TLS and shutdown hooks; the production default base (see
# Dockerfile.base) is an Eclipse Temurin 8 JRE, which WSO2 Carbon 4.4 requires.
#
# Cached twice: the image itself (skipped when `docker image inspect` finds it) and
# the root file system tarball (uncompressed) under $WSO2_E2E_CACHE (default
# /var/cache/wso2-agent-e2e), so a removed image is re-imported in seconds.
#
# Environment: TESTBASE_IMAGE (image name), WSO2_E2E_CACHE (cache dir),
# DEBIAN_MIRROR (default: the first bookworm mirror in /etc/apt/sources.list*,
# else http://deb.debian.org/debian), TESTBASE_REBUILD=1 to ignore both caches.
set -euo pipefail

IMAGE=${TESTBASE_IMAGE:-wso2-agent-testbase:bookworm-jre17}
CACHE=${WSO2_E2E_CACHE:-/var/cache/wso2-agent-e2e}
TARBALL=$CACHE/testbase-bookworm-jre17.tar
SUITE=bookworm
PACKAGES="openjdk-17-jre-headless ca-certificates procps"

log() { printf 'testbase: %s %s\n' "$(date +%T)" "$*" >&2; }

if [[ ${TESTBASE_REBUILD:-0} != 1 ]] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
	log "image $IMAGE exists; nothing to do"
	exit 0
fi

mirror() {
	if [[ -n ${DEBIAN_MIRROR:-} ]]; then echo "$DEBIAN_MIRROR"; return; fi
	local m
	m=$(grep -hs -E '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -v -- '-security' | grep -E 'debian/?$|debian ' | head -n1 |
		sed -E 's/^URIs:[[:space:]]*//; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//; s/[[:space:]].*$//')
	echo "${m:-http://deb.debian.org/debian}"
}

build_rootfs() {
	command -v debootstrap >/dev/null || { log "debootstrap is not installed (scripts/install-deps.sh installs it)"; exit 1; }
	[[ $(id -u) == 0 ]] || { log "debootstrap needs root"; exit 1; }
	local m root
	m=$(mirror)
	root=$(mktemp -d "${TMPDIR:-/tmp}/wso2-testbase.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$root'" EXIT
	log "debootstrap --variant=minbase --include=${PACKAGES// /,} $SUITE from $m (a few minutes, once)"
	debootstrap --variant=minbase --include="${PACKAGES// /,}" "$SUITE" "$root" "$m" >&2

	# No docs, man pages or locales in the image.
	cat >"$root/etc/dpkg/dpkg.cfg.d/01-nodoc" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
CFG
	printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$root/etc/apt/apt.conf.d/01-norecommends"
	# The host's apt options (e.g. snapshot mirrors without valid dates).
	cp /etc/apt/apt.conf.d/99artifact-registry "$root/etc/apt/apt.conf.d/" 2>/dev/null || true
	echo "deb $m $SUITE main" >"$root/etc/apt/sources.list"

	chroot "$root" apt-get clean
	# A stable JAVA_HOME whatever the architecture (what default-jre would add).
	local jre
	jre=$(chroot "$root" readlink -f /usr/bin/java)
	ln -sfn "${jre%/bin/java}" "$root/usr/lib/jvm/default-java"
	rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/log/* \
		"$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/tmp/* "$root"/var/tmp/*
	# Containers get resolv.conf/hosts/hostname from Docker.
	: >"$root/etc/resolv.conf"
	echo testbase >"$root/etc/hostname"

	mkdir -p "$CACHE"
	log "writing $TARBALL"
	# Uncompressed: this is a local cache, and gzip costs more time than it saves.
	tar -C "$root" --numeric-owner -cf "$TARBALL.tmp" .
	mv -f "$TARBALL.tmp" "$TARBALL"
	rm -rf "$root"
	trap - EXIT
}

if [[ ${TESTBASE_REBUILD:-0} == 1 || ! -s $TARBALL ]]; then
	build_rootfs
else
	log "using cached $TARBALL"
fi

log "docker import -> $IMAGE"
docker import \
	--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
	--change 'ENV JAVA_HOME=/usr/lib/jvm/default-java' \
	--change 'ENV LANG=C.UTF-8' \
	--change 'CMD ["/bin/bash"]' \
	"$TARBALL" "$IMAGE" >/dev/null
docker image inspect --format 'testbase: {{.Id}} {{.Size}} bytes' "$IMAGE" >&2
