package agent

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRunStopsAJVMBehindAShellLoop is the wso2server.sh case (B29): java is
// a child of a non-exec shell loop. TERM to the agent must reach the JVM
// (its process group), the JVM's shutdown hooks must run to the end even
// though the shell dies first, and the agent exits with the server's
// status well before the stop timeout.
func TestRunStopsAJVMBehindAShellLoop(t *testing.T) {
	dir := hookServer(t)
	hookFile := filepath.Join(dir, "hook-ran")
	const stopTimeout = 20 * time.Second
	env := baseEnv(
		"HOOK_FILE="+hookFile, "RESTART_FILE="+filepath.Join(dir, "restarted"),
		"JVM_MEM_OPTS=-Xms16m -Xmx64m", "JAVA_OPTS=-Dtest.prop=passed",
		"WSO2_AGENT_STOP_TIMEOUT="+stopTimeout.String(),
	)
	a := startAgent(t, true, env, "--", filepath.Join(dir, "server.sh"))
	a.waitLine("exit 121") // the loop restarts java under the agent
	a.waitLine("ready")
	start := time.Now()
	a.signal(syscall.SIGTERM)
	code := a.wait()
	elapsed := time.Since(start)
	if want := 128 + int(syscall.SIGTERM); code != want {
		t.Fatalf("agent exited %d, want %d (the server's TERM status); stderr:\n%s", code, want, a.stderrText())
	}
	got, err := os.ReadFile(hookFile)
	if err != nil {
		t.Fatalf("the JVM's shutdown hook did not run: %v; stderr:\n%s", err, a.stderrText())
	}
	if string(got) != "hook ran, test.prop=passed\n" {
		t.Fatalf("hook file: %q", got)
	}
	if elapsed >= stopTimeout {
		t.Fatalf("stop took %v: the stop timeout (%v) was reached", elapsed, stopTimeout)
	}
	t.Logf("TERM → JVM hooks → agent exit %d in %v", code, elapsed)
}

// TestRunQUITDumpsTheJVMsThreads: QUIT to the agent is a thread dump of the
// JVM behind wso2server.sh's /bin/sh loop, and the server goes on running.
// The shell is spared: a non-interactive dash dies of QUIT, and the agent
// then stopped the whole server (exit 131).
func TestRunQUITDumpsTheJVMsThreads(t *testing.T) {
	dir := hookServer(t)
	if err := os.WriteFile(filepath.Join(dir, "restarted"), nil, 0o644); err != nil {
		t.Fatal(err) // no restart round
	}
	env := baseEnv("HOOK_FILE="+filepath.Join(dir, "hook-ran"), "RESTART_FILE="+filepath.Join(dir, "restarted"),
		"JVM_MEM_OPTS=-Xms16m -Xmx64m", "WSO2_AGENT_STOP_TIMEOUT=20s")
	a := startAgent(t, true, env, "--", filepath.Join(dir, "server.sh"))
	a.waitLine("ready")
	a.signal(syscall.SIGQUIT)
	a.waitIn(a.stdout, "stdout", func(l string) bool { return strings.HasPrefix(l, "Full thread dump ") }, "Full thread dump")
	a.signal(syscall.SIGTERM)
	if code := a.wait(); code != 128+int(syscall.SIGTERM) {
		t.Fatalf("agent exited %d, want 143 (stopped by the TERM after the dump); stderr:\n%s", code, a.stderrText())
	}
	if strings.Contains(a.stderrText(), "on its own") {
		t.Fatalf("the server exited before the TERM; stderr:\n%s", a.stderrText())
	}
}

// hookServer is a folder with testdata/run's server.sh (the shape of
// wso2server.sh) and its Hook class compiled.
func hookServer(t *testing.T) string {
	t.Helper()
	buildBinaries(t)
	dir := t.TempDir()
	for _, f := range []string{"Hook.java", "server.sh"} {
		b, err := os.ReadFile(filepath.Join("testdata", "run", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("javac", "-d", dir, filepath.Join(dir, "Hook.java")).CombinedOutput(); err != nil {
		t.Fatalf("javac (install a JDK: scripts/install-deps.sh): %v\n%s", err, out)
	}
	return dir
}
