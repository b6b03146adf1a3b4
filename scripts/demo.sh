#!/usr/bin/env bash
# demo.sh — the agent's main job on the bundled sample: a copy of the real
# API Manager 2.0.0 configuration files (shared/wso2-fixtures, or the copy
# under testdata when shared/ is not beside the checkout), a certificates
# folder made by `agent certs generate`, then `agent render --dry-run` for the
# gateway profile, then a real `agent render` and a second one that changes
# nothing. Then the same dry run for an API Manager 4.5 universal gateway
# (the real pack's deployment.toml and keystores) with the settings WSO2's
# Helm chart gives one in its "pattern 3" layout.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
agent=$here/bin/agent
fix=${WSO2_FIXTURES:-$here/testdata/wso2-fixtures}
[ -d "$fix/wso2am-2.0.0" ] || { echo "demo: fixture tree not found at $fix (set WSO2_FIXTURES)"; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/agent-demo.XXXXXX")
cp -a "$fix/wso2am-2.0.0" "$work/wso2am"
echo "== agent certs generate --out $work/certificates"
WSO2_KEYSTORE_PASSWORD=wso2carbon "$agent" certs generate --out "$work/certificates" 2>&1 | tail -1
export WSO2_AGENT_USER=$(id -un) WSO2_PROFILE=gateway WSO2_HOME=$work/wso2am WSO2_CERTIFICATES_DIR=$work/certificates \
  WSO2_MYSQL_PASSWORD='demo-S3cret&<pw>' WSO2_ADMIN_PASSWORD='adm1n/pässword' \
  WSO2_CLUSTER_MEMBERS=localhost WSO2_LOCAL_MEMBER_HOST=10.0.0.4 WSO2_CARBON_ANALYTICS=true
echo
echo "== agent render --dry-run (profile gateway, home $WSO2_HOME)"
"$agent" render --dry-run
echo
echo "== agent render (applies it)"
"$agent" render >/dev/null
echo
echo "== agent render --dry-run again: nothing left to change"
"$agent" render --dry-run | tail -3
echo
gw=$work/wso2am-universal-gw
echo "== API Manager 4.5, pattern 3: agent render --dry-run for a universal gateway (home $gw;"
echo "   the certificates folder of the 2.0.0 demo above stands for the cluster's shared certificates)"
# The fixture is the pack's deployment.toml; its keystores are the 4.5
# all-in-one pack's (the same files), and a stand-in bin/gateway.sh marks the
# home as the universal gateway pack, as the real script does.
cp -a "$fix/wso2am-universal-gw-4.5.0" "$gw"
mkdir -p "$gw/repository/resources" "$gw/bin"
cp -a "$fix/wso2am-4.5.0/repository/resources/security" "$gw/repository/resources/"
printf '#!/bin/sh\necho "stand-in for the pack'"'"'s bin/gateway.sh"\n' >"$gw/bin/gateway.sh"
chmod +x "$gw/bin/gateway.sh"
env -u WSO2_PROFILE -u WSO2_MYSQL_PASSWORD -u WSO2_CLUSTER_MEMBERS -u WSO2_LOCAL_MEMBER_HOST -u WSO2_CARBON_ANALYTICS \
  WSO2_HOME="$gw" WSO2_HOSTNAME=gw.example.com \
  WSO2_KM_SERVICE_URL=wso2am-cp-service:9443 WSO2_EVENTHUB_SERVICE_URL=https://wso2am-cp-service:9443/services/ \
  WSO2_EVENTHUB_URLS=wso2am-cp-1-service,wso2am-cp-2-service \
  WSO2_THROTTLING_SERVICE_URL=wso2am-tm-service WSO2_THROTTLING_URLS=wso2am-tm-1-service,wso2am-tm-2-service \
  WSO2_SHARED_DB_URL=jdbc:mysql://mysql:3306/shared_db WSO2_SHARED_DB_USERNAME=apimadmin WSO2_SHARED_DB_PASSWORD='demo-S3cret&<pw>' \
  "$agent" render --dry-run
echo
echo "The patched tree is in $work (remove it when done)."
