package agent

import (
	"os"
	"os/exec"
	"path/filepath"
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
