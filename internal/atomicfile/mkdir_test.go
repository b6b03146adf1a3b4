package atomicfile

import (
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
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
		mkdirStep = func(s, _ string) {
			if s == step {
				_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {}
			}
		}
		err := MkdirFor(os.Getenv("ATOMICFILE_TEST_DIR"), 0o755, Owner{UID: 4321, GID: 4322})
		t.Fatalf("MkdirFor returned (%v) instead of being killed at %q", err, step)
	}
	needRoot(t)
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

// TestMkdirForExisting: an existing folder, empty or not, or a link to
// one, is left as it is (nothing is given away, which only root may).
func TestMkdirForExisting(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(t *testing.T, dir string)
	}{
		{"empty", func(t *testing.T, dir string) {}},
		{"with a file", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "f"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "conf")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			tc.make(t, dir)
			link := filepath.Join(parent, "link")
			if err := os.Symlink("conf", link); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{dir, dir + "/", link} {
				if err := MkdirFor(p, 0o755, Owner{UID: 4321, GID: 4322}); err != nil {
					t.Fatalf("MkdirFor(%s): %v", p, err)
				}
			}
			var st syscall.Stat_t
			if err := syscall.Lstat(dir, &st); err != nil {
				t.Fatal(err)
			}
			if st.Mode&0o7777 != 0o700 || int(st.Uid) != os.Getuid() {
				t.Fatalf("existing folder changed: mode %o, owner %d", st.Mode, st.Uid)
			}
			if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
				t.Fatalf("link replaced: %v %v", fi, err)
			}
			if left := temps(t, parent); len(left) != 0 {
				t.Fatalf("temporary entries left: %v", left)
			}
		})
	}
}

// TestMkdirForBesideOthers: MkdirFor removes only its own folder's leftover
// temporary folders (not those of a folder whose name extends it, nor a
// file's staged change), copes with a name that is a glob pattern, and makes
// the folder again when another process, taking its temporary folder for a
// leftover, removes it meanwhile.
func TestMkdirForBesideOthers(t *testing.T) {
	needRoot(t)
	owner := Owner{UID: 4321, GID: 4322}
	parent := t.TempDir()
	for _, n := range []string{TempPrefix + "conf-d-123", TempPrefix + "conf-x1", TempPrefix + "conf-77"} {
		if err := os.Mkdir(filepath.Join(parent, n), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(parent, TempPrefix+"conf-42"), []byte("staged"), 0o644); err != nil {
		t.Fatal(err)
	}
	removed := 0
	onMkdirStep(t, func(step, tmp string) {
		if step == "made" && removed == 0 {
			removed++
			if err := os.Remove(tmp); err != nil {
				t.Error(err)
			}
		}
	})
	for _, name := range []string{"conf", "a[*?"} {
		dir := filepath.Join(parent, name)
		if err := MkdirFor(dir, 0o755, owner); err != nil {
			t.Fatalf("MkdirFor(%s): %v", dir, err)
		}
		var st syscall.Stat_t
		if err := syscall.Lstat(dir, &st); err != nil || int(st.Uid) != owner.UID {
			t.Fatalf("%s: %v, owner %d", dir, err, st.Uid)
		}
	}
	if removed != 1 {
		t.Fatalf("the temporary folder was removed %d times, want 1", removed)
	}
	want := []string{TempPrefix + "conf-42", TempPrefix + "conf-d-123", TempPrefix + "conf-x1"}
	if left := temps(t, parent); strings.Join(left, " ") != strings.Join(want, " ") {
		t.Fatalf("temporary entries %v, want %v (only conf's own leftover folder removed)", left, want)
	}
}

// TestMkdirForKeepsTheSetgidOfAShare: in a setgid parent (a volume shared
// through its group, as Kubernetes' fsGroup makes them) the new folder
// keeps the setgid bit that mkdir(2) passes on.
func TestMkdirForKeepsTheSetgidOfAShare(t *testing.T) {
	needRoot(t)
	parent := t.TempDir()
	if err := os.Chmod(parent, 0o775|os.ModeSetgid); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(parent, "conf")
	if err := MkdirFor(dir, 0o755, Owner{UID: 4321, GID: 4322}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeSetgid == 0 || fi.Mode().Perm() != 0o755 {
		t.Fatalf("%s: mode %v, want setgid and 755", dir, fi.Mode())
	}
}

// TestMkdirForFollowsNoLink: a link put in place of the temporary folder
// (the parent may be the server user's) is never followed to give its
// target away or change its mode. Put there before the folder is opened
// and checked, MkdirFor makes the folder anew (the link, not its to
// remove, stays); after, the folder is given away through its descriptor,
// the rename puts the link in place and MkdirFor fails naming the folder.
func TestMkdirForFollowsNoLink(t *testing.T) {
	needRoot(t)
	for _, tc := range []struct {
		step    string
		wantErr string // "" when the folder is made
	}{
		{"made", ""},
		{"opened", ""},
		{"checked", "replaced by another process"},
		{"given", "replaced by another process"},
	} {
		t.Run(tc.step, func(t *testing.T) {
			parent := t.TempDir()
			// A folder: O_DIRECTORY alone would refuse a link to a file.
			victim := filepath.Join(t.TempDir(), "private")
			if err := os.Mkdir(victim, 0o700); err != nil {
				t.Fatal(err)
			}
			swapped := false
			onMkdirStep(t, func(step, tmp string) {
				if step == tc.step && !swapped {
					swapped = true
					if err := os.Remove(tmp); err != nil {
						t.Error(err)
					}
					if err := os.Symlink(victim, tmp); err != nil {
						t.Error(err)
					}
				}
			})
			dir := filepath.Join(parent, "conf")
			err := MkdirFor(dir, 0o755, Owner{UID: 4321, GID: 4322})
			if !swapped {
				t.Fatalf("step %q never reached", tc.step)
			}
			var st syscall.Stat_t
			if err := syscall.Stat(victim, &st); err != nil {
				t.Fatal(err)
			}
			if st.Mode&0o7777 != 0o700 || st.Uid != 0 {
				t.Fatalf("the link's target was changed: mode %o, owner %d", st.Mode, st.Uid)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), dir) {
					t.Fatalf("MkdirFor: %v, want an error naming %s: %s", err, dir, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fi, err := os.Lstat(dir); err != nil || !fi.IsDir() {
				t.Fatalf("%s: %v, %v; want a folder", dir, fi, err)
			}
			for _, n := range temps(t, parent) {
				if fi, err := os.Lstat(filepath.Join(parent, n)); err != nil || fi.Mode()&os.ModeSymlink == 0 {
					t.Fatalf("temporary entry %s left (%v, %v); only the planted link may stay", n, fi, err)
				}
			}
		})
	}
}

// TestMkdirForLeavesAFolderMadeMeanwhile: a folder that another process
// makes under the name while MkdirFor gives its own away is theirs: left
// as it is, even empty (a plain rename(2) would replace an empty folder).
// So it is where renameat2 has no RENAME_NOREPLACE (NFS and CIFS answer
// EINVAL, a seccomp filter ENOSYS or EPERM: os.Rename, which checks first,
// takes its place) and when renameat2 is interrupted (EINTR: tried again).
// In each case a folder nobody else makes is made and given away.
func TestMkdirForLeavesAFolderMadeMeanwhile(t *testing.T) {
	needRoot(t)
	owner := Owner{UID: 4321, GID: 4322}
	for _, answer := range []syscall.Errno{0, syscall.EINVAL, syscall.ENOSYS, syscall.EPERM, syscall.EINTR} {
		name := "renameat2"
		if answer != 0 {
			name += " answers " + answer.Error()
		}
		t.Run(name, func(t *testing.T) {
			calls := 0
			renameat2 = func(olddirfd int, oldpath string, newdirfd int, newpath string, flags uint) error {
				calls++
				if answer != 0 && (answer != syscall.EINTR || calls == 1) {
					return answer
				}
				return unix.Renameat2(olddirfd, oldpath, newdirfd, newpath, flags)
			}
			t.Cleanup(func() { renameat2 = unix.Renameat2 })
			parent := t.TempDir()
			alone, dir := filepath.Join(parent, "alone"), filepath.Join(parent, "conf")
			if err := MkdirFor(alone, 0o750, owner); err != nil {
				t.Fatalf("MkdirFor with nobody else: %v", err)
			}
			var st syscall.Stat_t
			if err := syscall.Lstat(alone, &st); err != nil {
				t.Fatal(err)
			}
			if st.Mode&0o7777 != 0o750 || st.Uid != 4321 || st.Gid != 4322 {
				t.Fatalf("%s: mode %o, owner %d:%d; want 750, 4321:4322", alone, st.Mode&0o7777, st.Uid, st.Gid)
			}
			if want := map[bool]int{false: 1, true: 2}[answer == syscall.EINTR]; calls != want {
				t.Fatalf("renameat2 called %d times, want %d", calls, want)
			}
			onMkdirStep(t, func(step, tmp string) {
				if step == "given" {
					if err := os.Mkdir(dir, 0o700); err != nil {
						t.Error(err)
					}
				}
			})
			if err := MkdirFor(dir, 0o755, owner); err != nil {
				t.Fatal(err)
			}
			if err := syscall.Lstat(dir, &st); err != nil {
				t.Fatal(err)
			}
			if st.Mode&0o7777 != 0o700 || st.Uid != 0 {
				t.Fatalf("%s: mode %o, owner %d; want the other process's folder (700, root's)", dir, st.Mode&0o7777, st.Uid)
			}
			if left := temps(t, parent); len(left) != 0 {
				t.Fatalf("temporary entries left: %v", left)
			}
		})
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

// needRoot fails the test unless it runs as root: it gives folders and
// files to other users.
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("this test needs root (chown to another user); CI runs as root")
	}
}

// onMkdirStep makes fn MkdirFor's step hook for the rest of the test.
func onMkdirStep(t *testing.T, fn func(step, tmp string)) {
	mkdirStep = fn
	t.Cleanup(func() { mkdirStep = func(string, string) {} })
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

// TestMkdirForGivesUp: when its temporary folder is removed every time,
// MkdirFor gives up after a few attempts with an error naming the folder,
// and leaves nothing.
func TestMkdirForGivesUp(t *testing.T) {
	needRoot(t)
	attempts := 0
	onMkdirStep(t, func(step, tmp string) {
		if step == "made" {
			attempts++
			if err := os.Remove(tmp); err != nil {
				t.Error(err)
			}
		}
	})
	parent := t.TempDir()
	dir := filepath.Join(parent, "conf")
	err := MkdirFor(dir, 0o755, Owner{UID: 4321, GID: 4322})
	if err == nil || !strings.Contains(err.Error(), "create folder "+dir+": ") || !errors.Is(err, errTempGone) {
		t.Fatalf("MkdirFor: %v, want an error naming %s", err, dir)
	}
	if attempts < 2 || attempts > 10 {
		t.Fatalf("%d attempts, want a few", attempts)
	}
	if _, err := os.Lstat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s left behind (%v)", dir, err)
	}
	if left := temps(t, parent); len(left) != 0 {
		t.Fatalf("temporary entries left: %v", left)
	}
}

// TestMkdirForGivesAwayOnlyItsOwnFolder: a folder of someone else's renamed
// to the temporary name (the server's user may rename any entry of a parent
// it owns) is neither given away nor removed; MkdirFor makes its own.
func TestMkdirForGivesAwayOnlyItsOwnFolder(t *testing.T) {
	needRoot(t)
	parent := t.TempDir()
	var foreign string
	onMkdirStep(t, func(step, tmp string) {
		if step == "made" && foreign == "" {
			foreign = tmp
			if err := os.Remove(tmp); err != nil {
				t.Error(err)
			}
			if err := os.Mkdir(tmp, 0o700); err != nil {
				t.Error(err)
			}
			if err := os.WriteFile(filepath.Join(tmp, "data"), []byte("theirs"), 0o600); err != nil {
				t.Error(err)
			}
		}
	})
	dir := filepath.Join(parent, "conf")
	if err := MkdirFor(dir, 0o755, Owner{UID: 4321, GID: 4322}); err != nil {
		t.Fatal(err)
	}
	var st syscall.Stat_t
	if err := syscall.Lstat(foreign, &st); err != nil {
		t.Fatalf("the other folder was removed: %v", err)
	}
	if st.Uid != 0 || st.Mode&0o7777 != 0o700 {
		t.Fatalf("the other folder was changed: mode %o, owner %d", st.Mode, st.Uid)
	}
	if b, err := os.ReadFile(filepath.Join(foreign, "data")); err != nil || string(b) != "theirs" {
		t.Fatalf("the other folder's file: %q, %v", b, err)
	}
	if err := syscall.Lstat(dir, &st); err != nil || st.Uid != 4321 {
		t.Fatalf("%s: %v, owner %d; want the folder made for 4321", dir, err, st.Uid)
	}
}

// TestCleanTemps: every temporary entry of the folder goes, a non-empty
// folder with the prefix (not one of ours) stays, and a folder whose path
// holds glob characters, or that does not exist, is no error.
func TestCleanTemps(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a[*?")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sibling := filepath.Join(filepath.Dir(dir), "ab")
	if err := os.Mkdir(sibling, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(dir, TempPrefix+"f-1"), filepath.Join(dir, "keep"), filepath.Join(sibling, TempPrefix+"g-2")} {
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{TempPrefix + "conf-3", TempPrefix + "full-4"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, TempPrefix+"full-4", "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := CleanTemps(dir); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if want := TempPrefix + "full-4 keep"; strings.Join(names, " ") != want {
		t.Fatalf("left %v, want %s", names, want)
	}
	if _, err := os.Stat(filepath.Join(sibling, TempPrefix+"g-2")); err != nil {
		t.Fatalf("a sibling folder's temporary file was removed: %v", err)
	}
	if err := CleanTemps(filepath.Join(dir, "missing")); err != nil {
		t.Fatalf("missing folder: %v", err)
	}
}

// TestMkdirForConcurrentMakers: processes making the same folder at once
// (containers sharing a volume) all succeed and leave no temporary folder,
// although each takes the others' temporary folders for leftovers. Random
// pauses between the steps (up to a millisecond, as on a slow network file
// system) widen the windows; when each attempt removed the others'
// temporary folders before making its own, they undid each other until
// one ran out of attempts.
func TestMkdirForConcurrentMakers(t *testing.T) {
	needRoot(t)
	onMkdirStep(t, func(string, string) { time.Sleep(time.Duration(rand.IntN(1000)) * time.Microsecond) })
	owner := Owner{UID: 4321, GID: 4322}
	for round := 0; round < 100; round++ {
		parent := t.TempDir()
		dir := filepath.Join(parent, "conf")
		errs := make(chan error, 3)
		for range 3 {
			go func() { errs <- MkdirFor(dir, 0o755, owner) }()
		}
		for range 3 {
			if err := <-errs; err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		var st syscall.Stat_t
		if err := syscall.Lstat(dir, &st); err != nil || int(st.Uid) != owner.UID {
			t.Fatalf("round %d: %s: %v, owner %d", round, dir, err, st.Uid)
		}
		if left := temps(t, parent); len(left) != 0 {
			t.Fatalf("round %d: temporary entries left: %v", round, left)
		}
	}
}

// TestMkdirPrivate: the folder is made 0700 and this process's, returned
// open; what is written through ProcPath lands in it even after it was
// renamed away and a link put in its place; an existing folder, file or
// link at its path is an error naming the folder, and is left as it was.
func TestMkdirPrivate(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "private")
	f, err := MkdirPrivate(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := os.Lstat(dir)
	if err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 || int(fi.Sys().(*syscall.Stat_t).Uid) != os.Geteuid() {
		t.Fatalf("made %v (%v), want a folder 0700 of uid %d", fi, err, os.Geteuid())
	}
	victim := t.TempDir()
	if err := os.Rename(dir, dir+".moved"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ProcPath(f)+"/written", []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir+".moved", "written")); err != nil {
		t.Errorf("not written into the folder made: %v", err)
	}
	if ents, _ := os.ReadDir(victim); len(ents) != 0 {
		t.Errorf("written through the link put in the folder's place: %v", ents)
	}
	if names, err := f.Readdirnames(-1); err != nil || len(names) != 1 || names[0] != "written" {
		t.Errorf("read from its start: %v, %v", names, err)
	}

	for _, existing := range []string{dir, dir + ".moved", filepath.Join(dir+".moved", "written")} {
		before, _ := os.Lstat(existing)
		if g, err := MkdirPrivate(existing); err == nil {
			g.Close()
			t.Errorf("MkdirPrivate(%s) over an existing %v succeeded", existing, before.Mode())
		} else if !strings.Contains(err.Error(), existing) {
			t.Errorf("the error %q does not name %s", err, existing)
		}
		if after, err := os.Lstat(existing); err != nil || !os.SameFile(before, after) || after.Mode() != before.Mode() {
			t.Errorf("%s changed: %v -> %v (%v)", existing, before.Mode(), after, err)
		}
	}
}
