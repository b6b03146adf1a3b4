package atomicfile

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/wso2-container/agent/internal/xattrtest"
)

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWriteFileKeepsModeAndReplaces(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := read(t, p); got != "new" {
		t.Fatalf("content %q", got)
	}
	st, _ := os.Stat(p)
	if st.Mode().Perm() != 0o640 {
		t.Fatalf("mode %v, want 0640 kept", st.Mode().Perm())
	}
	left, _ := filepath.Glob(filepath.Join(dir, TempPrefix+"*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

func TestStageAbortLeavesTarget(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := StageUnsynced(p, []byte("new"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if got := read(t, p); got != "old" {
		t.Fatalf("staging changed the target: %q", got)
	}
	s.Abort()
	if got := read(t, p); got != "old" {
		t.Fatalf("abort changed the target: %q", got)
	}
	left, _ := filepath.Glob(filepath.Join(dir, TempPrefix+"*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

func TestCommitAll(t *testing.T) {
	dir := t.TempDir()
	var staged []*Staged
	for _, n := range []string{"a", "b", "sub/c"} {
		p := filepath.Join(dir, n)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		s, err := StageUnsynced(p, []byte("content "+n), 0o600)
		if err != nil {
			t.Fatal(err)
		}
		staged = append(staged, s)
	}
	done, err := CommitAll(staged)
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != 3 {
		t.Fatalf("committed %v", done)
	}
	for _, n := range []string{"a", "b", "sub/c"} {
		if got := read(t, filepath.Join(dir, n)); got != "content "+n {
			t.Fatalf("%s: %q", n, got)
		}
	}
	if err := CleanTemps(dir); err != nil {
		t.Fatal(err)
	}
}

// A rename that fails stops its own directory only: the directory's
// remaining staged files are removed and keep their old content, the other
// directories are committed, and CommitAll returns exactly the paths
// committed, in the order staged, with the error naming the file.
func TestCommitAllRenameFailureStopsItsDirectory(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"x", "y", "z"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	names := []string{"y/1", "x/2", "z/3", "y/4", "x/5", "z/6"}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("old "+n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var staged []*Staged
	for _, n := range names {
		s, err := StageUnsynced(filepath.Join(dir, n), []byte("new "+n), 0o644)
		if err != nil {
			t.Fatal(err)
		}
		staged = append(staged, s)
	}
	// x/2 becomes a folder after staging: renaming a file over it fails.
	x2 := filepath.Join(dir, "x/2")
	if err := os.Remove(x2); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(x2, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	done, err := CommitAll(staged)
	if err == nil || !strings.Contains(err.Error(), "write "+x2+": ") {
		t.Fatalf("CommitAll error %v, want one naming %s", err, x2)
	}
	var want []string
	for _, n := range []string{"y/1", "z/3", "y/4", "z/6"} {
		want = append(want, filepath.Join(dir, n))
		if got := read(t, filepath.Join(dir, n)); got != "new "+n {
			t.Errorf("%s: %q, want the new content", n, got)
		}
	}
	if strings.Join(done, "|") != strings.Join(want, "|") {
		t.Fatalf("committed %v, want %v", done, want)
	}
	if got := read(t, filepath.Join(dir, "x/5")); got != "old x/5" {
		t.Errorf("x/5: %q, want the old content (its directory stopped at x/2)", got)
	}
	for _, d := range []string{"x", "y", "z"} {
		if m, _ := filepath.Glob(filepath.Join(dir, d, TempPrefix+"*")); len(m) != 0 {
			t.Errorf("temporary files left in %s: %v", d, m)
		}
	}
}

// One file staged twice through two paths of its folder (a link to the
// folder and the folder itself): the renames happen in the order staged, so
// the last content staged wins, every time.
func TestCommitAllFolderByTwoPaths(t *testing.T) {
	dir := t.TempDir()
	real, alias := filepath.Join(dir, "real"), filepath.Join(dir, "alias")
	if err := os.Mkdir(real, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real", alias); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		var staged []*Staged
		for j, p := range []string{filepath.Join(alias, "f"), filepath.Join(real, "g"), filepath.Join(real, "f")} {
			s, err := StageUnsynced(p, []byte(fmt.Sprint(i, j)), 0o644)
			if err != nil {
				t.Fatal(err)
			}
			staged = append(staged, s)
		}
		if _, err := CommitAll(staged); err != nil {
			t.Fatal(err)
		}
		if got, want := read(t, filepath.Join(real, "f")), fmt.Sprint(i, 2); got != want {
			t.Fatalf("round %d: f holds %q, want %q (the last staged)", i, got, want)
		}
	}
}

// StageUnsyncedFor gives a new file to the owner asked for before the rename
// (as root); a file it replaces keeps its own owner.
func TestStageUnsyncedForGivesNewFilesOnly(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	old := filepath.Join(dir, "old")
	if err := os.WriteFile(old, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(old, 1111, 1112); err != nil {
		t.Fatal(err)
	}
	owner := Owner{UID: 4321, GID: 4322}
	var staged []*Staged
	for _, n := range []string{"new", "old"} {
		s, err := StageUnsyncedFor(filepath.Join(dir, n), []byte("content "+n), 0o600, &owner)
		if err != nil {
			t.Fatal(err)
		}
		if s.NotKept() != "" {
			t.Fatalf("%s: not kept: %s", n, s.NotKept())
		}
		staged = append(staged, s)
	}
	// Before the commit the new file's temporary copy is already the owner's.
	tmps, _ := filepath.Glob(filepath.Join(dir, TempPrefix+"new-*"))
	if len(tmps) != 1 {
		t.Fatalf("temporary files of new: %v", tmps)
	}
	var st unix.Stat_t
	if err := unix.Lstat(tmps[0], &st); err != nil || int(st.Uid) != owner.UID || int(st.Gid) != owner.GID {
		t.Fatalf("staged new file: owner %d:%d (%v), want %d:%d", st.Uid, st.Gid, err, owner.UID, owner.GID)
	}
	if _, err := CommitAll(staged); err != nil {
		t.Fatal(err)
	}
	for n, want := range map[string][2]int{"new": {4321, 4322}, "old": {1111, 1112}} {
		if err := unix.Lstat(filepath.Join(dir, n), &st); err != nil {
			t.Fatal(err)
		}
		if int(st.Uid) != want[0] || int(st.Gid) != want[1] || st.Mode&0o7777 != 0o600 && n == "new" {
			t.Errorf("%s: owner %d:%d mode %o, want %d:%d", n, st.Uid, st.Gid, st.Mode&0o7777, want[0], want[1])
		}
	}
}

func TestStageInMissingFolderFails(t *testing.T) {
	p := filepath.Join(t.TempDir(), "no", "such", "f")
	if _, err := Stage(p, []byte("x"), 0o644); err == nil {
		t.Fatal("staging in a missing folder succeeded")
	}
}

// TestWriteFileThroughSymlink: a symbolic link stays a link (also a chain of
// links, as Kubernetes' ..data makes); the file it finally points to is
// replaced in its own directory with its mode (setgid included) kept. A
// link to nothing is refused and left alone.
func TestWriteFileThroughSymlink(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	target := filepath.Join(other, "real.xml")
	if err := os.WriteFile(target, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(target, 0o640|os.ModeSetgid); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(other, "..data")); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "conf.xml")
	if err := os.Symlink(filepath.Join(other, "..data"), link); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(link, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced (%v)", err)
	}
	if got := read(t, target); got != "new" {
		t.Fatalf("target content %q", got)
	}
	if fi, _ := os.Stat(target); fi.Mode() != 0o640|os.ModeSetgid {
		t.Fatalf("target mode %v, want %v", fi.Mode(), 0o640|os.ModeSetgid)
	}
	for _, d := range []string{dir, other} {
		if left, _ := filepath.Glob(filepath.Join(d, TempPrefix+"*")); len(left) != 0 {
			t.Fatalf("temporary files left: %v", left)
		}
	}
	dangling := filepath.Join(dir, "dangling.xml")
	if err := os.Symlink(filepath.Join(other, "missing"), dangling); err != nil {
		t.Fatal(err)
	}
	err := WriteFile(dangling, []byte("new"), 0o644)
	if err == nil || !strings.Contains(err.Error(), dangling) || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("write through a dangling link: %v, want a refusal naming it", err)
	}
	if _, err := os.Lstat(filepath.Join(other, "missing")); !os.IsNotExist(err) {
		t.Fatal("the dangling link's target was created")
	}
}

// TestWriteFileNoFollowReplacesALink: a link at the path (to a file, or to
// nothing) is replaced by the new file, with perm, and what it pointed to
// is left as it was; a file at the path keeps its mode, as with WriteFile.
func TestWriteFileNoFollowReplacesALink(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("v"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{victim, filepath.Join(dir, "missing")} {
		p := filepath.Join(dir, "marker")
		os.Remove(p)
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
		if err := WriteFileNoFollow(p, []byte("new"), 0o644); err != nil {
			t.Fatal(err)
		}
		if st, err := os.Lstat(p); err != nil || !st.Mode().IsRegular() || st.Mode().Perm() != 0o644 || read(t, p) != "new" {
			t.Fatalf("%s (was a link to %s): %v, %v", p, target, st, err)
		}
	}
	if got := read(t, victim); got != "v" {
		t.Fatalf("the link's target was written: %q", got)
	}
	if _, err := os.Lstat(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("the dangling link's target was created")
	}
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileNoFollow(p, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o640 || read(t, p) != "new" {
		t.Fatalf("a replaced file: mode %v, content %q; want 0640 kept, new", st.Mode().Perm(), read(t, p))
	}
	if left, _ := filepath.Glob(filepath.Join(dir, TempPrefix+"*")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

// openFDs counts this process's open file descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// StageUnsynced keeps up to maxOpenStaged temporary files open for
// CommitAll's fsyncs and closes the rest at once; CommitAll and Abort close
// every one: staging more files than the bound commits them all, and no
// descriptor is left open after a commit or an abort.
func TestStagedFilesAreClosed(t *testing.T) {
	dir := t.TempDir()
	before := openFDs(t)
	stage := func(n int, prefix string) []*Staged {
		var staged []*Staged
		for i := range n {
			s, err := StageUnsynced(filepath.Join(dir, prefix+strconv.Itoa(i)), []byte(prefix+strconv.Itoa(i)), 0o644)
			if err != nil {
				t.Fatal(err)
			}
			staged = append(staged, s)
		}
		return staged
	}
	n := maxOpenStaged + 6
	staged := stage(n, "c")
	if got := openFDs(t) - before; got != maxOpenStaged {
		t.Errorf("%d staged files: %d descriptors open, want %d", n, got, maxOpenStaged)
	}
	done, err := CommitAll(staged)
	if err != nil || len(done) != n {
		t.Fatalf("CommitAll: %d committed, %v", len(done), err)
	}
	for i := range n {
		if got, want := read(t, filepath.Join(dir, "c"+strconv.Itoa(i))), "c"+strconv.Itoa(i); got != want {
			t.Fatalf("c%d: %q, want %q", i, got, want)
		}
	}
	if got := openFDs(t) - before; got != 0 {
		t.Errorf("after CommitAll: %d descriptors still open", got)
	}
	for _, s := range stage(3, "a") {
		s.Abort()
	}
	if got := openFDs(t) - before; got != 0 {
		t.Errorf("after Abort: %d descriptors still open", got)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, TempPrefix+"*")); len(m) != 0 {
		t.Errorf("temporary files left: %v", m)
	}
}

// The staged file carries its attributes: the target has them from the
// rename on, together with the new content; one the file system refuses
// (an unknown namespace) is left out and the write goes on.
func TestStageUnsyncedSetsAttrs(t *testing.T) {
	dir := xattrtest.Dir(t)
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := unix.Setxattr(target, "user.old", []byte("kept?"), 0); err != nil {
		t.Fatal(err)
	}
	s, err := StageUnsynced(target, []byte("new"), 0o644,
		Attr{Name: "user.a", Value: []byte("one")},
		Attr{Name: "bogus.namespace", Value: []byte("refused")},
		Attr{Name: "user.b", Value: []byte{0, 1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CommitAll([]*Staged{s}); err != nil {
		t.Fatal(err)
	}
	if got := read(t, target); got != "new" {
		t.Fatalf("content %q, want new", got)
	}
	for name, want := range map[string]string{"user.a": "one", "user.b": "\x00\x01\x02"} {
		v := make([]byte, 64)
		n, err := unix.Getxattr(target, name, v)
		if err != nil || string(v[:n]) != want {
			t.Errorf("%s: %q, %v; want %q", name, v[:n], err, want)
		}
	}
	for _, name := range []string{"bogus.namespace", "user.old"} {
		if _, err := unix.Getxattr(target, name, make([]byte, 64)); err == nil {
			t.Errorf("the target has %s", name)
		}
	}
}

// A replaced file keeps who may use it: its POSIX ACL, as getfacl(1)
// reads it, and its SELinux label; not its other attributes, which
// describe the old content. Both ways of writing: WriteFile (synced at
// once) and StageUnsynced with CommitAll.
func TestReplacedFileKeepsAccessAttrs(t *testing.T) {
	if _, err := exec.LookPath("setfacl"); err != nil {
		t.Fatal("setfacl and getfacl are required (scripts/install-deps.sh installs package acl)")
	}
	const label = "system_u:object_r:etc_t:s0\x00"
	write := map[string]func(string) error{
		"WriteFile": func(p string) error { return WriteFile(p, []byte("new"), 0o600) },
		"StageUnsynced": func(p string) error {
			s, err := StageUnsynced(p, []byte("new"), 0o600, Attr{Name: "user.a", Value: []byte("one")})
			if err != nil {
				return err
			}
			_, err = CommitAll([]*Staged{s})
			return err
		},
	}
	for name, write := range write {
		t.Run(name, func(t *testing.T) {
			dir := xattrtest.Dir(t)
			target := filepath.Join(dir, "target")
			if err := os.WriteFile(target, []byte("old"), 0o640); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command("setfacl", "-m", "u:nobody:rw-,g:daemon:r--", target).CombinedOutput(); err != nil {
				if strings.Contains(string(out), "not supported") {
					t.Skipf("SKIPPED: the file system of %s takes no ACLs: %s", dir, out)
				}
				t.Fatalf("setfacl: %v: %s", err, out)
			}
			// Only root may set a security.* attribute where no security
			// module owns it; the ACL half runs whatever the user.
			withLabel := unix.Setxattr(target, "security.selinux", []byte(label), 0) == nil
			if !withLabel {
				t.Log("SKIPPED (label half): security.selinux cannot be set here")
			}
			if err := unix.Setxattr(target, "user.old", []byte("describes the old content"), 0); err != nil {
				t.Fatal(err)
			}
			acl := func() string {
				out, err := exec.Command("getfacl", "--omit-header", "--numeric", target).CombinedOutput()
				if err != nil {
					t.Fatalf("getfacl: %v: %s", err, out)
				}
				return string(out)
			}
			mode := func() os.FileMode {
				st, err := os.Stat(target)
				if err != nil {
					t.Fatal(err)
				}
				return st.Mode()
			}
			beforeACL, beforeMode := acl(), mode()
			if !strings.Contains(beforeACL, "user:65534:rw-") {
				t.Fatalf("setfacl did not take: %s", beforeACL)
			}
			if err := write(target); err != nil {
				t.Fatal(err)
			}
			if got := read(t, target); got != "new" {
				t.Fatalf("content %q, want new", got)
			}
			if got := acl(); got != beforeACL {
				t.Errorf("ACL after the write:\n%s\nwant, as before:\n%s", got, beforeACL)
			}
			if got := mode(); got != beforeMode {
				t.Errorf("mode %v, want %v as before", got, beforeMode)
			}
			if withLabel {
				v := make([]byte, 64)
				n, err := unix.Getxattr(target, "security.selinux", v)
				if err != nil {
					t.Errorf("security.selinux: %v; want %q", err, label)
				} else if string(v[:n]) != label {
					t.Errorf("security.selinux: %q; want %q", v[:n], label)
				}
			}
			if _, err := unix.Getxattr(target, "user.old", make([]byte, 64)); err == nil {
				t.Error("user.old was carried over to the new content")
			}
		})
	}
}

// A replaced file without an ACL gives its new content none, even where
// its folder has a default ACL, which a new file would otherwise inherit
// (and with it another group entry than the file's group bits say).
func TestReplacedFileWithoutACLGetsNoneFromTheFolder(t *testing.T) {
	if _, err := exec.LookPath("setfacl"); err != nil {
		t.Fatal("setfacl and getfacl are required (scripts/install-deps.sh installs package acl)")
	}
	dir := xattrtest.Dir(t)
	if out, err := exec.Command("setfacl", "-d", "-m", "u:daemon:rwx", dir).CombinedOutput(); err != nil {
		if strings.Contains(string(out), "not supported") {
			t.Skipf("SKIPPED: the file system of %s takes no ACLs: %s", dir, out)
		}
		t.Fatalf("setfacl: %v: %s", err, out)
	}
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("setfacl", "-b", target).CombinedOutput(); err != nil {
		t.Fatalf("setfacl -b: %v: %s", err, out)
	}
	acl := func() string {
		out, err := exec.Command("getfacl", "--omit-header", "--numeric", target).CombinedOutput()
		if err != nil {
			t.Fatalf("getfacl: %v: %s", err, out)
		}
		return string(out)
	}
	before := acl()
	if strings.Contains(before, "user:1:") {
		t.Fatalf("the old file has the folder's default entry: %s", before)
	}
	if err := WriteFile(target, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := acl(); got != before {
		t.Errorf("ACL after the write:\n%s\nwant, as before:\n%s", got, before)
	}
}
