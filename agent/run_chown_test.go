package agent

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wso2-container/agent/agent/homelock"
	"github.com/wso2-container/agent/agent/plan"
	"github.com/wso2-container/agent/internal/atomicfile"
)

// TestSeededTreeGivenToNewOwner: when the setup seeds the shared deployment
// volume as root for another user, that user gets the whole seeded tree,
// not only its top-level entries (the gateway deploys APIs into
// synapse-configs/default/api).
func TestSeededTreeGivenToNewOwner(t *testing.T) {
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
	owner := atomicfile.Owner{UID: 4321, GID: 4322}
	p := &plan.Plan{NewOwner: &owner}
	if err := p.AddSeed(src, dst, time.Second, "WSO2_AGENT_LOCK_TIMEOUT"); err != nil || len(p.Seeds) != 1 {
		t.Fatalf("planSeed: %v, %d seeds", err, len(p.Seeds))
	}
	if _, err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	n := 0
	err := filepath.Walk(filepath.Join(dst, "synapse-configs"), func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		n++
		st := fi.Sys().(*syscall.Stat_t)
		if int(st.Uid) != owner.UID || int(st.Gid) != owner.GID {
			t.Errorf("%s: owner %d:%d, want %d:%d", path, st.Uid, st.Gid, owner.UID, owner.GID)
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

// TestCreatedFilesAreTheServersFromTheStart: `agent run` as root for
// another user creates each file as that user's, before it appears. A setup
// that fails after creating files (here: the deployment seed holds a FIFO,
// which cannot be copied, and seeding comes after the configuration files)
// therefore leaves them to the server's user, and so does the start that
// completes the job afterwards, although it finds their work done (their
// keys) and does not write them again. When the files were given away only
// after a successful setup, both kept root as owner.
func TestCreatedFilesAreTheServersFromTheStart(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test needs root (chown to another user); CI runs as root")
	}
	buildBinaries(t)
	home, env := profileEnv(t)
	env["WSO2_AGENT_USER"] = "nobody"
	dep, seedDir := emptyDeployment(t, home)
	fifo := filepath.Join(seedDir, "zz-fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	env["WSO2_DEPLOYMENT_SEED"] = seedDir
	uid := lookupUID(t, "nobody")
	before := snapshot(t, home)
	// internal is the agent's own bookkeeping (locks, marker, the seed's
	// temporary copy), which the server never writes.
	internal := func(p string) bool {
		switch filepath.Base(p) {
		case homelock.Name, plan.SeedLock, plan.SeedMarker:
			return true
		}
		return strings.Contains(p, "/"+plan.SeedTmp)
	}
	check := func(stage string) (created int) {
		t.Helper()
		for p, st := range snapshot(t, home) {
			if _, existed := before[p]; existed || internal(p) {
				continue
			}
			created++
			var s syscall.Stat_t
			if err := syscall.Lstat(p, &s); err != nil {
				t.Fatal(err)
			}
			if s.Uid != uid {
				t.Errorf("%s: %s (dir: %v) is owned by %d, want nobody (%d)", stage, p, st.Mode.IsDir(), s.Uid, uid)
			}
		}
		return created
	}

	code, _, stderr := runArgv(t, envList(env), agentBin, "run", "--", "/bin/true")
	if code == 0 || !strings.Contains(string(stderr), "zz-fifo") {
		t.Fatalf("first start: exit %d, want a failure naming the FIFO in the seed; stderr:\n%s", code, stderr)
	}
	if n := check("after the failed start"); n == 0 {
		t.Fatal("the failed start created no file before seeding: the test needs some")
	}

	if err := os.Remove(fifo); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runArgv(t, envList(env), agentBin, "run", "--", "/bin/true")
	if code != 0 {
		t.Fatalf("second start: exit %d; stderr:\n%s", code, stderr)
	}
	if !strings.Contains(string(stderr), "setup: configuration applied") {
		t.Fatalf("second start: no setup summary in stderr:\n%s", stderr)
	}
	if _, err := os.Stat(filepath.Join(dep, plan.SeedMarker)); err != nil {
		t.Fatalf("second start did not seed the deployment folder: %v", err)
	}
	check("after the second start")
}

// emptyDeployment moves the deployment folder of the product home to a
// seed of its own (as an image ships it) and leaves an empty folder in its
// place (a fresh shared volume).
func emptyDeployment(t *testing.T, home string) (dep, seed string) {
	t.Helper()
	dep = filepath.Join(home, "repository", "deployment", "server")
	seed = filepath.Join(t.TempDir(), "image-seed")
	fxCopy(t, dep, seed)
	if err := os.RemoveAll(dep); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dep, 0o755); err != nil {
		t.Fatal(err)
	}
	return dep, seed
}
