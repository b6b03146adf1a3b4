package stress

// TestApplyReadOnlyOrFull: `agent render` on a product home that sits on a
// read-only file system, or on a nearly full one (0 bytes up to 90% of what
// the setup writes left free), fails with exit code 74 (ioerr) and one error
// line naming the file and the cause, and leaves the tree exactly as it was:
// every file byte-identical with the same mtime and inode, no folder added,
// no temporary file left. Once the file system is writable / has room again,
// the next render completes.
//
// Each case runs in a child process (this test binary, re-executed) in a
// private mount namespace: it mounts a small tmpfs, copies the fixture onto
// it, makes it read-only (mount -o remount,ro) or fills it, runs the agent
// and reports back. Nothing is mounted in the test's own namespace. Needs
// root (CAP_SYS_ADMIN), which the tests have.

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/wso2-container/agent/internal/fixtures"
)

const nsChildEnv = "STRESS_NS_CHILD"

// nsSpec is what the parent asks the namespaced child to do.
type nsSpec struct {
	Mode   string            // "readonly" or "full"
	Free   int64             // full: bytes left free on the file system
	Mount  string            // where to mount the tmpfs
	Src    string            // fixture tree copied to Mount/home
	Env    map[string]string // the agent's environment (WSO2_HOME = Mount/home)
	Agent  string            // binary
	Report string            // JSON report written here (outside the mount)
}

// nsReport is what the child saw.
type nsReport struct {
	Err            string // the child's own failure (mount, copy ...)
	FreeBefore     int64  // free bytes when the agent started
	Code           int
	Stderr         string
	Diff           []string // tree changes made by the failed render
	Leftovers      []string
	RecoverCode    int
	RecoverStderr  string
	RecoverChanged int // files the completing render changed
}

// nsChild runs in the re-executed test binary, inside its own mount
// namespace (exec with CLONE_NEWNS; Go makes / private first).
func nsChild(specJSON string) int {
	var spec nsSpec
	if err := json.Unmarshal([]byte(specJSON), &spec); err != nil {
		fmt.Fprintln(os.Stderr, "ns child:", err)
		return 2
	}
	agentBin = spec.Agent
	rep := runNSCase(spec)
	b, _ := json.Marshal(rep)
	if err := os.WriteFile(spec.Report, b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "ns child:", err)
		return 2
	}
	return 0
}

func runNSCase(spec nsSpec) (rep nsReport) {
	fail := func(format string, a ...any) nsReport {
		rep.Err = fmt.Sprintf(format, a...)
		return rep
	}
	const opts = "size=4m,mode=0755"
	if err := syscall.Mount("tmpfs", spec.Mount, "tmpfs", 0, opts); err != nil {
		return fail("mount tmpfs on %s: %v", spec.Mount, err)
	}
	home := filepath.Join(spec.Mount, "home")
	if err := copyTreeErr(spec.Src, home); err != nil {
		return fail("copy the fixture: %v", err)
	}
	filler := filepath.Join(spec.Mount, "filler")
	switch spec.Mode {
	case "readonly":
		if err := syscall.Mount("tmpfs", spec.Mount, "tmpfs", syscall.MS_REMOUNT|syscall.MS_RDONLY, opts); err != nil {
			return fail("remount read-only: %v", err)
		}
	case "full":
		if err := fill(filler, spec.Free); err != nil {
			return fail("fill the file system: %v", err)
		}
	default:
		return fail("unknown mode %q", spec.Mode)
	}
	rep.FreeBefore = freeBytes(spec.Mount)
	before, err := snapshot(home)
	if err != nil {
		return fail("snapshot: %v", err)
	}
	r, err := runAgent(spec.Env, "render")
	if err != nil {
		return fail("%v", err)
	}
	rep.Code, rep.Stderr = r.Code, r.Stderr
	after, err := snapshot(home)
	if err != nil {
		return fail("snapshot: %v", err)
	}
	rep.Diff = diffSnapshots(before, after)
	rep.Leftovers = tempLeftovers(spec.Mount)

	// Room again: the next start completes the job.
	if spec.Mode == "readonly" {
		if err := syscall.Mount("tmpfs", spec.Mount, "tmpfs", syscall.MS_REMOUNT, opts); err != nil {
			return fail("remount read-write: %v", err)
		}
	} else if err := os.Remove(filler); err != nil {
		return fail("remove the filler: %v", err)
	}
	r, err = runAgent(spec.Env, "render")
	if err != nil {
		return fail("%v", err)
	}
	rep.RecoverCode, rep.RecoverStderr = r.Code, r.Stderr
	done, err := snapshot(home)
	if err != nil {
		return fail("snapshot: %v", err)
	}
	rep.RecoverChanged = len(diffSnapshots(after, done))
	return rep
}

// fill writes path until the file system is full, then gives back enough
// to leave free bytes (rounded up to whole pages by tmpfs).
func fill(path string, free int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	var size int64
	for {
		n, err := f.Write(chunk)
		size += int64(n)
		if err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				break
			}
			return err
		}
	}
	// Byte-sized writes fill the last partial page.
	for {
		if _, err := f.Write([]byte{0}); err != nil {
			break
		}
		size++
	}
	if free > 0 {
		if err := f.Truncate(max(size-free, 0)); err != nil {
			return err
		}
	}
	return f.Sync()
}

func freeBytes(path string) int64 {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return -1
	}
	return int64(st.Bavail) * st.Bsize
}

func TestApplyReadOnlyOrFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test mounts a tmpfs in a private mount namespace: run it as root (CI does)")
	}
	root := t.TempDir()
	certs := filepath.Join(root, "certs")
	genCerts(t, certs, "A-ks-pw")
	mediator := filepath.Join(root, "mediator")
	writeMediators(t, mediator)
	src := fixtures.WSO2("wso2am-2.0.0")

	// How much the setup writes: render a scratch copy and add up the
	// files it changed.
	scratch := filepath.Join(root, "scratch")
	copyTree(t, src, scratch)
	before, err := snapshot(scratch)
	if err != nil {
		t.Fatal(err)
	}
	if r := mustRun(t, gatewayEnv(scratch, certs, mediator, 0), "render"); r.Code != 0 {
		t.Fatalf("render on a writable copy: code %d\n%s", r.Code, r.Stderr)
	}
	after, err := snapshot(scratch)
	if err != nil {
		t.Fatal(err)
	}
	var written int64
	for p, st := range after {
		if before[p] != st {
			written += st.Size
		}
	}
	t.Logf("the gateway setup writes %d bytes in %d files", written, len(diffSnapshots(before, after)))

	cases := []struct {
		name string
		mode string
		free int64
	}{
		{"read-only", "readonly", 0},
		{"full", "full", 0},
		{"4KiB free", "full", 4 << 10},
		{"25% free", "full", written / 4},
		{"50% free", "full", written / 2},
		{"90% free", "full", written * 9 / 10},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			mnt := filepath.Join(dir, "mnt")
			if err := os.Mkdir(mnt, 0o755); err != nil {
				t.Fatal(err)
			}
			home := filepath.Join(mnt, "home")
			spec := nsSpec{Mode: c.mode, Free: c.free, Mount: mnt, Src: src, Agent: agentBin,
				Env: gatewayEnv(home, certs, mediator, 0), Report: filepath.Join(dir, "report.json")}
			b, _ := json.Marshal(spec)
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), nsChildEnv+"="+string(b))
			cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("namespaced child: %v\n%s", err, out)
			}
			var rep nsReport
			raw, err := os.ReadFile(spec.Report)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Err != "" {
				t.Fatalf("namespaced child: %s", rep.Err)
			}
			if c.mode == "full" && rep.FreeBefore > written {
				t.Fatalf("%d bytes free: the setup (%d bytes) would fit", rep.FreeBefore, written)
			}
			t.Logf("free %d bytes; exit %d; %s", rep.FreeBefore, rep.Code, strings.TrimSpace(rep.Stderr))
			if rep.Code != 74 {
				t.Errorf("exit code %d, want 74 (ioerr)\n%s", rep.Code, rep.Stderr)
			}
			lines := strings.Split(strings.TrimSpace(rep.Stderr), "\n")
			var errLines []string
			for _, l := range lines {
				if strings.HasPrefix(l, "agent: ") || strings.Contains(l, "level=ERROR") {
					errLines = append(errLines, l)
				}
			}
			want := "no space left on device"
			if c.mode == "readonly" {
				want = "read-only file system"
			}
			if len(errLines) != 1 || !strings.Contains(errLines[0], want) || !strings.Contains(errLines[0], home) {
				t.Errorf("want one error line naming a file under %s and %q, got:\n%s", home, want, rep.Stderr)
			}
			if len(rep.Diff) > 0 {
				t.Errorf("the failed render changed the tree:\n%s", strings.Join(rep.Diff, "\n"))
			}
			if len(rep.Leftovers) > 0 {
				t.Errorf("temporary files left behind: %v", rep.Leftovers)
			}
			if rep.RecoverCode != 0 || rep.RecoverChanged == 0 {
				t.Errorf("render with room again: exit %d, %d files changed\n%s", rep.RecoverCode, rep.RecoverChanged, rep.RecoverStderr)
			}
		})
	}
}
