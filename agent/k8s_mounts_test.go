package agent

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/homelock"
	"github.com/wso2-container/agent/agent/plan"
)

// k8sVolume lays out dir the way the kubelet presents a ConfigMap or Secret
// volume: the files live in a timestamped folder, ..data is a symbolic link
// to it, and each file name is a symbolic link through ..data. Called again
// with other files, it makes the kubelet's atomic update (a new timestamped
// folder, ..data switched, links of dropped files removed).
func k8sVolume(t *testing.T, dir, stamp string, files map[string]string) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(dir, 0o755))
	ts := "..2026_12_04_" + stamp
	must(os.Mkdir(filepath.Join(dir, ts), 0o755))
	for n, c := range files {
		must(os.WriteFile(filepath.Join(dir, ts, n), []byte(c), 0o644))
	}
	tmp := filepath.Join(dir, "..data_tmp")
	must(os.Symlink(ts, tmp))
	must(os.Rename(tmp, filepath.Join(dir, "..data")))
	ents, err := os.ReadDir(dir)
	must(err)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "..") {
			continue
		}
		if _, ok := files[e.Name()]; !ok {
			must(os.Remove(filepath.Join(dir, e.Name())))
		}
	}
	for n := range files {
		if _, err := os.Lstat(filepath.Join(dir, n)); os.IsNotExist(err) {
			must(os.Symlink(filepath.Join("..data", n), filepath.Join(dir, n)))
		}
	}
}

// libState is the jars of lib (name=content, sorted), with any file that is
// not a regular file or does not end in .jar listed by name.
func libState(t *testing.T, lib string) string {
	t.Helper()
	ents, err := os.ReadDir(lib)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if e.Name() == plan.MediatorManifest {
			continue
		}
		if !e.Type().IsRegular() {
			out = append(out, e.Name()+"(not a regular file)")
			continue
		}
		out = append(out, e.Name()+"="+readFile(t, filepath.Join(lib, e.Name())))
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// TestMediatorsFromKubernetesVolume: a mediator share that is a ConfigMap
// volume is mirrored like a folder of regular files, through its links;
// the image's own jar of the same name is replaced only by a jar that
// really differs, and it is back when the share drops the jar; an identical
// jar in the share never makes the agent delete the image's jar.
func TestMediatorsFromKubernetesVolume(t *testing.T) {
	home := freshHome(t, "gateway")
	lib := filepath.Join(home, "repository/components/lib")
	if err := os.MkdirAll(lib, 0o755); err != nil {
		t.Fatal(err)
	}
	for n, c := range map[string]string{"image-same.jar": "same", "image-diff.jar": "image"} {
		if err := os.WriteFile(filepath.Join(lib, n), []byte(c), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	share := filepath.Join(t.TempDir(), "mediator")
	env := with(goldenEnv(t, "gateway", home), "WSO2_MEDIATOR_DIR", share)
	steps := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"first mount", map[string]string{"a.jar": "a1", "image-same.jar": "same", "image-diff.jar": "mounted"},
			".image-diff.jar.agent-orig=image a.jar=a1 image-diff.jar=mounted image-same.jar=same"},
		{"updated mount", map[string]string{"a.jar": "a2", "image-same.jar": "same", "image-diff.jar": "mounted2"},
			".image-diff.jar.agent-orig=image a.jar=a2 image-diff.jar=mounted2 image-same.jar=same"},
		{"jars dropped from the mount", map[string]string{"b.jar": "b1"},
			"b.jar=b1 image-diff.jar=image image-same.jar=same"},
		{"empty mount", map[string]string{},
			"image-diff.jar=image image-same.jar=same"},
	}
	for i, s := range steps {
		k8sVolume(t, share, string(rune('a'+i)), s.files)
		mustApply(t, env, goldenDNS)
		if got := libState(t, lib); got != s.want {
			t.Fatalf("%s: lib holds\n  %s\nwant\n  %s", s.name, got, s.want)
		}
		if st, err := os.Stat(filepath.Join(lib, "image-diff.jar")); err != nil || st.Mode().Perm() != 0o640 {
			t.Fatalf("%s: image-diff.jar: %v, mode %v; want 0640 kept", s.name, err, st.Mode().Perm())
		}
		// A restart changes nothing.
		before := snapshot(t, lib)
		mustApply(t, env, goldenDNS)
		if d := diffSnapshots(before, snapshot(t, lib)); len(d) > 0 {
			t.Fatalf("%s: restart touched lib: %v", s.name, d)
		}
	}
}

// TestSeedFromKubernetesVolume: a deployment seed that is a ConfigMap
// volume (files as links through ..data) is copied as regular files with
// their content, without Kubernetes' ..data and timestamped folders.
func TestSeedFromKubernetesVolume(t *testing.T) {
	src := filepath.Join(t.TempDir(), "seed")
	k8sVolume(t, src, "x", map[string]string{"api.xml": "<api/>\n", "proxy.xml": "<proxy/>\n"})
	dst := filepath.Join(t.TempDir(), "server")
	p := &plan.Plan{}
	if err := p.AddSeed(src, dst, time.Second, "WSO2_AGENT_LOCK_TIMEOUT"); err != nil || len(p.Seeds) != 1 {
		t.Fatalf("planSeed: %v, %d seeds", err, len(p.Seeds))
	}
	if _, err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(dst)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		if e.Name() == plan.SeedMarker || e.Name() == plan.SeedLock {
			continue
		}
		if !e.Type().IsRegular() {
			got = append(got, e.Name()+"(not a regular file)")
			continue
		}
		got = append(got, e.Name()+"="+strings.TrimSpace(readFile(t, filepath.Join(dst, e.Name()))))
	}
	sort.Strings(got)
	if g := strings.Join(got, " "); g != "api.xml=<api/> proxy.xml=<proxy/>" {
		t.Fatalf("seeded %s", g)
	}
}

// TestSeedLockWaitIsBounded: a seed lock held by another container (here:
// another open file description on the same lock file) makes the seeding
// agent give up after its WSO2_AGENT_LOCK_TIMEOUT with an error naming the
// lock and the variable, instead of blocking PID 1 forever, and nothing is
// copied.
func TestSeedLockWaitIsBounded(t *testing.T) {
	src := filepath.Join(t.TempDir(), "seed")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "api.xml"), []byte("<api/>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "server")
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	holder, err := os.OpenFile(filepath.Join(dst, plan.SeedLock), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if err := syscall.Flock(int(holder.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	p := &plan.Plan{}
	if err := p.AddSeed(src, dst, 50*time.Millisecond, "WSO2_AGENT_LOCK_TIMEOUT"); err != nil || len(p.Seeds) != 1 {
		t.Fatalf("planSeed: %v, %d seeds", err, len(p.Seeds))
	}
	_, err = p.Apply()
	if err == nil || !errors.Is(err, homelock.ErrBusy) {
		t.Fatalf("Apply with the seed lock held: %v, want an error wrapping %v", err, homelock.ErrBusy)
	}
	if code := exitcode.Of(err); code != exitcode.TempFail {
		t.Errorf("exit code %d, want %d (tempfail, as for a busy home)", code, exitcode.TempFail)
	}
	for _, want := range []string{plan.SeedLock, "WSO2_AGENT_LOCK_TIMEOUT", dst} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	ents, err := os.ReadDir(dst)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 || ents[0].Name() != plan.SeedLock {
		t.Errorf("seed folder holds %v, want only the lock file", ents)
	}
	if err := syscall.Flock(int(holder.Fd()), syscall.LOCK_UN); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Apply(); err != nil {
		t.Fatalf("Apply once the lock is free: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dst, "api.xml")); err != nil {
		t.Errorf("seeded file missing after the lock was released: %v", err)
	}
}
