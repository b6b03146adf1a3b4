#!/bin/bash
# MySQL init script for API Manager 4.x (pattern 3): mounted into
# /docker-entrypoint-initdb.d of a mysql/mariadb image, it runs once, on an
# empty data volume. Creates apim_db and shared_db, grants them to
# $MYSQL_USER, and loads the product's schemas when the pack's dbscripts are
# mounted at /dbscripts/apim, or at $DBSCRIPTS_DIR (a 4.x pack:
# dbscripts/apimgt/mysql.sql is apim_db, dbscripts/mysql.sql is shared_db, as
# WSO2's guide and charts load them). Passwords come from the image's *_FILE
# variables, never from here.
set -euo pipefail

user=${MYSQL_USER:?MYSQL_USER is not set}
rootpw=${MYSQL_ROOT_PASSWORD:-}
if [[ -n ${MYSQL_ROOT_PASSWORD_FILE:-} ]]; then rootpw=$(<"$MYSQL_ROOT_PASSWORD_FILE"); fi
mysql_root() { MYSQL_PWD=$rootpw mysql --protocol=socket -uroot "$@"; }

for db in apim_db shared_db; do
	mysql_root -e "CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET latin1;
		GRANT ALL PRIVILEGES ON \`$db\`.* TO '$user'@'%';"
done

load() { # db file
	if [[ -f $2 ]]; then
		echo "wso2-init: loading $2 into $1"
		mysql_root "$1" <"$2"
	else
		echo "wso2-init: $2 not mounted: $1 stays empty"
	fi
}
dir=${DBSCRIPTS_DIR:-/dbscripts/apim}
load shared_db "$dir/mysql.sql"
load apim_db "$dir/apimgt/mysql.sql"
