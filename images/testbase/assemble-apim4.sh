#!/usr/bin/env bash
# Assembles a stand-in API Manager 4.x product home for the e2e tests:
#   assemble-apim4.sh FIXTURE_HOME KIND OUT_DIR
# KIND is the pack: acp (bin/api-cp.sh), tm (bin/traffic-manager.sh),
# universal-gw (bin/gateway.sh) or all-in-one (bin/api-manager.sh).
# FIXTURE_HOME is a tree of real 4.x configuration files (the fixtures'
# wso2am-acp-4.5.0 etc.: repository/conf/deployment.toml, bin/profileSetup.sh);
# OUT_DIR becomes a product home with
#   - every fixture file, byte for byte;
#   - bin/<start script>: a stand-in for WSO2's launcher (the fixtures do not
#     hold the real ones): like them it runs java as a child of a shell loop
#     (no exec) and starts the JVM again when it exits with status 121;
#   - repository/resources/security/wso2carbon.jks and client-truststore.jks
#     when the fixture has none (made with keytool: key pair alias wso2carbon,
#     password wso2carbon, its certificate trusted), as the packs ship them;
#   - repository/components/lib/: the JDBC driver (JDBC_DRIVER, default Debian's
#     /usr/share/java/mariadb-java-client.jar), as WSO2's guide adds the MySQL one;
#   - bin/org.wso2.carbon.bootstrap-standin.jar: CarbonStandIn (4.x mode: it
#     reads deployment.toml with a TOML parser).
# Needs javac, jar and keytool (a JDK 9+; the classes target Java 8).
set -euo pipefail
[[ $# == 3 ]] || { echo "usage: $0 FIXTURE_HOME acp|tm|universal-gw|all-in-one OUT_DIR" >&2; exit 2; }
src=$1 kind=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
case $kind in
acp) script=api-cp.sh ;;
tm) script=traffic-manager.sh ;;
universal-gw) script=gateway.sh ;;
all-in-one) script=api-manager.sh ;;
*) echo "assemble-apim4: unknown pack kind $kind (acp, tm, universal-gw, all-in-one)" >&2; exit 2 ;;
esac
[[ -f $src/repository/conf/deployment.toml ]] || { echo "assemble-apim4: $src/repository/conf/deployment.toml: not found" >&2; exit 1; }
for t in javac jar keytool; do command -v $t >/dev/null || { echo "assemble-apim4: $t not found (install openjdk-17-jdk-headless)" >&2; exit 1; }; done
driver=${JDBC_DRIVER:-/usr/share/java/mariadb-java-client.jar}
[[ -f $driver ]] || { echo "assemble-apim4: JDBC driver $driver not found (apt-get install libmariadb-java, or set JDBC_DRIVER)" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out"
cp -a "$src/." "$out/"
chmod -R u+rwX "$out"
mkdir -p "$out/bin" "$out/repository/logs" "$out/repository/components/lib" "$out/repository/resources/security"
cp "$driver" "$out/repository/components/lib/"
cat >"$out/bin/$script" <<SCRIPT
#!/bin/sh
# Stand-in for WSO2's bin/$script (e2e tests only): java runs as a child of
# this shell's loop, as in the real launcher, and a JVM exit status of 121
# starts it again. Arguments are passed to the JVM (-Dname=value become
# system properties; --skipConfigOptimization is ignored).
CARBON_HOME=\$(cd "\$(dirname "\$0")/.." && pwd)
JAVACMD=java
[ -n "\$JAVA_HOME" ] && JAVACMD="\$JAVA_HOME/bin/java"
while :; do
	"\$JAVACMD" \$JVM_MEM_OPTS \$JAVA_OPTS -Dcarbon.home="\$CARBON_HOME" -Dstandin.pack=$kind \\
		-cp "\$CARBON_HOME/bin/org.wso2.carbon.bootstrap-standin.jar" org.wso2.carbon.bootstrap.Bootstrap "\$@"
	status=\$?
	[ \$status -eq 121 ] || exit \$status
done
SCRIPT
chmod 0755 "$out/bin/$script"

sec=$out/repository/resources/security
if [[ ! -f $sec/wso2carbon.jks ]]; then
	keytool -J-XX:TieredStopAtLevel=1 -genkeypair -alias wso2carbon -dname "CN=localhost, O=WSO2 stand-in" -keyalg RSA -keysize 2048 \
		-validity 3650 -storetype PKCS12 -keystore "$sec/wso2carbon.jks" -storepass wso2carbon -keypass wso2carbon >/dev/null 2>&1
fi
if [[ ! -f $sec/client-truststore.jks ]]; then
	keytool -J-XX:TieredStopAtLevel=1 -exportcert -rfc -alias wso2carbon -keystore "$sec/wso2carbon.jks" -storepass wso2carbon -file "$sec/wso2carbon.pem" >/dev/null 2>&1
	keytool -J-XX:TieredStopAtLevel=1 -importcert -noprompt -alias wso2carbon -file "$sec/wso2carbon.pem" -storetype PKCS12 \
		-keystore "$sec/client-truststore.jks" -storepass wso2carbon >/dev/null 2>&1
	rm -f "$sec/wso2carbon.pem"
fi

classes=$(mktemp -d)
trap 'rm -rf "$classes"' EXIT
javac -nowarn --release 8 -Xlint:-options -d "$classes" \
	"$here/standin/CarbonStandIn.java" "$here/standin/Toml.java" "$here/standin/org/apache/juli/ClassLoaderLogManager.java"
jar --create --date=2016-07-27T00:00:00Z --file "$out/bin/org.wso2.carbon.bootstrap-standin.jar" -C "$classes" .
