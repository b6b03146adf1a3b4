package agent

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

var (
	buildOnce   sync.Once
	buildErr    error
	agentBin    string // the static agent (shared with the pipeline tests: buildPipeBin)
	testprogBin string // agent/internal/testprog
)

// buildBinaries builds the agent and the test child once per test process;
// the test child goes to /tmp/agent-run-test-<pid> (world-readable, so that
// a child switched to another user can run it). Folders of earlier test
// processes that are gone are removed.
func buildBinaries(t testing.TB) {
	t.Helper()
	buildOnce.Do(func() {
		olds, _ := filepath.Glob(filepath.Join(os.TempDir(), "agent-run-test-*"))
		for _, o := range olds {
			var pid int
			if _, err := fmt.Sscanf(filepath.Base(o), "agent-run-test-%d", &pid); err == nil && pid != os.Getpid() {
				if err := syscall.Kill(pid, 0); err == syscall.ESRCH {
					os.RemoveAll(o)
				}
			}
		}
		dir := filepath.Join(os.TempDir(), fmt.Sprintf("agent-run-test-%d", os.Getpid()))
		if buildErr = os.MkdirAll(dir, 0o755); buildErr != nil {
			return
		}
		testprogBin = filepath.Join(dir, "testprog")
		cmd := exec.Command("go", "build", "-o", testprogBin, "./agent/internal/testprog")
		cmd.Dir = ".."
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./agent/internal/testprog: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	agentBin = buildPipeBin(t)
}
