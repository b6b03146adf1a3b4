#!/bin/bash
# MySQL init script (mounted into /docker-entrypoint-initdb.d of the official
# mysql:5.7 image; runs once, on an empty data volume). Creates the databases
# the WSO2 profiles point at, grants them to $MYSQL_USER, and loads the product
# schemas when the packs' dbscripts are mounted at /dbscripts/wso2am.
# Passwords come from the image's *_FILE variables, never from this file.
set -euo pipefail

user=${MYSQL_USER:?MYSQL_USER is not set}
rootpw=${MYSQL_ROOT_PASSWORD:-}
if [[ -n ${MYSQL_ROOT_PASSWORD_FILE:-} ]]; then rootpw=$(<"$MYSQL_ROOT_PASSWORD_FILE"); fi
mysql_root() { MYSQL_PWD=$rootpw mysql --protocol=socket -uroot "$@"; }

databases=(apimgtdb userdb regdb statdb mbstoredb metricsdb
	analytics_event_store analytics_processed_data_store analytics_fs)
for db in "${databases[@]}"; do
	mysql_root -e "CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET latin1;
		GRANT ALL PRIVILEGES ON \`$db\`.* TO '$user'@'%';"
done

# Schemas from the API Manager 2.0.0 pack, when mounted (see deploy/README.md).
load() { # db file
	if [[ -f $2 ]]; then
		echo "wso2-init: loading $2 into $1"
		mysql_root "$1" <"$2"
	else
		echo "wso2-init: $2 not mounted: $1 stays empty (Carbon creates it with -Dsetup)"
	fi
}
load userdb /dbscripts/wso2am/mysql.sql
load regdb /dbscripts/wso2am/mysql.sql
load apimgtdb /dbscripts/wso2am/apimgt/mysql.sql
load mbstoredb /dbscripts/wso2am/mb-store/mysql-mb.sql
load metricsdb /dbscripts/wso2am/metrics/mysql.sql
