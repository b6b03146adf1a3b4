// Package atomicfile replaces files atomically: the new content is written to
// a temporary file in the same directory, synced, given the mode and owner of
// the file it replaces, and renamed over it; then the directory is synced.
// A reader (or a crash) sees either the whole old file or the whole new one.
//
// A symbolic link stays a link: the file it points to is replaced, in that
// file's directory. Mode (permission, setuid, setgid and sticky bits), owner
// and group are kept as far as the process may set them: root keeps all;
// another user keeps the mode, and the group when it is one of its groups,
// while the new file is its own (Staged.NotKept says what was lost). So are
// the POSIX ACL and the SELinux label (AccessAttrs), silently where they
// cannot be.
//
// It must not know what the files hold or why they change: no format,
// product, profile or environment variable; the caller gives the path and
// the bytes.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// TempPrefix starts the name of every temporary file and folder this
// package creates. A crash between create and rename can leave one behind;
// CleanTemps removes them (MkdirFor its own folders too).
const TempPrefix = ".agent-tmp-"

// WriteFile atomically replaces (or creates) path with data. An existing
// file keeps its permission bits and, when the process may set them, its
// owner and group; a new file gets mode perm. On any error the original file
// is untouched and the temporary file is removed.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	st, err := Stage(path, data, perm)
	if err != nil {
		return err
	}
	return st.Commit()
}

// WriteFileNoFollow is WriteFile for a path in a folder someone else may
// change: a symbolic link at path is replaced by the new file, never written
// through (WriteFile writes to the file a link points to, so that a mounted
// configuration file stays a link).
func WriteFileNoFollow(path string, data []byte, perm fs.FileMode) error {
	st, err := stageTo(path, path, data, perm, true, nil, nil)
	if err != nil {
		return err
	}
	return st.Commit()
}

// SyncDir fsyncs a directory so that a rename in it survives a crash.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	return syncOpenDir(d, dir)
}

// SyncDirs fsyncs each of dirs once (a folder named twice is synced once),
// several at once, as CommitAll syncs its directories, so that the entries
// made or removed in them (a folder made, a file removed) survive a crash.
// It returns the first error in the order of dirs; the other folders are
// synced all the same.
func SyncDirs(dirs []string) error {
	var uniq []string
	seen := map[string]bool{}
	for _, d := range dirs {
		if d = filepath.Clean(d); !seen[d] {
			seen[d] = true
			uniq = append(uniq, d)
		}
	}
	_, err := parallel(len(uniq), func(i int) error { return SyncDir(uniq[i]) })
	return err
}

// syncOpenDir fsyncs the open folder d (at path, for errors). A file system
// that cannot sync a folder (EINVAL) is not an error.
func syncOpenDir(d *os.File, path string) error {
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}

// SyncTree fsyncs dir and every folder and regular file under it, each by
// itself (never syncfs(2): see CommitAll). Its errors name dir as name and
// what is below it under name: dir may be a ProcPath, which would tell the
// reader nothing. dir itself is opened following
// links; below it the walk goes through descriptors
// only, for a tree someone else may change meanwhile: each entry is opened
// relative to its folder without following a link (O_PATH|O_NOFOLLOW), and
// only a folder or a regular file is then opened, through that descriptor,
// to be synced. Links, FIFOs, sockets and devices are skipped, never
// opened: a FIFO put where a file was would make an open for reading wait
// for a writer, and a link would have other files synced.
func SyncTree(dir, name string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", name, cause(err))
	}
	defer d.Close()
	return syncTreeAt(d, name)
}

// syncListed, when set (tests), is called with a folder's path once
// syncTreeAt has listed it, before it syncs its entries.
var syncListed func(dir string)

// syncTreeAt syncs what is in the open folder d (at path, for errors),
// then d itself (see SyncTree).
func syncTreeAt(d *os.File, path string) error {
	names, err := d.Readdirnames(-1)
	if err != nil {
		return fmt.Errorf("sync %s: %w", path, cause(err))
	}
	if syncListed != nil {
		syncListed(path)
	}
	for _, n := range names {
		if err := syncEntry(d, n, filepath.Join(path, n)); err != nil {
			return err
		}
	}
	return syncOpenDir(d, path)
}

// syncEntry syncs the entry name of the open folder d (at p, for errors)
// if it is a regular file or a folder (see SyncTree); one that is gone
// meanwhile is not an error.
func syncEntry(d *os.File, name, p string) error {
	fd, err := unix.Openat(int(d.Fd()), name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err == unix.ENOENT {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sync %s: %w", p, err)
	}
	pf := os.NewFile(uintptr(fd), p)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		pf.Close()
		return fmt.Errorf("sync %s: %w", p, err)
	}
	kind := st.Mode & unix.S_IFMT
	if kind != unix.S_IFDIR && kind != unix.S_IFREG {
		pf.Close()
		return nil
	}
	// The very file fd holds, whatever is at p now; O_NONBLOCK: a lease
	// its owner holds on it fails the open at once instead of making it
	// wait for the lease to be broken (45 s by default).
	f, err := os.OpenFile(ProcPath(pf), os.O_RDONLY|syscall.O_NONBLOCK, 0)
	pf.Close()
	if err != nil {
		return fmt.Errorf("sync %s: %w", p, cause(err))
	}
	defer f.Close()
	if kind == unix.S_IFDIR {
		return syncTreeAt(f, p)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", p, err)
	}
	return nil
}

// CleanTemps removes the temporary files left in dir by an interrupted
// WriteFile or stage, and the (empty) temporary folders left by an
// interrupted MkdirFor; a folder with that prefix that is not empty is not
// one of them and is left. A folder that cannot be read has nothing
// removed.
func CleanTemps(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), TempPrefix) {
			continue
		}
		m := filepath.Join(dir, e.Name())
		err := os.Remove(m)
		if err == nil || errors.Is(err, fs.ErrNotExist) || (e.IsDir() && errors.Is(err, syscall.ENOTEMPTY)) {
			continue
		}
		return fmt.Errorf("remove %s: %w", m, cause(err))
	}
	return nil
}

// Staged is new content written to a temporary file beside its target,
// waiting for Commit (rename over the target) or Abort (remove). Staging every
// file of a change set first and committing afterwards means that a failure
// while writing (disk full, read-only) leaves every target as it was.
type Staged struct {
	path    string
	dst     string // the file replaced: path, or the target of the link path
	tmp     string
	dev     uint64
	dirty   bool     // written but not yet synced
	f       *os.File // the temporary file, still open when dirty (see keepOpen)
	notKept string   // owner or group of the replaced file that could not be kept
}

// maxOpenStaged bounds the temporary files StageUnsynced keeps open for
// CommitAll's syncs (sparing a second open of each); past it a staged file
// is closed and opened again to be synced.
const maxOpenStaged = 64

// openStaged counts the temporary files kept open.
var openStaged atomic.Int32

// keepOpen reports whether one more staged file may stay open, and counts it.
func keepOpen() bool {
	if openStaged.Add(1) <= maxOpenStaged {
		return true
	}
	openStaged.Add(-1)
	return false
}

// closeFile closes the kept temporary file, if any.
func (s *Staged) closeFile() error {
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	openStaged.Add(-1)
	return err
}

// syncTemp fsyncs the staged temporary file, through the file kept open or
// by opening it again.
func (s *Staged) syncTemp() error {
	if s.f == nil {
		return syncFile(s.tmp)
	}
	err := s.f.Sync()
	if cerr := s.closeFile(); err == nil {
		err = cerr
	}
	return err
}

// Stage writes data to a temporary file beside path, with path's mode and
// owner (or perm for a new file), synced. Nothing is visible at path yet.
func Stage(path string, data []byte, perm fs.FileMode) (*Staged, error) {
	s, err := stage(path, data, perm, true, nil, nil)
	return s, err
}

// StageUnsynced is Stage without the fsync: call CommitAll, which syncs the
// staged files together (several at once) before renaming any of them.
// attrs are given to the temporary file, so that the target has them from
// the moment it has the new content; they are a best effort: an attribute
// the file system or the process may not set is left out, silently (the
// target then has none by that name: of the replaced file's attributes
// only its AccessAttrs are carried over).
func StageUnsynced(path string, data []byte, perm fs.FileMode, attrs ...Attr) (*Staged, error) {
	return stage(path, data, perm, false, nil, attrs)
}

// Owner is a user and a group, by number.
type Owner struct{ UID, GID int }

// StageUnsyncedFor is StageUnsynced that gives a new file (nothing at path
// yet) to owner before it is renamed into place, so that it never appears
// with another owner, even when the process dies after the rename; when the
// file cannot be given away (only root may), it fails and leaves nothing
// behind. A replaced file keeps its own owner, as with StageUnsynced. A nil
// owner gives nothing away: it is StageUnsynced.
func StageUnsyncedFor(path string, data []byte, perm fs.FileMode, owner *Owner, attrs ...Attr) (*Staged, error) {
	return stage(path, data, perm, false, owner, attrs)
}

// MkdirFor makes the folder dir (mode perm, plus the setgid bit that a
// setgid parent passes on; the parent must exist) as owner's before it
// appears under its name: the folder is made under a temporary name beside
// it, opened without following a link and checked to be the folder just
// made, given to owner and its mode set through that descriptor, then
// renamed into place without replacing anything, and checked to be there.
// A process killed at any point therefore leaves either no folder dir or
// owner's, and at most an empty temporary folder, which the next MkdirFor
// that makes dir (or CleanTemps of its parent) removes. A folder that
// cannot be given away (only root may) is removed again and MkdirFor fails.
// When dir exists already, as a folder or a link to one, MkdirFor leaves it
// as it is and succeeds; so it does when a folder (not a link) is made
// meanwhile by someone else. Anything else found in its place after the
// rename makes it fail, naming the folder.
//
// Another process making dir at the same time (two containers on one
// volume) may take the temporary folder for a leftover and remove it;
// MkdirFor then tries again, a few times.
func MkdirFor(dir string, perm fs.FileMode, owner Owner) error {
	dir = filepath.Clean(dir)
	for attempt := 1; ; attempt++ {
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			return nil
		}
		err := mkdirOnce(dir, perm, owner)
		if err == nil {
			// Leftovers of interrupted attempts (and the temporary folders
			// of others making dir now, which are of no use to them any
			// more): a best effort.
			cleanTempDirs(filepath.Dir(dir), filepath.Base(dir))
			return nil
		}
		if errors.Is(err, errTempGone) && attempt < 5 {
			continue
		}
		if st, serr := os.Lstat(dir); serr == nil && st.IsDir() {
			return nil // made meanwhile by someone else: theirs
		}
		return err
	}
}

// MkdirPrivate makes the folder dir, mode 0700, this process's user's, and
// returns it open, positioned at its start. It is opened with O_NOFOLLOW and
// checked to be the empty folder just made (see madeByUs), so that what the
// caller then writes through the descriptor (or through ProcPath) goes into
// that folder even if whoever owns its parent renames it away or puts a link
// in its place: nobody else may write into it, or replace what is in it,
// until the caller gives it away. It fails when dir exists.
func MkdirPrivate(dir string) (*os.File, error) {
	f, err := MkdirOpen(dir)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && !madeByUs(f, fi) {
		err = errors.New("replaced by another process while it was made")
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("create folder %s: %w", dir, cause(err))
	}
	return f, nil
}

// MkdirOpen makes the folder dir (mode 0700, less the umask) and returns it
// open, opened without following a link (a link put in its place
// meanwhile makes it fail). It fails when dir exists. See MkdirPrivate for
// a folder that must be this process's alone.
func MkdirOpen(dir string) (*os.File, error) {
	if err := os.Mkdir(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create folder %s: %w", dir, cause(err))
	}
	f, err := os.OpenFile(dir, os.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, fmt.Errorf("create folder %s: replaced by another process while it was made: %w", dir, cause(err))
	}
	return f, nil
}

// ProcPath is the path that leads to the open file f through
// /proc/self/fd: whatever is at f's own path meanwhile, a path under
// ProcPath(f) resolves inside f.
func ProcPath(f *os.File) string {
	return fmt.Sprintf("/proc/self/fd/%d", f.Fd())
}

// errTempGone is mkdirOnce's error when its temporary folder was removed
// (or replaced) under it.
var errTempGone = errors.New("temporary folder removed meanwhile")

// mkdirOnce is one attempt of MkdirFor.
func mkdirOnce(dir string, perm fs.FileMode, owner Owner) error {
	tmp, err := os.MkdirTemp(filepath.Dir(dir), TempPrefix+filepath.Base(dir)+"-")
	if err != nil {
		return fmt.Errorf("create folder %s: %w", dir, cause(err))
	}
	mkdirStep("made", tmp)
	f, err := os.OpenFile(tmp, os.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		_ = os.Remove(tmp)
		if e := cause(err); errors.Is(e, syscall.ENOENT) || errors.Is(e, syscall.ELOOP) || errors.Is(e, syscall.ENOTDIR) {
			err = errTempGone // removed, or replaced by something that is not a folder
		}
		return fmt.Errorf("create folder %s: %w", dir, cause(err))
	}
	defer f.Close()
	mkdirStep("opened", tmp)
	fi, err := f.Stat()
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("create folder %s: %w", dir, cause(err))
	}
	if !madeByUs(f, fi) {
		// Another folder renamed to the temporary name: not ours to give
		// away, nor to remove.
		return fmt.Errorf("create folder %s: %w", dir, errTempGone)
	}
	mkdirStep("checked", tmp)
	if err := f.Chown(owner.UID, owner.GID); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("give %s to %d:%d: %w", dir, owner.UID, owner.GID, cause(err))
	}
	mode := perm
	if fi.Mode()&fs.ModeSetgid != 0 {
		mode |= fs.ModeSetgid // passed on by the parent (a shared volume's group)
	}
	if err := f.Chmod(mode); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("create folder %s: %w", dir, cause(err))
	}
	mkdirStep("given", tmp)
	if err := renameNoReplace(tmp, dir); err != nil {
		_ = os.Remove(tmp)
		if errors.Is(err, fs.ErrNotExist) {
			err = errTempGone
		}
		return fmt.Errorf("create folder %s: %w", dir, err)
	}
	// What was renamed is the folder given away, unless another process
	// put something else in its place (the parent may be the server's).
	if got, err := os.Lstat(dir); err != nil || !os.SameFile(got, fi) {
		return fmt.Errorf("create folder %s: replaced by another process while it was made", dir)
	}
	return nil
}

// madeByUs reports whether the open folder f (fi) may be the one that
// os.MkdirTemp of this process has just made: this process's user's, mode
// 0700, empty. (Not its link count: btrfs gives every folder one.)
func madeByUs(f *os.File, fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || int(st.Uid) != os.Geteuid() || fi.Mode().Perm() != 0o700 {
		return false
	}
	_, err := f.Readdirnames(1)
	return errors.Is(err, io.EOF)
}

// renameNoReplace renames from to to unless something is at to already
// (fs.ErrExist). A file system without RENAME_NOREPLACE (it answers EINVAL,
// or a seccomp filter ENOSYS or EPERM) gets os.Rename, which refuses an
// existing folder too, but checks before it renames.
func renameNoReplace(from, to string) error {
	for {
		err := renameat2(unix.AT_FDCWD, from, unix.AT_FDCWD, to, unix.RENAME_NOREPLACE)
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM):
			return cause(os.Rename(from, to))
		}
		return err
	}
}

// renameat2 is unix.Renameat2; tests answer for it as a kernel or file
// system without RENAME_NOREPLACE would.
var renameat2 = unix.Renameat2

// mkdirStep is called by mkdirOnce after each step, with its temporary
// folder (tests kill the process there, or act as another process would).
var mkdirStep = func(step, tmp string) {}

// cleanTempDirs removes, as a best effort, the temporary folders of
// MkdirFor of parent/base left in parent: empty folders named TempPrefix,
// base, "-" and the digits os.MkdirTemp adds. Only folders: the temporary
// files of a file named like them are staged changes.
func cleanTempDirs(parent, base string) {
	ents, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	prefix := TempPrefix + base + "-"
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if ok && e.IsDir() && rest != "" && strings.Trim(rest, "0123456789") == "" {
			_ = os.Remove(filepath.Join(parent, e.Name())) // only an empty one goes
		}
	}
}

// Attr is an extended attribute (xattr(7)) of a staged file.
type Attr struct {
	Name  string // with its namespace: "user.…"
	Value []byte
}

func stage(path string, data []byte, perm fs.FileMode, sync bool, newOwner *Owner, attrs []Attr) (*Staged, error) {
	dst, err := linkTarget(path)
	if err != nil {
		return nil, err
	}
	return stageTo(path, dst, data, perm, sync, newOwner, attrs)
}

// stageTo is stage with the file it replaces, dst, given: path itself or
// what a link at path points to. A link at dst is replaced, as a new file.
func stageTo(path, dst string, data []byte, perm fs.FileMode, sync bool, newOwner *Owner, attrs []Attr) (*Staged, error) {
	dir := filepath.Dir(dst)
	mode := perm
	uid, gid := -1, -1
	st, statErr := os.Lstat(dst)
	switch {
	case statErr == nil && st.Mode()&fs.ModeSymlink == 0:
		mode = st.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
		if sys, ok := st.Sys().(*syscall.Stat_t); ok {
			uid, gid = int(sys.Uid), int(sys.Gid)
		}
	case statErr != nil && !errors.Is(statErr, fs.ErrNotExist):
		return nil, fmt.Errorf("stat %s: %w", path, statErr)
	}
	f, err := os.CreateTemp(dir, TempPrefix+filepath.Base(dst)+"-")
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, cause(err))
	}
	tmp := f.Name()
	fail := func(err error) (*Staged, error) {
		_ = f.Close()
		_ = os.Remove(tmp)
		return nil, fmt.Errorf("write %s: %w", path, cause(err))
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if uid >= 0 {
		keepAccessAttrs(f, dst)
	}
	setAttrs(f, attrs)
	notKept := keepOwner(f, uid, gid) // before chmod: chown clears setuid/setgid
	if uid < 0 && newOwner != nil {
		if err := f.Chown(newOwner.UID, newOwner.GID); err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
			return nil, fmt.Errorf("give %s to %d:%d: %w", path, newOwner.UID, newOwner.GID, cause(err))
		}
	}
	if err := f.Chmod(mode); err != nil {
		return fail(err)
	}
	var dev uint64
	if st, err := f.Stat(); err == nil {
		if sys, ok := st.Sys().(*syscall.Stat_t); ok {
			dev = sys.Dev
		}
	}
	if sync {
		if err := f.Sync(); err != nil {
			return fail(err)
		}
	} else if keepOpen() {
		// Kept open for CommitAll's fsync, which then closes it: the
		// errors of both are reported there.
		return &Staged{path: path, dst: dst, tmp: tmp, dev: dev, dirty: true, f: f, notKept: notKept}, nil
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(tmp)
		return nil, fmt.Errorf("write %s: %w", path, cause(err))
	}
	return &Staged{path: path, dst: dst, tmp: tmp, dev: dev, dirty: !sync, notKept: notKept}, nil
}

// AccessAttrs are the extended attributes that say who may use a file
// rather than what it holds: its POSIX access ACL (acl(5)) and its SELinux
// label. A replaced file's are given to its new content, before its mode is
// set (so that the ACL's mask and the group bits agree), as far as the
// file system and the process allow: one that cannot be read or set is left
// out, silently. A replaced file without an ACL gives its new content none,
// even where the folder's default ACL would. Every other attribute describes the old content and is not
// carried over.
var AccessAttrs = []string{aclAccess, "security.selinux"}

// aclAccess is the POSIX access ACL's attribute.
const aclAccess = "system.posix_acl_access"

// keepAccessAttrs gives f the AccessAttrs of the file at from (best effort).
func keepAccessAttrs(f *os.File, from string) {
	var buf [256]byte
	for _, name := range AccessAttrs {
		v := buf[:]
		n, err := unix.Lgetxattr(from, name, v)
		if errors.Is(err, unix.ERANGE) { // a long ACL: ask for its size
			if n, err = unix.Lgetxattr(from, name, nil); err == nil {
				v = make([]byte, n)
				n, err = unix.Lgetxattr(from, name, v)
			}
		}
		if errors.Is(err, unix.ENODATA) && name == aclAccess {
			// None: the new file must not keep the ACL it inherited from
			// a default ACL of its folder either.
			removeAttr(f, name)
			continue
		}
		if err != nil {
			continue // a file system without them
		}
		setAttrs(f, []Attr{{Name: name, Value: v[:n]}})
	}
}

// removeAttr removes the attribute name from f, if it has it (best effort).
func removeAttr(f *os.File, name string) {
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) { _ = unix.Fremovexattr(int(fd), name) })
}

// setAttrs sets attrs on f, leaving out those that fail (best effort, see
// StageUnsynced).
func setAttrs(f *os.File, attrs []Attr) {
	if len(attrs) == 0 {
		return
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		for _, a := range attrs {
			_ = unix.Fsetxattr(int(fd), a.Name, a.Value, 0)
		}
	})
}

// linkTarget is the file a write to path replaces: path itself, or the file
// a symbolic link at path finally points to (so that the link stays). A
// link to nothing is refused.
func linkTarget(path string) (string, error) {
	if fi, err := os.Lstat(path); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		return path, nil
	}
	t, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", fmt.Errorf("write %s: it is a symbolic link to a file that does not exist: %w", path, cause(err))
	}
	return t, nil
}

// keepOwner gives the new file f the owner uid and group gid of the file it
// replaces (uid < 0: a new file, nothing to keep) as far as the process may,
// and describes what it could not keep ("" when all was kept).
func keepOwner(f *os.File, uid, gid int) string {
	if uid < 0 {
		return ""
	}
	st, err := f.Stat()
	if err != nil {
		return ""
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok || (int(sys.Uid) == uid && int(sys.Gid) == gid) {
		return ""
	}
	if f.Chown(uid, gid) == nil {
		return ""
	}
	// Not root: the group can still be kept when the process is in it.
	nowGid := int(sys.Gid)
	if gid != nowGid && f.Chown(-1, gid) == nil {
		nowGid = gid
	}
	var lost []string
	if int(sys.Uid) != uid {
		lost = append(lost, fmt.Sprintf("owner %d (now %d)", uid, sys.Uid))
	}
	if nowGid != gid {
		lost = append(lost, fmt.Sprintf("group %d (now %d)", gid, nowGid))
	}
	return strings.Join(lost, ", ")
}

// Path is the target the staged content is for.
func (s *Staged) Path() string { return s.path }

// NotKept describes the owner or group of the replaced file that the
// process was not allowed to keep ("" when both were kept, or for a new
// file).
func (s *Staged) NotKept() string { return s.notKept }

// Commit renames the staged file over its target and syncs the directory.
func (s *Staged) Commit() error {
	if s.dirty {
		if err := s.syncTemp(); err != nil {
			_ = os.Remove(s.tmp)
			return fmt.Errorf("write %s: %w", s.path, err)
		}
		s.dirty = false
	}
	if err := os.Rename(s.tmp, s.dst); err != nil {
		_ = os.Remove(s.tmp)
		return fmt.Errorf("write %s: %w", s.path, cause(err))
	}
	return SyncDir(filepath.Dir(s.dst))
}

// Abort removes the staged file; the target is untouched.
func (s *Staged) Abort() {
	_ = s.closeFile()
	_ = os.Remove(s.tmp)
}

// CommitAll makes each staged file durable by itself (fsync(2) of its
// temporary file, several at once), then, for each directory that receives
// files (several directories at once), renames its files over their targets
// in order and fsyncs the directory, once. Its cost grows with the bytes
// staged here only: unlike sync(2) or syncfs(2) it never waits for other
// processes' (other containers') dirty data on the same file system.
//
// If a file sync fails nothing has been renamed and every staged file is
// removed. Otherwise it returns the paths committed (in the order staged)
// and the first error, in the order of the directories' first files: on a
// rename error the directory's remaining staged files are removed and its
// renames so far are not synced; other directories are committed as usual.
// A crash before a directory's sync leaves each of its targets either its
// old or its new version (the content was durable before its rename); the
// next start, being idempotent, redoes what was lost.
func CommitAll(staged []*Staged) ([]string, error) {
	var dirty []*Staged
	for _, s := range staged {
		if s.dirty {
			dirty = append(dirty, s)
		}
	}
	if i, err := parallel(len(dirty), func(i int) error { return dirty[i].syncTemp() }); err != nil {
		for _, a := range staged {
			a.Abort()
		}
		return nil, fmt.Errorf("write %s: %w", dirty[i].path, err)
	}
	for _, s := range staged {
		s.dirty = false
	}
	// A rename replaces one directory entry and frees the old file, which
	// takes the file system a while (discarding its blocks, on some): the
	// directories are done at once, each followed by its own sync. A
	// directory reached by two paths (a link to a folder) is one group, so
	// that its files are renamed in the order staged.
	type dirGroup struct {
		dir   string // the path it was first reached by
		files []int  // indexes into staged, in order
	}
	var groups []*dirGroup
	byPath := map[string]*dirGroup{}
	byID := map[any]*dirGroup{}
	for i, s := range staged {
		d := filepath.Dir(s.dst)
		g := byPath[d]
		if g == nil {
			id := dirIdentity(d)
			if g = byID[id]; g == nil {
				g = &dirGroup{dir: d}
				byID[id] = g
				groups = append(groups, g)
			}
			byPath[d] = g
		}
		g.files = append(g.files, i)
	}
	renamed := make([]bool, len(staged))
	_, err := parallel(len(groups), func(k int) error {
		g := groups[k]
		for j, i := range g.files {
			s := staged[i]
			if err := os.Rename(s.tmp, s.dst); err != nil {
				for _, rest := range g.files[j:] {
					staged[rest].Abort()
				}
				return fmt.Errorf("write %s: %w", s.path, cause(err))
			}
			renamed[i] = true
		}
		return SyncDir(g.dir)
	})
	var done []string
	for i, s := range staged {
		if renamed[i] {
			done = append(done, s.path)
		}
	}
	return done, err
}

// dirIdentity is the directory dir itself (its device and inode), or its
// path when it cannot be read.
func dirIdentity(dir string) any {
	if st, err := os.Stat(dir); err == nil {
		if sys, ok := st.Sys().(*syscall.Stat_t); ok {
			return [2]uint64{uint64(sys.Dev), sys.Ino}
		}
	}
	return dir
}

// syncWorkers bounds the fsyncs in flight, and the directories committed at
// once: enough to keep a device queue busy, few enough not to matter on a
// small container.
const syncWorkers = 4

// parallel runs fn(i) for i in [0, n), at most syncWorkers at once, and
// returns the index and error of the first failure (in index order).
func parallel(n int, fn func(int) error) (int, error) {
	errs := make([]error, n)
	if n <= 1 {
		for i := range n {
			errs[i] = fn(i)
		}
	} else {
		var wg sync.WaitGroup
		next := make(chan int)
		for w := 0; w < min(syncWorkers, n); w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					errs[i] = fn(i)
				}
			}()
		}
		for i := range n {
			next <- i
		}
		close(next)
		wg.Wait()
	}
	for i, err := range errs {
		if err != nil {
			return i, err
		}
	}
	return 0, nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// cause strips the temporary file's name from an *fs.PathError, so that an
// error names the target only ("write user-mgt.xml: no space left on
// device").
func cause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
