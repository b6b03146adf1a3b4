package agent

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// runInReadOnlyMount runs the agent with env and args in a private mount
// namespace (unshare(1)) in which ro is a read-only bind mount; the test's
// own namespace never sees the mount.
func runInReadOnlyMount(t *testing.T, ro string, env map[string]string, args ...string) runResult {
	t.Helper()
	script := `mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" "$1" && shift && exec "$@"`
	cmd := exec.Command("unshare", append([]string{"--mount", "--propagation", "private", "sh", "-c", script, "sh", ro, buildPipeBin(t)}, args...)...)
	cmd.Env = envList(env)
	return runCmd(t, cmd, "unshare (the test needs root and util-linux)")
}

// TestDryRunReadOnly: `agent render --dry-run` needs nothing writable. On a
// home whose security folder, or whole tree, is a read-only bind mount, and
// as a non-root user who may write nowhere in it, it prints every change
// (the truststore import included), warns which folders applying would
// need, exits 0 and leaves the tree as it was.
func TestDryRunReadOnly(t *testing.T) {
	for _, c := range []struct {
		name string
		ro   string // relative to the home; "" with uid: no mount
		uid  uint32
		want string // a folder the warning names
	}{
		{"read-only security folder", "repository/resources/security", 0, "repository/resources/security"},
		{"read-only home", ".", 0, "repository/conf"},
		{"non-root user", "", 1000680000, "repository/conf"},
	} {
		t.Run(c.name, func(t *testing.T) {
			home := freshHome(t, "gateway")
			env := with(goldenEnv(t, "gateway", home), "WSO2_CLUSTER_MEMBERS", "")
			before := snapshot(t, home)
			var r runResult
			if c.uid == 0 {
				r = runInReadOnlyMount(t, filepath.Join(home, c.ro), env, "render", "--dry-run")
			} else {
				// Everything readable, nothing writable for the user.
				for _, d := range []string{filepath.Dir(home), filepath.Dir(filepath.Dir(home))} {
					if err := os.Chmod(d, 0o755); err != nil {
						t.Fatal(err)
					}
				}
				cmd := exec.Command(buildPipeBin(t), "render", "--dry-run")
				cmd.Env = envList(env)
				cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: c.uid, Gid: c.uid}}
				r = runCmd(t, cmd, "run agent")
			}
			if r.Code != 0 {
				t.Fatalf("dry run: exit %d\n%s", r.Code, r.Stderr)
			}
			for _, w := range []string{"client-truststore.jks", "wso2gatewaycert", "repository/conf/carbon.xml"} {
				if !strings.Contains(r.Stdout, w) {
					t.Errorf("the dry run does not show %s:\n%s", w, r.Stdout)
				}
			}
			// render shows the warning once, in its report.
			if !strings.Contains(r.Stdout, "# warning: dry run: applying would fail: "+filepath.Join(home, c.want)+" is not writable") {
				t.Errorf("no warning that %s is not writable:\n%s", c.want, r.Stdout)
			}
			if d := diffSnapshots(before, snapshot(t, home)); len(d) > 0 {
				t.Fatalf("the dry run changed the home: %v", d)
			}
		})
	}
}

// TestApplyAsAnotherUserSaysWho: applying as a user who may not write the
// home fails with exit 74 and says who the agent runs as and who owns the
// folder it could not write in, the usual cause (a home made by root, an
// image run with --user); nothing is written.
func TestApplyAsAnotherUserSaysWho(t *testing.T) {
	const uid = 1000680000
	home := freshHome(t, "gateway")
	env := with(goldenEnv(t, "gateway", home), "WSO2_CLUSTER_MEMBERS", "")
	for _, d := range []string{filepath.Dir(home), filepath.Dir(filepath.Dir(home))} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	before := snapshot(t, home)
	cmd := exec.Command(buildPipeBin(t), "render")
	cmd.Env = envList(env)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}}
	var se bytes.Buffer
	cmd.Stderr = &se
	err := cmd.Run()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 74 {
		t.Fatalf("render as uid %d: %v, want exit 74\n%s", uid, err, se.String())
	}
	lines := errorLines(se.String())
	want := fmt.Sprintf("permission denied (the agent runs as uid %d, gid %d; %s", uid, uid, home)
	if len(lines) != 1 || !strings.Contains(lines[0], want) || !strings.Contains(lines[0], " belongs to uid 0, gid 0, mode 0") {
		t.Errorf("error lines %q, want one with %q and the folder's owner", lines, want)
	}
	if d := diffSnapshots(before, snapshot(t, home)); len(d) > 0 {
		t.Fatalf("the failed apply changed the home: %v", d)
	}
}
