package agent

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/homelock"
	"github.com/wso2-container/agent/keystore"
)

// contentTree maps every path under root (relative) to its type, mode and
// content: what a tree holds, not when or how it was written. A truststore
// is recorded by its entries (alias, type, fingerprint), since an imported
// entry carries the time of its import.
func contentTree(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	snap := snapshot(t, root)
	for p, s := range snap {
		rel, _ := filepath.Rel(root, p)
		out[rel] = fmt.Sprintf("%v %s", s.Mode, s.Hash)
		if filepath.Base(p) == "client-truststore.jks" {
			st, err := keystore.Load([]byte(readFile(t, p)), "wso2carbon")
			if err != nil {
				t.Fatalf("load %s: %v", p, err)
			}
			var ents []string
			for _, e := range st.Entries() {
				ents = append(ents, fmt.Sprintf("%s/%v/%s", e.Alias, e.Trusted, e.SHA256))
			}
			out[rel] = fmt.Sprintf("%v %s", s.Mode, strings.Join(ents, " "))
		}
	}
	return out
}

// parallelRenders runs n `agent render` processes at once, env(i) being the
// environment of the i-th, and returns their results.
func parallelRenders(t *testing.T, n int, env func(i int) map[string]string) []runResult {
	t.Helper()
	bin := buildPipeBin(t)
	res := make([]runResult, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			cmd := exec.Command(bin, "render")
			cmd.Env = envList(env(i))
			var so, se bytes.Buffer
			cmd.Stdout, cmd.Stderr = &so, &se
			<-start
			err := cmd.Run()
			res[i] = runResult{Stdout: so.String(), Stderr: se.String()}
			if ee, ok := err.(*exec.ExitError); ok {
				res[i].Code = ee.ExitCode()
			} else {
				errs[i] = err
			}
		}(i)
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("run agent: %v", err)
		}
	}
	return res
}

// checkSerialised fails unless every render succeeded or failed with one
// clear "home is busy" line and exit 75.
func checkSerialised(t *testing.T, res []runResult) {
	t.Helper()
	busy := 0
	for i, r := range res {
		switch r.Code {
		case 0:
		case exitcode.TempFail:
			busy++
			if l := errorLines(r.Stderr); len(l) != 1 || !strings.Contains(l[0], "home is busy") {
				t.Errorf("render %d: exit 75 without one clear 'home is busy' line:\n%s", i, r.Stderr)
			}
		default:
			t.Errorf("render %d: exit %d\n%s", i, r.Code, r.Stderr)
		}
	}
	t.Logf("%d renders: %d succeeded, %d found the home busy", len(res), len(res)-busy, busy)
}

// TestParallelRendersOneHome: 25 `agent render` processes started at once
// on one home are serialised by the home lock. Every one succeeds (or
// fails clearly as busy), the final tree is byte for byte the tree one
// render makes, and when each brings its own certificate, the truststore
// ends up with every one of them: no import is lost to a concurrent
// read-modify-write.
func TestParallelRendersOneHome(t *testing.T) {
	const n = 25
	t.Run("same environment", func(t *testing.T) {
		home := freshHome(t, "gateway")
		single := freshHome(t, "gateway")
		env := func(h string) map[string]string {
			return with(goldenEnv(t, "gateway", h), "WSO2_CLUSTER_MEMBERS", "")
		}
		checkSerialised(t, parallelRenders(t, n, func(int) map[string]string { return env(home) }))
		if r := runPipe(t, env(single), "render"); r.Code != 0 {
			t.Fatalf("single render: exit %d\n%s", r.Code, r.Stderr)
		}
		got, want := contentTree(t, home), contentTree(t, single)
		for p, w := range want {
			if got[p] != w {
				t.Errorf("%s: after %d parallel renders %q, after one %q", p, n, got[p], w)
			}
		}
		for p := range got {
			if _, ok := want[p]; !ok {
				t.Errorf("%s: left by the parallel renders only", p)
			}
		}
	})
	t.Run("a certificate each", func(t *testing.T) {
		home := freshHome(t, "gateway")
		gen := t.TempDir()
		var comps []string
		for i := 0; i < n; i++ {
			comps = append(comps, fmt.Sprintf("peer%d", i))
		}
		if r := runPipe(t, map[string]string{"WSO2_KEYSTORE_PASSWORD": "wso2carbon"}, "certs", "generate", "--out", gen,
			"--key", "ecdsa-p256", "--components", strings.Join(comps, ",")); r.Code != 0 {
			t.Fatalf("certs generate: exit %d\n%s", r.Code, r.Stderr)
		}
		dirs := make([]string, n)
		for i, c := range comps {
			dirs[i] = filepath.Join(t.TempDir(), "certs")
			if err := os.Mkdir(dirs[i], 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dirs[i], "wso2"+c+".pem"), []byte(readFile(t, filepath.Join(gen, "wso2"+c+".pem"))), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		checkSerialised(t, parallelRenders(t, n, func(i int) map[string]string {
			return with(goldenEnv(t, "gateway", home), "WSO2_CLUSTER_MEMBERS", "", "WSO2_CERTIFICATES_DIR", dirs[i])
		}))
		ts := filepath.Join(home, "repository/resources/security/client-truststore.jks")
		out, err := exec.Command("keytool", "-list", "-keystore", ts, "-storepass", "wso2carbon").CombinedOutput()
		if err != nil {
			t.Fatalf("keytool -list: %v\n%s", err, out)
		}
		for _, c := range comps {
			if !strings.Contains(string(out), "wso2"+c+"cert,") {
				t.Errorf("the truststore lost the import of wso2%s.pem", c)
			}
		}
	})
}

// holdLock takes the home's lock in this process, as another agent would.
func holdLock(t *testing.T, home string) *os.File {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(home, homelock.Name), os.O_CREATE|os.O_RDONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestHomeBusy: while another process holds the home's lock, a render
// waits, saying once for whom (the holder's pid), and goes on as soon as
// the lock is released; one that waited WSO2_AGENT_LOCK_TIMEOUT fails with
// exit 75 and one line saying the home is busy, and has touched nothing.
func TestHomeBusy(t *testing.T) {
	holder := fmt.Sprintf("holder=\"pid %d\"", os.Getpid())
	t.Run("waits, then goes on", func(t *testing.T) {
		home := freshHome(t, "gateway")
		f := holdLock(t, home)
		cmd := exec.Command(buildPipeBin(t), "render")
		cmd.Env = envList(with(goldenEnv(t, "gateway", home), "WSO2_CLUSTER_MEMBERS", ""))
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stderr)
		var lines []string
		for sc.Scan() {
			lines = append(lines, sc.Text())
			if strings.Contains(sc.Text(), "home is busy: waiting") {
				break
			}
		}
		if len(lines) == 0 || !strings.Contains(lines[len(lines)-1], holder) {
			t.Fatalf("no log line naming the holder (%s):\n%s", holder, strings.Join(lines, "\n"))
		}
		f.Close() // release: the render goes on
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("render after the lock was released: %v\n%s", err, strings.Join(lines, "\n"))
		}
		if n := strings.Count(strings.Join(lines, "\n"), "home is busy"); n != 1 {
			t.Errorf("%d 'home is busy' lines, want 1", n)
		}
	})
	for _, dry := range []bool{false, true} {
		t.Run(fmt.Sprintf("times out, dry-run=%v", dry), func(t *testing.T) {
			home := freshHome(t, "gateway")
			holdLock(t, home)
			before := snapshot(t, home)
			args := []string{"render"}
			if dry {
				args = append(args, "--dry-run")
			}
			r := runPipe(t, with(goldenEnv(t, "gateway", home), "WSO2_CLUSTER_MEMBERS", "", "WSO2_AGENT_LOCK_TIMEOUT", "300ms"), args...)
			l := errorLines(r.Stderr)
			if r.Code != exitcode.TempFail || len(l) != 1 || !strings.Contains(l[0], "home is busy") || !strings.Contains(l[0], home) {
				t.Fatalf("exit %d, want 75 with one line saying %s is busy:\n%s", r.Code, home, r.Stderr)
			}
			if !strings.Contains(r.Stderr, holder) {
				t.Errorf("no line names the holder (%s):\n%s", holder, r.Stderr)
			}
			if d := diffSnapshots(before, snapshot(t, home)); len(d) > 0 {
				t.Fatalf("a render that found the home busy changed it: %v", d)
			}
		})
	}
}

// TestHomeLockFallback: a dry run never creates the lock file; where no lock
// file can be made, Acquire says why instead of failing (the setup then
// warns and goes on, see TestDryRunReadOnly for a read-only home).
func TestHomeLockFallback(t *testing.T) {
	home := freshHome(t, "gateway")
	env := with(goldenEnv(t, "gateway", home), "WSO2_CLUSTER_MEMBERS", "")
	if r := runPipe(t, env, "render", "--dry-run"); r.Code != 0 {
		t.Fatalf("dry run: exit %d\n%s", r.Code, r.Stderr)
	}
	if _, err := os.Lstat(filepath.Join(home, homelock.Name)); !os.IsNotExist(err) {
		t.Fatalf("a dry run created the lock file (%v)", err)
	}
	lk, err := homelock.Acquire(filepath.Join(home, "missing"), homelock.Options{})
	if err != nil || lk.Unlocked == "" {
		t.Fatalf("Acquire in a folder where no lock file can be made: %v, unlocked %q; want no error and a reason", err, lk.Unlocked)
	}
	if _, err := os.Lstat(filepath.Join(home, "missing")); !os.IsNotExist(err) {
		t.Fatal("Acquire created the home")
	}
}
