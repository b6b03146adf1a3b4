package plan

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wso2-container/agent/agent/exitcode"
)

// mountAt mounts at mnt (made if missing) a tmpfs ("tmpfs") or a bind
// mount of a new folder of the test's own file system ("bind": the same
// device, only the mount ID tells it), holding the file "kept" in either
// case, and unmounts it when the test ends. It returns the bind mount's
// source folder ("" for a tmpfs).
func mountAt(t *testing.T, kind, mnt string) (source string) {
	t.Helper()
	if err := os.MkdirAll(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	var err error
	switch kind {
	case "tmpfs":
		err = syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=1m")
	case "bind":
		source = t.TempDir()
		err = syscall.Mount(source, mnt, "", syscall.MS_BIND, "")
	default:
		t.Fatalf("mount kind %q", kind)
	}
	if err != nil {
		t.Fatalf("mount a %s at %s (root may mount here): %v", kind, mnt, err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(mnt, syscall.MNT_DETACH) })
	writeFiles(t, mnt, "kept")
	return source
}

// TestRemoveTree: removeTree removes a file, a link (never what it points
// to) or a folder with everything in it, links inside included, and a
// missing name is not an error.
func TestRemoveTree(t *testing.T) {
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

// TestRemoveTreeStaysOnItsMount: a file system mounted inside the tree, or
// a bind mount of a folder of the same file system, is not emptied: the
// removal stops with an error naming the mount point, and the mounted
// files are all there.
func TestRemoveTreeStaysOnItsMount(t *testing.T) {
	needRoot(t, "mount")
	for _, kind := range []string{"tmpfs", "bind"} {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, "tree/a/f")
			mnt := filepath.Join(dir, "tree", "a", "vol")
			source := mountAt(t, kind, mnt)
			err := removeTree(dir, "tree")
			if err == nil || !strings.Contains(err.Error(), mnt+": it is a mount point") {
				t.Fatalf("removeTree: %v, want an error naming %s as a mount point", err, mnt)
			}
			kept := []string{filepath.Join(mnt, "kept")}
			if source != "" {
				kept = append(kept, filepath.Join(source, "kept"))
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
	mountAt(t, "tmpfs", mnt)
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
	if _, err := os.Stat(filepath.Join(mnt, "kept")); err != nil {
		t.Errorf("the mounted file system was emptied: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dst, SeedMarker)); err == nil {
		t.Error("the folder was marked seeded")
	}
}
