package agent

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/wso2-container/agent/agent/plan"
)

// TestChownWrittenSeededTree: when the setup seeds the shared deployment
// volume as root, the server's user gets the whole seeded tree, not only its
// top-level entries (the gateway deploys APIs into
// synapse-configs/default/api).
func TestChownWrittenSeededTree(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test needs root (chown to another user); CI runs as root")
	}
	src := filepath.Join(t.TempDir(), "seed")
	api := filepath.Join(src, "synapse-configs", "default", "api")
	if err := os.MkdirAll(api, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(api, "_TokenAPI_.xml"), []byte("<api/>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("default", filepath.Join(src, "synapse-configs", "current")); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "server")
	p := &plan.Plan{}
	if err := p.AddSeed(src, dst, time.Second, "WSO2_AGENT_LOCK_TIMEOUT"); err != nil || len(p.Seeds) != 1 {
		t.Fatalf("planSeed: %v, %d seeds", err, len(p.Seeds))
	}
	written, err := p.Apply()
	if err != nil {
		t.Fatal(err)
	}
	cred := &syscall.Credential{Uid: 4321, Gid: 4322}
	if err := chownWritten(written, cred); err != nil {
		t.Fatal(err)
	}
	n := 0
	err = filepath.Walk(filepath.Join(dst, "synapse-configs"), func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		n++
		st := fi.Sys().(*syscall.Stat_t)
		if st.Uid != cred.Uid || st.Gid != cred.Gid {
			t.Errorf("%s: owner %d:%d, want %d:%d", path, st.Uid, st.Gid, cred.Uid, cred.Gid)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// synapse-configs, default, default/api, default/api/_TokenAPI_.xml, and
	// the same three below current: the seed's symbolic link is followed
	// and copied as a folder (see copyTree).
	if n != 7 {
		t.Fatalf("walked %d entries of the seeded tree, want 7", n)
	}
}
