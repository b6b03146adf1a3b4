package plan

import (
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// inOwnMountNamespace runs fn on an OS thread with a mount namespace of
// its own, after bind-mounting the file src over the file dst there: the
// rest of the process (and the host) never sees the mount. Needs root
// (CAP_SYS_ADMIN), as the tests run.
func inOwnMountNamespace(t *testing.T, src, dst string, fn func()) {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		// Never unlocked: the thread exits with the goroutine, taking its
		// mount namespace with it.
		runtime.LockOSThread()
		for _, step := range []func() error{
			func() error { return syscall.Unshare(syscall.CLONE_NEWNS) },
			func() error { return syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, "") },
			func() error { return syscall.Mount(src, dst, "", syscall.MS_BIND, "") },
		} {
			if err := step(); err != nil {
				errc <- err
				return
			}
		}
		fn()
		errc <- nil
	}()
	if err := <-errc; err != nil {
		t.Fatalf("bind-mount %s over %s in a mount namespace of its own (the test must run as root): %v", src, dst, err)
	}
}

// TestMountRoot: a file bind-mounted over another (of the same file
// system, so that only the mount tells them apart, not the device) is a
// mount root; the file beside it, its folder and a missing file are not.
// So with statx(2) telling STATX_ATTR_MOUNT_ROOT, and without statx (an
// old kernel, a seccomp filter), where the mounts of the file and of its
// folder are compared.
func TestMountRoot(t *testing.T) {
	dir := t.TempDir()
	host, target, beside := filepath.Join(dir, "host.xml"), filepath.Join(dir, "conf", "carbon.xml"), filepath.Join(dir, "conf", "axis2.xml")
	if err := os.Mkdir(filepath.Dir(target), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{host, target, beside} {
		if err := os.WriteFile(f, []byte(filepath.Base(f)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	check := func(how string) {
		for _, c := range []struct {
			path string
			want bool
		}{{target, true}, {beside, false}, {filepath.Dir(target), false}, {filepath.Join(dir, "conf", "missing.xml"), false}} {
			got, err := mountRoot(c.path)
			if err != nil || got != c.want {
				t.Errorf("%s: mountRoot(%s) = %v, %v; want %v", how, c.path, got, err, c.want)
			}
		}
	}
	inOwnMountNamespace(t, host, target, func() {
		var stx unix.Statx_t
		if err := unix.Statx(unix.AT_FDCWD, target, unix.AT_SYMLINK_NOFOLLOW, unix.STATX_TYPE, &stx); err != nil || stx.Attributes_mask&unix.STATX_ATTR_MOUNT_ROOT == 0 {
			t.Errorf("statx(2) does not tell STATX_ATTR_MOUNT_ROOT here (%v): the kernel is older than 5.8", err)
		}
		check("with statx")
		statx = func(int, string, int, int, *unix.Statx_t) error { return unix.ENOSYS }
		defer func() { statx = unix.Statx }()
		check("without statx")
	})
	if got, err := mountRoot(target); err != nil || got {
		t.Errorf("outside the mount namespace: mountRoot(%s) = %v, %v; want false", target, got, err)
	}
}
