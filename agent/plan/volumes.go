package plan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/homelock"
	"github.com/wso2-container/agent/internal/atomicfile"
	"github.com/wso2-container/agent/internal/boundedread"
	"golang.org/x/sys/unix"
)

// MediatorManifest lists, inside components/lib, the jars the agent mirrored
// there, so that a jar removed from the share is removed again (B26) while
// the image's own jars are never touched.
const MediatorManifest = ".agent-mediators"

// mediatorBackup is where the image's own jar is kept while a jar of the
// same name from the share replaces it (not ending in .jar, so that Carbon
// does not load it).
func mediatorBackup(lib, jar string) string {
	return filepath.Join(lib, "."+jar+".agent-orig")
}

// backedUpJar is the jar whose mediatorBackup is called name, if it is one.
func backedUpJar(name string) (string, bool) {
	j, ok := strings.CutPrefix(name, ".")
	if ok {
		j, ok = strings.CutSuffix(j, ".agent-orig")
	}
	if !ok || !strings.HasSuffix(j, ".jar") || strings.HasPrefix(j, ".") {
		return "", false
	}
	return j, true
}

// The phases of a mirror's files (FilePlan.phase). A jar is the agent's
// when the manifest lists it or a backup of the image's own jar is beside
// it, and each phase is durable before the next begins, so that a start
// killed anywhere leaves every jar the agent claimed claimed, and none of
// the image's claimed, for the next start to finish the job:
const (
	// mirrorBefore: the backups of the image's own jars are made, the
	// image's jars the share no longer replaces are put back, and the
	// agent's jars the share dropped are removed (with all the other files
	// of the plan);
	mirrorBefore = iota
	// mirrorManifest: the manifest lists the jars the agent now owns;
	mirrorManifest
	// mirrorAfter: the share's jars are copied in, claimed by then, and
	// the backups of the jars put back are removed, which the manifest no
	// longer lists by then (a jar put back, unlisted and without its
	// backup, is the image's again, never one to remove).
	mirrorAfter
)

// AddMirror mirrors the *.jar files of src into lib. A missing src means
// the image has no mediator share: nothing is planned (a warning names the
// jars an earlier start mirrored, which stay, or, when named is true, says
// that the share the operator named is not there). setting names src in
// errors and warnings (the variable it comes from); named tells whether
// the operator set it, rather than its default being used.
//
// Jars may be symbolic links (a Kubernetes ConfigMap or Secret volume shows
// its files as links through ..data): they are followed and their content
// copied; names starting with "." (..data, ..2024_01_01_…) are skipped.
// A jar the agent did not put there is claimed only when the share's jar
// really differs from it: the image's own jar is then kept beside as
// mediatorBackup and put back when the share no longer has the jar. A jar
// the agent put there is removed when the share no longer has it. The
// agent's jars are those the manifest (MediatorManifest) lists and those
// with a backup beside them; the files are written and removed in an
// order (the mirror's phases) that keeps them so when a start is killed at
// any point, so the next start finishes the mirror.
func (p *Plan) AddMirror(setting, src, lib string, named bool) error {
	entries, err := os.ReadDir(src)
	if errors.Is(err, fs.ErrNotExist) {
		// The jars an earlier start mirrored stay: a share that is gone
		// may be a mount lost for a moment. Say so, as the server goes on
		// loading them.
		m, _ := boundedread.ReadFile(filepath.Join(lib, MediatorManifest), boundedread.Text)
		switch jars := strings.Fields(string(m)); {
		case len(jars) > 0:
			p.Warnings = append(p.Warnings, fmt.Sprintf("%s: %s does not exist: the jars an earlier start mirrored from it stay in %s (%s); an empty share removes them",
				setting, src, displayPath(p.Home, lib), strings.Join(jars, ", ")))
		case named:
			// The default share is missing in every image that has none;
			// one named on purpose is most likely a volume not mounted.
			p.Warnings = append(p.Warnings, fmt.Sprintf("%s: %s does not exist: no mediator jars are mirrored", setting, src))
		}
		return nil
	}
	if err != nil {
		return exitcode.Errorf(exitcode.NoInput, "%s: read %s: %s", setting, src, contract.DescribeFSError(err))
	}
	read := func(path string, limit int64) ([]byte, error) {
		b, err := boundedread.ReadFile(path, limit)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return nil, nil // (a lib folder that is a file is reported by apply)
		}
		if err != nil {
			code := exitcode.NoInput
			if errors.Is(err, boundedread.ErrTooLarge) {
				code = exitcode.DataErr
			}
			return nil, exitcode.Errorf(code, "%s: read %s: %s", setting, path, contract.DescribeFSError(err))
		}
		return b, nil
	}
	manifestPath := filepath.Join(lib, MediatorManifest)
	p.scanned = append(p.scanned, manifestPath)
	oldManifest, err := read(manifestPath, boundedread.Text)
	if err != nil {
		return err
	}
	owned := map[string]bool{}
	for _, j := range strings.Fields(string(oldManifest)) {
		if !strings.ContainsAny(j, "/\\") {
			owned[j] = true
		}
	}
	// A backup is a claim too: a start killed after making it and before
	// the manifest that lists its jar leaves only the backup.
	libEntries, err := os.ReadDir(lib)
	if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
		return exitcode.Errorf(exitcode.NoInput, "%s: read %s: %s", setting, lib, contract.DescribeFSError(err))
	}
	for _, e := range libEntries {
		if j, ok := backedUpJar(e.Name()); ok {
			owned[j] = true
		}
	}
	var jars []string
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".jar") {
			continue
		}
		st, err := os.Stat(filepath.Join(src, name)) // follows symbolic links
		if err != nil {
			return exitcode.Errorf(exitcode.NoInput, "%s: read %s: %s", setting, filepath.Join(src, name), contract.DescribeFSError(err))
		}
		if st.IsDir() {
			continue
		}
		jars = append(jars, name)
	}
	sort.Strings(jars)
	inShare := map[string]bool{}
	var claimed []string
	for _, j := range jars {
		inShare[j] = true
		data, err := read(filepath.Join(src, j), boundedread.Archive)
		if err != nil {
			return err
		}
		if data == nil { // vanished since the listing (a dangling link is an error above)
			return exitcode.Errorf(exitcode.NoInput, "%s: read %s: no such file or directory", setting, filepath.Join(src, j))
		}
		dst := filepath.Join(lib, j)
		old, err := read(dst, boundedread.Archive)
		if err != nil {
			return err
		}
		if old != nil && bytes.Equal(old, data) {
			if owned[j] {
				claimed = append(claimed, j)
			}
			// Otherwise it is the image's own jar, identical: not claimed,
			// so never removed when the share drops it.
			continue
		}
		claimed = append(claimed, j)
		op := "copy"
		if old != nil {
			op = "replace"
		}
		if old != nil && !owned[j] {
			bk := mediatorBackup(lib, j)
			b := p.File(bk, "file", nil)
			b.New = old
			b.phase = mirrorBefore
			if st, err := os.Stat(dst); err == nil {
				b.Mode = st.Mode().Perm()
			}
			b.Changes = append(b.Changes, Change{Target: j, Op: "keep", Note: "the image's own " + j + ", put back when " + src + " no longer has it"})
		}
		f := p.File(dst, "file", old)
		f.New = data
		f.phase = mirrorAfter
		f.Changes = append(f.Changes, Change{Target: j, Op: op, Note: fmt.Sprintf("from %s (%d bytes)", src, len(data))})
	}
	var dropped []string
	for j := range owned {
		if !inShare[j] {
			dropped = append(dropped, j)
		}
	}
	sort.Strings(dropped)
	for _, j := range dropped {
		dst := filepath.Join(lib, j)
		bk := mediatorBackup(lib, j)
		orig, err := read(bk, boundedread.Archive)
		if err != nil {
			return err
		}
		old, err := read(dst, boundedread.Archive)
		if err != nil {
			return err
		}
		if orig != nil {
			f := p.File(dst, "file", old)
			f.New = orig
			f.phase = mirrorBefore
			f.Changes = append(f.Changes, Change{Target: j, Op: "restore", Note: "the image's own jar; no longer in " + src})
			b := p.File(bk, "file", orig)
			b.Remove = true
			b.phase = mirrorAfter
			continue
		}
		if old == nil {
			continue // already gone
		}
		f := p.File(dst, "file", old)
		f.Remove = true
		f.phase = mirrorBefore
		f.Changes = append(f.Changes, Change{Target: j, Op: "remove", Note: "no longer in " + src})
	}
	manifest := []byte(strings.Join(claimed, "\n"))
	if len(claimed) > 0 {
		manifest = append(manifest, '\n')
	}
	if !bytes.Equal(manifest, oldManifest) && (oldManifest != nil || len(claimed) > 0) {
		f := p.File(manifestPath, "file", oldManifest)
		f.New = manifest
		f.phase = mirrorManifest
		f.Changes = append(f.Changes, Change{Target: MediatorManifest, Op: "set", Note: "jars mirrored by the agent"})
	}
	return nil
}

// Seed markers inside the shared deployment folder.
const (
	SeedMarker = ".agent-seeded"
	SeedLock   = ".agent-seed.lock"
	SeedTmp    = ".agent-seed-tmp"
	seedDone   = ".agent-copy-complete"
)

// AddSeed plans to seed dst from src when dst is empty (only the agent's
// own lock or temporary entries, and an ext4 root's lost+found) and was
// never seeded, to finish a seed that
// was interrupted while it renamed its complete copy into place, and to
// remove what a seed interrupted after its marker left (SeedPlan.Cleanup).
// A folder with content that the agent did not seed is left alone. wait
// bounds the wait for another container seeding it, and waitSetting names
// that bound in the error when it runs out.
func (p *Plan) AddSeed(src, dst string, wait time.Duration, waitSetting string) error {
	if st, err := os.Stat(src); err != nil || !st.IsDir() {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dst, SeedMarker)); err == nil {
		if seedLeftovers(dst) {
			p.Seeds = append(p.Seeds, &SeedPlan{Src: src, Dst: dst, Cleanup: true, Wait: wait, WaitSetting: waitSetting})
		}
		return nil
	}
	entries, err := os.ReadDir(dst)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return exitcode.Errorf(exitcode.NoInput, "read %s: %s", dst, contract.DescribeFSError(err))
	}
	// A complete copy beside entries of the seed is a seed interrupted
	// while it renamed them into place: it is resumed. Any other entry that
	// is not the agent's own means a folder populated by someone else (or
	// an older image): it is left alone.
	_, err = os.Stat(filepath.Join(dst, SeedTmp, seedDone))
	resumable := err == nil
	for _, e := range entries {
		switch {
		case e.Name() == SeedLock || e.Name() == SeedTmp || strings.HasPrefix(e.Name(), atomicfile.TempPrefix):
		case e.Name() == "lost+found" && e.IsDir():
			// The root of an ext4 volume (a block-device PersistentVolume
			// mounted there) has one from mkfs: the volume is still empty.
		case resumable && inSeed(src, e.Name()):
		default:
			return nil
		}
	}
	n := 0
	_ = filepath.WalkDir(src, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	p.Seeds = append(p.Seeds, &SeedPlan{Src: src, Dst: dst, Files: n, Wait: wait, WaitSetting: waitSetting})
	return nil
}

// seedLeftovers reports whether a start killed after it marked dst seeded
// left its temporary copy there.
func seedLeftovers(dst string) bool {
	_, err := os.Lstat(filepath.Join(dst, SeedTmp))
	return err == nil
}

// inSeed reports whether the seed src has a top-level entry called name.
func inSeed(src, name string) bool {
	_, err := os.Lstat(filepath.Join(src, name))
	return err == nil
}

// seed copies s.Src into s.Dst under an exclusive lock inside Dst, so that
// several containers starting at once on one shared (NFS) volume seed it
// exactly once (B25). The copy goes to a temporary folder first; its entries
// are renamed into place, the marker is written, and the copy's folder is
// removed. An interrupted seed is resumed (complete copy) or redone
// (incomplete copy) by the next start, and what one interrupted after the
// marker left is removed. With an owner, the copy is given to it before it
// counts as complete. A copy that cannot be removed once the folder is
// seeded is left, and the reason passed to leftover: the seed is complete.
func seed(s *SeedPlan, owner *atomicfile.Owner, leftover func(error)) ([]string, error) {
	if s.Cleanup {
		removeSeedLeftovers(s, leftover)
		return nil, nil
	}
	if owner != nil {
		// The folder's parent may be the server user's (the images copy the
		// home in with the server's owner), who could have put a link to a
		// folder of root's there (one on root's PATH, say) for root to fill
		// with files of theirs. Nothing of theirs runs while the agent sets
		// up, so a link found now was put there before the start.
		if st, err := os.Lstat(s.Dst); err == nil && st.Mode()&fs.ModeSymlink != 0 {
			to, _ := os.Readlink(s.Dst)
			return nil, fmt.Errorf("seed %s: it is a symbolic link (to %s): not seeded for another user, whose folder may hold it; mount the volume there instead", s.Dst, to)
		}
	}
	made, err := mkdirAll(s.Dst, owner)
	if err == nil {
		err = syncParents(made)
	}
	if err != nil {
		return nil, fmt.Errorf("seed %s: %w", s.Dst, err)
	}
	unlock, err := lockSeed(s, os.O_CREATE)
	if err != nil {
		return nil, err
	}
	defer unlock()
	// Under the lock no other agent writes here: a temporary file of the
	// marker is a killed start's.
	if err := atomicfile.CleanTemps(s.Dst); err != nil {
		return nil, fmt.Errorf("seed %s: %w", s.Dst, err)
	}
	tmp := filepath.Join(s.Dst, SeedTmp)
	if _, err := os.Stat(filepath.Join(s.Dst, SeedMarker)); err == nil {
		return nil, nil // another container seeded it while we waited
	}
	// s.Dst is the server user's (mkdirAll gave it away): the temporary copy
	// is reached through its descriptor only, never by its path, which that
	// user may point elsewhere at any time (see copySeed).
	dir := openCompleteCopy(tmp)
	if dir == nil {
		if err := removeTree(s.Dst, SeedTmp); err != nil {
			return nil, fmt.Errorf("seed %s: %w", s.Dst, err)
		}
		if dir, err = copySeed(s, tmp, owner); err != nil {
			return nil, err
		}
	} else if owner != nil {
		if err := giveResumedAway(s, dir, tmp, *owner); err != nil {
			dir.Close()
			return nil, fmt.Errorf("seed %s: %w", s.Dst, err)
		}
	}
	defer dir.Close()
	entries, err := dir.ReadDir(-1)
	if err != nil {
		return nil, fmt.Errorf("seed %s: %w", s.Dst, err)
	}
	var written []string
	for _, e := range entries {
		if e.Name() == seedDone {
			continue
		}
		dst := filepath.Join(s.Dst, e.Name())
		if _, err := os.Lstat(dst); err == nil {
			continue // renamed by the interrupted run
		}
		if err := unix.Renameat(int(dir.Fd()), e.Name(), unix.AT_FDCWD, dst); err != nil {
			return written, fmt.Errorf("seed %s: move %s into place: %w", s.Dst, e.Name(), err)
		}
		written = append(written, dst)
	}
	// s.Dst is the server user's: a link put at the marker's name is
	// replaced, never written through.
	if err := atomicfile.WriteFileNoFollow(filepath.Join(s.Dst, SeedMarker), []byte("seeded from "+s.Src+"\n"), 0o644); err != nil {
		return written, fmt.Errorf("seed %s: %w", s.Dst, err)
	}
	if err := removeTree(s.Dst, SeedTmp); err != nil {
		leftover(fmt.Errorf("seed %s: remove %s: %w", s.Dst, tmp, err))
	}
	return written, nil
}

// giveResumedAway gives to owner a complete copy left by an interrupted
// start (the open folder dir, at tmp) and the entries of s.Dst it renamed
// into place already (perhaps an older agent's, which gave the tree away
// only after the whole setup), and leaves dir positioned at its start.
func giveResumedAway(s *SeedPlan, dir *os.File, tmp string, owner atomicfile.Owner) error {
	done, err := os.ReadDir(s.Dst)
	if err != nil {
		return err
	}
	for _, e := range done {
		switch {
		case e.Name() == SeedTmp:
			m, err := mountOfPath(s.Dst)
			if err != nil {
				return giveErr(tmp, owner, err)
			}
			if err := chownDir(dir, tmp, owner, m); err != nil {
				return err
			}
		case inSeed(s.Src, e.Name()):
			if err := chownTree(filepath.Join(s.Dst, e.Name()), owner); err != nil {
				return err
			}
		}
	}
	_, err = dir.Seek(0, io.SeekStart)
	return err
}

// seedStep, when set (tests), is called by copySeed after each step:
// "made" (the temporary folder), "copied", "given" (to the owner), "done".
var seedStep func(step string)

// copySeed copies s.Src into the new folder tmp and returns that folder
// open, positioned at its start. tmp is made private (atomicfile.MkdirPrivate:
// root's, 0700), and everything is done through its descriptor
// (/proc/self/fd): the server's user, who owns s.Dst, may rename tmp away or
// put a link in its place at any time, and root would otherwise copy the
// seed into, or later move into place, whatever that link points to. The
// copy is given to owner before it counts as complete (so the entries a
// resumed seed finds already renamed are the server's too), made durable,
// and marked complete with a file that is only ever created, never opened
// through a link.
func copySeed(s *SeedPlan, tmp string, owner *atomicfile.Owner) (*os.File, error) {
	dir, err := mkdirSeedTmp(tmp, owner != nil)
	if err != nil {
		return nil, fmt.Errorf("seed %s: %w", s.Dst, err)
	}
	step := func(name string) {
		if seedStep != nil {
			seedStep(name)
		}
	}
	step("made")
	at := atomicfile.ProcPath(dir)
	fail := func(err error) (*os.File, error) {
		dir.Close()
		return nil, fmt.Errorf("seed %s: %w", s.Dst, err)
	}
	root := ""
	if owner != nil {
		if root, err = seedRoot(s.Src); err != nil {
			return fail(fmt.Errorf("copy %s: %w", s.Src, err))
		}
	}
	if err := copyInto(s.Src, dir, tmp, root); err != nil {
		return fail(fmt.Errorf("copy %s: %w", s.Src, err))
	}
	step("copied")
	if owner != nil {
		m, err := mountOfPath(s.Dst)
		if err == nil {
			err = chownDir(dir, tmp, *owner, m)
		}
		if err != nil {
			return fail(err)
		}
	}
	step("given")
	// Durable before it counts as complete: after a power loss the marker
	// must not stand over empty files. The copy may be the server user's
	// by now: SyncTree skips what is neither a file nor a folder (a FIFO
	// would block it) and never follows a link below at.
	if err := atomicfile.SyncTree(at, tmp); err != nil {
		return fail(err)
	}
	fd, err := unix.Openat(int(dir.Fd()), seedDone, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return fail(fmt.Errorf("mark the copy complete: %w", &fs.PathError{Op: "open", Path: filepath.Join(tmp, seedDone), Err: err}))
	}
	unix.Close(fd)
	step("done")
	if _, err := dir.Seek(0, io.SeekStart); err != nil {
		return fail(err)
	}
	return dir, nil
}

// mkdirSeedTmp makes the temporary folder tmp and returns it open (without
// following a link), positioned at its start. For a copy root gives away it
// is private (atomicfile.MkdirPrivate: root's, 0700, checked). An agent
// running as the server's own user has nothing to protect from that user,
// and some volumes give every new folder an owner or a mode of their own
// (EFS access points, NFS with all_squash, CIFS's dir_mode), which the
// check would refuse: there the folder is made 0700 and opened only.
func mkdirSeedTmp(tmp string, private bool) (*os.File, error) {
	if private {
		return atomicfile.MkdirPrivate(tmp)
	}
	return atomicfile.MkdirOpen(tmp)
}

// openCompleteCopy returns the folder tmp open (without following a link to
// it), positioned at its start, when it holds a complete copy (its seedDone
// file, not a link); nil when there is none.
func openCompleteCopy(tmp string) *os.File {
	dir, err := os.OpenFile(tmp, os.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil
	}
	var st unix.Stat_t
	if unix.Fstatat(int(dir.Fd()), seedDone, &st, unix.AT_SYMLINK_NOFOLLOW) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		dir.Close()
		return nil
	}
	return dir
}

// chownTree gives dir and everything in it to owner, links themselves and
// never what they point to, anywhere in the tree: each folder is opened
// relative to the folder above it with O_NOFOLLOW, and each entry is given
// away through a descriptor opened relative to its folder (O_PATH,
// O_NOFOLLOW). A path is never resolved through a folder the server's user
// may change (one given away, or one of theirs from the start): they could
// swap a sub-folder for a link to /etc, say, and root, walking by path,
// would give away what the link points to. A folder is given away after
// everything in it, so that a tree only root can enter stays so until the
// walk is done with it; and a file with more than one link (a hard link
// someone made to a file outside the tree) is refused, not given away.
// dir itself is opened with O_NOFOLLOW too: a link there is given away
// itself.
func chownTree(dir string, owner atomicfile.Owner) error {
	pm, err := mountOfPath(filepath.Dir(dir))
	if err != nil {
		return giveErr(dir, owner, err)
	}
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	switch {
	case err == unix.ELOOP || err == unix.ENOTDIR:
		return chownEntry(unix.AT_FDCWD, dir, dir, owner, pm)
	case err != nil:
		return giveErr(dir, owner, err)
	}
	f := os.NewFile(uintptr(fd), dir)
	defer f.Close()
	return chownDir(f, dir, owner, pm)
}

// giveErr is the error of giving p to owner.
func giveErr(p string, owner atomicfile.Owner, err error) error {
	return fmt.Errorf("give %s to %d:%d: %w", p, owner.UID, owner.GID, err)
}

// chownStep, when set (tests), is called with a folder's path once
// chownDir has listed it, before it gives away its entries.
var chownStep func(dir string)

// chownDir gives the entries of the open folder f (at path, for errors),
// then f itself, to owner, descending only through folders it opens
// relative to f with O_NOFOLLOW (see chownTree). f must be on the mount m,
// that of the folder above it: a mount point is refused.
func chownDir(f *os.File, path string, owner atomicfile.Owner, m mount) error {
	if err := onMount(int(f.Fd()), m, "not given away"); err != nil {
		return giveErr(path, owner, err)
	}
	entries, err := f.ReadDir(-1)
	if err != nil {
		return giveErr(path, owner, errors.Unwrap(err))
	}
	if chownStep != nil {
		chownStep(path)
	}
	for _, e := range entries {
		name, p := e.Name(), filepath.Join(path, e.Name())
		if e.IsDir() {
			cfd, err := unix.Openat(int(f.Fd()), name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
			if err == nil {
				child := os.NewFile(uintptr(cfd), p)
				err = chownDir(child, p, owner, m)
				child.Close()
				if err != nil {
					return err
				}
				continue
			}
			if err != unix.ELOOP && err != unix.ENOTDIR {
				return giveErr(p, owner, err)
			}
			// No longer a folder since it was listed: given away itself.
		}
		if err := chownEntry(int(f.Fd()), name, p, owner, m); err != nil {
			return err
		}
	}
	if err := unix.Fchown(int(f.Fd()), owner.UID, owner.GID); err != nil {
		return giveErr(path, owner, err)
	}
	return nil
}

// chownEntry gives the entry name of the folder dirfd (p, for errors) to
// owner through a descriptor of the entry itself (O_PATH, O_NOFOLLOW: a link
// is given away, not what it points to), unless it is a file with more
// than one link or is not on the mount m (a file bind-mounted there).
func chownEntry(dirfd int, name, p string, owner atomicfile.Owner, m mount) error {
	give := func(err error) error { return giveErr(p, owner, err) }
	fd, err := unix.Openat(dirfd, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return give(err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return give(err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR && st.Nlink > 1 {
		return give(fmt.Errorf("it has %d hard links, so it may be another file too: not given away", st.Nlink))
	}
	if err := onMount(fd, m, "not given away"); err != nil {
		return give(err)
	}
	if err := unix.Fchownat(fd, "", owner.UID, owner.GID, unix.AT_EMPTY_PATH); err != nil {
		return give(err)
	}
	return nil
}

// lockSeed takes the seed lock inside s.Dst (its file opened with
// O_RDWR|create, create being os.O_CREATE or 0: an exclusive lock on NFS is a
// write lock), waiting at most s.Wait, and returns the function that
// releases it. The file is opened without following a link and must be a
// regular file: s.Dst is the server user's, who could put a link to any
// file there (root would create or lock that file) or a FIFO.
func lockSeed(s *SeedPlan, create int) (unlock func(), err error) {
	path := filepath.Join(s.Dst, SeedLock)
	lf, err := os.OpenFile(path, os.O_RDWR|create|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0o644)
	if err == nil {
		if st, serr := lf.Stat(); serr != nil || !st.Mode().IsRegular() {
			lf.Close()
			err = &fs.PathError{Op: "open", Path: path, Err: errors.New("not a regular file")}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("seed %s: %w", s.Dst, err)
	}
	if err := homelock.Flock(lf, s.Wait, s.Done, s.Waiting); err != nil {
		lf.Close()
		return nil, fmt.Errorf("seed %s: lock %s: %w (%s)", s.Dst, SeedLock, err, s.WaitSetting)
	}
	return func() {
		_ = syscall.Flock(int(lf.Fd()), syscall.LOCK_UN)
		lf.Close()
	}, nil
}

// removeSeedLeftovers removes the temporary copy that a start killed after
// marking s.Dst seeded left there, under the seed lock. It is a best effort:
// the copy is a hidden folder the server never reads, so a folder this
// process may not write (another user's volume, a read-only mount), or one
// with a mount inside, keeps it rather than the start failing, and the
// reason goes to leftover. A lock another start holds is left to it; a lock
// file someone removed is made again (AddSeed plans this only when there is
// a copy to remove, so a seeded folder without one is never written).
func removeSeedLeftovers(s *SeedPlan, leftover func(error)) {
	unlock, err := lockSeed(s, os.O_CREATE)
	if errors.Is(err, homelock.ErrBusy) {
		return
	}
	if err != nil {
		leftover(err)
		return
	}
	defer unlock()
	if _, err := os.Stat(filepath.Join(s.Dst, SeedMarker)); err == nil {
		if err := removeTree(s.Dst, SeedTmp); err != nil {
			leftover(fmt.Errorf("seed %s: remove %s: %w", s.Dst, filepath.Join(s.Dst, SeedTmp), err))
		}
	}
}

// CopyTree copies the folder src to dst (which must not exist, or be an
// empty folder), keeping modes. Symbolic links are followed and what they
// point at is copied like a regular file or folder (a Kubernetes ConfigMap
// shows its files as links through ..data, which would dangle in the copy);
// names starting with ".." (Kubernetes' ..data and ..<timestamp>) are
// skipped. A link loop, or anything that is neither a regular file nor a
// folder (a FIFO, a device), is an error naming it. Below dst, every folder
// and file is made relative to the descriptor of the folder made above it,
// never following a link: a folder of the copy that someone renames away
// or replaces with a link meanwhile is not written through.
func CopyTree(src, dst string) error {
	return copyTree(src, dst, "")
}

// seedRoot is the real path of the folder src (links resolved): the root
// of copyTree for a copy that will be given to the server's user. Every
// file and folder such a copy takes must be inside src, wherever the links
// in src lead: one outside it, or a file with a second hard link that not
// everyone may read (which may be a file outside it too), is an error
// naming it. Root copies a seed that way when it gives the copy to the
// server's user, who may own the seed (the images copy it in with the
// server's owner) and could otherwise link a file only root may read, a
// mounted secret say, into their copy. It is checked on the file opened
// (where /proc/self/fd says it is), so a link changed meanwhile cannot
// slip through.
func seedRoot(src string) (string, error) {
	abs, err := filepath.Abs(src)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

// copyTree is CopyTree; root, when not empty, is the real path every file
// and folder copied must be in (see seedRoot).
func copyTree(src, dst, root string) error {
	in, st, err := openSrcDir(src, root)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(dst, st.Mode().Perm()|0o700); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_RDONLY|syscall.O_DIRECTORY, 0)
	if err != nil {
		return err
	}
	defer out.Close()
	return copyDir(in, src, out, dst, []fs.FileInfo{st}, root)
}

// copyInto is copyTree into the open, empty folder out, which its errors
// call name (out is reached through its descriptor, whose /proc/self/fd
// path would tell the reader nothing).
func copyInto(src string, out *os.File, name, root string) error {
	in, st, err := openSrcDir(src, root)
	if err != nil {
		return err
	}
	defer in.Close()
	return copyDir(in, src, out, name, []fs.FileInfo{st}, root)
}

// openSrcDir opens the folder src of a copy (links followed, never
// blocking), checked to be within root (see seedRoot).
func openSrcDir(src, root string) (*os.File, fs.FileInfo, error) {
	d, err := os.OpenFile(src, os.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	st, err := d.Stat()
	if err == nil {
		err = checkWithin(d, src, root)
	}
	if err != nil {
		d.Close()
		return nil, nil, err
	}
	return d, st, nil
}

// copyDir copies the entries of the open folder in (src) into the open
// folder out (dst, for errors); parents are the folders being copied above
// it, to detect link loops; root is as for copyTree.
func copyDir(in *os.File, src string, out *os.File, dst string, parents []fs.FileInfo, root string) error {
	entries, err := in.ReadDir(-1)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, "..") {
			continue
		}
		from, to := filepath.Join(src, name), filepath.Join(dst, name)
		info, err := os.Stat(from) // follows symbolic links
		if err != nil {
			return err
		}
		if !info.IsDir() {
			if err := copyFile(from, out, name, to, root); err != nil {
				return err
			}
			continue
		}
		if err := copySubDir(from, out, name, to, parents, root); err != nil {
			return err
		}
	}
	return nil
}

// copySubDir copies the folder from into the new folder name of the open
// folder out (to, for errors), made and opened relative to out without
// following a link.
func copySubDir(from string, out *os.File, name, to string, parents []fs.FileInfo, root string) error {
	cin, st, err := openSrcDir(from, root)
	if err != nil {
		return err
	}
	defer cin.Close()
	for _, p := range parents {
		if os.SameFile(p, st) {
			return fmt.Errorf("copy %s: a symbolic link loop", from)
		}
	}
	if err := unix.Mkdirat(int(out.Fd()), name, uint32(st.Mode().Perm()|0o700)); err != nil {
		return &fs.PathError{Op: "mkdir", Path: to, Err: err}
	}
	fd, err := unix.Openat(int(out.Fd()), name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return &fs.PathError{Op: "open", Path: to, Err: err}
	}
	cout := os.NewFile(uintptr(fd), to)
	defer cout.Close()
	if copyStep != nil {
		copyStep(to)
	}
	return copyDir(cin, from, cout, to, append(parents, st), root)
}

// copyStep, when set (tests), is called with the path of each folder
// copySubDir has made and opened, before it copies into it.
var copyStep func(dir string)

// checkWithin fails when root is set and the open file f (opened as path)
// is not root or inside it.
func checkWithin(f *os.File, path, root string) error {
	if root == "" {
		return nil
	}
	where, err := os.Readlink(atomicfile.ProcPath(f))
	if err != nil {
		return fmt.Errorf("copy %s: %w", path, err)
	}
	if where != root && !strings.HasPrefix(where, root+"/") {
		return fmt.Errorf("copy %s: it leads out of the seed %s (to %s): not copied into a tree given to the server's user", path, root, where)
	}
	return nil
}

// copyFile copies the regular file src (symbolic links followed) to the new
// file name of the open folder out (to, for errors; created relative to
// out, never through a link) with src's permission bits, never blocking on
// a FIFO or reading a device; root is as for copyTree (and a file with a
// second hard link that not everyone may read is refused there: it may be
// a root-only file outside the seed, which the inside-the-seed check, made
// on the path it was opened by, cannot tell).
func copyFile(src string, out *os.File, name, to, root string) error {
	in, st, err := boundedread.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := checkWithin(in, src, root); err != nil {
		return err
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && root != "" && sys.Nlink > 1 && sys.Mode&0o004 == 0 {
		return fmt.Errorf("copy %s: it has %d hard links, so it may be a file outside the seed too, and not everyone may read it: not copied into a tree given to the server's user", src, sys.Nlink)
	}
	fd, err := unix.Openat(int(out.Fd()), name, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, uint32(st.Mode().Perm()))
	if err != nil {
		return &fs.PathError{Op: "open", Path: to, Err: err}
	}
	f := os.NewFile(uintptr(fd), to)
	if _, err := io.Copy(f, in); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
