package agent

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wso2-container/agent/internal/fixtures"

	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/jobs"
	"github.com/wso2-container/agent/agent/pipeline"
	"github.com/wso2-container/agent/agent/plan"
)

// jobsCopyFile copies src to dst (fixtures are never used in place).
func jobsCopyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// jobsCountLines returns the number of lines of a file (0 when missing).
func jobsCountLines(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte("\n"))
}

// jobsReadInt reads a file holding one number.
func jobsReadInt(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s (written by the server under test): %v", path, err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return n
}

// jobsKeytoolSHA256 returns the SHA-256 fingerprint keytool shows for alias.
func jobsKeytoolSHA256(t *testing.T, store, alias string) string {
	t.Helper()
	out, err := exec.Command("keytool", "-list", "-v", "-keystore", store, "-storepass", "wso2carbon", "-alias", alias).CombinedOutput()
	if err != nil {
		t.Fatalf("keytool -list %s -alias %s: %v\n%s", store, alias, err, out)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "SHA256:"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("keytool shows no SHA256 for %s:\n%s", alias, out)
	return ""
}

// jobsOpensslSHA256 is the fingerprint of a PEM certificate according to openssl.
func jobsOpensslSHA256(t *testing.T, pem string) string {
	t.Helper()
	out, err := exec.Command("openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", pem).Output()
	if err != nil {
		t.Fatalf("openssl x509 %s: %v", pem, err)
	}
	_, v, _ := strings.Cut(strings.TrimSpace(string(out)), "=")
	return v
}

// TestRunJobsAsPID1 runs `agent run` as PID 1 of a fresh PID namespace with
// three jobs beside a "server": a job every second, a job that blocks until
// the server releases it (so that its later occurrences overlap), a job that
// leaves orphans behind, and the certificate sync. The server waits (a
// handshake, bounded at 60 s) until the every-second job has run 4 times,
// then releases the blocked job and exits: no count depends on how fast the
// machine is.
func TestRunJobsAsPID1(t *testing.T) {
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	ts := filepath.Join(home, "repository/resources/security/client-truststore.jks")
	jobsCopyFile(t, fixtures.Path("wso2-fixtures/wso2am-2.0.0/repository/resources/security/client-truststore.jks"), ts)
	pem := filepath.Join(dir, "certs", "wso2gateway.pem")
	jobsCopyFile(t, "testdata/certs/wso2gateway.pem", pem)

	server := `i=0; while [ "$(cat "$0/ticks" 2>/dev/null | wc -l)" -lt 4 ] && [ $i -lt 6000 ]; do sleep 0.01; i=$((i+1)); done
cp "$0/ticks" "$0/ticks-released"; cp "$0/slow" "$0/slow-released"; : > "$0/release"
i=0; while [ $i -lt 200 ]; do
  z=$(grep -l "^State:[[:space:]]*Z" /proc/[0-9]*/status 2>/dev/null | wc -l)
  [ "$z" -eq 0 ] && break; i=$((i+1)); sleep 0.01
done
echo "$z" > "$0/zombies"; ls /proc | grep -c "^[0-9]" > "$0/procs"
exit 7`
	env := baseEnv(
		"WSO2_HOME="+home,
		"WSO2_CERTIFICATES_DIR="+filepath.Join(dir, "certs"),
		"WSO2_AGENT_STOP_TIMEOUT=5s",
		`WSO2_AGENT_JOB_TICK=* * * * * * sh -c 'echo "tick $$"; echo x >> "$0"' `+dir+`/ticks`,
		`WSO2_AGENT_JOB_SLOW=* * * * * * sh -c 'echo x >> "$0"; while [ ! -e "$1" ]; do sleep 0.02; done' `+dir+`/slow `+dir+`/release`,
		`WSO2_AGENT_JOB_ORPHANS=* * * * * * sh -c 'sleep 0.1 >/dev/null 2>&1 & sleep 0.1 >/dev/null 2>&1 & echo spawned'`,
		"WSO2_AGENT_CERT_SYNC=* * * * * *",
	)
	code, _, stderr := runAgent(t, true, env, "sh", "-c", server, dir)
	if code != 7 {
		t.Fatalf("agent run exited %d, want the server's 7; stderr:\n%s", code, stderr)
	}

	// The handshake: the every-second job ran 4 times; each output line
	// is prefixed.
	if n := jobsCountLines(t, filepath.Join(dir, "ticks-released")); n < 4 {
		t.Fatalf("tick job ran %d times within 60 s, want 4; stderr:\n%s", n, stderr)
	}
	ticks := jobsCountLines(t, filepath.Join(dir, "ticks"))
	if n := strings.Count(stderr, "job=tick | tick "); n != ticks {
		t.Errorf("%d prefixed output lines of the tick job, want one per run (%d); stderr:\n%s", n, ticks, stderr)
	}
	// The other jobs share the tick job's schedule: by its 4th run each
	// was due at least 3 times.
	if n := strings.Count(stderr, "job=orphans | spawned"); n < 3 {
		t.Errorf("%d prefixed output lines of the orphans job, want at least 3", n)
	}

	// The slow job ran once while its later occurrences were skipped.
	if n := jobsCountLines(t, filepath.Join(dir, "slow-released")); n != 1 {
		t.Errorf("slow job started %d times before it was released, want 1", n)
	}
	if n := strings.Count(stderr, `msg="job skipped: its previous run is still going" job=slow`); n < 2 {
		t.Errorf("%d skips of the slow job logged, want at least 2; stderr:\n%s", n, stderr)
	}

	// The orphans were reaped by the agent as PID 1.
	if z := jobsReadInt(t, filepath.Join(dir, "zombies")); z != 0 {
		t.Errorf("%d zombies in the namespace at the end", z)
	}

	// Each run's end is logged with its status and duration.
	if !strings.Contains(stderr, `msg="job finished" job=tick pid=`) || !strings.Contains(stderr, "status=\"exit status 0\" exit_code=0 duration=") {
		t.Errorf("no run-end line of the tick job; stderr:\n%s", stderr)
	}

	// The certificate sync imported the PEM once, as keytool confirms.
	if n := strings.Count(stderr, "truststore changed: restart the server"); n != 1 {
		t.Errorf("%d 'truststore changed' lines, want 1 (the later runs change nothing); stderr:\n%s", n, stderr)
	}
	if got, want := jobsKeytoolSHA256(t, ts, "wso2gatewaycert"), jobsOpensslSHA256(t, pem); got != want {
		t.Errorf("truststore entry wso2gatewaycert has SHA-256 %s, the PEM %s", got, want)
	}
	if strings.Contains(stderr, "wso2carbon") && strings.Contains(stderr, "password") {
		t.Errorf("a password may have been logged; stderr:\n%s", stderr)
	}
}

// On container stop (TERM) jobs get the server's graceful stop, and run as
// WSO2_AGENT_USER.
func TestRunJobsStopAndUser(t *testing.T) {
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Fatalf("the test needs the user nobody: %v", err)
	}
	a := startAgent(t, true, baseEnv(
		"WSO2_AGENT_USER=nobody",
		"WSO2_AGENT_STOP_TIMEOUT=5s",
		`WSO2_AGENT_JOB_WHO=* * * * * * sh -c 'trap "echo got TERM; exit 0" TERM; echo "uid $(id -u) home $HOME"; sleep 100 & wait'`,
	), "sleep", "300")
	a.waitLog("job=who | uid " + nobody.Uid + " home " + nobody.HomeDir)
	a.signal(syscall.SIGTERM)
	if code := a.wait(); code != 128+int(syscall.SIGTERM) {
		t.Fatalf("agent exited %d, want 143; stderr:\n%s", code, a.stderrText())
	}
	errText := a.stderrText()
	for _, want := range []string{`msg="stopping job" job=who`, "job=who | got TERM", `msg="job finished" job=who`} {
		if !strings.Contains(errText, want) {
			t.Errorf("no %q in stderr:\n%s", want, errText)
		}
	}
}

// With WSO2_AGENT_LOG_FORMAT=json a job's output lines are JSON records too,
// and jobs come from the crontab file as well.
func TestRunJobsJSONAndCrontab(t *testing.T) {
	crontab := filepath.Join(t.TempDir(), "crontab")
	if err := os.WriteFile(crontab, []byte("# jobs\nname=hello * * * * * * echo 'hello from cron'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a := startAgent(t, false, baseEnv("WSO2_AGENT_LOG_FORMAT=json", "WSO2_AGENT_CRONTAB="+crontab), "sleep", "300")
	a.waitLog(`"msg":"hello from cron","job":"hello","stream":"output"`)
	a.signal(syscall.SIGTERM)
	if code := a.wait(); code != 143 {
		t.Fatalf("agent exited %d, want 143; stderr:\n%s", code, a.stderrText())
	}
	for _, l := range strings.Split(strings.TrimSpace(a.stderrText()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Errorf("stderr line is not JSON: %q", l)
		}
	}
}

// Bad job declarations fail `agent run` with exitcode.Config, each problem
// naming its job and source, and no job runs.
func TestRunJobsBadDeclarations(t *testing.T) {
	dir := t.TempDir()
	crontab := filepath.Join(dir, "crontab")
	if err := os.WriteFile(crontab, []byte("# jobs\nname=dup @daily echo\n*/7 * * 13 * echo bad month\nname=gone @daily /no/such/cmd\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ran := filepath.Join(dir, "ran")
	env := baseEnv(
		"WSO2_AGENT_CRONTAB="+crontab,
		`WSO2_AGENT_JOB_BADCRON=61 * * * * echo`,
		`WSO2_AGENT_JOB_EMPTY=@hourly`,
		`WSO2_AGENT_JOB_QUOTE=@hourly echo 'unbalanced`,
		`WSO2_AGENT_JOB_DESC=@fortnightly echo`,
		`WSO2_AGENT_JOB_DUP=@daily echo`,
		`WSO2_AGENT_JOB_OK=* * * * * * touch `+ran,
	)
	code, _, stderr := runAgent(t, false, env, "true")
	if code != exitcode.Config {
		t.Fatalf("agent run exited %d, want %d; stderr:\n%s", code, exitcode.Config, stderr)
	}
	for _, want := range []string{
		`WSO2_AGENT_JOB_BADCRON: job badcron: schedule "61 * * * *": end of range (61) above maximum (59)`,
		`WSO2_AGENT_JOB_EMPTY: job empty: empty command`,
		`WSO2_AGENT_JOB_QUOTE: job quote: unbalanced single quote`,
		`WSO2_AGENT_JOB_DESC: job desc: schedule "@fortnightly": unrecognized descriptor: @fortnightly`,
		`WSO2_AGENT_CRONTAB: ` + crontab + `:2: job dup: duplicate job name: WSO2_AGENT_JOB_DUP declares it too`,
		`WSO2_AGENT_CRONTAB: ` + crontab + `:4: job gone: command /no/such/cmd not found`,
		`WSO2_AGENT_CRONTAB: ` + crontab + `:3: job crontab:3: schedule "*/7 * * 13 *": end of range (13) above maximum (12)`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("no %q in stderr:\n%s", want, stderr)
		}
	}
	if _, err := os.Stat(ran); err == nil {
		t.Errorf("a job ran although the declarations are bad")
	}
	if strings.Contains(stderr, "starting server") {
		t.Errorf("the server started although the job declarations are bad:\n%s", stderr)
	}
}

// TestRunStartsTheJobsLoadRead (issue 13, "load once"): `agent run` starts
// the jobs Load declared, with the commands Load found. While the agent
// waits for its dependency (so after Load, before the server and its jobs
// start) the crontab file is removed and a command of the job's name is put
// in a folder earlier on the PATH; the job still runs, and runs the command
// Load found.
func TestRunStartsTheJobsLoadRead(t *testing.T) {
	buildBinaries(t)
	dir := t.TempDir()
	early, late := filepath.Join(dir, "early"), filepath.Join(dir, "late")
	must(t, os.Mkdir(early, 0o755))
	must(t, os.Mkdir(late, 0o755))
	ran := filepath.Join(dir, "ran")
	command := func(folder, word string) {
		must(t, os.WriteFile(filepath.Join(folder, "mark"), []byte("#!/bin/sh\necho "+word+" >> "+ran+"\n"), 0o755))
	}
	command(late, "loaded")
	crontab := filepath.Join(dir, "crontab")
	must(t, os.WriteFile(crontab, []byte("name=mark * * * * * * mark\n"), 0o644))
	addr := closedPort(t)
	// The server waits (a handshake, bounded at 60 s) for the job's first run.
	server := `i=0; while [ ! -s "$0" ] && [ $i -lt 6000 ]; do sleep 0.01; i=$((i+1)); done; exit 7`
	a := startAgent(t, false, []string{"PATH=" + early + ":" + late + ":" + os.Getenv("PATH"), "WSO2_PROFILE=none",
		"WSO2_AGENT_CRONTAB=" + crontab, "WSO2_AGENT_WAIT_FOR=tcp://" + addr, "WSO2_AGENT_WAIT_TIMEOUT=60s"},
		"sh", "-c", server, ran)
	a.waitLog("waiting for dependencies")
	must(t, os.Remove(crontab))
	command(early, "found-later")
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if code := a.wait(); code != 7 {
		t.Fatalf("agent run exited %d, want the server's 7; stderr:\n%s", code, a.stderrText())
	}
	b, err := os.ReadFile(ran)
	if err != nil {
		t.Fatalf("the job never ran: %v; stderr:\n%s", err, a.stderrText())
	}
	if runs := strings.Fields(string(b)); len(runs) == 0 || slices.ContainsFunc(runs, func(r string) bool { return r != "loaded" }) {
		t.Errorf("the job's runs wrote %q, want only the command Load found (loaded)", runs)
	}
}

// TestLoadJobsErrors: Load reports every bad job, one line each, sorted
// with its other problems.
func TestLoadJobsErrors(t *testing.T) {
	dir := t.TempDir()
	crontab := filepath.Join(dir, "missing")
	_, err := pipeline.Load([]string{"PATH=" + os.Getenv("PATH"), "WSO2_PROFILE=none", "WSO2_AGENT_CRONTAB=" + crontab,
		"WSO2_AGENT_CERT_SYNC=@every 1m", "WSO2_TRUSTSTORE=rel/ts.jks", "WSO2_AGENT_JOB_X=@daily no-such-command-xyz"}, true)
	if exitcode.Of(err) != exitcode.Config {
		t.Fatalf("exit code %d, want %d (%v)", exitcode.Of(err), exitcode.Config, err)
	}
	want := []string{
		`WSO2_AGENT_CERT_SYNC: job cert-sync: WSO2_TRUSTSTORE "rel/ts.jks" is relative to WSO2_HOME, which is not set`,
		`WSO2_AGENT_CRONTAB: ` + crontab + `: read crontab: no such file or directory`,
		`WSO2_AGENT_JOB_X: job x: command no-such-command-xyz not found in PATH`,
	}
	var ce *contract.ConfigError
	if !errors.As(err, &ce) || !reflect.DeepEqual(ce.Problems, want) {
		t.Fatalf("problems:\n got %q\nwant %q", err, want)
	}
	_, err = pipeline.Load([]string{"WSO2_PROFILE=none", "WSO2_AGENT_CERT_SYNC=not a schedule", "WSO2_TRUSTSTORE=rel/ts.jks"}, true)
	if !errors.As(err, &ce) || len(ce.Problems) != 1 || !strings.HasPrefix(ce.Problems[0], `WSO2_AGENT_CERT_SYNC: job cert-sync: schedule "not a schedule"`) {
		t.Fatalf("Load: %v, want one problem: the schedule", err)
	}
}

func TestJobPreviews(t *testing.T) {
	dir := t.TempDir()
	crontab := filepath.Join(dir, "crontab")
	if err := os.WriteFile(crontab, []byte("name=purge 0 3 * * * find /logs -name '*.log' -delete\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := pipeline.Load([]string{"WSO2_PROFILE=none", "WSO2_HOME=" + dir, "WSO2_AGENT_CRONTAB=" + crontab, "WSO2_AGENT_CERT_SYNC=@every 10m",
		"WSO2_TRUSTSTORE=ts.jks", "WSO2_CERTIFICATES_DIR=/certificates", "WSO2_AGENT_JOB_TICK=*/20 * * * * * echo 'a b'"}, true)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 22, 23, 59, 30, 0, time.UTC)
	ps := pipeline.JobPreviews(cfg, now)
	got := strings.Join(plan.JobPreviewLines(ps), "\n")
	want := `# job tick (WSO2_AGENT_JOB_TICK) "*/20 * * * * *": echo 'a b'; next: 2026-11-22T23:59:40Z, 2026-11-23T00:00:00Z, 2026-11-23T00:00:20Z
# job purge (` + crontab + `:1) "0 3 * * *": find /logs -name '*.log' -delete; next: 2026-11-23T03:00:00Z, 2026-11-24T03:00:00Z, 2026-11-25T03:00:00Z
# job cert-sync (WSO2_AGENT_CERT_SYNC) "@every 10m": re-import /certificates into the truststore; next: 2026-11-23T00:09:30Z, 2026-11-23T00:19:30Z, 2026-11-23T00:29:30Z`
	if got != want {
		t.Fatalf("preview:\n%s\nwant:\n%s", got, want)
	}
	// The shown command splits back into the same argv.
	for _, p := range ps {
		if p.Command == nil {
			continue
		}
		back, err := jobs.SplitArgs(jobs.QuoteArgs(p.Command))
		if err != nil || !reflect.DeepEqual(back, p.Command) {
			t.Errorf("jobs.QuoteArgs(%q) splits back into %q (%v)", p.Command, back, err)
		}
	}
}

// syncCertificates changes the truststore once, keytool reads the result,
// and a second sync changes nothing.
func TestSyncCertificates(t *testing.T) {
	dir := t.TempDir()
	ts := filepath.Join(dir, "client-truststore.jks")
	jobsCopyFile(t, fixtures.Path("wso2-fixtures/wso2is-5.2.0/repository/resources/security/client-truststore.jks"), ts)
	pem := filepath.Join(dir, "certs", "wso2store.pem")
	jobsCopyFile(t, "testdata/certs/wso2store.pem", pem)
	var logBuf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	now := time.Now()
	if err := pipeline.SyncCertificates(filepath.Join(dir, "certs"), ts, "wso2carbon", now, log, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logBuf.String(), "truststore changed: restart the server") || !strings.Contains(logBuf.String(), "added=wso2storecert") {
		t.Fatalf("log:\n%s", logBuf.String())
	}
	if got, want := jobsKeytoolSHA256(t, ts, "wso2storecert"), jobsOpensslSHA256(t, pem); got != want {
		t.Fatalf("keytool: %s, openssl: %s", got, want)
	}
	before, _ := os.ReadFile(ts)
	logBuf.Reset()
	if err := pipeline.SyncCertificates(filepath.Join(dir, "certs"), ts, "wso2carbon", now, log, nil); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(ts)
	if !bytes.Equal(before, after) || strings.Contains(logBuf.String(), "truststore changed") {
		t.Fatalf("second sync changed the truststore; log:\n%s", logBuf.String())
	}
	// A wrong password is an error that does not show the password.
	err := pipeline.SyncCertificates(filepath.Join(dir, "certs"), ts, "not-the-password", now, log, nil)
	if err == nil || strings.Contains(err.Error(), "not-the-password") {
		t.Fatalf("wrong password: %v", err)
	}
}

// The certificate sync logs a warning when it appears, not again at every
// sync while it lasts, and again if it comes back after going away.
func TestSyncCertificatesWarnsOnce(t *testing.T) {
	dir := t.TempDir()
	ts := filepath.Join(dir, "client-truststore.jks")
	jobsCopyFile(t, fixtures.Path("wso2-fixtures/wso2is-5.2.0/repository/resources/security/client-truststore.jks"), ts)
	certsDir := filepath.Join(dir, "certs")
	var logBuf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logBuf, nil))
	warned := map[string]bool{}
	sync := func() int {
		t.Helper()
		logBuf.Reset()
		if err := pipeline.SyncCertificates(certsDir, ts, "wso2carbon", time.Now(), log, warned); err != nil {
			t.Fatal(err)
		}
		return strings.Count(logBuf.String(), "level=WARN msg=\"certificate sync: ")
	}
	if n := sync(); n != 1 || !strings.Contains(logBuf.String(), "does not exist") {
		t.Fatalf("first sync without the folder: %d warnings, want 1:\n%s", n, logBuf.String())
	}
	if n := sync(); n != 0 {
		t.Fatalf("second sync: the same warning again:\n%s", logBuf.String())
	}
	jobsCopyFile(t, "testdata/certs/wso2store.pem", filepath.Join(certsDir, "wso2store.pem"))
	sync()
	os.RemoveAll(certsDir)
	if n := sync(); n != 1 {
		t.Fatalf("the folder gone again: %d warnings, want 1:\n%s", n, logBuf.String())
	}
}

// TestRunWarnsOfATZItCannotLoad: a TZ that Go cannot load (a POSIX rule
// such as JST-9, which the C library and `date` understand, or a zone the
// image lacks) makes Go's local time UTC without a word, so the jobs
// scheduled without CRON_TZ would run at UTC times. The agent says so,
// naming those jobs (and not one with its own CRON_TZ or an @every); with
// a zone it can load it says nothing.
func TestRunWarnsOfATZItCannotLoad(t *testing.T) {
	jobsEnv := []string{
		"WSO2_AGENT_JOB_NIGHTLY=0 3 * * * true",
		"WSO2_AGENT_JOB_TOKYO=CRON_TZ=Asia/Tokyo 0 3 * * * true",
		"WSO2_AGENT_JOB_OFTEN=@every 1h true",
	}
	for _, tz := range []string{"JST-9", "No/Such_Zone"} {
		code, _, stderr := runAgent(t, false, baseEnv(append([]string{"TZ=" + tz}, jobsEnv...)...), "true")
		if code != 0 {
			t.Fatalf("TZ=%s: agent run exited %d; stderr:\n%s", tz, code, stderr)
		}
		want := "TZ=" + tz + " is not a time zone the agent can load"
		if !strings.Contains(stderr, want) || !strings.Contains(stderr, "job nightly run in UTC") {
			t.Errorf("TZ=%s: no warning %q naming job nightly alone; stderr:\n%s", tz, want, stderr)
		}
	}
	// Two jobs in local time: "jobs", plural.
	code, _, stderr := runAgent(t, false, baseEnv("TZ=JST-9", "WSO2_AGENT_JOB_A=0 3 * * * true", "WSO2_AGENT_JOB_B=0 4 * * * true"), "true")
	if code != 0 || !strings.Contains(stderr, "the schedules of jobs a, b run in UTC") {
		t.Errorf("TZ=JST-9 with two jobs: exit %d, want 0 and a warning naming jobs a, b; stderr:\n%s", code, stderr)
	}
	// A zone that loads, and UTC spelt as a POSIX rule (what Go falls back
	// to anyway): no warning.
	for _, tz := range []string{"Asia/Tokyo", "UTC0", "GMT+0", ":UTC", "UTC+00:00", "GMT-0:00:00"} {
		code, _, stderr := runAgent(t, false, baseEnv(append([]string{"TZ=" + tz}, jobsEnv...)...), "true")
		if code != 0 || strings.Contains(stderr, "is not a time zone") {
			t.Errorf("TZ=%s: exit %d, want 0 and no zone warning; stderr:\n%s", tz, code, stderr)
		}
	}
}

// A job's output lines are masked like the agent's own lines in the text
// log format too, not only in JSON: a secret a job prints is [secret N].
func TestRunJobsTextOutputMasked(t *testing.T) {
	const secret = "Sekr3t-Job-Pw"
	a := startAgent(t, false, baseEnv("MY_API_TOKEN="+secret, "WSO2_AGENT_JOB_SAY=* * * * * * echo out-"+secret), "sleep", "300")
	a.waitLog("job=say | out-")
	a.signal(syscall.SIGTERM)
	if code := a.wait(); code != 143 {
		t.Fatalf("agent exited %d, want 143; stderr:\n%s", code, a.stderrText())
	}
	if strings.Contains(a.stderrText(), secret) {
		t.Fatalf("a job's output shows the secret:\n%s", a.stderrText())
	}
}
