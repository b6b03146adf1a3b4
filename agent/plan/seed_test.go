package plan

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wso2-container/agent/internal/atomicfile"
	"github.com/wso2-container/agent/internal/treesnap"
)

// writeFiles makes each file rel (holding its own name) under dir, with its
// folders.
func writeFiles(t *testing.T, dir string, rels ...string) {
	t.Helper()
	for _, rel := range rels {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, rel)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, rel), []byte(rel), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// seedSource makes a seed folder with the entries names, each a folder
// holding one file.
func seedSource(t *testing.T, names ...string) string {
	t.Helper()
	src := t.TempDir()
	for _, n := range names {
		if err := os.MkdirAll(filepath.Join(src, n), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(src, n, "f"), []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return src
}

// needRoot fails the test when the process is not root (why: what needs
// it); CI runs as root.
func needRoot(t *testing.T, why string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatalf("this test needs root (%s); CI runs as root", why)
	}
}

// ownerOf is the user and group of p itself (a link is not followed).
func ownerOf(t *testing.T, p string) (uid, gid int) {
	t.Helper()
	st, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	sys := st.Sys().(*syscall.Stat_t)
	return int(sys.Uid), int(sys.Gid)
}

// swapForLink does what the server's user may do to a folder of theirs:
// renames dir to dir.moved and puts a link to target in its place.
func swapForLink(t *testing.T, dir, target string) {
	t.Helper()
	if err := os.Rename(dir, dir+".moved"); err != nil {
		t.Error(err)
	}
	if err := os.Symlink(target, dir); err != nil {
		t.Error(err)
	}
}

// atStep sets the test hook *hook (seedStep, chownStep, copyStep), for the
// rest of the test, to run do when it is called with at, and returns
// whether it has been.
func atStep(t *testing.T, hook *func(string), at string, do func()) (reached func() bool) {
	t.Helper()
	done := false
	*hook = func(s string) {
		if s == at {
			do()
			done = true
		}
	}
	t.Cleanup(func() { *hook = nil })
	return func() bool { return done }
}

// TestInterruptedSeedIsFinished: a seed killed after its copy was complete
// and one entry was renamed into place is finished by the next start (every
// entry, the marker, no temporary copy). With an owner (root), the whole
// tree is given to it, the entry renamed by the interrupted start included
// (an older agent gave the tree away only after the setup).
func TestInterruptedSeedIsFinished(t *testing.T) {
	for _, withOwner := range []bool{false, true} {
		name := "as the agent's user"
		if withOwner {
			name = "as root, for another user"
		}
		t.Run(name, func(t *testing.T) {
			if withOwner {
				needRoot(t, "chown to another user")
			}
			names := []string{"synapse-configs", "webapps", "jaggeryapps"}
			src := seedSource(t, names...)
			dst := filepath.Join(t.TempDir(), "server")
			tmp := filepath.Join(dst, SeedTmp)
			if err := CopyTree(src, tmp); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(tmp, seedDone), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(filepath.Join(tmp, names[0]), filepath.Join(dst, names[0])); err != nil {
				t.Fatal(err)
			}
			// and a temporary file of the marker, as a kill while writing it leaves
			markerTmp := filepath.Join(dst, atomicfile.TempPrefix+SeedMarker+"-123")
			if err := os.WriteFile(markerTmp, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			p := &Plan{}
			var owner *atomicfile.Owner
			if withOwner {
				owner = &atomicfile.Owner{UID: 4321, GID: 4322}
				p.NewOwner = owner
			}
			if err := p.AddSeed(src, dst, time.Second, "WSO2_AGENT_LOCK_TIMEOUT"); err != nil || len(p.Seeds) != 1 {
				t.Fatalf("AddSeed: %v, %d seeds planned, want the interrupted one", err, len(p.Seeds))
			}
			if _, err := p.Apply(); err != nil {
				t.Fatal(err)
			}
			for _, n := range names {
				b, err := os.ReadFile(filepath.Join(dst, n, "f"))
				if err != nil || string(b) != n {
					t.Errorf("%s/f: %q, %v", n, b, err)
				}
			}
			if _, err := os.Stat(filepath.Join(dst, SeedMarker)); err != nil {
				t.Errorf("no marker: %v", err)
			}
			if _, err := os.Stat(tmp); err == nil {
				t.Errorf("the temporary copy %s is left", tmp)
			}
			if _, err := os.Stat(markerTmp); err == nil {
				t.Errorf("the marker's temporary file %s is left", markerTmp)
			}
			if !withOwner {
				return
			}
			for _, n := range names {
				err := filepath.Walk(filepath.Join(dst, n), func(path string, fi os.FileInfo, err error) error {
					if err != nil {
						return err
					}
					if st := fi.Sys().(*syscall.Stat_t); int(st.Uid) != owner.UID || int(st.Gid) != owner.GID {
						t.Errorf("%s: owner %d:%d, want %d:%d", path, st.Uid, st.Gid, owner.UID, owner.GID)
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// A folder that holds entries the agent did not seed is left alone.
func TestSeedLeavesAPopulatedFolder(t *testing.T) {
	src := seedSource(t, "webapps")
	dst := t.TempDir()
	if err := os.WriteFile(filepath.Join(dst, "theirs"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	p := &Plan{}
	if err := p.AddSeed(src, dst, time.Second, "WSO2_AGENT_LOCK_TIMEOUT"); err != nil || len(p.Seeds) != 0 {
		t.Fatalf("AddSeed: %v, %d seeds planned, want none", err, len(p.Seeds))
	}
}

// A start killed after it wrote the marker but before it removed its copy
// leaves the copy beside a seeded folder: the next start plans its removal
// (and says so in its report), removes it, and touches nothing else.
func TestSeedLeftoversBesideTheMarkerAreRemoved(t *testing.T) {
	src := seedSource(t, "webapps")
	dst := t.TempDir()
	writeFiles(t, dst, SeedMarker, SeedLock, "webapps/f", SeedTmp+"/"+seedDone, SeedTmp+"/jaggeryapps/f")
	p := &Plan{Profile: "gateway", Home: dst}
	if err := p.AddSeed(src, dst, time.Second, "WSO2_AGENT_LOCK_TIMEOUT"); err != nil || len(p.Seeds) != 1 || !p.Seeds[0].Cleanup {
		t.Fatalf("AddSeed: %v, seeds %+v, want one cleanup", err, p.Seeds)
	}
	var report strings.Builder
	if err := p.WriteText(&report, true); err != nil {
		t.Fatal(err)
	}
	if want := "# remove what an interrupted seed left in " + dst + "\n"; !strings.Contains(report.String(), want) {
		t.Fatalf("dry-run report lacks %q:\n%s", want, report.String())
	}
	if _, err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	var left []string
	_ = filepath.Walk(dst, func(path string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			rel, _ := filepath.Rel(dst, path)
			left = append(left, rel)
		}
		return nil
	})
	sort.Strings(left)
	if got, want := strings.Join(left, " "), SeedLock+" "+SeedMarker+" webapps/f"; got != want {
		t.Fatalf("left %q, want %q", got, want)
	}
	p = &Plan{}
	if err := p.AddSeed(src, dst, time.Second, "WSO2_AGENT_LOCK_TIMEOUT"); err != nil || len(p.Seeds) != 0 {
		t.Fatalf("after the cleanup AddSeed planned %+v (%v), want nothing", p.Seeds, err)
	}
}

// A complete copy beside an entry that is not in the seed (a folder someone
// repaired by hand) is not resumed: the folder is left alone.
func TestCopyBesideForeignEntriesIsNotResumed(t *testing.T) {
	src := seedSource(t, "webapps", "jaggeryapps")
	dst := t.TempDir()
	writeFiles(t, dst, SeedTmp+"/"+seedDone, SeedTmp+"/jaggeryapps/f", "webapps/f", "theirs/f")
	p := &Plan{}
	if err := p.AddSeed(src, dst, time.Second, "WSO2_AGENT_LOCK_TIMEOUT"); err != nil || len(p.Seeds) != 0 {
		t.Fatalf("AddSeed: %v, %d seeds planned, want none", err, len(p.Seeds))
	}
}

// Removing a seed's leftovers is a best effort: where the agent cannot take
// the seed lock (here the lock's name is a folder), the start goes on, the
// leftovers stay and Apply says why (SeedLeftovers, for a warning).
func TestSeedLeftoversCleanupIsABestEffort(t *testing.T) {
	src := seedSource(t, "webapps")
	dst := t.TempDir()
	for _, d := range []string{SeedLock, SeedTmp, "webapps"} {
		if err := os.MkdirAll(filepath.Join(dst, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dst, SeedMarker), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	p := &Plan{}
	if err := p.AddSeed(src, dst, time.Second, "WSO2_AGENT_LOCK_TIMEOUT"); err != nil || len(p.Seeds) != 1 || !p.Seeds[0].Cleanup {
		t.Fatalf("AddSeed: %v, seeds %+v, want one cleanup", err, p.Seeds)
	}
	if _, err := p.Apply(); err != nil {
		t.Fatalf("a cleanup that cannot run failed the apply: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dst, SeedTmp)); err != nil {
		t.Fatalf("the copy is gone without the lock: %v", err)
	}
	lock := filepath.Join(dst, SeedLock)
	if len(p.SeedLeftovers) != 1 || !strings.Contains(p.SeedLeftovers[0], "open "+lock+": is a directory") {
		t.Fatalf("SeedLeftovers %q, want one naming %s", p.SeedLeftovers, lock)
	}
}

// TestSeedLeftoversCleanupWithoutItsLock: a seeded folder whose lock file
// was removed still has the copy a start left after the marker removed (the
// lock is made again), with nothing to warn about; a seeded folder without
// a copy plans nothing and is never written.
func TestSeedLeftoversCleanupWithoutItsLock(t *testing.T) {
	src := seedSource(t, "webapps")
	dst := t.TempDir()
	writeFiles(t, dst, SeedTmp+"/webapps/index.html", "webapps/index.html", SeedMarker)
	p := &Plan{}
	if err := p.AddSeed(src, dst, time.Second, "WSO2_AGENT_LOCK_TIMEOUT"); err != nil || len(p.Seeds) != 1 || !p.Seeds[0].Cleanup {
		t.Fatalf("AddSeed: %v, seeds %+v, want one cleanup", err, p.Seeds)
	}
	if _, err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Join(dst, SeedTmp)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the copy is still there: %v", err)
	}
	if len(p.SeedLeftovers) != 0 {
		t.Errorf("SeedLeftovers %q, want none", p.SeedLeftovers)
	}
	if err := os.Remove(filepath.Join(dst, SeedLock)); err != nil {
		t.Fatalf("the lock was not made again: %v", err)
	}
	before, err := treesnap.Take(dst)
	if err != nil {
		t.Fatal(err)
	}
	p = &Plan{}
	if err := p.AddSeed(src, dst, time.Second, "WSO2_AGENT_LOCK_TIMEOUT"); err != nil || len(p.Seeds) != 0 {
		t.Fatalf("AddSeed on a seeded folder without a copy: %v, seeds %+v, want none", err, p.Seeds)
	}
	if _, err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	after, err := treesnap.Take(dst)
	if err != nil {
		t.Fatal(err)
	}
	if d := treesnap.Diff(before, after); len(d) > 0 {
		t.Errorf("a seeded folder without a copy was written: %v", d)
	}
}

// TestChownTreeNeverFollowsASwappedLink: the seeded tree is given away
// while root walks it, and a folder already given away is the server
// user's to change: a sub-folder swapped for a link to a folder outside
// the tree, after its folder was listed, is given away itself, and nothing
// it points to changes owner. Files, folders and links of the tree are all
// given away.
func TestChownTreeNeverFollowsASwappedLink(t *testing.T) {
	needRoot(t, "chown to another user")
	base := t.TempDir()
	tree, victim := filepath.Join(base, "tree"), filepath.Join(base, "victim")
	writeFiles(t, tree, "a/b/f", "a/c/f", "top")
	writeFiles(t, victim, "secret")
	if err := os.Symlink("top", filepath.Join(tree, "link")); err != nil {
		t.Fatal(err)
	}
	owner := atomicfile.Owner{UID: 4321, GID: 4322}
	swapped := atStep(t, &chownStep, filepath.Join(tree, "a"), func() {
		swapForLink(t, filepath.Join(tree, "a", "b"), victim)
	})
	if err := chownTree(tree, owner); err != nil {
		t.Fatal(err)
	}
	if !swapped() {
		t.Fatal("the walk never listed tree/a")
	}
	for _, p := range []string{victim, filepath.Join(victim, "secret")} {
		if uid, gid := ownerOf(t, p); uid != 0 || gid != 0 {
			t.Errorf("%s, outside the tree, was given to %d:%d through the swapped link", p, uid, gid)
		}
	}
	for _, rel := range []string{"", "a", "a/b", "a/c", "a/c/f", "top", "link"} {
		if uid, gid := ownerOf(t, filepath.Join(tree, rel)); uid != owner.UID || gid != owner.GID {
			t.Errorf("tree/%s belongs to %d:%d, want %d:%d", rel, uid, gid, owner.UID, owner.GID)
		}
	}
	// The folder moved aside after the listing is no longer in the tree's
	// listing: it keeps its owner, whatever it is, and is not followed into.
	if uid, _ := ownerOf(t, filepath.Join(tree, "a", "b.moved", "f")); uid != 0 {
		t.Errorf("tree/a/b.moved/f, moved aside after its folder was listed, was given away")
	}
}

// TestSeedCopyNeverGoesThroughALink: the volume's folder is the server
// user's, who may rename the seed's temporary copy away and put a link in
// its place at any time: root then neither copies the seed into, nor marks
// complete through, nor moves into place from what the link points to. The
// copy goes on in the real folder (through its descriptor) and the volume is
// seeded from it; a link planted where the copy's complete-file is to be
// created is not written through (the start fails), nor one planted where
// the volume's marker is to be written (it is replaced).
func TestSeedCopyNeverGoesThroughALink(t *testing.T) {
	needRoot(t, "the copy is given to another user")
	names := []string{"synapse-configs", "webapps"}
	for _, tc := range []struct {
		step    string
		plant   string // "swap": tmp renamed away and a link to the victim put there; "done", "marker": a link as the complete-file, as the volume's marker
		wantErr string
	}{
		{step: "made", plant: "swap"},
		{step: "copied", plant: "swap"},
		{step: "given", plant: "swap"},
		{step: "done", plant: "swap"},
		{step: "given", plant: "done", wantErr: "mark the copy complete"},
		{step: "copied", plant: "marker"},
	} {
		t.Run(tc.plant+" after "+tc.step, func(t *testing.T) {
			src := seedSource(t, names...)
			dst := filepath.Join(t.TempDir(), "server")
			victim := t.TempDir()
			writeFiles(t, victim, "precious")
			tmp := filepath.Join(dst, SeedTmp)
			planted := atStep(t, &seedStep, tc.step, func() {
				var err error
				switch tc.plant {
				case "swap":
					swapForLink(t, tmp, victim)
				case "done":
					err = os.Symlink(filepath.Join(victim, "precious"), filepath.Join(tmp, seedDone))
				case "marker":
					err = os.Symlink(filepath.Join(victim, "precious"), filepath.Join(dst, SeedMarker))
				}
				if err != nil {
					t.Error(err)
				}
			})
			p := &Plan{NewOwner: &atomicfile.Owner{UID: 4321, GID: 4322}}
			if err := p.AddSeed(src, dst, time.Second, "WSO2_AGENT_LOCK_TIMEOUT"); err != nil || len(p.Seeds) != 1 {
				t.Fatalf("AddSeed: %v, %d seeds planned", err, len(p.Seeds))
			}
			_, err := p.Apply()
			if !planted() {
				t.Fatalf("the seed never reached step %q (%v)", tc.step, err)
			}
			// The victim is as it was: one file, its content, root's.
			ents, rerr := os.ReadDir(victim)
			if rerr != nil || len(ents) != 1 || ents[0].Name() != "precious" {
				t.Errorf("the link's target now holds %v (%v), want only precious", ents, rerr)
			}
			if b, rerr := os.ReadFile(filepath.Join(victim, "precious")); rerr != nil || string(b) != "precious" {
				t.Errorf("the link's target's file: %q, %v", b, rerr)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Apply: %v, want an error saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range names {
				if b, err := os.ReadFile(filepath.Join(dst, n, "f")); err != nil || string(b) != n {
					t.Errorf("%s/f: %q, %v", n, b, err)
				}
			}
			if _, err := os.Stat(filepath.Join(dst, "precious")); err == nil {
				t.Error("the link's target's file was moved into the volume")
			}
			if st, err := os.Lstat(filepath.Join(dst, SeedMarker)); err != nil || !st.Mode().IsRegular() {
				t.Errorf("the marker is %v (%v), want a regular file", st, err)
			}
		})
	}
}

// TestLinkedCompleteCopyIsNotResumed: a link in the place of the seed's
// temporary copy, to a folder that looks like a complete copy, is not
// resumed (nothing of that folder is given away or moved into the volume):
// the link is removed and the seed copied afresh.
func TestLinkedCompleteCopyIsNotResumed(t *testing.T) {
	needRoot(t, "the copy is given to another user")
	src := seedSource(t, "webapps")
	dst := filepath.Join(t.TempDir(), "server")
	victim := t.TempDir()
	writeFiles(t, victim, seedDone, "webapps/precious")
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(dst, SeedTmp)); err != nil {
		t.Fatal(err)
	}
	p := &Plan{NewOwner: &atomicfile.Owner{UID: 4321, GID: 4322}}
	if err := p.AddSeed(src, dst, time.Second, "WSO2_AGENT_LOCK_TIMEOUT"); err != nil || len(p.Seeds) != 1 {
		t.Fatalf("AddSeed: %v, %d seeds planned", err, len(p.Seeds))
	}
	if _, err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dst, "webapps", "f")); err != nil || string(b) != "webapps" {
		t.Errorf("webapps/f: %q, %v (want the seed's)", b, err)
	}
	for _, rel := range []string{seedDone, "webapps/precious"} {
		st, err := os.Lstat(filepath.Join(victim, rel))
		if err != nil {
			t.Errorf("%s left the link's target: %v", rel, err)
			continue
		}
		if uid := st.Sys().(*syscall.Stat_t).Uid; uid != 0 {
			t.Errorf("%s in the link's target was given to %d", rel, uid)
		}
	}
}

// TestSeedLockIsNotALink: the seed lock's file is the server user's to
// replace (the volume is theirs): a link there, dangling or to a file, is
// not created through nor locked (the seed fails, naming the lock), and a
// FIFO does not hang the start.
func TestSeedLockIsNotALink(t *testing.T) {
	for _, kind := range []string{"dangling link", "link to a file", "fifo"} {
		t.Run(kind, func(t *testing.T) {
			src := seedSource(t, "webapps")
			dst := t.TempDir()
			victim := filepath.Join(t.TempDir(), "victim")
			lock := filepath.Join(dst, SeedLock)
			var err error
			switch kind {
			case "dangling link":
				err = os.Symlink(victim, lock)
			case "link to a file":
				if err = os.WriteFile(victim, []byte("v"), 0o600); err == nil {
					err = os.Symlink(victim, lock)
				}
			case "fifo":
				err = syscall.Mkfifo(lock, 0o644)
			}
			if err != nil {
				t.Fatal(err)
			}
			p := &Plan{}
			if err := p.AddSeed(src, dst, time.Second, "WSO2_AGENT_LOCK_TIMEOUT"); err != nil || len(p.Seeds) != 1 {
				t.Fatalf("AddSeed: %v, %d seeds planned", err, len(p.Seeds))
			}
			_, err = p.Apply()
			if err == nil || !strings.Contains(err.Error(), lock) {
				t.Fatalf("Apply: %v, want an error naming %s", err, lock)
			}
			st, serr := os.Stat(victim)
			switch {
			case kind == "dangling link" && serr == nil:
				t.Errorf("the link's target %s was created", victim)
			case kind == "link to a file" && (serr != nil || st.Mode().Perm() != 0o600 || st.Size() != 1):
				t.Errorf("the link's target changed: %v, %v", st, serr)
			}
			if _, err := os.Stat(filepath.Join(dst, "webapps")); err == nil {
				t.Error("seeded without the lock")
			}
		})
	}
}

// TestChownTreeGivesAFolderAwayLast: a folder is given away only after
// everything in it (while root walks it, a tree only root may enter stays
// so), and a file with a second hard link, which may be a file outside the
// tree, is refused with an error naming it, not given away.
func TestChownTreeGivesAFolderAwayLast(t *testing.T) {
	needRoot(t, "chown to another user")
	owner := atomicfile.Owner{UID: 4321, GID: 4322}
	t.Run("folders last", func(t *testing.T) {
		tree := filepath.Join(t.TempDir(), "tree")
		writeFiles(t, tree, "a/b/f", "a/g")
		var early []string
		chownStep = func(dir string) {
			for d := dir; ; d = filepath.Dir(d) {
				if uid, _ := ownerOf(t, d); uid != 0 {
					early = append(early, d)
				}
				if d == tree {
					break
				}
			}
		}
		t.Cleanup(func() { chownStep = nil })
		if err := chownTree(tree, owner); err != nil {
			t.Fatal(err)
		}
		if len(early) > 0 {
			t.Errorf("given away before everything in them: %v", early)
		}
		for _, rel := range []string{"", "a", "a/b", "a/b/f", "a/g"} {
			if uid, _ := ownerOf(t, filepath.Join(tree, rel)); uid != owner.UID {
				t.Errorf("tree/%s belongs to %d", rel, uid)
			}
		}
	})
	t.Run("a hard link", func(t *testing.T) {
		base := t.TempDir()
		tree, victim := filepath.Join(base, "tree"), filepath.Join(base, "victim")
		writeFiles(t, tree, "a/f")
		if err := os.WriteFile(victim, []byte("v"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Link(victim, filepath.Join(tree, "a", "hl")); err != nil {
			t.Fatal(err)
		}
		err := chownTree(tree, owner)
		if err == nil || !strings.Contains(err.Error(), filepath.Join(tree, "a", "hl")) || !strings.Contains(err.Error(), "hard links") {
			t.Fatalf("chownTree: %v, want an error naming tree/a/hl and its hard links", err)
		}
		if uid, _ := ownerOf(t, victim); uid != 0 {
			t.Errorf("the file outside the tree was given to %d through its hard link", uid)
		}
	})
}

// TestSeedGivenAwayStaysInTheSeed: when the copy is given to the server's
// user (root seeding for WSO2_AGENT_USER), a link in the seed that leads
// out of it (to a file only root may read, a mounted secret say, or to a
// folder) fails the seed with an error naming the link, and nothing of what
// it points to reaches the volume; links that stay inside the seed (a
// ConfigMap's ..data) are followed as always.
func TestSeedGivenAwayStaysInTheSeed(t *testing.T) {
	needRoot(t, "the copy is given to another user")
	outside := t.TempDir()
	writeFiles(t, outside, "secret", "dir/secret")
	configMap := func(t *testing.T) string {
		src := seedSource(t, "webapps")
		writeFiles(t, src, "..2026_12_07/conf.xml")
		if err := os.Symlink("..2026_12_07", filepath.Join(src, "..data")); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("..data/conf.xml", filepath.Join(src, "conf.xml")); err != nil {
			t.Fatal(err)
		}
		return src
	}
	for _, tc := range []struct{ name, link, target string }{
		{"a file outside", "webapps/leak", filepath.Join(outside, "secret")},
		{"a folder outside", "leakdir", filepath.Join(outside, "dir")},
		{"a relative link out", "webapps/up", "../../" + filepath.Base(outside) + "/secret"},
		{"inside only", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := configMap(t)
			if tc.link != "" {
				target := tc.target
				if !filepath.IsAbs(target) { // relative to the link's folder: from src/webapps up to outside's parent
					if err := os.Rename(src, filepath.Join(filepath.Dir(outside), "seed-"+filepath.Base(src))); err != nil {
						t.Fatal(err)
					}
					src = filepath.Join(filepath.Dir(outside), "seed-"+filepath.Base(src))
					t.Cleanup(func() { os.RemoveAll(src) })
				}
				if err := os.Symlink(target, filepath.Join(src, tc.link)); err != nil {
					t.Fatal(err)
				}
			}
			dst := filepath.Join(t.TempDir(), "server")
			p := &Plan{NewOwner: &atomicfile.Owner{UID: 4321, GID: 4322}}
			if err := p.AddSeed(src, dst, time.Second, "WSO2_AGENT_LOCK_TIMEOUT"); err != nil || len(p.Seeds) != 1 {
				t.Fatalf("AddSeed: %v, %d seeds planned", err, len(p.Seeds))
			}
			_, err := p.Apply()
			if tc.link == "" {
				if err != nil {
					t.Fatal(err)
				}
				if b, err := os.ReadFile(filepath.Join(dst, "conf.xml")); err != nil || string(b) != "..2026_12_07/conf.xml" {
					t.Errorf("conf.xml through ..data: %q, %v", b, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), filepath.Join(src, tc.link)) || !strings.Contains(err.Error(), "leads out of the seed") {
				t.Fatalf("Apply: %v, want an error naming %s as leading out of the seed", err, tc.link)
			}
			_ = filepath.Walk(dst, func(path string, fi os.FileInfo, err error) error {
				if err == nil && !fi.IsDir() {
					if b, _ := os.ReadFile(path); strings.Contains(string(b), "secret") {
						t.Errorf("%s holds the outside file's content", path)
					}
				}
				return nil
			})
		})
	}
}

// TestSeedNotThroughALinkedVolume: seeding for another user (as root), a
// volume folder that is itself a link (to an empty folder of root's, which
// the server's user could have linked from their own folder) is not seeded:
// the error names it and what it points to, which stays empty. As the
// server's own user, the link is followed as before.
func TestSeedNotThroughALinkedVolume(t *testing.T) {
	needRoot(t, "the copy is given to another user")
	for _, withOwner := range []bool{true, false} {
		t.Run(fmt.Sprintf("owner %v", withOwner), func(t *testing.T) {
			src := seedSource(t, "webapps")
			target := t.TempDir()
			dst := filepath.Join(t.TempDir(), "server")
			if err := os.Symlink(target, dst); err != nil {
				t.Fatal(err)
			}
			p := &Plan{}
			if withOwner {
				p.NewOwner = &atomicfile.Owner{UID: 4321, GID: 4322}
			}
			if err := p.AddSeed(src, dst, time.Second, "WSO2_AGENT_LOCK_TIMEOUT"); err != nil || len(p.Seeds) != 1 {
				t.Fatalf("AddSeed: %v, %d seeds planned", err, len(p.Seeds))
			}
			_, err := p.Apply()
			ents, _ := os.ReadDir(target)
			if !withOwner {
				if err != nil || len(ents) == 0 {
					t.Fatalf("Apply: %v; the link's target holds %v, want the seed", err, ents)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), dst) || !strings.Contains(err.Error(), "symbolic link (to "+target+")") {
				t.Fatalf("Apply: %v, want an error naming %s as a link to %s", err, dst, target)
			}
			if len(ents) != 0 {
				t.Errorf("the link's target now holds %v", ents)
			}
		})
	}
}

// TestCopyTreeWritesThroughDescriptors: a folder of the copy renamed away
// and replaced with a link after it was made (the copy may be given away
// early: the seed lock lives in the user's own folder, which they can
// delete, so two agents can seed at once) is not written through: what it
// should hold lands in the folder made, and the link's target stays empty.
func TestCopyTreeWritesThroughDescriptors(t *testing.T) {
	src := seedSource(t, "webapps")
	writeFiles(t, src, "webapps/deep/g")
	dst := filepath.Join(t.TempDir(), "copy")
	victim := t.TempDir()
	swapped := atStep(t, &copyStep, filepath.Join(dst, "webapps"), func() {
		swapForLink(t, filepath.Join(dst, "webapps"), victim)
	})
	if err := CopyTree(src, dst); err != nil {
		t.Fatal(err)
	}
	if !swapped() {
		t.Fatal("the copy never made dst/webapps")
	}
	if ents, _ := os.ReadDir(victim); len(ents) != 0 {
		t.Errorf("written through the link: the target holds %v", ents)
	}
	for _, rel := range []string{"webapps.moved/f", "webapps.moved/deep/g"} {
		if _, err := os.Stat(filepath.Join(dst, rel)); err != nil {
			t.Errorf("not copied into the folder made: %v", err)
		}
	}
}

// TestSeedWithinRefusesHardLinksAndTakesARelativeSeed: seeding for another
// user, a file of the seed with a second hard link that not everyone may
// read (which may be a root-only file outside the seed) is refused, naming
// it; hard links among files everyone may read (a seed made with cp -al)
// are copied; a seed given as a relative path is seeded as usual.
func TestSeedWithinRefusesHardLinksAndTakesARelativeSeed(t *testing.T) {
	needRoot(t, "the copy is given to another user")
	owner := &atomicfile.Owner{UID: 4321, GID: 4322}
	t.Run("a hard link", func(t *testing.T) {
		src := seedSource(t, "webapps")
		secret := filepath.Join(t.TempDir(), "secret")
		if err := os.WriteFile(secret, []byte("s3cret"), 0o600); err != nil {
			t.Fatal(err)
		}
		link := filepath.Join(src, "webapps", "hl")
		if err := os.Link(secret, link); err != nil {
			t.Fatalf("hard link (both folders are under TMPDIR): %v", err)
		}
		dst := filepath.Join(t.TempDir(), "server")
		p := &Plan{NewOwner: owner}
		if err := p.AddSeed(src, dst, time.Second, "WSO2_AGENT_LOCK_TIMEOUT"); err != nil || len(p.Seeds) != 1 {
			t.Fatalf("AddSeed: %v, %d seeds planned", err, len(p.Seeds))
		}
		if _, err := p.Apply(); err == nil || !strings.Contains(err.Error(), link) || !strings.Contains(err.Error(), "hard links") {
			t.Fatalf("Apply: %v, want an error naming %s and its hard links", err, link)
		}
		_ = filepath.Walk(dst, func(path string, fi os.FileInfo, err error) error {
			if b, _ := os.ReadFile(path); err == nil && !fi.IsDir() && string(b) == "s3cret" {
				t.Errorf("%s holds the hard-linked file's content", path)
			}
			return nil
		})
	})
	t.Run("hard links everyone may read", func(t *testing.T) {
		// A seed built with cp -al: its files are linked among themselves.
		src := seedSource(t, "webapps")
		if err := os.Link(filepath.Join(src, "webapps", "f"), filepath.Join(src, "webapps", "g")); err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(t.TempDir(), "server")
		p := &Plan{NewOwner: owner}
		if err := p.AddSeed(src, dst, time.Second, "WSO2_AGENT_LOCK_TIMEOUT"); err != nil || len(p.Seeds) != 1 {
			t.Fatalf("AddSeed: %v, %d seeds planned", err, len(p.Seeds))
		}
		if _, err := p.Apply(); err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(filepath.Join(dst, "webapps", "g")); err != nil || string(b) != "webapps" {
			t.Errorf("webapps/g: %q, %v", b, err)
		}
	})
	t.Run("a relative seed", func(t *testing.T) {
		src := seedSource(t, "webapps")
		t.Chdir(filepath.Dir(src))
		dst := filepath.Join(t.TempDir(), "server")
		p := &Plan{NewOwner: owner}
		if err := p.AddSeed(filepath.Base(src), dst, time.Second, "WSO2_AGENT_LOCK_TIMEOUT"); err != nil || len(p.Seeds) != 1 {
			t.Fatalf("AddSeed: %v, %d seeds planned", err, len(p.Seeds))
		}
		if _, err := p.Apply(); err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(filepath.Join(dst, "webapps", "f")); err != nil || string(b) != "webapps" {
			t.Errorf("webapps/f: %q, %v", b, err)
		}
	})
}

// TestChownTreeStaysOnItsMount: a file system mounted inside the tree (a
// volume someone moved into a copy being resumed), a bind mount of a folder
// of the same file system, or a file bind-mounted there, is not given away:
// the walk fails, naming the mount point, and everything mounted keeps its
// owner.
func TestChownTreeStaysOnItsMount(t *testing.T) {
	needRoot(t, "chown, mount")
	for _, kind := range mountKinds {
		t.Run(kind, func(t *testing.T) {
			tree := filepath.Join(t.TempDir(), "tree")
			writeFiles(t, tree, "a/f")
			mnt := filepath.Join(tree, "a", "vol")
			kept := mountAt(t, kind, mnt)
			err := chownTree(tree, atomicfile.Owner{UID: 4321, GID: 4322})
			if err == nil || !strings.Contains(err.Error(), mnt) || !strings.Contains(err.Error(), "it is a mount point") {
				t.Fatalf("chownTree: %v, want an error naming %s as a mount point", err, mnt)
			}
			for _, p := range kept {
				if uid, _ := ownerOf(t, p); uid != 0 {
					t.Errorf("%s, on the mount, was given to %d", p, uid)
				}
			}
		})
	}
}

// TestSeedErrorsNameTheCopy: a seed that fails on a full volume (out of
// space for a file's bytes, or of inodes at each step in turn: the copy's
// folders, its files, the marker) says where, by the copy's path under the
// volume: never by the /proc/self/fd path the agent writes through, which
// would tell whoever reads the log nothing. As root, copying for itself and
// for another user.
func TestSeedErrorsNameTheCopy(t *testing.T) {
	needRoot(t, "mount a small tmpfs")
	for _, owner := range []*atomicfile.Owner{nil, {UID: 4321, GID: 4322}} {
		t.Run(fmt.Sprintf("owner %v", owner != nil), func(t *testing.T) {
			src := seedSource(t, "webapps", "lib")
			if err := os.WriteFile(filepath.Join(src, "lib", "big"), make([]byte, 256<<10), 0o644); err != nil {
				t.Fatal(err)
			}
			steps := map[string]bool{}
			for _, opts := range []string{"size=64k", "nr_inodes=3", "nr_inodes=4", "nr_inodes=5", "nr_inodes=6", "nr_inodes=7", "nr_inodes=8", "nr_inodes=9", "nr_inodes=10", "nr_inodes=11", "nr_inodes=12"} {
				dst := filepath.Join(t.TempDir(), "vol")
				if err := os.Mkdir(dst, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := syscall.Mount("tmpfs", dst, "tmpfs", 0, opts); err != nil {
					t.Fatalf("mount a tmpfs (%s) at %s: %v", opts, dst, err)
				}
				defer syscall.Unmount(dst, syscall.MNT_DETACH) //nolint:errcheck
				p := &Plan{NewOwner: owner}
				if err := p.AddSeed(src, dst, time.Second, "WSO2_AGENT_LOCK_TIMEOUT"); err != nil || len(p.Seeds) != 1 {
					t.Fatalf("%s: AddSeed: %v, %d seeds planned", opts, err, len(p.Seeds))
				}
				_, err := p.Apply()
				if err == nil {
					continue
				}
				msg := err.Error()
				if strings.Contains(msg, "/proc/") {
					t.Errorf("%s: %q names a /proc path", opts, msg)
				}
				tmp := filepath.Join(dst, SeedTmp)
				for step, says := range map[string]string{
					"folder": "mkdir " + tmp + "/",
					"file":   "open " + tmp + "/lib/",
					"bytes":  "write " + filepath.Join(tmp, "lib", "big") + ": no space left on device",
					"marker": "mark the copy complete: open " + filepath.Join(tmp, seedDone) + ": no space left on device",
				} {
					if strings.Contains(msg, says) {
						steps[step] = true
					}
				}
				// "seed DST: " and then the path in the volume that failed.
				if !strings.Contains(msg, dst+"/") {
					t.Errorf("%s: %q names no path in the volume %s", opts, msg, dst)
				}
			}
			for _, step := range []string{"folder", "file", "bytes", "marker"} {
				if !steps[step] {
					t.Errorf("no error named the copy's path at step %q; seen %v", step, steps)
				}
			}
		})
	}
}

// The root of an ext4 volume has a lost+found folder from mkfs: such a
// volume is still empty and is seeded (a block-device PersistentVolume
// mounted as the deployment folder was never seeded); lost+found stays.
// A file of that name is someone's content, and the folder is left alone.
func TestSeedTreatsLostAndFoundAsEmpty(t *testing.T) {
	src := seedSource(t, "webapps")
	dst := t.TempDir()
	if err := os.Mkdir(filepath.Join(dst, "lost+found"), 0o700); err != nil {
		t.Fatal(err)
	}
	p := &Plan{Unlocked: true}
	if err := p.AddSeed(src, dst, time.Second, "WSO2_AGENT_LOCK_TIMEOUT"); err != nil || len(p.Seeds) != 1 {
		t.Fatalf("AddSeed: %v, %d seeds planned, want one", err, len(p.Seeds))
	}
	if _, err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	for _, rel := range []string{"webapps/f", SeedMarker, "lost+found"} {
		if _, err := os.Stat(filepath.Join(dst, rel)); err != nil {
			t.Errorf("after the seed: %v", err)
		}
	}

	dst = t.TempDir()
	if err := os.WriteFile(filepath.Join(dst, "lost+found"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	p = &Plan{}
	if err := p.AddSeed(src, dst, time.Second, "WSO2_AGENT_LOCK_TIMEOUT"); err != nil || len(p.Seeds) != 0 {
		t.Fatalf("a file called lost+found: AddSeed: %v, %d seeds planned, want none", err, len(p.Seeds))
	}
}
