#!/usr/bin/env bash
# kube-apiserver.sh — prints the path of a real kube-apiserver binary for the
# manifest test (e2e TestKubernetesManifestsOnRealAPIServer), building it from
# tools/kube-apiserver (k8s.io/kubernetes through the Go module proxy) the
# first time and caching it by version in $KUBE_CACHE (default
# /var/cache/wso2-agent-kube). The first build takes 5 to 10 minutes on two
# cores; later runs print the cached path at once.
#
# On failure it prints the reason on stderr and exits 1; `make kube-apiserver`
# records that reason in .cache/kube-apiserver.skip, which the test prints
# when it skips.
#
# With --cached it only looks: it prints the path and exits 0 when the binary
# is cached, and exits 1 without building when it is not (scripts/test.sh
# asks, to start a build in the background only when one is needed).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
src=$repo/tools/kube-apiserver
version=$(awk '($1 == "require" && $2 == "k8s.io/kubernetes") {print $3; exit} ($1 == "k8s.io/kubernetes") {print $2; exit}' "$src/go.mod")
[ -n "$version" ] || { echo "kube-apiserver: no k8s.io/kubernetes version in $src/go.mod" >&2; exit 1; }
cache=${KUBE_CACHE:-/var/cache/wso2-agent-kube}
bin=$cache/kube-apiserver-$version
if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
  echo "$bin"; exit 0
fi
[ "${1:-}" != --cached ] || exit 1
mkdir -p "$cache" || { echo "kube-apiserver: cannot create the cache folder $cache" >&2; exit 1; }
echo "kube-apiserver: building $version from the Go module proxy into $bin (5 to 10 minutes on two cores, once)" >&2
tmp=$(mktemp "$cache/.build.XXXXXX")
trap 'rm -f "$tmp"' EXIT
if ! (cd "$src" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$tmp" .) >&2; then
  echo "kube-apiserver: the build of k8s.io/kubernetes $version failed (is the Go module proxy reachable?)" >&2
  exit 1
fi
mv "$tmp" "$bin"
echo "$bin"
