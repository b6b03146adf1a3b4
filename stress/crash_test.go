package stress

// TestCrashAtRandomPoints kills `agent render` with SIGKILL at random points
// hundreds of times — uniform over the measured duration of a render, and
// for every other run uniform over its writing part (after the time a
// render with nothing to write takes) — on one
// gateway tree that alternates between two environments A and B which differ
// in every value the profile writes (passwords, database host, cluster
// members, analytics switch, proxy port, and the whole certificate set:
// truststore entries and the component's own keystore). After every kill:
//
//   - every file of the tree is byte for byte either its A or its B version
//     (computed by uninterrupted renders), with its mode; no third state;
//   - every keystore loads with its password (package keystore) and holds
//     exactly A's or B's entries;
//
// and at the end one uninterrupted render completes the job (the tree equals
// the target state; keytool lists the keystores) and a further render
// changes nothing (bytes, mtimes, inodes). Stale .agent-tmp-* files left by
// the kills are counted and logged (they are not target files).
// STRESS_CRASH_ITERATIONS (default 800, capped at 50 s) and STRESS_SEED
// repeat a run.

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wso2-container/agent/internal/fixtures"
	"github.com/wso2-container/agent/keystore"
)

// treeState is the content of every file of a tree, and for keystores the
// entries (alias, type, fingerprint) they hold.
type treeState struct {
	files map[string][]byte
	modes map[string]os.FileMode
	ks    map[string]string // keystore rel path -> entry summary
}

// keystoreSummary loads a keystore with the first password that opens it
// and summarises its entries; creation dates are left out (they record the
// time of each render).
func keystoreSummary(data []byte, passwords []string) (string, error) {
	var lastErr error
	for _, pw := range passwords {
		st, err := keystore.Load(data, pw)
		if err != nil {
			lastErr = err
			continue
		}
		var lines []string
		for _, e := range st.Entries() {
			lines = append(lines, fmt.Sprintf("%s trusted=%v %s", e.Alias, e.Trusted, e.SHA256))
		}
		sort.Strings(lines)
		return strings.Join(lines, "\n"), nil
	}
	return "", lastErr
}

func readState(root string, passwords []string) (*treeState, error) {
	s := &treeState{files: map[string][]byte{}, modes: map[string]os.FileMode{}, ks: map[string]string{}}
	err := filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || isLeftover(info.Name()) {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		s.files[rel] = b
		s.modes[rel] = info.Mode()
		if strings.HasSuffix(rel, ".jks") {
			sum, err := keystoreSummary(b, passwords)
			if err != nil {
				return fmt.Errorf("keystore %s does not load: %w", rel, err)
			}
			s.ks[rel] = sum
		}
		return nil
	})
	return s, err
}

// compareStates says, for every file of cur, whether it is a's or b's
// version; it returns how many of the files that differ between a and b
// are at a's and at b's version, and the files that are neither.
func compareStates(cur, a, b *treeState) (nA, nB int, bad []string) {
	for rel := range a.files {
		if _, ok := cur.files[rel]; !ok {
			bad = append(bad, rel+": missing")
		}
	}
	for rel, data := range cur.files {
		av, inA := a.files[rel]
		bv, inB := b.files[rel]
		if !inA || !inB {
			bad = append(bad, rel+": not a file of either state")
			continue
		}
		isA, isB := false, false
		if k, ok := cur.ks[rel]; ok {
			isA, isB = k == a.ks[rel], k == b.ks[rel]
		} else {
			isA, isB = bytes.Equal(data, av), bytes.Equal(data, bv)
		}
		isA = isA && cur.modes[rel] == a.modes[rel]
		isB = isB && cur.modes[rel] == b.modes[rel]
		switch {
		case isA && isB: // the same in both states
		case isA:
			nA++
		case isB:
			nB++
		default:
			bad = append(bad, fmt.Sprintf("%s: neither version (%d bytes, mode %v)", rel, len(data), cur.modes[rel]))
		}
	}
	sort.Strings(bad)
	return nA, nB, bad
}

func TestCrashAtRandomPoints(t *testing.T) {
	iterations := 800
	if v, err := strconv.Atoi(os.Getenv("STRESS_CRASH_ITERATIONS")); err == nil && v > 0 {
		iterations = v
	}
	seed := uint64(time.Now().UnixNano())
	if v, err := strconv.ParseUint(os.Getenv("STRESS_SEED"), 10, 64); err == nil {
		seed = v
	}
	t.Logf("seed %d (STRESS_SEED to repeat), %d iterations", seed, iterations)
	rng := rand.New(rand.NewPCG(seed, 0x5eed))

	root := fastTempDir(t)
	home := filepath.Join(root, "home")
	copyTree(t, fixtures.WSO2("wso2am-2.0.0"), home)
	certA, certB := filepath.Join(root, "certs-a"), filepath.Join(root, "certs-b")
	genCerts(t, certA, "A-ks-pw")
	genCerts(t, certB, "B-ks-pw")
	mediator := filepath.Join(root, "mediator")
	writeMediators(t, mediator)
	envs := [2]map[string]string{
		gatewayEnv(home, certA, mediator, 0),
		gatewayEnv(home, certB, mediator, 1),
	}
	passwords := []string{"wso2carbon", "A-ks-pw", "B-ks-pw"}

	// The two target states, by uninterrupted renders: A, B, and A again
	// (which must give A's bytes back: a changed value replaces the old one).
	var durations []time.Duration
	render := func(env map[string]string) {
		t.Helper()
		start := time.Now()
		r := mustRun(t, env, "render")
		durations = append(durations, time.Since(start))
		if r.Code != 0 {
			t.Fatalf("uninterrupted render: code %d\n%s", r.Code, r.Stderr)
		}
	}
	state := func() *treeState {
		t.Helper()
		s, err := readState(home, passwords)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	render(envs[0])
	stA := state()
	render(envs[1])
	stB := state()
	render(envs[0])
	if nA, nB, bad := compareStates(state(), stA, stB); len(bad) > 0 || nB > 0 {
		t.Fatalf("A -> B -> A does not give A back (%d A, %d B files): %v", nA, nB, bad)
	}
	changing, _, _ := compareStates(stA, stA, stB)
	if changing < 10 {
		t.Fatalf("only %d files differ between A and B: the test would prove little", changing)
	}
	for i := 0; i < 9; i++ { // more timings, alternating; the tree ends at A
		render(envs[1-i%2])
	}
	sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
	window := durations[len(durations)/2] * 3 / 2
	// A render with nothing to write is the planning part; half of the
	// kills aim at what follows it (staging and renaming), where a kill can
	// leave a mix of old and new files.
	var noop []time.Duration
	for i := 0; i < 7; i++ {
		start := time.Now()
		if r := mustRun(t, envs[0], "render"); r.Code != 0 {
			t.Fatalf("render with nothing to do: code %d\n%s", r.Code, r.Stderr)
		}
		noop = append(noop, time.Since(start))
	}
	sort.Slice(noop, func(i, j int) bool { return noop[i] < noop[j] })
	applyFrom := noop[len(noop)/2] * 4 / 5
	if applyFrom >= window {
		applyFrom = window / 2
	}
	t.Logf("%d files, %d differ between A and B; render takes %v..%v (median %v), %v with nothing to write; kills uniform over 0..%v, and over %v..%v for every other run",
		len(stA.files), changing, durations[0], durations[len(durations)-1], durations[len(durations)/2], noop[len(noop)/2], window, applyFrom, window)

	deadline := time.Now().Add(50 * time.Second)
	var killed, finished, mixed, allA, allB, maxLeft int
	for i := 0; i < iterations; i++ {
		if time.Now().After(deadline) {
			if i < 100 {
				t.Fatalf("only %d iterations in 50 s", i)
			}
			t.Logf("time budget reached after %d iterations", i)
			iterations = i // what the kill ratio below is measured against
			break
		}
		env := envs[(i+1)%2]
		delay := time.Duration(rng.Int64N(int64(window)))
		if i%2 == 1 {
			delay = applyFrom + time.Duration(rng.Int64N(int64(window-applyFrom)))
		}
		if killAfter(t, delay, fmt.Sprintf("iteration %d", i), env, "render") {
			killed++
		} else {
			finished++
		}

		cur, err := readState(home, passwords)
		if err != nil {
			t.Fatalf("iteration %d (killed after %v): %v", i, delay, err)
		}
		nA, nB, bad := compareStates(cur, stA, stB)
		if len(bad) > 0 {
			t.Fatalf("iteration %d (killed after %v): files in a third state:\n%s", i, delay, strings.Join(bad, "\n"))
		}
		switch {
		case nA > 0 && nB > 0:
			mixed++
		case nA == 0:
			allB++
		default:
			allA++
		}
		if n := len(tempLeftovers(home)); n > maxLeft {
			maxLeft = n
		}
	}
	t.Logf("%d runs killed, %d finished before the kill; afterwards the tree was all A %d times, all B %d times, a mix of whole A and B files %d times; at most %d stale temporary files at once",
		killed, finished, allA, allB, mixed, maxLeft)
	if killed < iterations/4 {
		t.Errorf("only %d of the runs were killed: the kill window misses the render", killed)
	}

	// The next start completes the job, and the one after changes nothing.
	leftBefore := tempLeftovers(home)
	r := mustRun(t, envs[0], "render")
	if r.Code != 0 {
		t.Fatalf("render after the kills: code %d\n%s", r.Code, r.Stderr)
	}
	if nA, nB, bad := compareStates(state(), stA, stB); len(bad) > 0 || nB > 0 {
		t.Fatalf("render after the kills did not complete the job: %d A, %d B files, %v", nA, nB, bad)
	}
	for _, ks := range []struct{ path, pw string }{
		{filepath.Join(home, "repository/resources/security/client-truststore.jks"), "wso2carbon"},
		{filepath.Join(home, "repository/resources/security/wso2gateway.jks"), "A-ks-pw"},
	} {
		out, err := exec.Command("keytool", "-list", "-keystore", ks.path, "-storepass", ks.pw).CombinedOutput()
		if err != nil {
			t.Fatalf("keytool -list %s: %v\n%s", ks.path, err, out)
		}
		if !strings.Contains(string(out), "wso2gatewaycert") {
			t.Fatalf("keytool -list %s: no wso2gatewaycert:\n%s", ks.path, out)
		}
	}
	before, err := snapshot(home)
	if err != nil {
		t.Fatal(err)
	}
	if r := mustRun(t, envs[0], "render"); r.Code != 0 {
		t.Fatalf("second render: code %d\n%s", r.Code, r.Stderr)
	}
	after, err := snapshot(home)
	if err != nil {
		t.Fatal(err)
	}
	if d := diffSnapshots(before, after); len(d) > 0 {
		t.Fatalf("a further render changed the tree:\n%s", strings.Join(d, "\n"))
	}
	leftAfter := tempLeftovers(home)
	t.Logf("stale temporary files: %d before the completing render, %d after it", len(leftBefore), len(leftAfter))
	if len(leftAfter) > 0 {
		t.Errorf("the completing render left stale temporary files: %v", leftAfter)
	}
}

// fastTempDir is a temporary folder on /dev/shm when there is one (a
// SIGKILL tests the process, not the disk: a tmpfs gives more kills per
// second), else t.TempDir(). STRESS_DIR overrides the parent.
func fastTempDir(t *testing.T) string {
	t.Helper()
	parent := os.Getenv("STRESS_DIR")
	if parent == "" {
		if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
			parent = "/dev/shm"
		}
	}
	if parent == "" {
		return t.TempDir()
	}
	dir, err := os.MkdirTemp(parent, "agent-stress-")
	if err != nil {
		return t.TempDir()
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}
