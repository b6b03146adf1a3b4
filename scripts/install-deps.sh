#!/usr/bin/env bash
# install-deps.sh — installs the Debian packages and Go tools that the tests,
# the demo and the benchmarks use, when they are missing. Safe to run again.
set -euo pipefail
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have xmlstarlet  || need+=(xmlstarlet)
have zip         || need+=(zip)
have unzip       || need+=(unzip)
have mariadbd    || need+=(mariadb-server)
have mariadb     || need+=(mariadb-client)
have unshare     || need+=(util-linux)
have file        || need+=(file)
have debootstrap || need+=(debootstrap)
have keytool     || need+=(openjdk-17-jdk-headless)
have javac       || need+=(openjdk-17-jdk-headless)
have openssl     || need+=(openssl)
have python3     || need+=(python3)
have patch       || need+=(patch)
# the JDBC driver of the e2e stand-in packs (their repository/components/lib)
[ -f /usr/share/java/mariadb-java-client.jar ] || need+=(libmariadb-java)
have strace      || need+=(strace)   # durability test: which syncs a start makes
have setfacl     || need+=(acl)      # atomic writes keep a file's ACL: setfacl and getfacl in the test
have tini        || need+=(tini)     # benchmark: signal forwarding beside tini
[ -x /usr/bin/time ] || need+=(time)  # benchmark: the agent's own peak RSS (GNU time forks, Go vforks)
have etcd        || need+=(etcd-server) # the real API server test (with tools/kube-apiserver)
have gcc         || need+=(gcc)   # the race detector (cgo) for the render report test
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  echo "install-deps: installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if ! [ -x "$(go env GOPATH)/bin/staticcheck" ]; then
  echo "install-deps: installing staticcheck"
  GOFLAGS=-mod=mod go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
fi
