package plan

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

// applyAsOtherEnv names the folder the helper process applies a plan in.
const applyAsOtherEnv = "AGENT_PLAN_TEST_APPLY_IN"

// TestApplyHelper is not a test: run by TestApplyMkdirSaysWho in a process
// of another user, it applies a plan that makes a file in a new folder
// under the folder named by applyAsOtherEnv and prints Apply's error.
func TestApplyHelper(t *testing.T) {
	dir := os.Getenv(applyAsOtherEnv)
	if dir == "" {
		return
	}
	p := &Plan{Home: dir, Unlocked: true}
	p.File(filepath.Join(dir, "repository", "new", "file.properties"), "properties", nil).New = []byte("a=b\n")
	_, err := p.Apply()
	fmt.Fprintf(os.Stdout, "APPLY-ERROR: %v\n", err)
}

// A folder the agent cannot make (the server's user runs it, the home is
// root's) fails with the uid the agent runs as and who owns the folder it
// was to be made in, as a file it cannot write does.
func TestApplyMkdirSaysWho(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("needs root, to run a process as another user") // the tests run as root (make test)
	}
	const uid = 1000680000
	dir := t.TempDir()
	for d := dir; d != "/"; d = filepath.Dir(d) { // reachable by another user
		st, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm()&0o001 == 0 {
			if err := os.Chmod(d, st.Mode().Perm()|0o005); err != nil {
				t.Fatal(err)
			}
			d, mode := d, st.Mode().Perm()
			t.Cleanup(func() { _ = os.Chmod(d, mode) }) // a TMPDIR under /root
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "repository"), 0o755); err != nil {
		t.Fatal(err)
	}
	exe, err := os.ReadFile(os.Args[0]) // the build folder is root's only
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "plan.test")
	if err := os.WriteFile(bin, exe, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestApplyHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), applyAsOtherEnv+"="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("helper: %v\n%s", err, out.String())
	}
	want := fmt.Sprintf("create folder of repository/new/file.properties: mkdir %s/repository/new: permission denied (the agent runs as uid %d, gid %d; %s/repository belongs to uid 0, gid 0, mode 0755)", dir, uid, uid, dir)
	if !strings.Contains(out.String(), "APPLY-ERROR: "+want+"\n") {
		t.Errorf("helper output:\n%s\nwant the error %q", out.String(), want)
	}
	if _, err := os.Stat(filepath.Join(dir, "repository", "new")); err == nil {
		t.Error("the folder was made")
	}
}
