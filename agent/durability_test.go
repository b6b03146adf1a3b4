package agent

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
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
	return traceRenderCalls(t, env, "sync,syncfs,fsync,fdatasync,sync_file_range,rename,renameat,renameat2")
}

// traceRenderCalls is traceRender for the system calls in set (strace's
// trace= list); a call succeeded when it returned 0 or more.
func traceRenderCalls(t *testing.T, env map[string]string, set string) []tracedCall {
	t.Helper()
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Fatalf("strace is required for this test (scripts/install-deps.sh installs it): %v", err)
	}
	out := filepath.Join(t.TempDir(), "trace")
	cmd := exec.Command(strace, "-f", "-qq", "-y", "-s", "4096", "-o", out,
		"-e", "trace="+set,
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
		if m == nil || strings.HasPrefix(m[3], "-") {
			continue
		}
		calls = append(calls, tracedCall{m[1], m[2]})
	}
	return calls
}

var (
	renameArgs = regexp.MustCompile(`^AT_FDCWD(?:<[^>]*>)?, "([^"]+)", AT_FDCWD(?:<[^>]*>)?, "([^"]+)"`)
	fdPath     = regexp.MustCompile(`^\d+<(.*)>$`)
	// renameat(2) of an entry of an open folder: the folder's path, the
	// entry, the new path.
	renameFromDirFd = regexp.MustCompile(`^\d+<([^>]*)>, "([^"]+)", AT_FDCWD(?:<[^>]*>)?, "([^"]+)"`)
	// The copy-complete file, created relative to the copy's descriptor.
	copyComplete = regexp.MustCompile(`^\d+<[^>]*/\.agent-seed-tmp>, "\.agent-copy-complete"`)
)

// fsyncs reports whether calls fsync path.
func fsyncs(calls []tracedCall, path string) bool {
	for _, c := range calls {
		if m := fdPath.FindStringSubmatch(c.args); c.name == "fsync" && m != nil && m[1] == path {
			return true
		}
	}
	return false
}

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
					if !fsyncs(calls[i+1:], dir) {
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

// TestSeedCopyDurableBeforeComplete: the seed's copy counts as complete
// only once every file and folder of it is durable (fsynced) — otherwise a
// power loss could leave the volume marked seeded over empty files — and the
// volume's folder is fsynced after the copy's entries were renamed into it.
// No sync(2) or syncfs(2).
func TestSeedCopyDurableBeforeComplete(t *testing.T) {
	home := freshHome(t, "gateway")
	env := processEnv(t, "gateway", home)
	dep, seed := emptyDeployment(t, home)
	env["WSO2_DEPLOYMENT_SEED"] = seed
	calls := traceRenderCalls(t, env, "sync,syncfs,fsync,fdatasync,openat,rename,renameat,renameat2")
	copyDir := filepath.Join(dep, ".agent-seed-tmp")
	synced := map[string]bool{}
	complete, lastRename := -1, -1
	for i, c := range calls {
		switch c.name {
		case "sync", "syncfs":
			t.Fatalf("%s called while seeding", c.name)
		case "fsync", "fdatasync":
			if m := fdPath.FindStringSubmatch(c.args); m != nil {
				synced[m[1]] = true
			}
		case "openat":
			// The copy is written through its folder's descriptor,
			// never by its path.
			if complete < 0 && copyComplete.MatchString(c.args) && strings.Contains(c.args, "O_CREAT") {
				complete = i
				var missing []string
				_ = filepath.Walk(seed, func(path string, fi os.FileInfo, err error) error {
					if err != nil {
						return err
					}
					rel, _ := filepath.Rel(seed, path)
					if !synced[filepath.Join(copyDir, rel)] {
						missing = append(missing, rel)
					}
					return nil
				})
				if len(missing) > 0 {
					t.Errorf("the copy was marked complete before %d of its files and folders were fsynced, e.g. %v", len(missing), missing[:min(5, len(missing))])
				}
			}
		case "rename", "renameat", "renameat2":
			if m := renameFromDirFd.FindStringSubmatch(c.args); m != nil && m[1] == copyDir {
				lastRename = i
			}
		}
	}
	if complete < 0 || lastRename < complete {
		t.Fatalf("no copy-complete file created (%d) or no entry renamed after it (%d): nothing was seeded?", complete, lastRename)
	}
	if !fsyncs(calls[lastRename+1:], dep) {
		t.Errorf("the volume's folder %s was not fsynced after the copy's entries were renamed into it", dep)
	}
	if _, err := os.Stat(filepath.Join(dep, ".agent-seeded")); err != nil {
		t.Fatalf("not seeded: %v", err)
	}
}

// pathArgs matches the arguments of a call on one path given by its
// absolute name (mkdirat(2), unlinkat(2)): the path.
var pathArgs = regexp.MustCompile(`^AT_FDCWD(?:<[^>]*>)?, "(/[^"]+)", `)

// TestDurabilityNewFoldersSynced: a folder the start makes (here
// repository/components and repository/components/lib, for the mediator
// jars of a home that has neither, and the deployment folder a seed goes
// to) is made durable, an fsync of the folder above it, after it is made
// and before any file is renamed into it: a power loss would otherwise
// take away the folder, and the files synced into it with it.
func TestDurabilityNewFoldersSynced(t *testing.T) {
	home := freshHome(t, "gateway")
	env := processEnv(t, "gateway", home)
	lib := filepath.Join(home, "repository/components/lib")
	if _, err := os.Stat(filepath.Dir(lib)); err == nil {
		t.Fatalf("the fixture has %s: the test needs a home without it", filepath.Dir(lib))
	}
	dep, seed := emptyDeployment(t, home)
	if err := os.Remove(dep); err != nil {
		t.Fatal(err)
	}
	env["WSO2_DEPLOYMENT_SEED"] = seed
	calls := traceRenderCalls(t, env, "mkdir,mkdirat,fsync,rename,renameat,renameat2")
	var made []string
	for i, c := range calls {
		if c.name != "mkdirat" && c.name != "mkdir" {
			continue
		}
		m := pathArgs.FindStringSubmatch(c.args)
		if m == nil || !strings.HasPrefix(m[1], home+"/") {
			continue
		}
		dir := m[1]
		made = append(made, dir)
		parent := filepath.Dir(dir)
		synced := false
		for _, d := range calls[i+1:] {
			if d.name == "fsync" {
				if p := fdPath.FindStringSubmatch(d.args); p != nil && p[1] == parent {
					synced = true
					break
				}
			}
			if r := renameArgs.FindStringSubmatch(d.args); r != nil && strings.HasPrefix(r[2], dir+"/") {
				t.Errorf("%s renamed into the new folder %s before %s was fsynced", r[2], dir, parent)
				break
			}
		}
		if !synced {
			t.Errorf("folder %s made, but %s not fsynced after it", dir, parent)
		}
	}
	for _, want := range []string{filepath.Dir(lib), lib, dep} {
		if !slices.Contains(made, want) {
			t.Errorf("folder %s not made (made: %v)", want, made)
		}
	}
	if _, err := os.Stat(filepath.Join(lib, "golden-mediator-1.0.jar")); err != nil {
		t.Fatalf("the mediator jar was not mirrored: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dep, ".agent-seeded")); err != nil {
		t.Fatalf("not seeded: %v", err)
	}
}

// TestDurabilityMediatorRemovalBeforeManifest: a mediator jar the share
// dropped is removed, and the removal made durable (an fsync of its
// folder), before the manifest that no longer lists it replaces the one
// that does: otherwise a crash between the two leaves a jar that no
// manifest claims, which stays in the folder for good.
func TestDurabilityMediatorRemovalBeforeManifest(t *testing.T) {
	home := freshHome(t, "gateway")
	share := filepath.Join(t.TempDir(), "mediator")
	if err := os.MkdirAll(share, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(share, "a.jar"), []byte("jar-A"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := with(processEnv(t, "gateway", home), "WSO2_MEDIATOR_DIR", share)
	if r := runPipe(t, env, "render"); r.Code != 0 {
		t.Fatalf("first render: exit %d\n%s", r.Code, r.Stderr)
	}
	if err := os.Remove(filepath.Join(share, "a.jar")); err != nil {
		t.Fatal(err)
	}
	lib := filepath.Join(home, "repository/components/lib")
	jar, manifest := filepath.Join(lib, "a.jar"), filepath.Join(lib, ".agent-mediators")
	calls := traceRenderCalls(t, env, "unlinkat,fsync,rename,renameat,renameat2")
	removed, synced, committed := -1, -1, -1
	for i, c := range calls {
		switch c.name {
		case "unlinkat":
			if m := pathArgs.FindStringSubmatch(c.args); m != nil && m[1] == jar {
				removed = i
			}
		case "fsync":
			if m := fdPath.FindStringSubmatch(c.args); m != nil && m[1] == lib && removed >= 0 && synced < 0 {
				synced = i
			}
		default:
			if m := renameArgs.FindStringSubmatch(c.args); m != nil && m[2] == manifest {
				committed = i
			}
		}
	}
	switch {
	case removed < 0 || committed < 0:
		t.Fatalf("a.jar removed at call %d, the manifest renamed at call %d: want both", removed, committed)
	case committed < removed:
		t.Errorf("the manifest was renamed into place (call %d) before a.jar was removed (call %d)", committed, removed)
	case synced < 0 || synced > committed:
		t.Errorf("%s not fsynced between a.jar's removal (call %d) and the manifest's rename (call %d; fsync at %d)", lib, removed, committed, synced)
	}
	if _, err := os.Stat(jar); err == nil {
		t.Fatal("a.jar is still there")
	}
}
