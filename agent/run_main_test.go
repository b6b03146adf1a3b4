package agent

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// TestMain of package agent: it only removes the binaries that the `agent
// run` tests build (lazily, see buildBinaries). Add other package-wide set-up
// here rather than in a second TestMain.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

var (
	buildOnce   sync.Once
	buildErr    error
	binDir      string
	agentBin    string // the static agent, built like `make build`
	testprogBin string // agent/internal/testprog
)

// buildBinaries builds the agent and the test child once per test binary.
func buildBinaries(t testing.TB) {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "agent-run-test-")
		if buildErr != nil {
			return
		}
		// World-readable, so that a child switched to another user can run
		// the test program.
		if buildErr = os.Chmod(binDir, 0o755); buildErr != nil {
			return
		}
		agentBin = filepath.Join(binDir, "agent")
		testprogBin = filepath.Join(binDir, "testprog")
		for _, b := range []struct{ out, pkg string }{{agentBin, "./cmd/agent"}, {testprogBin, "./agent/internal/testprog"}} {
			cmd := exec.Command("go", "build", "-o", b.out, b.pkg)
			cmd.Dir = ".."
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("go build %s: %v\n%s", b.pkg, err, out)
				return
			}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
}
