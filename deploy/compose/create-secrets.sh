#!/usr/bin/env bash
# Writes the secret files docker-compose.yml expects into deploy/compose/secrets/
# (ignored by git), with random values, unless they exist. Put your own value
# in a file instead. The values are never printed.
# The folder is 0700 (other host users cannot read it); the files are 0644
# because compose bind-mounts them as they are, and the containers run as UID
# 802, not as the file's owner.
set -euo pipefail
dir=$(cd "$(dirname "$0")" && pwd)/secrets
mkdir -p "$dir"
chmod 0700 "$dir"
for name in mysql_root_password mysql_password admin_password keystore_password; do
	f=$dir/$name
	if [[ -s $f ]]; then
		echo "secret $f exists: kept"
		continue
	fi
	(umask 022 && openssl rand -base64 24 | tr -d '\n' >"$f")
	echo "secret $f written"
done
