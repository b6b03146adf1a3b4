#!/usr/bin/env bash
# compare.sh [RUNS] — the agent against the old start scripts (testdata/baseline), as whole processes,
# on fresh copies of the same built image, interleaved in one run (this machine's speed drifts, so only a
# ratio measured in the same run means anything). Prints
#   gateway: old median X ms, agent median Y ms, ratio Z×
#   analytics: old median X ms, agent median Y ms, ratio Z×
# and then checks that both produced the same values (read back with xmlstarlet, java.util.Properties,
# keytool and unzip), listing the intentional differences (old bugs the agent fixes) explicitly.
# Exits non-zero when a value differs unexpectedly or a run fails — never because of the ratio: the
# goals (100× gateway, 10× analytics) are reported figures, not timed assertions.
#
# COMPARE_TMP (default /tmp) is where the trees live: /dev/shm takes the disk (the agent syncs, the old
# scripts never did) out of the comparison.
# RUNS (default 7, or $COMPARE_RUNS) runs per side for the gateway (the old one takes ~2 s), three times as
# many for the analytics step. COMPARE_AGENT: the binary (default bin/agent, from make build).
#
# COMPARE_BUSY=1 (make bench sets it) measures twice: quiet, then on a busy host, i.e. while a background
# writer keeps dirtying the same file system (dd of 256 MiB files in a loop without syncing them, at most
# COMPARE_BUSY_MB in flight, stopped and removed at the end, and never running longer than the benchmark),
# the way other containers on one host fill the page cache that a sync would have to flush. It then prints
# the agent's busy median against its quiet one.
# Needs bash 5, xmlstarlet, zip, unzip, keytool, java.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/.." && pwd)
BASE=$repo/testdata/baseline; FIX=$repo/testdata/wso2-fixtures; AGENT=${COMPARE_AGENT:-$repo/bin/agent}
N=${1:-${COMPARE_RUNS:-7}}; NA=$((3 * N))
for tool in xmlstarlet zip unzip keytool java; do
  command -v "$tool" >/dev/null || { echo "compare: $tool is missing (make deps)" >&2; exit 1; }
done
[ -x "$AGENT" ] || { echo "compare: $AGENT missing (make build)" >&2; exit 1; }
[ -n "${EPOCHREALTIME:-}" ] || { echo "compare: needs bash 5 (EPOCHREALTIME)" >&2; exit 1; }

W=$(mktemp -d "${COMPARE_TMP:-/tmp}/agent-compare.XXXXXX"); trap 'rm -rf "$W"' EXIT

# ---------------------------------------------------------------- the built images (not timed)
"$BASE/make-certs.sh" "$W/certs"
"$BASE/prepare.sh" "$FIX/wso2am-2.0.0" "$W/gw" >/dev/null
CARNAME=org_wso2_carbon_analytics_apim-1.0.0.car
CARDIR=repository/deployment/server/carbonapps
FEATDIR=repository/components/features/org.wso2.analytics.apim_2.0.0
mkdir -p "$W/das"; cp -a "$FIX/wso2am-analytics-2.0.0" "$W/das/home"; mkdir -p "$W/das/home/$CARDIR"
(cd "$W/das/home/carbonapp-src" && zip -qr -X "$W/das/home/$CARDIR/$CARNAME" .)
# A DAS 2.0.0 image deploys the app from both places; the old step overwrote the feature copy, the agent
# patches it in place (B7). Both start from an image that has it.
mkdir -p "$W/das/home/$FEATDIR"; cp "$W/das/home/$CARDIR/$CARNAME" "$W/das/home/$FEATDIR/"

# The inputs: every value differs from the image's, so both sides really change something.
export WSO2_ADMIN_PASSWORD='Cmp-Adm1n-pw' WSO2_MYSQL_SERVER=dbcompare WSO2_MYSQL_PASSWORD='Cmp-Db-pw42' \
  WSO2_CARBON_ANALYTICS=true
export WSO2_DAS_APIM_INCREMENTAL_PROCESSING_SCRIPT='0 0/3 * 1/1 * ?' \
  WSO2_DAS_APIM_LAST_ACCESS_TIME_SCRIPT='0 0/7 * 1/1 * ? *' \
  WSO2_DAS_APIM_LATENCY_BREAKDOWN_STATS='0 0/9 * 1/1 * ? *' \
  WSO2_DAS_APIM_LOGANALYZER_SCRIPT='0 0/20 * 1/1 * ? *' \
  WSO2_DAS_APIM_STAT_SCRIPT='0 0/4 * 1/1 * ?' \
  WSO2_DAS_APIM_STAT_SCRIPT_THROTTLE='0 0/6 * 1/1 * ?' \
  WSO2_DAS_APIM_USER_AGENT_STATS='0 0/8 * 1/1 * ?'

# agent_env HOME MEDIATOR PROFILE: the agent's own variables beside the shared ones above. Members are IP
# literals (for the gateway the old script's fixed 10.0.0.5, 10.0.0.6 and local 10.0.0.4), so nothing waits
# on DNS: the old scripts resolve nothing, and the analytics profile's default member, tasks.das, would make
# every agent run wait for this machine's DNS server (1.3-3 ms here, on the critical path) — a figure of the
# network, not of either side.
agent_env() {
  export WSO2_PROFILE=$3 WSO2_HOME=$1 WSO2_CERTIFICATES_DIR=$W/certs WSO2_MEDIATOR_DIR=$2 \
    WSO2_DEPLOYMENT_SEED=$W/no-seed WSO2_LOCAL_MEMBER_HOST=10.0.0.4
  if [ "$3" = gateway ]; then export WSO2_CLUSTER_MEMBERS=10.0.0.5,10.0.0.6; else export WSO2_CLUSTER_MEMBERS=10.0.0.7; fi
}

# timed CMD...: runs CMD, prints its wall time in µs (bash's clock: no fork in the measurement).
timed() {
  local t0 t1
  t0=$EPOCHREALTIME
  "$@" >"$W/last.out" 2>&1 || { echo "compare: failed: $*" >&2; cat "$W/last.out" >&2; return 1; }
  t1=$EPOCHREALTIME
  echo $(( (${t1/./} - ${t0/./}) ))
}
old_gateway() { timed "$BASE/gateway-start.sh" "$1/home" "$W/certs" "$1/mediator"; }
new_gateway() { (agent_env "$1/home" "$1/mediator" gateway; timed "$AGENT" render); }
old_analytics() { timed "$BASE/das-schedules.sh" "$1/home"; }
new_analytics() { (agent_env "$1/home" "$W/no-mediator" analytics; timed "$AGENT" render); }
old_analytics-whole() { old_analytics "$@"; }
new_analytics-whole() { new_analytics "$@"; }

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# bench NAME IMAGE RUNS [AGENT_IMAGE]: interleaved runs on fresh copies (the copy is not timed); odd runs
# start with the old side, even runs with the agent. The copies of run 1 are kept for the value check.
# AGENT_IMAGE (default IMAGE) is the tree the agent side starts from.
bench() {
  local name=$1 img=$2 runs=$3 aimg=${4:-$2} i o n
  : >"$W/$name.old"; : >"$W/$name.new"
  for ((i = 1; i <= runs; i++)); do
    rm -rf "$W/$name-old-$i" "$W/$name-new-$i"; cp -a "$img" "$W/$name-old-$i"; cp -a "$aimg" "$W/$name-new-$i"; sync
    if ((i % 2)); then
      o=$("old_$name" "$W/$name-old-$i"); n=$("new_$name" "$W/$name-new-$i")
    else
      n=$("new_$name" "$W/$name-new-$i"); o=$("old_$name" "$W/$name-old-$i")
    fi
    echo "$o" >>"$W/$name.old"; echo "$n" >>"$W/$name.new"
    if ((i > 1)); then rm -rf "$W/$name-old-$i" "$W/$name-new-$i"; fi
  done
  local om nm pm
  om=$(median <"$W/$name.old"); nm=$(median <"$W/$name.new")
  # The median of the ratios of each adjacent old/agent pair: less sensitive to load that drifts.
  pm=$(paste "$W/$name.old" "$W/$name.new" | awk '{printf "%.3f\n", $1/$2}' | median)
  awk -v n="$name" -v o="$om" -v a="$nm" -v r="$runs" -v p="$pm" 'BEGIN {
    printf "%s: old median %.1f ms, agent median %.2f ms, ratio %.0f× (%d runs each, interleaved; median of paired ratios %.0f×)\n", n, o/1000, a/1000, o/a, r, p }'
}

# Warm-up (page cache, JIT of nothing: both sides get one untimed run).
"old_gateway" "$(cp -a "$W/gw" "$W/warm-o" && echo "$W/warm-o")" >/dev/null
"new_gateway" "$(cp -a "$W/gw" "$W/warm-n" && echo "$W/warm-n")" >/dev/null
rm -rf "$W/warm-o" "$W/warm-n"

echo "compare: the old start scripts (testdata/baseline) and bin/agent render, as whole processes"
# The old analytics step only rewrites the schedules (the other settings were separate steps), so the
# agent side starts from the same image on which the agent has already applied everything else with the
# image's own schedules: its timed run is the schedule step, i.e. a container restarted with new
# schedules. The whole analytics profile on a pristine image is reported too.
cp -a "$W/das" "$W/das-configured"
(unset WSO2_DAS_APIM_INCREMENTAL_PROCESSING_SCRIPT WSO2_DAS_APIM_LAST_ACCESS_TIME_SCRIPT WSO2_DAS_APIM_LATENCY_BREAKDOWN_STATS \
   WSO2_DAS_APIM_LOGANALYZER_SCRIPT WSO2_DAS_APIM_STAT_SCRIPT WSO2_DAS_APIM_STAT_SCRIPT_THROTTLE WSO2_DAS_APIM_USER_AGENT_STATS
 agent_env "$W/das-configured/home" "$W/no-mediator" analytics; "$AGENT" render >/dev/null 2>&1) ||
  { echo "compare: could not pre-configure the analytics image" >&2; exit 1; }
benches() {
bench gateway "$W/gw" "$N"
bench analytics "$W/das" "$NA" "$W/das-configured"
bench analytics-whole "$W/das" "$NA"
}
busy_pid=
stop_busy() {
  if [ -n "$busy_pid" ]; then
    kill "$busy_pid" 2>/dev/null || true
    wait "$busy_pid" 2>/dev/null || true
    busy_pid=
    rm -f "$W"/dirty.*
  fi
}
trap 'stop_busy; rm -rf "$W"' EXIT
if [ "${COMPARE_BUSY:-0}" = 1 ]; then
  echo "compare: quiet host"
  benches | tee "$W/quiet.txt"
  COMPARE_BUSY_MB=$(( ${COMPARE_BUSY_MB:-512} < 256 ? 256 : ${COMPARE_BUSY_MB:-512} ))
  echo "compare: busy host (a background writer dirtying this file system: at most $COMPARE_BUSY_MB MiB)"
  ( dd=; trap 'kill $dd 2>/dev/null; exit 0' TERM; i=0
    while :; do
      dd if=/dev/zero of="$W/dirty.$((i % (COMPARE_BUSY_MB / 256)))" bs=1M count=256 status=none conv=notrunc &
      dd=$!; wait "$dd" || exit 0
      i=$((i + 1))
    done ) &
  busy_pid=$!
  benches | sed 's/^/busy /' | tee "$W/busy.txt"
  stop_busy
  for name in gateway analytics analytics-whole; do
    q=$(grep "^$name:" "$W/quiet.txt" | sed -E 's/.*agent median ([0-9.]+) ms.*/\1/')
    b=$(grep "^busy $name:" "$W/busy.txt" | sed -E 's/.*agent median ([0-9.]+) ms.*/\1/')
    awk -v n="$name" -v q="$q" -v b="$b" 'BEGIN { printf "%s: agent busy median %.2f ms / quiet median %.2f ms = %.1f× (goal: within 3×)\n", n, b, q, b/q }'
  done
else
  benches
fi

# ---------------------------------------------------------------- the resulting values
cat >"$W/Props.java" <<'EOF'
import java.io.*; import java.util.*;
public class Props { public static void main(String[] a) throws Exception {
  Properties p = new Properties(); try (InputStream in = new FileInputStream(a[0])) { p.load(in); }
  for (int i = 1; i < a.length; i++) System.out.println(a[i] + " = " + p.getProperty(a[i])); } }
EOF
javac -d "$W" "$W/Props.java"

# values HOME: one "key = value" line per value the old gateway script set, read back by real consumers.
gateway_values() {
  local H=$1 C=$1/repository/conf x
  x() { xmlstarlet sel -t -m "$2" -v . -n "$1" 2>/dev/null | sed '/^$/d' | paste -sd, -; }
  echo "user-mgt AdminUser/Password = $(x "$C/user-mgt.xml" /UserManager/Realm/Configuration/AdminUser/Password)"
  java -cp "$W" Props "$C/log4j.properties" log4j.appender.LOGEVENT.password log4j.appender.DAS_AGENT.password |
    sed 's/^/log4j /'
  for d in WSO2AM_DB WSO2UM_DB WSO2REG_DB WSO2AM_STATS_DB WSO2_MB_STORE_DB; do
    local q="/datasources-configuration/datasources/datasource[name='$d']"
    echo "master-datasources $d count = $(xmlstarlet sel -t -v "count($q)" "$C/datasources/master-datasources.xml")"
    echo "master-datasources $d url = $(x "$C/datasources/master-datasources.xml" "$q/definition/configuration/url")"
    echo "master-datasources $d password = $(x "$C/datasources/master-datasources.xml" "$q/definition/configuration/password")"
  done
  echo "metrics-datasources urls = $(x "$C/datasources/metrics-datasources.xml" //url)"
  echo "metrics-datasources passwords = $(x "$C/datasources/metrics-datasources.xml" //password)"
  echo "api-manager Analytics/Enabled = $(x "$C/api-manager.xml" /APIManager/Analytics/Enabled)"
  keytool -list -keystore "$H/repository/resources/security/client-truststore.jks" -storepass wso2carbon 2>/dev/null |
    awk -F', ' '/Entry, *$/ {a=$1} /fingerprint/ && a ~ /^wso2.*cert$/ {print "truststore " a " = " $NF; a=""}' | sort
  echo "truststore wso2*cert entries = $(keytool -list -keystore "$H/repository/resources/security/client-truststore.jks" -storepass wso2carbon 2>/dev/null | grep -c '^wso2.*cert,')"
  local A=$C/axis2/axis2.xml
  echo "axis2 localMemberHost = $(x "$A" "/axisconfig/clustering/parameter[@name='localMemberHost']")"
  echo "axis2 localMemberPort = $(x "$A" "/axisconfig/clustering/parameter[@name='localMemberPort']")"
  echo "axis2 subDomain = $(xmlstarlet sel -t -v "/axisconfig/clustering/parameter[@name='properties']/property[@name='subDomain']/@value" "$A")"
  echo "axis2 members = $(xmlstarlet sel -t -m /axisconfig/clustering/members/member -v hostName -o : -v port -n "$A" | sed '/^$/d' | paste -sd, -)"
  echo "lib mediator jars = $(cd "$H/repository/components/lib" && sha256sum mediator-*.jar | awk '{print $2 ":" substr($1,1,12)}' | paste -sd, -)"
  echo "carbon.xml KeyStore Location = $(x "$C/carbon.xml" "/*[local-name()='Server']/*[local-name()='Security']/*[local-name()='KeyStore']/*[local-name()='Location']")"
  echo "catalina 9443 keystoreFile = $(xmlstarlet sel -t -v "//Connector[@port='9443']/@keystoreFile" "$C/tomcat/catalina-server.xml")"
  echo "security private keystores = $(cd "$H/repository/resources/security" && ls wso2*.jks 2>/dev/null | grep -v '^wso2carbon.jks$' | paste -sd, -)"
}
analytics_values() {
  local H=$1 d e
  for d in "$CARDIR" "$FEATDIR"; do
    for e in $(unzip -Z1 "$H/$d/$CARNAME" | grep -E '^APIM_[A-Z_]+_1\.0\.0/APIM_[A-Z_]+\.xml$' | sort); do
      echo "$d ${e%%/*} CronExpression = $(unzip -p "$H/$d/$CARNAME" "$e" | xmlstarlet sel -t -v /Analytics/CronExpression)"
    done
    echo "$d entries = $(unzip -Z1 "$H/$d/$CARNAME" | sort | sha256sum | cut -c1-12)"
  done
}

# The intentional differences: "key" (prefix match) and the bug the agent fixes. Nothing else may differ.
declare -A expected=(
  ["metrics-datasources"]="B17: the old sed only rewrote an existing jdbc:mysql URL (this image has H2 there) and never the password; the agent writes the MySQL WSO2_METRICS_DB"
  ["axis2 members"]="B1: the old script appends WKA members to the image's list; the agent replaces the list"
  ["carbon.xml KeyStore Location"]="B21/B13: the agent points every keystore reference at the component's own wso2gateway.jks"
  ["catalina 9443 keystoreFile"]="B21: same, for the 9443 connector"
  ["security private keystores"]="B13: the old script copies every component's private keystore; the agent only its own"
)

fail=0
check() { # check NAME OLDHOME NEWHOME VALUEFN
  local name=$1 key ov nv exp
  "$4" "$2" >"$W/$name.old.values"; "$4" "$3" >"$W/$name.new.values"
  while IFS= read -r line; do
    key=${line%% = *}; ov=${line#* = }
    nv=$(grep -F -m1 -- "$key = " "$W/$name.new.values" | sed 's/^[^=]* = //' || true)
    exp=""
    for k in "${!expected[@]}"; do [[ $key == "$k"* ]] && exp=${expected[$k]}; done
    if [ "$ov" = "$nv" ]; then
      [ -n "$exp" ] && { echo "  UNEXPECTEDLY EQUAL  $key = $ov (expected a difference: $exp)"; fail=1; }
      echo "  same      $key = $ov"
    elif [ -n "$exp" ]; then
      echo "  expected  $key: old $ov | agent $nv  — $exp"
    else
      echo "  DIFFERENT $key: old $ov | agent $nv"; fail=1
    fi
  done <"$W/$name.old.values"
  if [ "$(cut -d= -f1 "$W/$name.old.values" | sort)" != "$(cut -d= -f1 "$W/$name.new.values" | sort)" ]; then
    echo "  DIFFERENT set of values read back"; fail=1
  fi
}
# must NAME FILE KEY VALUE: a value both sides must have (so that "same" cannot mean "both unchanged").
must() {
  grep -qxF -- "$3 = $4" "$W/$1.$2.values" || { echo "  WRONG     $2 $3: want $4, got $(grep -F -- "$3 = " "$W/$1.$2.values" | sed 's/^[^=]* = //')"; fail=1; }
}

echo "values after the gateway start (old | agent):"
check gateway "$W/gateway-old-1/home" "$W/gateway-new-1/home" gateway_values
for side in old new; do
  must gateway $side "user-mgt AdminUser/Password" "$WSO2_ADMIN_PASSWORD"
  must gateway $side "log4j log4j.appender.LOGEVENT.password" "$WSO2_ADMIN_PASSWORD"
  must gateway $side "master-datasources WSO2AM_DB password" "$WSO2_MYSQL_PASSWORD"
  must gateway $side "api-manager Analytics/Enabled" "true"
  must gateway $side "truststore wso2*cert entries" 8
  must gateway $side "axis2 localMemberHost" 10.0.0.4
done
grep -q "url = jdbc:mysql://$WSO2_MYSQL_SERVER.wso2:3306/apimgtdb" "$W/gateway.new.values" || { echo "  WRONG     agent WSO2AM_DB url"; fail=1; }
must gateway new "axis2 members" "10.0.0.5:4000,10.0.0.6:4000"

echo "values after the analytics schedule step (old | agent):"
check analytics "$W/analytics-old-1/home" "$W/analytics-new-1/home" analytics_values
for side in old new; do
  must analytics $side "$CARDIR APIM_STAT_SCRIPT_1.0.0 CronExpression" "$WSO2_DAS_APIM_STAT_SCRIPT"
  must analytics $side "$FEATDIR APIM_LOGANALYZER_SCRIPT_1.0.0 CronExpression" "$WSO2_DAS_APIM_LOGANALYZER_SCRIPT"
done

if ((fail)); then echo "compare: FAIL — the resulting values differ unexpectedly (see above)"; exit 1; fi
echo "compare: OK — same resulting values; the differences listed as expected are the old scripts' bugs"
