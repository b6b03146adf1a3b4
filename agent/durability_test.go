package agent

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// straceLine matches one traced call: pid, name, arguments, result.
var straceLine = regexp.MustCompile(`^([a-z0-9_]+)\((.*)\)\s+=\s+(-?\d+)`)

// tracedCall is one system call the agent made, as strace -y printed it.
type tracedCall struct{ name, args string }

// traceRender runs `agent render` under strace, following threads, with
// file descriptors decorated by their paths (-y), and returns the
// successful durability-related calls in order.
func traceRender(t *testing.T, env map[string]string) []tracedCall {
	t.Helper()
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Fatalf("strace is required for this test (scripts/install-deps.sh installs it): %v", err)
	}
	out := filepath.Join(t.TempDir(), "trace")
	cmd := exec.Command(strace, "-f", "-qq", "-y", "-s", "4096", "-o", out,
		"-e", "trace=sync,syncfs,fsync,fdatasync,sync_file_range,rename,renameat,renameat2",
		buildPipeBin(t), "render")
	cmd.Env = envList(env)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("agent render under strace: %v\n%s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// A call interrupted by another thread's is printed in two parts:
	// "PID name(args <unfinished ...>" and "PID <... name resumed>) = R";
	// it is put together and placed where it ended.
	var calls []tracedCall
	pending := map[string]string{}
	for _, l := range strings.Split(string(data), "\n") {
		pid, rest, _ := strings.Cut(l, " ")
		rest = strings.TrimLeft(rest, " ")
		if head, ok := strings.CutSuffix(rest, " <unfinished ...>"); ok {
			pending[pid] = head
			continue
		}
		if strings.HasPrefix(rest, "<... ") {
			_, tail, ok := strings.Cut(rest, " resumed>")
			if !ok {
				continue
			}
			rest = pending[pid] + tail
			delete(pending, pid)
		}
		m := straceLine.FindStringSubmatch(rest)
		if m == nil || m[3] != "0" {
			continue
		}
		calls = append(calls, tracedCall{m[1], m[2]})
	}
	return calls
}

var (
	renameArgs = regexp.MustCompile(`^AT_FDCWD(?:<[^>]*>)?, "([^"]+)", AT_FDCWD(?:<[^>]*>)?, "([^"]+)"`)
	fdPath     = regexp.MustCompile(`^\d+<(.*)>$`)
)

// TestDurabilityCostsOnlyOwnBytes (issue 18): a first start makes each file
// it writes durable by itself — the temporary file fsynced before it is
// renamed over its target, the target's directory fsynced after — and never
// calls sync(2) or syncfs(2), which would wait for every other container's
// dirty data on the host's file system. A restart with the same inputs
// syncs and renames nothing.
func TestDurabilityCostsOnlyOwnBytes(t *testing.T) {
	for _, prof := range []string{"gateway", "analytics", "identityserver"} {
		t.Run(prof, func(t *testing.T) {
			home := freshHome(t, prof)
			env := processEnv(t, prof, home)
			calls := traceRender(t, env)
			synced := map[string]int{} // path -> index of its last fsync
			renames := 0
			for i, c := range calls {
				switch c.name {
				case "sync", "syncfs":
					t.Fatalf("%s called: a start must not flush other processes' data", c.name)
				case "fsync", "fdatasync":
					if m := fdPath.FindStringSubmatch(c.args); m != nil {
						synced[m[1]] = i
					}
				case "rename", "renameat", "renameat2":
					m := renameArgs.FindStringSubmatch(c.args)
					if m == nil {
						t.Fatalf("cannot read %s(%s)", c.name, c.args)
					}
					from, to := m[1], m[2]
					if !strings.Contains(filepath.Base(from), ".agent-tmp-") {
						continue
					}
					renames++
					if j, ok := synced[from]; !ok || j > i {
						t.Errorf("%s renamed over %s without an fsync before", from, to)
					}
					dir := filepath.Dir(to)
					after := false
					for _, d := range calls[i+1:] {
						if m := fdPath.FindStringSubmatch(d.args); d.name == "fsync" && m != nil && m[1] == dir {
							after = true
							break
						}
					}
					if !after {
						t.Errorf("directory %s not fsynced after %s was renamed into it", dir, filepath.Base(to))
					}
				}
			}
			if renames == 0 {
				t.Fatal("first render renamed no file into place: nothing was traced")
			}

			for _, c := range traceRender(t, env) {
				switch c.name {
				case "rename", "renameat", "renameat2", "fsync", "fdatasync", "sync", "syncfs":
					t.Errorf("restart with unchanged inputs called %s(%s)", c.name, c.args)
				}
			}
		})
	}
}
