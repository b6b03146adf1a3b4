package atomicfile

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// killStepEnv names the MkdirFor step at which the child process of
// TestMkdirForKilledAtEveryStep kills itself.
const killStepEnv = "ATOMICFILE_TEST_KILL_AT"

// TestMkdirForKilledAtEveryStep kills a process (SIGKILL, itself) after each
// step of MkdirFor and checks what a killed start leaves: never the folder
// under its name with another owner (the next start would take it as made
// and leave it root's, where the server may not write), and nothing the next
// MkdirFor does not clean up. Before MkdirFor, plan made the folder with
// mkdir(2) and gave it away after: a kill between the two left it root's.
func TestMkdirForKilledAtEveryStep(t *testing.T) {
	if step := os.Getenv(killStepEnv); step != "" {
		// The child: make the folder, dying at step.
		mkdirStep = func(s string) {
			if s == step {
				_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {}
			}
		}
		err := MkdirFor(os.Getenv("ATOMICFILE_TEST_DIR"), 0o755, Owner{UID: 4321, GID: 4322})
		t.Fatalf("MkdirFor returned (%v) instead of being killed at %q", err, step)
	}
	if os.Geteuid() != 0 {
		t.Fatal("this test needs root (chown to another user); CI runs as root")
	}
	owner := Owner{UID: 4321, GID: 4322}
	for _, step := range []string{"made", "given"} {
		t.Run(step, func(t *testing.T) {
			parent := t.TempDir()
			// A staged change of a file named like the temporary folders
			// in the same parent: the cleanup must leave it.
			staged := filepath.Join(parent, TempPrefix+"conf-42")
			if err := os.WriteFile(staged, []byte("staged"), 0o644); err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(parent, "conf")
			cmd := exec.Command(os.Args[0], "-test.run=^TestMkdirForKilledAtEveryStep$")
			cmd.Env = append(os.Environ(), killStepEnv+"="+step, "ATOMICFILE_TEST_DIR="+dir)
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("child: %v, want killed by SIGKILL; output:\n%s", err, out)
			}
			if _, err := os.Lstat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("killed at %q: %s exists (%v): a later start would take it as made", step, dir, err)
			}
			if left := temps(t, parent); len(left) != 2 {
				t.Fatalf("killed at %q: temporary entries %v, want the staged file and the folder being made", step, left)
			}

			if err := MkdirFor(dir, 0o755, owner); err != nil {
				t.Fatal(err)
			}
			var st syscall.Stat_t
			if err := syscall.Lstat(dir, &st); err != nil {
				t.Fatal(err)
			}
			if int(st.Uid) != owner.UID || int(st.Gid) != owner.GID || st.Mode&0o7777 != 0o755 || st.Mode&syscall.S_IFMT != syscall.S_IFDIR {
				t.Errorf("%s: mode %o, owner %d:%d; want a folder, 755, %d:%d", dir, st.Mode, st.Uid, st.Gid, owner.UID, owner.GID)
			}
			if left := temps(t, parent); len(left) != 1 || left[0] != filepath.Base(staged) {
				t.Errorf("after the next MkdirFor: temporary entries %v, want only the staged file", left)
			}
		})
	}
}

// TestMkdirForExisting: an existing folder is left as it is.
func TestMkdirForExisting(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "conf")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "f"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := MkdirFor(dir, 0o755, Owner{UID: 4321, GID: 4322}); err != nil {
		t.Fatalf("existing folder: %v", err)
	}
	var st syscall.Stat_t
	if err := syscall.Lstat(dir, &st); err != nil {
		t.Fatal(err)
	}
	if st.Mode&0o7777 != 0o700 || int(st.Uid) != os.Getuid() {
		t.Fatalf("existing folder changed: mode %o, owner %d", st.Mode, st.Uid)
	}
	if left := temps(t, parent); len(left) != 0 {
		t.Fatalf("temporary entries left: %v", left)
	}
}

// refuseEnv names the folder that the child process of
// TestMkdirForRefused, running as nobody, tries to make as root's.
const refuseEnv = "ATOMICFILE_TEST_REFUSE"

// TestMkdirForRefused: a folder that cannot be given away (only root may
// give one away; here a process that is not root gives it to root) is not
// left behind, and the error names it.
func TestMkdirForRefused(t *testing.T) {
	dir := os.Getenv(refuseEnv)
	if dir == "" && os.Geteuid() == 0 {
		// Root may give a folder to anyone: run this test again as nobody.
		parent, err := os.MkdirTemp("", "mkdirfor-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(parent) })
		if err := os.Chmod(parent, 0o777); err != nil {
			t.Fatal(err)
		}
		// The test binary's own folder is root's alone: nobody runs a copy.
		self, err := os.ReadFile(os.Args[0])
		if err != nil {
			t.Fatal(err)
		}
		bin := filepath.Join(parent, "atomicfile.test")
		if err := os.WriteFile(bin, self, 0o755); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "-test.run=^TestMkdirForRefused$", "-test.v")
		cmd.Dir = parent
		cmd.Env = append(os.Environ(), refuseEnv+"="+filepath.Join(parent, "conf"))
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestMkdirForRefused") {
			t.Fatalf("as nobody: %v\n%s", err, out)
		}
		return
	}
	if dir == "" {
		dir = filepath.Join(t.TempDir(), "conf")
	}
	err := MkdirFor(dir, 0o755, Owner{UID: 0, GID: 0})
	if err == nil || !strings.Contains(err.Error(), "give "+dir+" to 0:0") {
		t.Fatalf("MkdirFor: %v, want an error naming the folder", err)
	}
	if _, err := os.Lstat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s left behind (%v)", dir, err)
	}
	if left := temps(t, filepath.Dir(dir)); len(left) != 0 {
		t.Fatalf("temporary entries left: %v", left)
	}
}

// temps lists the names in dir that start with TempPrefix.
func temps(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), TempPrefix) {
			names = append(names, e.Name())
		}
	}
	return names
}
