#!/usr/bin/env bash
# Assembles a stand-in WSO2 product home for the e2e tests:
#   assemble-product.sh FIXTURE_HOME OUT_DIR
# FIXTURE_HOME is a tree of real WSO2 configuration files (e.g. the fixtures'
# wso2am-2.0.0); OUT_DIR becomes a product home with
#   - every fixture file, byte for byte;
#   - bin/wso2server.sh: the fixture's own launcher with one line removed, the
#     -Djava.endorsed.dirs flag that Java 9+ refuses (the test base runs Java 17).
#     Everything else, including the restart loop that runs java as a child of
#     the shell, is the real script;
#   - repository/components/lib/: the JDBC driver (JDBC_DRIVER, default Debian's
#     libmariadb-java /usr/share/java/mariadb-java-client.jar), where image
#     builders put the MySQL driver;
#   - bin/org.wso2.carbon.bootstrap-standin.jar: CarbonStandIn, whose class
#     org.wso2.carbon.bootstrap.Bootstrap is what wso2server.sh starts (and a
#     plain org.apache.juli.ClassLoaderLogManager, which the script names).
# Needs javac and jar (a JDK 9+; the classes target Java 8).
set -euo pipefail
[[ $# == 2 ]] || { echo "usage: $0 FIXTURE_HOME OUT_DIR" >&2; exit 2; }
src=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
[[ -f $src/bin/wso2server.sh ]] || { echo "assemble-product: $src/bin/wso2server.sh: not found" >&2; exit 1; }
command -v javac >/dev/null || { echo "assemble-product: javac not found (install openjdk-17-jdk-headless)" >&2; exit 1; }
driver=${JDBC_DRIVER:-/usr/share/java/mariadb-java-client.jar}
[[ -f $driver ]] || { echo "assemble-product: JDBC driver $driver not found (apt-get install libmariadb-java, or set JDBC_DRIVER)" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out"
cp -a "$src/." "$out/"
grep -q -- '-Djava.endorsed.dirs=' "$src/bin/wso2server.sh" ||
	{ echo "assemble-product: $src/bin/wso2server.sh has no -Djava.endorsed.dirs line to drop" >&2; exit 1; }
sed '/-Djava.endorsed.dirs=/d' "$src/bin/wso2server.sh" >"$out/bin/wso2server.sh"
chmod 0755 "$out/bin/wso2server.sh"

classes=$(mktemp -d)
trap 'rm -rf "$classes"' EXIT
javac -nowarn --release 8 -Xlint:-options -d "$classes" \
	"$here/standin/CarbonStandIn.java" "$here/standin/Toml.java" "$here/standin/org/apache/juli/ClassLoaderLogManager.java"
# Fixed entry dates keep the jar byte-identical between builds (stable layer cache).
jar --create --date=2016-07-27T00:00:00Z --file "$out/bin/org.wso2.carbon.bootstrap-standin.jar" -C "$classes" .
# The fixtures may be read-only (e.g. a shared checkout): the home must be writable.
chmod -R u+rwX "$out"
mkdir -p "$out/repository/logs" "$out/lib" "$out/repository/components/lib"
cp "$driver" "$out/repository/components/lib/"
