package stress

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wso2-container/agent/internal/fixtures"
)

// The agent's own entries in a seeded deployment folder (README: the
// gateway profiles' seeding): the lock, the marker written last, and the
// temporary copy.
const (
	seedLock   = ".agent-seed.lock"
	seedMarker = ".agent-seeded"
	seedTmp    = ".agent-seed-tmp"
)

// TestSeedCrashAtRandomPoints kills `agent render` with SIGKILL at random
// points while it seeds an empty deployment folder from a seed of many
// entries (so that both the copy and the renames into place take a while),
// and then runs one uninterrupted render, over and over: after it the folder
// holds exactly the seed (every file, byte for byte), the marker, and no
// temporary copy. A start killed while it renamed the copy into place used
// to leave a folder that the next start took as populated by someone else:
// it stayed half seeded. STRESS_SEED_ITERATIONS (default 300, capped at 25 s)
// and STRESS_SEED repeat a run.
//
// It runs twice: with `agent render`, and with `agent run -- /bin/true` as
// root for the user nobody (WSO2_AGENT_USER), where after every completed
// start the whole seeded tree must also be nobody's: a killed start must
// leave nothing that the server's user cannot use.
func TestSeedCrashAtRandomPoints(t *testing.T) {
	t.Run("render", func(t *testing.T) { seedCrash(t, false) })
	t.Run("run as root for nobody", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Fatal("this test needs root (the agent gives files away); CI runs as root")
		}
		seedCrash(t, true)
	})
}

func seedCrash(t *testing.T, asNobody bool) {
	iterations := 300
	if v, err := strconv.Atoi(os.Getenv("STRESS_SEED_ITERATIONS")); err == nil && v > 0 {
		iterations = v
	}
	seed := uint64(time.Now().UnixNano())
	if v, err := strconv.ParseUint(os.Getenv("STRESS_SEED"), 10, 64); err == nil {
		seed = v
	}
	t.Logf("seed %d (STRESS_SEED to repeat), %d iterations", seed, iterations)
	rng := rand.New(rand.NewPCG(seed, 0x5eed5eed))

	root := fastTempDir(t)
	home := filepath.Join(root, "home")
	copyTree(t, fixtures.WSO2("wso2am-2.0.0"), home)
	certs := filepath.Join(root, "certs")
	genCerts(t, certs, "A-ks-pw")
	mediator := filepath.Join(root, "mediator")
	writeMediators(t, mediator)
	seedDir := filepath.Join(root, "image-seed")
	for i := range 150 {
		dir := filepath.Join(seedDir, fmt.Sprintf("entry-%03d", i), "sub")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for j := range 2 {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%d.xml", j)), []byte(fmt.Sprintf("<e i=\"%d\" j=\"%d\"/>\n", i, j)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := fileContents(t, seedDir)
	env := gatewayEnv(home, certs, mediator, 0)
	env["WSO2_DEPLOYMENT_SEED"] = seedDir
	args := []string{"render"}
	nobody := -1
	if asNobody {
		env["WSO2_AGENT_USER"] = "nobody"
		env["WSO2_AGENT_WAIT_FOR"] = ""
		args = []string{"run", "--", "/bin/true"}
		u, err := user.Lookup("nobody")
		if err != nil {
			t.Fatal(err)
		}
		if nobody, err = strconv.Atoi(u.Uid); err != nil {
			t.Fatal(err)
		}
	}
	start := func() {
		t.Helper()
		if r := mustRun(t, env, args...); r.Code != 0 {
			t.Fatalf("agent %s: code %d\n%s", strings.Join(args, " "), r.Code, r.Stderr)
		}
	}
	dep := filepath.Join(home, "repository", "deployment", "server")
	empty := func() {
		t.Helper()
		if err := os.RemoveAll(dep); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dep, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	seeded := func(when string) {
		t.Helper()
		got := fileContents(t, dep)
		delete(got, seedLock)
		delete(got, seedMarker)
		var bad []string
		for rel, data := range want {
			if g, ok := got[rel]; !ok {
				bad = append(bad, rel+": missing")
			} else if !bytes.Equal(g, data) {
				bad = append(bad, rel+": other content")
			}
		}
		for rel := range got {
			if _, ok := want[rel]; !ok {
				bad = append(bad, rel+": not in the seed")
			}
		}
		if _, err := os.Stat(filepath.Join(dep, seedMarker)); err != nil {
			bad = append(bad, seedMarker+": missing")
		}
		if nobody >= 0 {
			_ = filepath.Walk(dep, func(path string, fi os.FileInfo, err error) error {
				if err != nil || path == dep || fi.Name() == seedLock || fi.Name() == seedMarker {
					return err
				}
				if st := fi.Sys().(*syscall.Stat_t); int(st.Uid) != nobody {
					rel, _ := filepath.Rel(dep, path)
					bad = append(bad, fmt.Sprintf("%s: owner %d, not nobody", rel, st.Uid))
				}
				return nil
			})
		}
		if len(bad) > 0 {
			sort.Strings(bad)
			if len(bad) > 8 {
				bad = append(bad[:8], fmt.Sprintf("… %d more", len(bad)-8))
			}
			t.Fatalf("%s: the deployment folder is not the seed: %s", when, strings.Join(bad, "; "))
		}
	}

	// The configuration is done once: every render after it only seeds.
	empty()
	start()
	seeded("first start")
	var durations []time.Duration
	for range 7 {
		empty()
		t0 := time.Now()
		start()
		durations = append(durations, time.Since(t0))
	}
	sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
	window := durations[len(durations)/2] * 3 / 2
	t.Logf("%d seed files in %d entries; a seeding start takes %v..%v (median %v); kills uniform over 0..%v",
		len(want), 150, durations[0], durations[len(durations)-1], durations[len(durations)/2], window)

	deadline := time.Now().Add(25 * time.Second)
	var killed, finished, resumed int
	for i := 0; i < iterations; i++ {
		if time.Now().After(deadline) {
			if i < 20 {
				t.Fatalf("only %d iterations in 25 s", i)
			}
			t.Logf("time budget reached after %d iterations", i)
			break
		}
		empty()
		delay := time.Duration(rng.Int64N(int64(window)))
		if killAfter(t, delay, fmt.Sprintf("iteration %d", i), env, args...) {
			killed++
		} else {
			finished++
		}
		// A kill after some entries were renamed: the case that stayed
		// half seeded.
		if entries, _ := os.ReadDir(dep); len(entries) > 2 {
			if _, err := os.Stat(filepath.Join(dep, seedMarker)); err != nil {
				resumed++
			}
		}
		start()
		seeded(fmt.Sprintf("iteration %d (killed after %v)", i, delay))
		if _, err := os.Stat(filepath.Join(dep, seedTmp)); err == nil {
			t.Fatalf("iteration %d: the temporary copy %s is left", i, seedTmp)
		}
	}
	t.Logf("killed %d, finished %d; %d kills fell while the copy was being renamed into place", killed, finished, resumed)
	if killed == 0 {
		t.Fatal("no render was killed: the window is too short to test anything")
	}
}

// fileContents maps every regular file under root (relative path) to its
// content; the agent's temporary copy is left out.
func fileContents(t *testing.T, root string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.IsDir() {
			if info.Name() == seedTmp {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out[rel] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
