#!/usr/bin/env bash
# Creates the Docker secrets apim4-stack.yml expects, unless they exist:
#   apim_db_root_password apim_db_password apim_admin_password apim_keystore_password
#     random values (or your own: printf '%s' 'pw' | docker secret create NAME -)
#   apim_wso2carbon_jks apim_client_truststore_jks apim_wso2internal_jks
#     the keystore secret (Helm: apim-keystore-secret) from KEYSTORE_DIR, a
#     folder holding wso2carbon.jks, client-truststore.jks and wso2internal.jks
#     whose passwords are apim_keystore_password's value. Without KEYSTORE_DIR,
#     a new key pair is made with keytool (alias wso2carbon, CN=$WSO2_HOSTNAME)
#     and its certificate trusted; the values are never printed.
set -euo pipefail
rand() { openssl rand -base64 24 | tr -d '\n/+='; }
for name in apim_db_root_password apim_db_password apim_admin_password; do
	if docker secret inspect "$name" >/dev/null 2>&1; then
		echo "secret $name exists: kept"
		continue
	fi
	rand | docker secret create "$name" - >/dev/null
	echo "secret $name created"
done
# The keystore password is kept in memory to make the keystores below.
if docker secret inspect apim_keystore_password >/dev/null 2>&1; then
	echo "secret apim_keystore_password exists: kept"
else
	KEYSTORE_PASSWORD=${KEYSTORE_PASSWORD:-$(rand)}
	printf '%s' "$KEYSTORE_PASSWORD" | docker secret create apim_keystore_password - >/dev/null
	echo "secret apim_keystore_password created"
fi
if docker secret inspect apim_wso2carbon_jks >/dev/null 2>&1; then
	echo "keystore secrets exist: kept"
	exit 0
fi
dir=${KEYSTORE_DIR:-}
if [[ -z $dir ]]; then
	[[ -n ${KEYSTORE_PASSWORD:-} ]] || { echo "create-apim4-secrets: apim_keystore_password exists but its value cannot be read back: set KEYSTORE_PASSWORD to it, or KEYSTORE_DIR to your keystores" >&2; exit 1; }
	dir=$(mktemp -d)
	trap 'rm -rf "$dir"' EXIT
	pw=$KEYSTORE_PASSWORD
	kt() { keytool -J-XX:TieredStopAtLevel=1 "$@" >/dev/null 2>&1; }
	for ks in wso2carbon wso2internal; do
		KSPW=$pw kt -genkeypair -alias wso2carbon -dname "CN=${WSO2_HOSTNAME:-am.wso2.com}" -keyalg RSA -keysize 2048 -validity 825 \
			-storetype PKCS12 -keystore "$dir/$ks.jks" -storepass:env KSPW -keypass:env KSPW
	done
	KSPW=$pw kt -exportcert -rfc -alias wso2carbon -keystore "$dir/wso2carbon.jks" -storepass:env KSPW -file "$dir/wso2carbon.pem"
	KSPW=$pw kt -importcert -noprompt -alias wso2carbon -file "$dir/wso2carbon.pem" -storetype PKCS12 \
		-keystore "$dir/client-truststore.jks" -storepass:env KSPW
fi
docker secret create apim_wso2carbon_jks "$dir/wso2carbon.jks" >/dev/null
docker secret create apim_client_truststore_jks "$dir/client-truststore.jks" >/dev/null
docker secret create apim_wso2internal_jks "$dir/wso2internal.jks" >/dev/null
if [[ -n ${KEYSTORE_DIR:-} ]]; then
	echo "keystore secrets created from $KEYSTORE_DIR"
else
	echo "keystore secrets created from new keystores (self-signed keys, CN=${WSO2_HOSTNAME:-am.wso2.com}, on the password of apim_keystore_password)"
fi
