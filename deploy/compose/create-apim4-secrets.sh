#!/usr/bin/env bash
# Writes the secret files apim4-compose.yml expects into
# deploy/compose/secrets/apim/ (ignored by git), unless they exist: random
# passwords, and the keystore secret (wso2carbon.jks, client-truststore.jks,
# wso2internal.jks) copied from KEYSTORE_DIR or made with keytool (alias
# wso2carbon, CN=$WSO2_HOSTNAME, password = keystore_password). Values are
# never printed. Files are 0644: compose bind-mounts them as they are and the
# containers run as UID 802 (the folder is 0700).
set -euo pipefail
dir=$(cd "$(dirname "$0")" && pwd)/secrets/apim
mkdir -p "$dir"
chmod 0700 "$(dirname "$dir")" "$dir"
for name in db_root_password db_password admin_password keystore_password; do
	[[ -s $dir/$name ]] && { echo "secret $dir/$name exists: kept"; continue; }
	(umask 022 && openssl rand -base64 24 | tr -d '\n/+=' >"$dir/$name")
	echo "secret $dir/$name written"
done
if [[ -s $dir/wso2carbon.jks ]]; then
	echo "keystores exist: kept"
	exit 0
fi
if [[ -n ${KEYSTORE_DIR:-} ]]; then
	cp "$KEYSTORE_DIR/wso2carbon.jks" "$KEYSTORE_DIR/client-truststore.jks" "$KEYSTORE_DIR/wso2internal.jks" "$dir/"
else
	export KSPW; KSPW=$(<"$dir/keystore_password")
	kt() { keytool -J-XX:TieredStopAtLevel=1 "$@" >/dev/null 2>&1; }
	for ks in wso2carbon wso2internal; do
		kt -genkeypair -alias wso2carbon -dname "CN=${WSO2_HOSTNAME:-am.wso2.com}" -keyalg RSA -keysize 2048 -validity 825 \
			-storetype PKCS12 -keystore "$dir/$ks.jks" -storepass:env KSPW -keypass:env KSPW
	done
	kt -exportcert -rfc -alias wso2carbon -keystore "$dir/wso2carbon.jks" -storepass:env KSPW -file "$dir/wso2carbon.pem"
	kt -importcert -noprompt -alias wso2carbon -file "$dir/wso2carbon.pem" -storetype PKCS12 -keystore "$dir/client-truststore.jks" -storepass:env KSPW
	rm -f "$dir/wso2carbon.pem"
fi
chmod 0644 "$dir"/*
echo "keystores written to $dir"
