package plan

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// errMountPoint is why the seed's tree walks stop at a folder: they work on
// one mount, the volume's, and a folder that is the root of another (a file
// system mounted there, or a bind mount of another folder, even of the same
// file system) is not theirs to give away or to empty.
var errMountPoint = errors.New("it is a mount point (another file system or a bind mount)")

// mount identifies the mount an open file is on: its mount ID (from statx
// STATX_MNT_ID, Linux 5.8, else from /proc/self/fdinfo, Linux 3.15), or
// else its device. Only the mount ID tells a bind mount of a folder of the
// same file system from the folder it is in.
type mount struct {
	id, dev uint64
}

// mountOf returns the mount of the open file fd.
func mountOf(fd int) (mount, error) {
	var stx unix.Statx_t
	err := unix.Statx(fd, "", unix.AT_EMPTY_PATH|unix.AT_SYMLINK_NOFOLLOW, unix.STATX_MNT_ID, &stx)
	if err == nil && stx.Mask&unix.STATX_MNT_ID != 0 {
		return mount{id: stx.Mnt_id}, nil
	}
	if err != nil && err != unix.ENOSYS && err != unix.EPERM { // ENOSYS, EPERM: no statx (old kernel, seccomp)
		return mount{}, err
	}
	if id, ok := fdinfoMountID(fd); ok {
		return mount{id: id}, nil
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return mount{}, err
	}
	return mount{dev: st.Dev}, nil
}

// fdinfoMountID reads the mount ID of the open file fd from its
// /proc/self/fdinfo entry (the "mnt_id:" line), if there is one.
func fdinfoMountID(fd int) (uint64, bool) {
	b, err := os.ReadFile("/proc/self/fdinfo/" + strconv.Itoa(fd))
	if err != nil {
		return 0, false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "mnt_id:"); ok {
			id, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
			return id, err == nil
		}
	}
	return 0, false
}

// onMount is nil when the open file fd is on the mount m, else why not:
// errMountPoint (it is, or is in, another mount) followed by not, what
// the caller leaves undone ("not removed").
func onMount(fd int, m mount, not string) error {
	fm, err := mountOf(fd)
	if err == nil && fm != m {
		err = fmt.Errorf("%w: %s", errMountPoint, not)
	}
	return err
}

// mountOfPath returns the mount of the folder at path.
func mountOfPath(path string) (mount, error) {
	fd, err := unix.Open(path, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return mount{}, err
	}
	defer unix.Close(fd)
	return mountOf(fd)
}

// removeTree removes the entry name of the folder dir and, when it is a
// folder, everything in it, like os.RemoveAll: a link is removed, never
// followed, and a name that does not exist is not an error. Unlike
// os.RemoveAll it stays on dir's mount: each folder is opened relative to
// the folder above it (O_NOFOLLOW) and emptied only when it is on the same
// mount as dir, so a file system mounted anywhere in the tree (or moved
// into it by whoever else may write the volume, with its mount) is left
// as it is, and the error names its folder. It stops at the first error.
func removeTree(dir, name string) error {
	dfd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "remove", Path: filepath.Join(dir, name), Err: err}
	}
	defer unix.Close(dfd)
	m, err := mountOf(dfd)
	if err != nil {
		return &os.PathError{Op: "remove", Path: filepath.Join(dir, name), Err: err}
	}
	return removeAt(dfd, name, filepath.Join(dir, name), m)
}

// removeAt removes the entry name of the folder dirfd (p, for errors) and
// what is in it, without leaving the mount m (see removeTree).
func removeAt(dirfd int, name, p string, m mount) error {
	fail := func(err error) error { return &os.PathError{Op: "remove", Path: p, Err: err} }
	err := unix.Unlinkat(dirfd, name, 0)
	if err == nil || err == unix.ENOENT {
		return nil
	}
	if err == unix.EBUSY { // a file bind-mounted there
		return fail(fmt.Errorf("%w: not removed", errMountPoint))
	}
	if err != unix.EISDIR && err != unix.EPERM {
		return fail(err)
	}
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	switch {
	case err == unix.ENOENT:
		return nil
	case err == unix.ELOOP || err == unix.ENOTDIR: // no longer a folder
		if err := unix.Unlinkat(dirfd, name, 0); err != nil && err != unix.ENOENT {
			return fail(err)
		}
		return nil
	case err != nil:
		return fail(err)
	}
	f := os.NewFile(uintptr(fd), p)
	defer f.Close()
	if err := onMount(fd, m, "not removed"); err != nil {
		return fail(err)
	}
	// All names first: removing entries while reading a folder can make
	// the reading skip some (Go issue 20841).
	names, err := f.Readdirnames(-1)
	if err != nil {
		return fail(errors.Unwrap(err))
	}
	for _, n := range names {
		if err := removeAt(fd, n, filepath.Join(p, n), m); err != nil {
			return err
		}
	}
	if err := unix.Unlinkat(dirfd, name, unix.AT_REMOVEDIR); err != nil && err != unix.ENOENT {
		return fail(err)
	}
	return nil
}
