#!/usr/bin/env bash
# Creates the Docker secrets wso2-stack.yml expects, with random values, unless
# they exist. Give your own value on stdin instead:
#   printf '%s' 'my password' | docker secret create wso2_admin_password -
# The values are never printed. Keep them: changing the MySQL password later
# needs a database change too (and the admin password the admin-password job).
set -euo pipefail
for name in wso2_mysql_root_password wso2_mysql_password wso2_admin_password wso2_keystore_password; do
	if docker secret inspect "$name" >/dev/null 2>&1; then
		echo "secret $name exists: kept"
		continue
	fi
	openssl rand -base64 24 | tr -d '\n' | docker secret create "$name" - >/dev/null
	echo "secret $name created"
done
