package agent

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/wso2-container/agent/agent/homelock"
	"github.com/wso2-container/agent/agent/plan"
)

// A TERM while the agent waits — for another agent's home lock
// (WSO2_AGENT_LOCK_TIMEOUT, 60 s by default, longer than Docker's 10 s
// grace), for the component keystore, or for another container seeding the
// shared deployment volume — stops it at once with 143; before the setup,
// nothing is written. The lock waits used to run to their end, and the
// setup went on writing after a TERM in the keystore wait. Each wait says
// that it waits (the seed lock's said nothing).
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
		{"for the deployment volume's seed lock", func(t *testing.T, home string, env map[string]string) {
			seed, shared := filepath.Join(t.TempDir(), "seed"), filepath.Join(t.TempDir(), "volume")
			must(t, os.MkdirAll(filepath.Join(seed, "webapps"), 0o755))
			must(t, os.WriteFile(filepath.Join(seed, "webapps", "am.war"), []byte("war"), 0o644))
			must(t, os.MkdirAll(shared, 0o755))
			dep := filepath.Join(home, "repository", "deployment", "server")
			must(t, os.RemoveAll(dep))
			must(t, os.Symlink(shared, dep)) // the shared volume
			f, err := os.OpenFile(filepath.Join(shared, plan.SeedLock), os.O_CREATE|os.O_RDWR, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			must(t, syscall.Flock(int(f.Fd()), syscall.LOCK_EX)) // another container seeding
			env["WSO2_DEPLOYMENT_SEED"], env["WSO2_AGENT_LOCK_TIMEOUT"] = seed, "1h"
		}, `msg="deployment volume is being seeded by another agent: waiting"`},
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
			if strings.Contains(tc.name, "seed lock") {
				return // the seed comes after the files are written
			}
			if d := diffSnapshots(before, snapshot(t, home)); len(d) != 0 {
				t.Errorf("the stopped setup changed files: %v", d)
			}
		})
	}
}
