package plan

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/homelock"
	"github.com/wso2-container/agent/internal/atomicfile"
)

// Apply carries out the plan: every changed file is first staged beside its
// target (a temporary file), in a folder made for it when it has none, the
// folder above each folder made then fsynced; only when all are staged are
// they made durable (an fsync of each) and renamed into place, and each
// directory written is fsynced after its renames; then the files to remove
// are removed and their directories fsynced. A failure while staging
// (read-only file system, disk full) therefore leaves every file as it was,
// and so does a plan that changes a file mounted by itself
// (Unreplaceable), which Apply refuses before it touches anything.
// Files of a later phase (FilePlan.phase: a mirrored folder's manifest, and
// what it must precede) are renamed and removed only once every file of the
// earlier phases is, durably, so a start killed anywhere leaves a state the
// next one completes (see AddMirror). Seeding follows.
// It returns the paths written.
//
// Apply reads the plan and changes none of it but OwnerNotKept and
// SeedLeftovers, which no report reads: a report of the plan (WriteText, WriteJSON, Report) may be
// built on another goroutine while Apply runs (pipeline.Setup's beside).
func (p *Plan) Apply() ([]string, error) {
	// A file mounted by itself would fail only at its rename, after
	// others were renamed: refused before anything is touched.
	if problems := p.Unreplaceable(); len(problems) > 0 {
		return nil, exitcode.Wrap(exitcode.IOErr, errors.New(strings.Join(problems, "; ")))
	}
	// A start killed while staging leaves temporary files beside their
	// targets; remove them from the folders of every target of this plan,
	// changed or not (a start killed after renaming a keystore leaves its
	// temporary file beside an up-to-date one). Under the home lock no other
	// agent is staging there; without it, they may be another agent's.
	cleaned := map[string]bool{}
	targets := slices.Clone(p.scanned)
	for _, f := range p.Files {
		targets = append(targets, f.Path)
	}
	for _, path := range targets {
		if p.Unlocked {
			break
		}
		dirs := []string{filepath.Dir(path)}
		if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			if t, err := filepath.EvalSymlinks(path); err == nil {
				dirs = append(dirs, filepath.Dir(t)) // a link's target is staged beside the target
			}
		}
		for _, dir := range dirs {
			if !cleaned[dir] {
				cleaned[dir] = true
				if err := atomicfile.CleanTemps(dir); err != nil {
					return nil, exitcode.Wrap(exitcode.IOErr, err)
				}
			}
		}
	}
	changed := p.Changed()
	staged := make([]*atomicfile.Staged, len(changed)) // nil for a removal
	// abort removes the staged files of the phases after phase.
	abort := func(phase int) {
		for i, s := range staged {
			if s != nil && changed[i].phase > phase {
				s.Abort()
			}
		}
	}
	var made []string
	for i, f := range changed {
		if f.Remove {
			continue
		}
		m, err := mkdirAll(filepath.Dir(f.Path), p.NewOwner)
		made = append(made, m...)
		if err != nil {
			abort(math.MinInt)
			var pe *fs.PathError
			where := filepath.Dir(f.Path)
			if errors.As(err, &pe) {
				where = filepath.Dir(pe.Path) // the folder it could not be made in
			}
			return nil, exitcode.Wrap(exitcode.IOErr, fmt.Errorf("create folder of %s: %w", f.Display(), withOwnerHint(err, where)))
		}
		s, err := atomicfile.StageUnsyncedFor(f.Path, f.New, f.Mode, p.NewOwner, f.attrs()...)
		if err != nil {
			abort(math.MinInt)
			return nil, exitcode.Wrap(exitcode.IOErr, withOwnerHint(err, filepath.Dir(f.Path)))
		}
		staged[i] = s
		if nk := s.NotKept(); nk != "" {
			p.OwnerNotKept = append(p.OwnerNotKept, f.Display()+": "+nk)
		}
	}
	// The folders made must be durable before the files renamed into them
	// are: a crash would otherwise take them away, files and all.
	if err := syncParents(made); err != nil {
		abort(math.MinInt)
		return nil, exitcode.Wrap(exitcode.IOErr, err)
	}
	var phases []int
	for _, f := range changed {
		if !slices.Contains(phases, f.phase) {
			phases = append(phases, f.phase)
		}
	}
	slices.Sort(phases)
	var written []string
	for _, phase := range phases {
		var commit []*atomicfile.Staged
		var remove []*FilePlan
		for i, f := range changed {
			switch {
			case f.phase != phase:
			case f.Remove:
				remove = append(remove, f)
			default:
				commit = append(commit, staged[i])
			}
		}
		w, err := atomicfile.CommitAll(commit)
		written = append(written, w...)
		if err == nil {
			err = removeFiles(remove)
		}
		if err != nil {
			abort(phase)
			return written, exitcode.Wrap(exitcode.IOErr, err)
		}
	}
	for _, s := range p.Seeds {
		paths, err := seed(s, p.NewOwner, func(err error) { p.SeedLeftovers = append(p.SeedLeftovers, err.Error()) })
		written = append(written, paths...)
		if errors.Is(err, homelock.ErrBusy) {
			return written, exitcode.Wrap(exitcode.TempFail, err)
		}
		if err != nil {
			return written, exitcode.Wrap(exitcode.IOErr, err)
		}
	}
	return written, nil
}

// removeFiles removes the files of remove (one already gone is not an
// error), then fsyncs their folders, each once, so that the removals
// survive a crash before anything that counts on them is written.
func removeFiles(remove []*FilePlan) error {
	var dirs []string
	for _, f := range remove {
		err := os.Remove(f.Path)
		if errors.Is(err, fs.ErrNotExist) {
			err = nil
		}
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is named once, as the plan shows it
		}
		if err != nil {
			return fmt.Errorf("remove %s: %w", f.Display(), err)
		}
		dirs = append(dirs, filepath.Dir(f.Path))
	}
	return atomicfile.SyncDirs(dirs)
}

// mkdirAll is os.MkdirAll (mode 0755) that returns the folders it made,
// the topmost first, and that, when owner is set, makes each folder as
// owner's before it appears (atomicfile.MkdirFor): a start killed while
// making them leaves none that is not owner's. Without an owner the umask
// applies, as os.MkdirAll's; a folder made for an owner gets 0755 exactly,
// as a new file gets its mode from atomicfile. The new folders are not yet
// durable: their parents must be synced (syncParents) before anything in
// them counts as written.
func mkdirAll(dir string, owner *atomicfile.Owner) ([]string, error) {
	if st, err := os.Stat(dir); err == nil {
		if st.IsDir() {
			return nil, nil
		}
		return nil, &fs.PathError{Op: "mkdir", Path: dir, Err: syscall.ENOTDIR}
	}
	var made []string
	if parent := filepath.Dir(dir); parent != dir {
		m, err := mkdirAll(parent, owner)
		if err != nil {
			return m, err
		}
		made = m
	}
	if owner != nil {
		if err := atomicfile.MkdirFor(dir, 0o755, *owner); err != nil {
			return made, err
		}
		return append(made, dir), nil
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		if st, serr := os.Lstat(dir); serr == nil && st.IsDir() {
			return made, nil // made meanwhile by someone else
		}
		return made, err
	}
	return append(made, dir), nil
}

// syncParents fsyncs the folder above each folder of made, each once and
// several at once, so that the folders survive a crash with what is
// then written into them.
func syncParents(made []string) error {
	parents := make([]string, len(made))
	for i, d := range made {
		parents[i] = filepath.Dir(d)
	}
	return atomicfile.SyncDirs(parents)
}

// withOwnerHint adds to a permission error who the agent runs as and who
// owns dir, the folder it could not write in: the usual cause is a home
// that belongs to another user than the container's (a volume made by
// root, an image run with --user). Other errors are returned as they are.
func withOwnerHint(err error, dir string) error {
	if !errors.Is(err, fs.ErrPermission) {
		return err
	}
	hint := fmt.Sprintf("the agent runs as uid %d, gid %d", os.Geteuid(), os.Getegid())
	if st, serr := os.Stat(dir); serr == nil {
		if sys, ok := st.Sys().(*syscall.Stat_t); ok {
			hint += fmt.Sprintf("; %s belongs to uid %d, gid %d, mode %04o", dir, sys.Uid, sys.Gid, st.Mode().Perm())
		}
	}
	return fmt.Errorf("%w (%s)", err, hint)
}
