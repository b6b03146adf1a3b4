// Package atomicfile replaces files atomically: the new content is written to
// a temporary file in the same directory, synced, given the mode and owner of
// the file it replaces, and renamed over it; then the directory is synced.
// A reader (or a crash) sees either the whole old file or the whole new one.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// TempPrefix starts the name of every temporary file this package creates.
// A crash between create and rename can leave one behind; CleanTemps removes
// them.
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

// SyncDir fsyncs a directory so that a rename in it survives a crash.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// CleanTemps removes temporary files left in dir by an interrupted WriteFile.
func CleanTemps(dir string) error {
	matches, err := filepath.Glob(filepath.Join(dir, TempPrefix+"*"))
	if err != nil {
		return err
	}
	for _, m := range matches {
		if err := os.Remove(m); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove %s: %w", m, err)
		}
	}
	return nil
}

// Staged is new content written to a temporary file beside its target,
// waiting for Commit (rename over the target) or Abort (remove). Staging every
// file of a change set first and committing afterwards means that a failure
// while writing (disk full, read-only) leaves every target as it was.
type Staged struct {
	path  string
	tmp   string
	dev   uint64
	dirty bool // written but not yet synced
}

// Stage writes data to a temporary file beside path, with path's mode and
// owner (or perm for a new file), synced. Nothing is visible at path yet.
func Stage(path string, data []byte, perm fs.FileMode) (*Staged, error) {
	s, err := stage(path, data, perm, true)
	return s, err
}

// StageUnsynced is Stage without the fsync: call CommitAll, which syncs each
// file system once before renaming. Many files then cost one sync instead of
// one each.
func StageUnsynced(path string, data []byte, perm fs.FileMode) (*Staged, error) {
	return stage(path, data, perm, false)
}

func stage(path string, data []byte, perm fs.FileMode, sync bool) (*Staged, error) {
	dir := filepath.Dir(path)
	mode := perm
	uid, gid := -1, -1
	if st, statErr := os.Stat(path); statErr == nil {
		mode = st.Mode().Perm()
		if sys, ok := st.Sys().(*syscall.Stat_t); ok {
			uid, gid = int(sys.Uid), int(sys.Gid)
		}
	} else if !errors.Is(statErr, fs.ErrNotExist) {
		return nil, fmt.Errorf("stat %s: %w", path, statErr)
	}
	f, err := os.CreateTemp(dir, TempPrefix+filepath.Base(path)+"-")
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
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
	if err := f.Chmod(mode); err != nil {
		return fail(err)
	}
	if uid >= 0 && os.Geteuid() == 0 {
		if err := f.Chown(uid, gid); err != nil {
			return fail(err)
		}
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
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(tmp)
		return nil, fmt.Errorf("write %s: %w", path, cause(err))
	}
	return &Staged{path: path, tmp: tmp, dev: dev, dirty: !sync}, nil
}

// Path is the target the staged content is for.
func (s *Staged) Path() string { return s.path }

// Commit renames the staged file over its target and syncs the directory.
func (s *Staged) Commit() error {
	if s.dirty {
		if err := syncFile(s.tmp); err != nil {
			_ = os.Remove(s.tmp)
			return fmt.Errorf("write %s: %w", s.path, err)
		}
		s.dirty = false
	}
	if err := os.Rename(s.tmp, s.path); err != nil {
		_ = os.Remove(s.tmp)
		return fmt.Errorf("write %s: %w", s.path, err)
	}
	return SyncDir(filepath.Dir(s.path))
}

// Abort removes the staged file; the target is untouched.
func (s *Staged) Abort() { _ = os.Remove(s.tmp) }

// CommitAll makes the staged files durable with one syncfs(2) per file
// system, then renames each over its target.
// If the sync fails nothing has been renamed and every staged file is
// removed. It returns the paths committed (in order) and the first error;
// on a rename error the remaining staged files are removed.
func CommitAll(staged []*Staged) ([]string, error) {
	synced := map[uint64]bool{}
	for _, s := range staged {
		if !s.dirty || synced[s.dev] {
			continue
		}
		if err := syncFS(s.tmp); err != nil {
			for _, a := range staged {
				a.Abort()
			}
			return nil, fmt.Errorf("write %s: %w", s.path, err)
		}
		synced[s.dev] = true
	}
	var done []string
	for i, s := range staged {
		if err := os.Rename(s.tmp, s.path); err != nil {
			for _, rest := range staged[i:] {
				rest.Abort()
			}
			return done, fmt.Errorf("write %s: %w", s.path, err)
		}
		done = append(done, s.path)
	}
	// The renames are not synced: the content was durable before each
	// rename, so after a power loss a file is either its old or its new
	// version, and the next start (idempotent) redoes what was lost.
	return done, nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// syncFS flushes the file system holding path (syncfs(2)); where that is not
// possible it falls back to syncing the file itself.
func syncFS(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.Syncfs(int(f.Fd())); err != nil {
		return f.Sync()
	}
	return nil
}

// cause strips the temporary file's name from an *fs.PathError, so that an
// error names the target only ("write user-mgt.xml: no space left on
// device").
func cause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
