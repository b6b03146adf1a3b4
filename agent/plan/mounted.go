package plan

import (
	"fmt"
	"io/fs"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// mountRoot reports whether path itself (a link there is not followed) is
// the root of a mount: a file or folder mounted by itself, as a bind mount
// of one file (docker run -v FILE:PATH, a compose file's volumes) makes it.
// Such a file cannot be replaced by a rename nor removed (EBUSY). It asks
// statx(2) for STATX_ATTR_MOUNT_ROOT (Linux 5.8), else compares the mount
// of path with that of its folder (mountOf: its mount ID, else its
// device). A path that does not exist is not a mount root.
func mountRoot(path string) (bool, error) {
	var stx unix.Statx_t
	err := statx(unix.AT_FDCWD, path, unix.AT_SYMLINK_NOFOLLOW, unix.STATX_TYPE, &stx)
	switch {
	case err == unix.ENOENT || err == unix.ENOTDIR:
		return false, nil
	case err == nil && stx.Attributes_mask&unix.STATX_ATTR_MOUNT_ROOT != 0:
		return stx.Attributes&unix.STATX_ATTR_MOUNT_ROOT != 0, nil
	case err != nil && err != unix.ENOSYS && err != unix.EPERM: // ENOSYS, EPERM: no statx (old kernel, seccomp)
		return false, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	fd, err := unix.Open(path, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err == unix.ENOENT {
		return false, nil
	}
	if err != nil {
		return false, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	m, err := mountOf(fd)
	if err != nil {
		return false, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	pm, err := mountOfPath(filepath.Dir(path))
	if err != nil {
		return false, &fs.PathError{Op: "stat", Path: filepath.Dir(path), Err: err}
	}
	return m != pm, nil
}

// statx is unix.Statx; tests answer for it as an old kernel, or a seccomp
// filter, without statx(2) would.
var statx = unix.Statx

// Unreplaceable says, for each changed file that is a mount point (see
// mountRoot), that Apply cannot write or remove it, and what to do: a
// changed file is replaced by a new one renamed over it, and a file
// mounted by itself cannot be replaced. A link is written through to its
// target, so the target is checked; a file to remove is checked itself.
// A file whose mount cannot be told is left to Apply.
func (p *Plan) Unreplaceable() []string {
	var out []string
	for _, f := range p.Changed() {
		verb, path := "write", f.Path
		if f.Remove {
			verb = "remove"
		} else if real, err := filepath.EvalSymlinks(f.Path); err == nil {
			path = real
		}
		root, err := mountRoot(path)
		if err != nil || !root {
			continue
		}
		what := f.Display()
		if path != f.Path {
			what += " (a link to " + path + ")"
		}
		advice := "mount its folder instead"
		if p.MountAdvice != "" {
			advice += ", or " + p.MountAdvice
		}
		why := "so it cannot be replaced by the changed file (the agent renames a new file over the old one)"
		if f.Remove {
			why = "so it cannot be removed"
		}
		out = append(out, fmt.Sprintf("%s %s: %s, %s; %s", verb, what, errMountPoint, why, advice))
	}
	return out
}
