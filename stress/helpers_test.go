// Package stress holds whole-process robustness tests of the agent's setup
// pipeline: SIGKILL at random points of `agent render` (crash_test.go),
// apply on a read-only or nearly full file system (diskfull_test.go), and
// the values the old scripts set compared with the agent's
// (compare_test.go). They run the real binary, built once by TestMain, on
// copies of the bundled WSO2 fixtures, with certificates made by `agent
// certs generate`.
//
// They must not know the pipeline's internals: they import no package of
// the agent and judge the binary by what it leaves behind, the files
// (internal/treesnap) and the keystores' entries (keystore).
package stress

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wso2-container/agent/internal/treesnap"

	"github.com/wso2-container/agent/internal/fixtures"
)

// agentBin is the binary under test, built by TestMain.
var agentBin string

func TestMain(m *testing.M) {
	if spec := os.Getenv(nsChildEnv); spec != "" {
		os.Exit(nsChild(spec)) // re-executed inside a private mount namespace (diskfull_test.go)
	}
	dir, err := os.MkdirTemp("", "agent-stress-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	agentBin = filepath.Join(dir, "agent")
	build := exec.Command("go", "build", "-trimpath", "-o", agentBin, "./cmd/agent")
	build.Dir = filepath.Join(fixtures.Root(), "..")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build ./cmd/agent: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// copyTree copies the folder src into dst (created), keeping file modes
// (folders get at least u+rwx, the fixtures are read-only).
func copyTree(tb testing.TB, src, dst string) {
	tb.Helper()
	if err := copyTreeErr(src, dst); err != nil {
		tb.Fatalf("copy %s: %v", src, err)
	}
}

func copyTreeErr(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		to := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(to, info.Mode().Perm()|0o700)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(to, data, info.Mode().Perm())
	})
}

// snapshot records every path under root (internal/treesnap).
func snapshot(root string) (treesnap.Snapshot, error) { return treesnap.Take(root) }

// diffSnapshots lists the paths that differ between two snapshots.
func diffSnapshots(a, b treesnap.Snapshot) []string { return treesnap.Diff(a, b) }

// isLeftover reports whether name is what a killed render may leave: an
// atomic-write temporary file, or the home's lock file (which only a
// finishing holder removes).
func isLeftover(name string) bool {
	return strings.HasPrefix(name, ".agent-tmp-") || name == ".agent.lock"
}

// tempLeftovers lists what killed renders left under root (isLeftover).
func tempLeftovers(root string) []string {
	var out []string
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && isLeftover(d.Name()) {
			out = append(out, path)
		}
		return nil
	})
	return out
}

// envList is env as an exec environment, with PATH.
func envList(env map[string]string) []string {
	out := []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// result is one finished run of the binary.
type result struct {
	Code           int
	Stdout, Stderr string
}

// runAgent runs the binary with exactly env and args.
func runAgent(env map[string]string, args ...string) (result, error) {
	cmd := exec.Command(agentBin, args...)
	cmd.Env = envList(env)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	r := result{Stdout: so.String(), Stderr: se.String()}
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			return r, fmt.Errorf("run agent: %w", err)
		}
		r.Code = ee.ExitCode()
	}
	return r, nil
}

func mustRun(tb testing.TB, env map[string]string, args ...string) result {
	tb.Helper()
	r, err := runAgent(env, args...)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// killAfter starts the agent with env and args and kills it with SIGKILL
// after delay, busy-waiting (a timer's slack would bunch the kill points).
// It reports whether the kill ended it (false: it finished first); a run
// that fails by itself fails the test, named by what.
func killAfter(tb testing.TB, delay time.Duration, what string, env map[string]string, args ...string) bool {
	tb.Helper()
	cmd := exec.Command(agentBin, args...)
	cmd.Env = envList(env)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	start := time.Now()
	for time.Since(start) < delay {
	}
	_ = cmd.Process.Kill()
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); ok {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true
		}
		tb.Fatalf("%s: agent %s failed by itself (%v):\n%s", what, strings.Join(args, " "), err, stderr.String())
	} else if err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
	return false
}

// genCerts writes a cluster's keystores and PEMs into dir with `agent certs
// generate`, protected by password.
func genCerts(tb testing.TB, dir, password string) {
	tb.Helper()
	r := mustRun(tb, map[string]string{"WSO2_KEYSTORE_PASSWORD": password}, "certs", "generate", "--out", dir, "--key", "ecdsa-p256")
	if r.Code != 0 {
		tb.Fatalf("agent certs generate: code %d\n%s", r.Code, r.Stderr)
	}
}

// gatewayEnv is a gateway environment on home with the certificates in
// certDir; variant selects one of two sets of values that differ in every
// secret, host, member and switch the profile writes.
func gatewayEnv(home, certDir, mediator string, variant int) map[string]string {
	env := map[string]string{
		"WSO2_PROFILE":           "gateway",
		"WSO2_HOME":              home,
		"WSO2_CERTIFICATES_DIR":  certDir,
		"WSO2_MEDIATOR_DIR":      mediator,
		"WSO2_DEPLOYMENT_SEED":   filepath.Join(home, "no-seed"),
		"WSO2_LOCAL_MEMBER_HOST": "10.0.0.4",
	}
	if variant == 0 {
		for k, v := range map[string]string{
			"WSO2_ADMIN_PASSWORD": "A-admin-pw", "WSO2_MYSQL_PASSWORD": "A-db-pw", "WSO2_MYSQL_SERVER": "dba",
			"WSO2_KEYSTORE_PASSWORD": "A-ks-pw", "WSO2_CLUSTER_MEMBERS": "10.0.0.5,10.0.0.6",
			"WSO2_CARBON_ANALYTICS": "true", "WSO2_PROXY_PORT_HTTPS": "443",
		} {
			env[k] = v
		}
	} else {
		for k, v := range map[string]string{
			"WSO2_ADMIN_PASSWORD": "B-admin-pw", "WSO2_MYSQL_PASSWORD": "B-db-pw", "WSO2_MYSQL_SERVER": "dbb",
			"WSO2_KEYSTORE_PASSWORD": "B-ks-pw", "WSO2_CLUSTER_MEMBERS": "10.0.1.7,10.0.1.8,10.0.1.9",
			"WSO2_CARBON_ANALYTICS": "false", "WSO2_PROXY_PORT_HTTPS": "8443",
		} {
			env[k] = v
		}
	}
	return env
}

// writeMediators makes a mediator folder with a few jars.
func writeMediators(tb testing.TB, dir string) {
	tb.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	for _, n := range []string{"a", "b", "c"} {
		if err := os.WriteFile(filepath.Join(dir, "mediator-"+n+".jar"), []byte("PK\x03\x04jar "+n), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}
