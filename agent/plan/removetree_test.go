package plan

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/internal/atomicfile"
	"golang.org/x/sys/unix"
)

// mountAt mounts at mnt (made if missing): a tmpfs ("tmpfs") holding the
// file "kept"; a bind mount of a new folder of the test's own file system
// holding "kept" ("bind": the same device, only the mount ID tells it); or
// a bind mount of a file of the test's, root's ("file"). It unmounts it
// when the test ends, and returns what must be left as it is (mnt, what is
// in it, and the bind mount's source).
func mountAt(t *testing.T, kind, mnt string) (kept []string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(mnt), 0o755); err != nil {
		t.Fatal(err)
	}
	var err error
	switch kind {
	case "tmpfs":
		if err = os.Mkdir(mnt, 0o755); err == nil {
			err = syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=1m")
		}
	case "bind":
		source := t.TempDir()
		writeFiles(t, source, "kept")
		kept = append(kept, filepath.Join(source, "kept"))
		if err = os.Mkdir(mnt, 0o755); err == nil {
			err = syscall.Mount(source, mnt, "", syscall.MS_BIND, "")
		}
	case "file":
		source := filepath.Join(t.TempDir(), "outside")
		writeFiles(t, filepath.Dir(source), "outside")
		kept = append(kept, source)
		if err = os.WriteFile(mnt, nil, 0o644); err == nil {
			err = syscall.Mount(source, mnt, "", syscall.MS_BIND, "")
		}
	default:
		t.Fatalf("mount kind %q", kind)
	}
	if err != nil {
		t.Fatalf("mount a %s at %s (root may mount here): %v", kind, mnt, err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(mnt, syscall.MNT_DETACH) })
	kept = append(kept, mnt)
	if kind == "tmpfs" {
		writeFiles(t, mnt, "kept")
		kept = append(kept, filepath.Join(mnt, "kept"))
	}
	return kept
}

// mountKinds are mountAt's kinds.
var mountKinds = []string{"tmpfs", "bind", "file"}

// TestRemoveTree: removeTree removes a file, a link (never what it points
// to) or a folder with everything in it, links inside included, and a
// missing name is not an error.
func TestRemoveTree(t *testing.T) {
	needRoot(t, "a read-only folder's entries are removed")
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, p, outside string)
	}{
		{"a folder with files and links", func(t *testing.T, p, outside string) {
			writeFiles(t, p, "a/b/f", "a/g", "h")
			for link, to := range map[string]string{"a/to-dir": outside, "to-file": filepath.Join(outside, "f"), "a/b/dangling": "/nonexistent"} {
				if err := os.Symlink(to, filepath.Join(p, link)); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Chmod(filepath.Join(p, "a", "b"), 0o500); err != nil { // read-only folders go too
				t.Fatal(err)
			}
		}},
		{"a link to a folder", func(t *testing.T, p, outside string) {
			if err := os.Symlink(outside, p); err != nil {
				t.Fatal(err)
			}
		}},
		{"a file", func(t *testing.T, p, _ string) { writeFiles(t, filepath.Dir(p), filepath.Base(p)) }},
		{"nothing", func(*testing.T, string, string) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, outside := t.TempDir(), t.TempDir()
			writeFiles(t, outside, "f")
			tc.setup(t, filepath.Join(dir, "tree"), outside)
			if err := removeTree(dir, "tree"); err != nil {
				t.Fatalf("removeTree: %v", err)
			}
			if _, err := os.Lstat(filepath.Join(dir, "tree")); !os.IsNotExist(err) {
				t.Errorf("tree still there (%v)", err)
			}
			if b, err := os.ReadFile(filepath.Join(outside, "f")); err != nil || string(b) != "f" {
				t.Errorf("what a link pointed to changed: %q, %v", b, err)
			}
		})
	}
}

// TestRemoveTreeStaysOnItsMount: a file system mounted inside the tree, a
// bind mount of a folder of the same file system, or a file bind-mounted
// there, is not emptied or removed: the removal stops with an error naming
// the mount point, and every mounted file is there.
func TestRemoveTreeStaysOnItsMount(t *testing.T) {
	needRoot(t, "mount")
	for _, kind := range mountKinds {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, "tree/a/f")
			mnt := filepath.Join(dir, "tree", "a", "vol")
			kept := mountAt(t, kind, mnt)
			err := removeTree(dir, "tree")
			if err == nil || !strings.Contains(err.Error(), mnt+": it is a mount point") {
				t.Fatalf("removeTree: %v, want an error naming %s as a mount point", err, mnt)
			}
			for _, p := range kept {
				if _, err := os.Stat(p); err != nil {
					t.Errorf("a mounted file was removed: %v", err)
				}
			}
		})
	}
}

// TestSeedKeepsAMountInAnIncompleteCopy: a seed that redoes an incomplete
// copy removes it first; a file system mounted inside it (moved there, with
// its mount, by another container's user of the volume) fails the seed
// with exit 74, naming the mount point, and keeps its files.
func TestSeedKeepsAMountInAnIncompleteCopy(t *testing.T) {
	needRoot(t, "mount")
	src := seedSource(t, "webapps")
	dst := t.TempDir()
	writeFiles(t, dst, SeedTmp+"/webapps/f")
	mnt := filepath.Join(dst, SeedTmp, "webapps", "vol")
	kept := mountAt(t, "tmpfs", mnt)
	p := &Plan{}
	if err := p.AddSeed(src, dst, time.Second, "WSO2_AGENT_LOCK_TIMEOUT"); err != nil || len(p.Seeds) != 1 {
		t.Fatalf("AddSeed: %v, seeds %+v, want one", err, p.Seeds)
	}
	_, err := p.Apply()
	if err == nil || !strings.Contains(err.Error(), mnt+": it is a mount point") {
		t.Fatalf("Apply: %v, want an error naming %s as a mount point", err, mnt)
	}
	if code := exitcode.Of(err); code != exitcode.IOErr {
		t.Errorf("exit code %d, want %d", code, exitcode.IOErr)
	}
	for _, p := range kept {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("the mounted file system was emptied: %v", err)
		}
	}
	if _, err := os.Stat(filepath.Join(dst, SeedMarker)); err == nil {
		t.Error("the folder was marked seeded")
	}
}

// TestResumedSeedKeepsAMountedEntry: a seed resumed as root for another
// user gives away the entries an interrupted start renamed into place;
// one that is a mount (here a tmpfs at the name of a seed entry; the
// volume's user can make any copy look complete) is refused, naming it,
// and what is mounted keeps its owner.
func TestResumedSeedKeepsAMountedEntry(t *testing.T) {
	needRoot(t, "chown, mount")
	src := seedSource(t, "webapps", "jaggeryapps")
	dst := filepath.Join(t.TempDir(), "server")
	writeFiles(t, dst, SeedTmp+"/"+seedDone, SeedTmp+"/jaggeryapps/f")
	mnt := filepath.Join(dst, "webapps")
	kept := mountAt(t, "tmpfs", mnt)
	p := &Plan{NewOwner: &atomicfile.Owner{UID: 4321, GID: 4322}}
	if err := p.AddSeed(src, dst, time.Second, "WSO2_AGENT_LOCK_TIMEOUT"); err != nil || len(p.Seeds) != 1 {
		t.Fatalf("AddSeed: %v, seeds %+v, want the interrupted one", err, p.Seeds)
	}
	_, err := p.Apply()
	if err == nil || !strings.Contains(err.Error(), mnt+" to 4321:4322: it is a mount point") {
		t.Fatalf("Apply: %v, want an error naming %s as a mount point", err, mnt)
	}
	for _, p := range kept {
		if uid, _ := ownerOf(t, p); uid != 0 {
			t.Errorf("%s, on the mount, was given to %d", p, uid)
		}
	}
}

// TestMountIDFromFdinfo: the mount ID /proc/self/fdinfo gives (mountOf's
// way on kernels without statx STATX_MNT_ID) is statx's, and tells a bind
// mount of the same file system from the folder it is in.
func TestMountIDFromFdinfo(t *testing.T) {
	needRoot(t, "mount")
	dir := t.TempDir()
	mnt := filepath.Join(dir, "vol")
	mountAt(t, "bind", mnt)
	var ids []uint64
	for _, p := range []string{dir, mnt} {
		fd, err := unix.Open(p, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Close(fd)
		var stx unix.Statx_t
		if err := unix.Statx(fd, "", unix.AT_EMPTY_PATH, unix.STATX_MNT_ID, &stx); err != nil || stx.Mask&unix.STATX_MNT_ID == 0 {
			t.Fatalf("statx STATX_MNT_ID of %s: %v (mask %x): this kernel cannot check it", p, err, stx.Mask)
		}
		id, ok := fdinfoMountID(fd)
		if !ok || id != stx.Mnt_id {
			t.Fatalf("%s: fdinfo mount ID %d (%t), statx %d", p, id, ok, stx.Mnt_id)
		}
		ids = append(ids, id)
	}
	if ids[0] == ids[1] {
		t.Fatalf("the bind mount has its folder's mount ID %d", ids[0])
	}
}

// TestSeedCopyWithAMountIsLeftOnceSeeded: a temporary copy with a mount
// inside is not removed once the folder is seeded, whether a start killed
// after the marker left it (the next start's cleanup) or a resumed seed
// writes the marker itself: the start goes on (the seed is complete), the
// copy and what is mounted stay as they are, and Apply names the mount
// point in SeedLeftovers, for a warning (a resumed seed used to fail its
// start here, exit 74, while the next start's cleanup said nothing).
func TestSeedCopyWithAMountIsLeftOnceSeeded(t *testing.T) {
	needRoot(t, "mount")
	for _, marked := range []bool{true, false} {
		t.Run(fmt.Sprintf("marked %v", marked), func(t *testing.T) {
			src := seedSource(t, "webapps")
			dst := t.TempDir()
			// webapps is in place already: a resumed seed renames nothing,
			// so the copy's webapps, with the mount, stays in the copy.
			writeFiles(t, dst, SeedLock, "webapps/f", SeedTmp+"/"+seedDone, SeedTmp+"/webapps/f")
			if marked {
				writeFiles(t, dst, SeedMarker)
			}
			mnt := filepath.Join(dst, SeedTmp, "webapps", "vol")
			kept := mountAt(t, "tmpfs", mnt)
			p := &Plan{}
			if err := p.AddSeed(src, dst, time.Second, "WSO2_AGENT_LOCK_TIMEOUT"); err != nil || len(p.Seeds) != 1 || p.Seeds[0].Cleanup != marked {
				t.Fatalf("AddSeed: %v, seeds %+v, want one (cleanup %v)", err, p.Seeds, marked)
			}
			if _, err := p.Apply(); err != nil {
				t.Fatalf("Apply: %v, want the seeded folder's start to go on", err)
			}
			if len(p.SeedLeftovers) != 1 || !strings.Contains(p.SeedLeftovers[0], mnt+": it is a mount point") {
				t.Fatalf("SeedLeftovers %q, want one naming %s as a mount point", p.SeedLeftovers, mnt)
			}
			for _, k := range append(kept, filepath.Join(dst, SeedMarker), filepath.Join(dst, "webapps", "f")) {
				if _, err := os.Stat(k); err != nil {
					t.Errorf("%s is gone: %v", k, err)
				}
			}
		})
	}
}
