package agent

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/wso2-container/agent/agent/homelock"
)

// A TERM while the agent waits before its setup — for another agent's home
// lock (WSO2_AGENT_LOCK_TIMEOUT, 60 s by default, longer than Docker's 10 s
// grace) or for the component keystore — stops it at once with 143, and
// nothing is written: the wait used to run to its end (the lock) or the
// setup went on writing after the TERM (the keystore).
func TestRunStopsWhileWaitingBeforeTheSetup(t *testing.T) {
	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T, home string, env map[string]string)
		waiting string // the log line that says the agent waits
	}{
		{"for the home lock", func(t *testing.T, home string, env map[string]string) {
			f, err := os.OpenFile(filepath.Join(home, homelock.Name), os.O_CREATE|os.O_RDWR, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
				t.Fatal(err)
			}
			env["WSO2_AGENT_LOCK_TIMEOUT"] = "1h"
		}, `msg="home is busy: waiting for the agent holding its lock"`},
		{"for the component keystore", func(t *testing.T, home string, env map[string]string) {
			env["WSO2_CERTIFICATES_DIR"] = t.TempDir() // there, but empty
		}, `msg="waiting for the component keystore (the certificates job)"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := freshHome(t, "gateway")
			env := processEnv(t, "gateway", home)
			env["WSO2_AGENT_WAIT_FOR"], env["WSO2_AGENT_USER"] = "", "root"
			tc.prepare(t, home, env)
			before := snapshot(t, home)
			a := startAgent(t, true, envList(env), "--", "true")
			a.waitLog(tc.waiting)
			a.signal(syscall.SIGTERM)
			if code := a.wait(); code != 128+int(syscall.SIGTERM) {
				t.Fatalf("agent exited %d, want 143; stderr:\n%s", code, a.stderrText())
			}
			if !strings.Contains(a.stderrText(), `msg="stopped before the server started" signal=SIGTERM`) {
				t.Errorf("stderr lacks the stop line:\n%s", a.stderrText())
			}
			if d := diffSnapshots(before, snapshot(t, home)); len(d) != 0 {
				t.Errorf("the stopped setup changed files: %v", d)
			}
		})
	}
}
