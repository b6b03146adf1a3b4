#!/bin/sh
# The shape of wso2server.sh: java runs as a child of a shell loop (not
# exec), and exit status 121 restarts it.
START_EXIT_STATUS=121
status=$START_EXIT_STATUS
while [ "$status" = "$START_EXIT_STATUS" ]
do
    java $JVM_MEM_OPTS -XX:+UseSerialGC $JAVA_OPTS -cp "$(dirname "$0")" Hook "$HOOK_FILE" "$RESTART_FILE"
    status=$?
done
exit $status
