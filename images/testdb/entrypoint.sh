#!/bin/bash
# testdb entrypoint: initialise an empty data directory like the official
# images do (root password, user, database, /docker-entrypoint-initdb.d),
# then exec mariadbd (PID 1 is the server: SIGTERM stops it cleanly).
set -euo pipefail
log() { echo "testdb: $*" >&2; }
secret() { # NAME: the value of NAME or of the file NAME_FILE names
	local n=$1 f="${1}_FILE"
	if [[ -n ${!f:-} ]]; then cat "${!f}"; else printf '%s' "${!n:-}"; fi
}
datadir=/var/lib/mysql
# The image's health check passes only once the final server runs.
rm -f /run/mysqld/testdb-ready
if [[ ! -d $datadir/mysql ]]; then
	rootpw=$(secret MYSQL_ROOT_PASSWORD)
	[[ -n $rootpw ]] || { log "MYSQL_ROOT_PASSWORD or MYSQL_ROOT_PASSWORD_FILE must be set"; exit 78; }
	log "initialising $datadir"
	mariadb-install-db --user=mysql --datadir="$datadir" --skip-test-db --auth-root-authentication-method=socket >/dev/null
	# No TCP while initialising: clients see nothing until the server is complete.
	mariadbd --user=mysql --datadir="$datadir" --skip-networking &
	pid=$!
	for _ in $(seq 1 120); do
		mariadb-admin --protocol=socket --silent ping >/dev/null 2>&1 && break
		kill -0 $pid 2>/dev/null || { log "mariadbd ended during initialisation"; exit 1; }
		sleep 0.5
	done
	sql() { mariadb --protocol=socket -uroot "$@"; }
	# root keeps socket authentication (the health check) and gets the password too.
	sql -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('${rootpw//\'/\'\'}');
		CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY '${rootpw//\'/\'\'}'; GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
	if [[ -n ${MYSQL_DATABASE:-} ]]; then
		sql -e "CREATE DATABASE IF NOT EXISTS \`$MYSQL_DATABASE\`"
	fi
	if [[ -n ${MYSQL_USER:-} ]]; then
		pw=$(secret MYSQL_PASSWORD)
		sql -e "CREATE USER IF NOT EXISTS '$MYSQL_USER'@'%' IDENTIFIED BY '${pw//\'/\'\'}'"
		[[ -z ${MYSQL_DATABASE:-} ]] || sql -e "GRANT ALL ON \`$MYSQL_DATABASE\`.* TO '$MYSQL_USER'@'%'"
	fi
	for f in /docker-entrypoint-initdb.d/*; do
		case $f in
		*.sh) log "running $f"; MYSQL_PWD=$rootpw bash "$f" ;;
		*.sql) log "loading $f"; sql <"$f" ;;
		*) [[ -e $f ]] && log "ignoring $f" ;;
		esac
	done
	mariadb-admin --protocol=socket shutdown
	wait $pid || true
	log "initialised"
fi
touch /run/mysqld/testdb-ready
exec mariadbd --user=mysql --datadir="$datadir"
