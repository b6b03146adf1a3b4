package plan

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/wso2-container/agent/internal/atomicfile"
)

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
			if withOwner && os.Geteuid() != 0 {
				t.Fatal("this test needs root (chown to another user); CI runs as root")
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
