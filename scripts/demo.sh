#!/usr/bin/env bash
# demo.sh — the agent's main job on the bundled sample: a copy of the real
# API Manager 2.0.0 configuration files (shared/wso2-fixtures, or the copy
# under testdata when shared/ is not beside the checkout), a certificates
# folder made by `agent certs generate`, then `agent render --dry-run` for the
# gateway profile, then a real `agent render` and a second one that changes
# nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
agent=$here/bin/agent
fix=${WSO2_FIXTURES:-$here/testdata/wso2-fixtures}
[ -d "$fix/wso2am-2.0.0" ] || { echo "demo: fixture tree not found at $fix (set WSO2_FIXTURES)"; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/agent-demo.XXXXXX")
cp -a "$fix/wso2am-2.0.0" "$work/wso2am"
echo "== agent certs generate --out $work/certificates"
WSO2_KEYSTORE_PASSWORD=wso2carbon "$agent" certs generate --out "$work/certificates" 2>&1 | tail -1
export WSO2_PROFILE=gateway WSO2_HOME=$work/wso2am WSO2_CERTIFICATES_DIR=$work/certificates \
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
echo "The patched tree is in $work (remove it when done)."
