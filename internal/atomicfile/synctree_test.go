package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// syncWatchingFIFO runs SyncTree(tree, tree) and, until it returns, tries to
// open the FIFO at probe() ("": none yet) for writing without blocking,
// which succeeds only while a reader has it open or waits in open: the
// test fails if it does, and that open and close let such a reader go on
// (a reader waiting for a writer is how SyncTree would hang a start).
func syncWatchingFIFO(t *testing.T, tree string, probe func() string) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- SyncTree(tree, tree) }()
	reported := false
	for {
		select {
		case err := <-done:
			return err
		default:
		}
		if p := probe(); p != "" {
			if fd, err := unix.Open(p, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0); err == nil {
				if !reported {
					t.Errorf("SyncTree opened the FIFO %s for reading", p)
					reported = true
				}
				unix.Close(fd)
			}
		}
		runtime.Gosched()
	}
}

// TestSyncTree syncs a tree of folders and files and skips what is neither
// (a link, a FIFO: never opened); a missing folder is an error naming it.
func TestSyncTree(t *testing.T) {
	dir := t.TempDir()
	for _, rel := range []string{"a/b/f", "a/g", "h"} {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(rel), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := unix.Mkfifo(filepath.Join(dir, "a", "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "a", "fifo"), filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	var listed []string
	syncListed = func(d string) { listed = append(listed, d) }
	t.Cleanup(func() { syncListed = nil })
	if err := syncWatchingFIFO(t, dir, func() string { return filepath.Join(dir, "a", "fifo") }); err != nil {
		t.Fatalf("SyncTree: %v", err)
	}
	sort.Strings(listed)
	if want := []string{dir, filepath.Join(dir, "a"), filepath.Join(dir, "a", "b")}; strings.Join(listed, " ") != strings.Join(want, " ") {
		t.Fatalf("SyncTree went through %q, want every folder %q", listed, want)
	}
	missing := filepath.Join(dir, "missing")
	if err := SyncTree(missing, missing); err == nil || err.Error() != "sync "+missing+": no such file or directory" {
		t.Fatalf("SyncTree of a missing folder: %v", err)
	}
}

// TestSyncTreeNeverOpensASwappedInFIFO: a file that someone swaps, after
// its folder was listed, for a FIFO or for a link to one is never opened
// (an open for reading would wait for a writer: the start would hang; see
// syncWatchingFIFO).
func TestSyncTreeNeverOpensASwappedInFIFO(t *testing.T) {
	for _, tc := range []struct {
		name string
		swap func(file, fifo string) (probe string, err error)
	}{
		{"a FIFO", func(file, fifo string) (string, error) { return file, os.Rename(fifo, file) }},
		{"a link to a FIFO", func(file, fifo string) (string, error) {
			if err := os.Remove(file); err != nil {
				return "", err
			}
			return fifo, os.Symlink(fifo, file)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tree, fifo := filepath.Join(dir, "tree"), filepath.Join(dir, "fifo")
			file := filepath.Join(tree, "sub", "f")
			if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, []byte("f"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := unix.Mkfifo(fifo, 0o600); err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			probe := ""
			syncListed = func(d string) {
				if d == filepath.Dir(file) {
					p, err := tc.swap(file, fifo)
					if err != nil {
						t.Error(err)
					}
					mu.Lock()
					probe = p
					mu.Unlock()
				}
			}
			t.Cleanup(func() { syncListed = nil })
			err := syncWatchingFIFO(t, tree, func() string {
				mu.Lock()
				defer mu.Unlock()
				return probe
			})
			if err != nil {
				t.Errorf("SyncTree: %v", err)
			}
			if probe == "" {
				t.Error("the file was never swapped")
			}
		})
	}
}

// TestSyncTreeNeverEntersASwappedInLink: a folder that someone swaps, after
// the folder above it was listed, for a link to a folder elsewhere is not
// entered (nothing there is synced).
func TestSyncTreeNeverEntersASwappedInLink(t *testing.T) {
	dir := t.TempDir()
	tree, elsewhere := filepath.Join(dir, "tree"), filepath.Join(dir, "elsewhere")
	inner := filepath.Join(tree, "sub", "inner")
	for _, d := range []string{inner, elsewhere} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var listed []string
	syncListed = func(d string) {
		listed = append(listed, d)
		if d == filepath.Dir(inner) {
			if err := os.Remove(inner); err != nil {
				t.Error(err)
			}
			if err := os.Symlink(elsewhere, inner); err != nil {
				t.Error(err)
			}
		}
	}
	t.Cleanup(func() { syncListed = nil })
	if err := SyncTree(tree, tree); err != nil {
		t.Fatalf("SyncTree: %v", err)
	}
	if want := []string{tree, filepath.Dir(inner)}; strings.Join(listed, " ") != strings.Join(want, " ") {
		t.Errorf("SyncTree listed %q, want %q (never the link)", listed, want)
	}
}

// TestSyncTreeDoesNotWaitOnALease: a file whose owner holds a write lease
// on it fails SyncTree at once, naming the file (an open that waited would
// stall the start until the kernel breaks the lease, 45 s by default) by
// the name SyncTree was given for the folder, not by the /proc/self/fd
// path it was reached through.
func TestSyncTreeDoesNotWaitOnALease(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "sub", "f")
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte("f"), 0o644); err != nil {
		t.Fatal(err)
	}
	held, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	if _, err := unix.FcntlInt(held.Fd(), unix.F_SETLEASE, unix.F_WRLCK); err != nil {
		t.Fatalf("take a write lease (the file's owner or CAP_LEASE may): %v", err)
	}
	defer unix.FcntlInt(held.Fd(), unix.F_SETLEASE, unix.F_UNLCK) //nolint:errcheck
	d, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	err = SyncTree(ProcPath(d), "/shown")
	if err == nil || err.Error() != "sync /shown/sub/f: "+syscall.EWOULDBLOCK.Error() || !errors.Is(err, syscall.EWOULDBLOCK) {
		t.Fatalf("SyncTree: %v, want an error naming /shown/sub/f (EWOULDBLOCK)", err)
	}
}

// TestSyncDirs syncs every folder it is given and names, in its error, the
// first one that cannot be synced (a missing one), after syncing the rest.
func TestSyncDirs(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	for _, d := range []string{a, b} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := SyncDirs([]string{a, a + "/", b, a}); err != nil {
		t.Fatalf("SyncDirs: %v", err)
	}
	if err := SyncDirs(nil); err != nil {
		t.Fatalf("SyncDirs of nothing: %v", err)
	}
	missing := filepath.Join(dir, "missing")
	err := SyncDirs([]string{a, missing, filepath.Join(dir, "gone")})
	if err == nil || !strings.HasPrefix(err.Error(), "sync "+missing+": ") {
		t.Fatalf("SyncDirs with a missing folder: %v, want the error of %s", err, missing)
	}
}
