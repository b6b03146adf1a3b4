package agent

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// fileOwner is what a replaced file must keep.
type fileOwner struct {
	uid, gid uint32
	mode     fs.FileMode
}

func ownerOf(t *testing.T, path string) fileOwner {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	return fileOwner{st.Uid, st.Gid, fi.Mode()}
}

func (o fileOwner) String() string { return fmt.Sprintf("%d:%d %v", o.uid, o.gid, o.mode) }

// runAs runs the real binary with env and args as uid:gid (with no
// supplementary groups), as OpenShift runs a container.
func runAs(t *testing.T, uid, gid uint32, env map[string]string, args ...string) runResult {
	t.Helper()
	cmd := exec.Command(buildPipeBin(t), args...)
	cmd.Env = envList(env)
	if uid != 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: gid, Groups: []uint32{}}}
	}
	return runCmd(t, cmd, "run agent")
}

// TestReplacedFilesKeepOwnerAndMode: a file the setup replaces keeps its
// mode, owner and group exactly when the agent runs as root; run as an
// arbitrary non-root user in group 0 (OpenShift) on a group-writable home,
// it keeps every mode and every group the user belongs to, the files become
// the user's, and one log line lists what could not be kept.
func TestReplacedFilesKeepOwnerAndMode(t *testing.T) {
	const openshiftUID = 1000680000
	files := map[string]fileOwner{
		"repository/conf/carbon.xml":                          {802, 0, 0o640},
		"repository/conf/user-mgt.xml":                        {802, 0, 0o660 | fs.ModeSetgid},
		"repository/conf/axis2/axis2.xml":                     {0, 0, 0o664},
		"repository/conf/datasources/master-datasources.xml":  {802, 802, 0o666},
		"repository/resources/security/client-truststore.jks": {802, 0, 0o660},
	}
	for _, c := range []struct {
		name string
		uid  uint32
	}{{"root", 0}, {"OpenShift user", openshiftUID}} {
		t.Run(c.name, func(t *testing.T) {
			home := freshHome(t, "gateway")
			// An OpenShift-ready image: folders group 0 and group-writable.
			for _, d := range []string{filepath.Dir(home), filepath.Dir(filepath.Dir(home))} {
				if err := os.Chmod(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			err := filepath.WalkDir(home, func(p string, d fs.DirEntry, err error) error {
				if err != nil || !d.IsDir() {
					return err
				}
				return os.Chmod(p, 0o775)
			})
			if err != nil {
				t.Fatal(err)
			}
			for rel, o := range files {
				p := filepath.Join(home, rel)
				if err := os.Chown(p, int(o.uid), int(o.gid)); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(p, o.mode); err != nil {
					t.Fatal(err)
				}
			}
			env := with(goldenEnv(t, "gateway", home), "WSO2_CLUSTER_MEMBERS", "")
			before := snapshot(t, home)
			r := runAs(t, c.uid, 0, env, "render")
			if r.Code != 0 {
				t.Fatalf("render: exit %d\n%s", r.Code, r.Stderr)
			}
			after := snapshot(t, home)
			var lost []string
			for rel, o := range files {
				p := filepath.Join(home, rel)
				if before[p].Hash == after[p].Hash {
					t.Fatalf("%s was not replaced: the test needs it to be", rel)
				}
				want := o
				if c.uid != 0 {
					want.uid = c.uid // cannot be kept
					lost = append(lost, rel)
					if o.gid != 0 {
						want.gid = 0 // not one of the user's groups
					}
					if o.mode&fs.ModeSetgid != 0 && want.gid != o.gid {
						want.mode &^= fs.ModeSetgid
					}
				}
				if got := ownerOf(t, p); got != want {
					t.Errorf("%s: %v after the render, want %v", rel, got, want)
				}
			}
			warn := 0
			for _, l := range strings.Split(r.Stderr, "\n") {
				if strings.Contains(l, "could not keep the owner or group") {
					warn++
					for _, rel := range lost {
						if !strings.Contains(l, rel) {
							t.Errorf("the ownership line does not name %s: %s", rel, l)
						}
					}
				}
			}
			if want := min(len(lost), 1); warn != want {
				t.Errorf("%d lines about ownership not kept, want %d:\n%s", warn, want, r.Stderr)
			}
		})
	}
}

// TestSymlinkedConfigStaysLink: a configuration file that is a symbolic
// link (a file mounted from elsewhere) stays a link: the file it points to
// is edited in place, atomically, with its mode kept. When that file sits
// on a read-only mount (a Kubernetes ConfigMap), the render refuses with
// exit 74 and one line naming the file, and nothing changes.
func TestSymlinkedConfigStaysLink(t *testing.T) {
	setup := func(t *testing.T) (home, ext, link string, env map[string]string) {
		home = freshHome(t, "gateway")
		ext = filepath.Join(t.TempDir(), "mounted")
		if err := os.Mkdir(ext, 0o755); err != nil {
			t.Fatal(err)
		}
		link = filepath.Join(home, "repository/conf/carbon.xml")
		if err := os.Rename(link, filepath.Join(ext, "carbon.xml")); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Join(ext, "carbon.xml"), 0o640); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join(ext, "carbon.xml"), link); err != nil {
			t.Fatal(err)
		}
		return home, ext, link, with(goldenEnv(t, "gateway", home), "WSO2_CLUSTER_MEMBERS", "")
	}
	t.Run("writable target", func(t *testing.T) {
		home, ext, link, env := setup(t)
		before := readFile(t, link)
		if r := runPipe(t, env, "render"); r.Code != 0 {
			t.Fatalf("render: exit %d\n%s", r.Code, r.Stderr)
		}
		if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			t.Fatalf("carbon.xml is no longer a symbolic link (%v)", err)
		}
		target := filepath.Join(ext, "carbon.xml")
		if got := readFile(t, target); got == before || !strings.Contains(got, "<HostName>") {
			t.Fatal("the link's target was not edited")
		}
		if m := ownerOf(t, target).mode; m != 0o640 {
			t.Errorf("target mode %v, want 0640 kept", m)
		}
		if left, _ := filepath.Glob(filepath.Join(ext, ".agent-tmp-*")); len(left) > 0 {
			t.Errorf("temporary files left beside the target: %v", left)
		}
		// A restart changes nothing, the link included.
		snap := snapshot(t, home, ext)
		if r := runPipe(t, env, "render"); r.Code != 0 {
			t.Fatalf("second render: exit %d\n%s", r.Code, r.Stderr)
		}
		if d := diffSnapshots(snap, snapshot(t, home, ext)); len(d) > 0 {
			t.Fatalf("restart changed: %v", d)
		}
	})
	t.Run("read-only target", func(t *testing.T) {
		home, ext, link, env := setup(t)
		before := snapshot(t, home, ext)
		r := runInReadOnlyMount(t, ext, env, "render")
		l := errorLines(r.Stderr)
		if r.Code != 74 || len(l) != 1 || !strings.Contains(l[0], link) || !strings.Contains(l[0], "read-only file system") {
			t.Fatalf("exit %d, want 74 with one line naming %s:\n%s", r.Code, link, r.Stderr)
		}
		if d := diffSnapshots(before, snapshot(t, home, ext)); len(d) > 0 {
			t.Fatalf("a refused render changed: %v", d)
		}
	})
}
