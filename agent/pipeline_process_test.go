package agent

// Process-level tests of the setup pipeline: the real binary (`agent
// render`) on fresh fixture copies, with whole-tree snapshots (bytes, mode,
// mtime, inode) before and after.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/plan"
	"github.com/wso2-container/agent/agent/product"
)

// processEnv is the golden environment for the binary: cluster members as
// IP literals (the binary resolves names with the real DNS).
func processEnv(t testing.TB, profile, home string) map[string]string {
	env := goldenEnv(t, profile, home)
	env["WSO2_CLUSTER_MEMBERS"] = "10.0.1.1,10.0.2.2," + goldenLocalIP
	return env
}

// lineCounts maps every text file under root to its number of lines.
func lineCounts(t *testing.T, root string) map[string]int {
	out := map[string]int{}
	for p, st := range snapshot(t, root) {
		if st.Mode.IsRegular() && (strings.HasSuffix(p, ".xml") || strings.HasSuffix(p, ".properties")) {
			out[p] = strings.Count(readFile(t, p), "\n")
		}
	}
	return out
}

// grepTree lists the files under root that contain s.
func grepTree(t *testing.T, root, s string) []string {
	var out []string
	for p, st := range snapshot(t, root) {
		if st.Mode.IsRegular() && !strings.HasSuffix(p, ".jks") && strings.Contains(readFile(t, p), s) {
			out = append(out, p)
		}
	}
	return out
}

// TestRestartSafeRender: for every profile, a second `agent render` with
// the same environment leaves every file untouched (bytes, mtime, inode);
// changed values replace the old ones and nothing is appended.
func TestRestartSafeRender(t *testing.T) {
	for _, prof := range allProfiles {
		t.Run(prof, func(t *testing.T) {
			home := freshHome(t, prof)
			env := processEnv(t, prof, home)
			certDir := env["WSO2_CERTIFICATES_DIR"]
			if r := runPipe(t, env, "render"); r.Code != 0 {
				t.Fatalf("first render: code %d\n%s", r.Code, r.Stderr)
			}
			lines1 := lineCounts(t, home)
			before := snapshot(t, home, certDir)
			r := runPipe(t, env, "render")
			if r.Code != 0 {
				t.Fatalf("second render: code %d\n%s", r.Code, r.Stderr)
			}
			if d := diffSnapshots(before, snapshot(t, home, certDir)); len(d) > 0 {
				t.Fatalf("second render with the same environment touched files:\n%s", strings.Join(d, "\n"))
			}
			if !strings.Contains(r.Stdout, "# no changes") {
				t.Fatalf("second render reported changes:\n%s", r.Stdout)
			}

			// Changed values: new passwords, database host, members, analytics off.
			env2 := with(env,
				"WSO2_ADMIN_PASSWORD", "second-admin-pw",
				"WSO2_MYSQL_PASSWORD", "second-db-pw",
				"WSO2_MYSQL_SERVER", "newdb",
				"WSO2_CLUSTER_MEMBERS", "10.0.1.7,10.0.2.8",
				"WSO2_CARBON_ANALYTICS", "false",
				"WSO2_GATEWAY_ENDPOINT", "https://api2.example.com",
				"VIRTUAL_HOST", "https://id2.example.com")
			if r := runPipe(t, env2, "render"); r.Code != 0 {
				t.Fatalf("render with changed values: code %d\n%s", r.Code, r.Stderr)
			}
			for _, old := range []string{goldenAdminPW, goldenDBPW, "mysql.wso2", "10.0.1.1", "10.0.2.2", "api.example.com", "id.example.com"} {
				if files := grepTree(t, filepath.Join(home, "repository"), old); len(files) > 0 {
					t.Errorf("old value %q still in %v", old, files)
				}
			}
			if p, _ := product.LookupProfile(prof); p.Product == "am" {
				if got := xmlText(t, conf(home, "api-manager.xml"), "/APIManager/Analytics/Enabled"); got != "false" {
					t.Errorf("Analytics/Enabled %q after true -> false", got)
				}
			}
			lines2 := lineCounts(t, home)
			for p, n := range lines1 {
				if lines2[p] != n {
					t.Errorf("%s: %d lines after the change, %d before: something was appended or lost", p, lines2[p], n)
				}
			}
			before = snapshot(t, home, certDir)
			if r := runPipe(t, env2, "render"); r.Code != 0 || !strings.Contains(r.Stdout, "# no changes") {
				t.Fatalf("restart after the change: code %d\n%s", r.Code, r.Stdout)
			}
			if d := diffSnapshots(before, snapshot(t, home, certDir)); len(d) > 0 {
				t.Fatalf("restart after the change touched files:\n%s", strings.Join(d, "\n"))
			}
		})
	}
}

// TestBadInputNothingTouched: bad input of every kind gives one error line
// naming the culprit, a documented exit code, and leaves the whole tree
// untouched.
func TestBadInputNothingTouched(t *testing.T) {
	type tc struct {
		name    string
		profile string
		mutate  func(t *testing.T, home string, env map[string]string) // may edit files and env
		code    int
		want    []string // substrings of the error line
	}
	replaceFile := func(rel string, f func(path string) error) func(*testing.T, string, map[string]string) {
		return func(t *testing.T, home string, _ map[string]string) {
			p := filepath.Join(home, rel)
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			if err := f(p); err != nil {
				t.Fatal(err)
			}
		}
	}
	setEnv := func(kv ...string) func(*testing.T, string, map[string]string) {
		return func(_ *testing.T, _ string, env map[string]string) {
			for i := 0; i+1 < len(kv); i += 2 {
				env[kv[i]] = kv[i+1]
			}
		}
	}
	writePatch := func(body string) func(*testing.T, string, map[string]string) {
		return func(t *testing.T, home string, env map[string]string) {
			p := filepath.Join(filepath.Dir(home), "extra.patch")
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			env["WSO2_AGENT_PATCHES"] = p
		}
	}
	cases := []tc{
		{"target is a folder", "gateway", replaceFile("repository/conf/carbon.xml", func(p string) error { return os.Mkdir(p, 0o755) }),
			exitcode.NoInput, []string{"repository/conf/carbon.xml"}},
		{"dangling symlink", "gateway", replaceFile("repository/conf/axis2/axis2.xml", func(p string) error { return os.Symlink("/nonexistent/axis2.xml", p) }),
			exitcode.NoInput, []string{"repository/conf/axis2/axis2.xml", "no such file"}},
		{"missing required file", "identityserver", replaceFile("repository/conf/identity/identity.xml", func(string) error { return nil }),
			exitcode.NoInput, []string{"repository/conf/identity/identity.xml"}},
		{"unknown profile", "gateway", setEnv("WSO2_PROFILE", "gatewai"), exitcode.Config, []string{"WSO2_PROFILE", "gatewai"}},
		{"bad boolean", "gateway", setEnv("WSO2_CARBON_ANALYTICS", "maybe"), exitcode.Config, []string{"WSO2_CARBON_ANALYTICS", "maybe"}},
		{"bad port", "gateway", setEnv("WSO2_MYSQL_PORT", "70000"), exitcode.Config, []string{"WSO2_MYSQL_PORT"}},
		{"empty mysql server", "analytics", setEnv("WSO2_MYSQL_SERVER", ""), exitcode.Config, []string{"WSO2_MYSQL_SERVER"}},
		{"wrong truststore password", "gateway", setEnv("WSO2_TRUSTSTORE_PASSWORD", "not-the-password"), exitcode.DataErr, []string{"client-truststore.jks"}},
		{"wrong keystore password", "gateway", setEnv("WSO2_KEYSTORE_PASSWORD", "not-the-password"), exitcode.DataErr, []string{"wso2gateway.jks"}},
		{"patch syntax error", "gateway", writePatch("file repository/conf/carbon.xml\nset /Server/Name ok\nfrobnicate /Server/Name x\n"),
			exitcode.Config, []string{"WSO2_AGENT_PATCHES", "extra.patch:3"}},
		{"patch path matches nothing", "gateway", writePatch("file repository/conf/carbon.xml\nset /Server/NoSuchElement x\n"),
			exitcode.Config, []string{"WSO2_AGENT_PATCHES", "extra.patch:2: set /Server/NoSuchElement in repository/conf/carbon.xml"}},
		{"patch file missing", "gateway", setEnv("WSO2_AGENT_PATCHES", "/nonexistent/x.patch"), exitcode.Config, []string{"WSO2_AGENT_PATCHES", "/nonexistent/x.patch"}},
		{"invalid schedule", "analytics", setEnv("WSO2_DAS_APIM_STAT_SCRIPT", "0 0 25 * * ?"), exitcode.Config,
			[]string{"WSO2_DAS_APIM_STAT_SCRIPT", "0 0 25 * * ?", "not a valid Quartz cron expression"}},
		{"home missing", "gateway", setEnv("WSO2_HOME", "/nonexistent/home"), exitcode.NoInput, []string{"WSO2_HOME", "/nonexistent/home"}},
	}
	// Malformed XML in every XML file the profile patches.
	for _, prof := range []string{"gateway", "store", "identityserver", "analytics"} {
		home := freshHome(t, prof)
		p, err := planFor(t, goldenEnv(t, prof, home), goldenDNS)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range p.Changed() {
			if f.Kind != "xml" {
				continue
			}
			rel := f.Display()
			cases = append(cases, tc{"malformed " + rel, prof, func(t *testing.T, home string, _ map[string]string) {
				path := filepath.Join(home, rel)
				src := readFile(t, path)
				// Drop the root's end tag: the file no longer parses.
				i := strings.LastIndex(src, "</")
				if err := os.WriteFile(path, []byte(src[:i]), 0o644); err != nil {
					t.Fatal(err)
				}
			}, exitcode.DataErr, []string{rel}})
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			home := freshHome(t, c.profile)
			env := processEnv(t, c.profile, home)
			c.mutate(t, home, env)
			before := snapshot(t, filepath.Dir(home), env["WSO2_CERTIFICATES_DIR"])
			r := runPipe(t, env, "render")
			if r.Code != c.code {
				t.Fatalf("exit code %d, want %d\nstderr: %s", r.Code, c.code, r.Stderr)
			}
			errs := errorLines(r.Stderr)
			if len(errs) != 1 {
				t.Fatalf("want exactly one error line, got %d:\n%s", len(errs), r.Stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(errs[0], w) {
					t.Errorf("error line does not name %q:\n%s", w, errs[0])
				}
			}
			if d := diffSnapshots(before, snapshot(t, filepath.Dir(home), env["WSO2_CERTIFICATES_DIR"])); len(d) > 0 {
				t.Fatalf("a failed render touched files:\n%s", strings.Join(d, "\n"))
			}
		})
	}
}

// TestUnresolvableMemberWarnsAndContinues: a cluster member name that does
// not resolve is a warning naming it; the other members are configured.
func TestUnresolvableMemberWarnsAndContinues(t *testing.T) {
	t.Run("binary", func(t *testing.T) {
		home := freshHome(t, "gateway")
		env := with(processEnv(t, "gateway", home), "WSO2_CLUSTER_MEMBERS", "10.0.1.1,nonexistent.invalid")
		r := runPipe(t, env, "render")
		if r.Code != 0 {
			t.Fatalf("code %d\n%s", r.Code, r.Stderr)
		}
		// render shows it in its report; agent run logs it.
		if !regexp.MustCompile(`(?m)^# warning: .*nonexistent\.invalid does not resolve`).MatchString(r.Stdout) {
			t.Fatalf("no warning naming the unresolvable member:\n%s", r.Stdout)
		}
		r = runPipe(t, with(with(env, "WSO2_AGENT_WAIT_FOR", ""), "WSO2_AGENT_USER", ""), "run", "--", "true")
		if r.Code != 0 || !regexp.MustCompile(`level=WARN .*nonexistent\.invalid does not resolve`).MatchString(r.Stderr) {
			t.Fatalf("agent run: code %d, no warning naming the unresolvable member:\n%s", r.Code, r.Stderr)
		}
		if got := xmlTexts(t, conf(home, "axis2/axis2.xml"), "/axisconfig/clustering/members/member/hostName"); strings.Join(got, ",") != "10.0.1.1" {
			t.Fatalf("members %v, want [10.0.1.1]", got)
		}
	})
	t.Run("discovery", func(t *testing.T) {
		home := freshHome(t, "gateway")
		dns := map[string][]string{"tasks.gateway": {"10.0.2.2"}} // tasks.gatewaymanager not up yet
		p := mustApply(t, goldenEnv(t, "gateway", home), dns)
		if len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], "WSO2_CLUSTER_MEMBERS: tasks.gatewaymanager does not resolve") {
			t.Fatalf("warnings %q", p.Warnings)
		}
		if got := xmlTexts(t, conf(home, "axis2/axis2.xml"), "/axisconfig/clustering/members/member/hostName"); strings.Join(got, ",") != "10.0.2.2" {
			t.Fatalf("members %v", got)
		}
	})
}

// lockOpeners counts the processes of cmds that hold the inode open: the
// agent opens the seed lock file only to lock it, so a process holding it
// open is trying for the lock (it polls a non-blocking flock within its
// bounded wait) or holds it.
func lockOpeners(t *testing.T, cmds []*exec.Cmd, ino uint64) int {
	n := 0
	for _, c := range cmds {
		dir := fmt.Sprintf("/proc/%d/fd", c.Process.Pid)
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue // exited: its error shows below
		}
		for _, e := range ents {
			var st syscall.Stat_t
			if syscall.Stat(filepath.Join(dir, e.Name()), &st) == nil && st.Ino == ino {
				n++
				break
			}
		}
	}
	return n
}

var filesRe = regexp.MustCompile(`msg="setup: configuration applied" profile=\S+ files=(\d+)`)

// TestB25_ConcurrentSeedersSeedOnce: two gateways start at once on one
// empty shared deployment volume. The test holds the seed lock until both
// processes are waiting for it (the lock file open, seen in /proc/PID/fd),
// then lets them race:
// the volume is seeded exactly once and equals the seed.
func TestB25_ConcurrentSeedersSeedOnce(t *testing.T) {
	tmp := t.TempDir()
	shared := filepath.Join(tmp, "nfs-deployment")
	seedDir := filepath.Join(tmp, "image-seed")
	fxCopy(t, filepath.Join(fixtureFor(t, "gateway"), "repository/deployment/server"), seedDir)
	if err := os.MkdirAll(filepath.Join(seedDir, "webapps"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(seedDir, "webapps", "am#sample.war"), []byte("war"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(shared, 0o755); err != nil {
		t.Fatal(err)
	}
	lockPath := filepath.Join(shared, plan.SeedLock)
	lf, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	if err := syscall.Flock(int(lf.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(lockPath, &st); err != nil {
		t.Fatal(err)
	}

	var cmds []*exec.Cmd
	var outs []*strings.Builder
	for i := 0; i < 2; i++ {
		home := filepath.Join(tmp, fmt.Sprintf("gw%d", i))
		fxCopy(t, fixtureFor(t, "gateway"), home)
		dep := filepath.Join(home, "repository/deployment/server")
		if err := os.RemoveAll(dep); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(shared, dep); err != nil { // the volume mount
			t.Fatal(err)
		}
		env := with(processEnv(t, "gateway", home), "WSO2_DEPLOYMENT_SEED", seedDir)
		cmd := exec.Command(buildPipeBin(t), "render")
		cmd.Env = envList(env)
		var se strings.Builder
		cmd.Stderr = &se
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, &se)
	}
	deadline := time.Now().Add(20 * time.Second)
	for lockOpeners(t, cmds, st.Ino) < 2 {
		if time.Now().After(deadline) {
			for _, c := range cmds {
				c.Process.Kill()
			}
			t.Fatal("the two renders did not both wait for the seed lock")
		}
		time.Sleep(2 * time.Millisecond) // polling kernel lock state, not a timing assumption
	}
	if err := syscall.Flock(int(lf.Fd()), syscall.LOCK_UN); err != nil {
		t.Fatal(err)
	}
	var counts []int
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("render %d: %v\n%s", i, err, outs[i])
		}
		m := filesRe.FindStringSubmatch(outs[i].String())
		if m == nil {
			t.Fatalf("render %d: no summary line:\n%s", i, outs[i])
		}
		n, _ := strconv.Atoi(m[1])
		counts = append(counts, n)
	}
	// Both wrote the same configuration files; exactly one of them also
	// moved the seed's top-level entries into place.
	top, _ := os.ReadDir(seedDir)
	diff := counts[0] - counts[1]
	if diff != len(top) && -diff != len(top) {
		t.Fatalf("files written %v: want one seeder writing %d more entries than the other", counts, len(top))
	}
	// The volume equals the seed, plus the agent's marker and lock.
	got := compareTree(t, seedDir, shared)
	for rel := range got.changed {
		if rel != plan.SeedMarker && rel != plan.SeedLock {
			t.Errorf("volume file %s differs from the seed", rel)
		}
	}
	if len(got.removed) > 0 {
		t.Errorf("seed files missing from the volume: %v", got.removed)
	}
	if _, err := os.Stat(filepath.Join(shared, plan.SeedTmp)); !os.IsNotExist(err) {
		t.Errorf("temporary seed folder left behind: %v", err)
	}
}

// TestSeedLeftoverIsAWarning: a seeded volume beside the temporary copy a
// start killed after the marker left, which this start cannot remove (here
// the seed lock's name is a folder, so it cannot take the lock), does not
// fail the start: the copy stays, and one warning says so, naming the lock.
func TestSeedLeftoverIsAWarning(t *testing.T) {
	tmp := t.TempDir()
	seedDir := filepath.Join(tmp, "image-seed")
	if err := os.MkdirAll(filepath.Join(seedDir, "webapps"), 0o755); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(tmp, "gw")
	fxCopy(t, fixtureFor(t, "gateway"), home)
	dep := filepath.Join(home, "repository/deployment/server")
	for _, d := range []string{plan.SeedLock, plan.SeedTmp + "/webapps"} {
		if err := os.MkdirAll(filepath.Join(dep, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dep, plan.SeedMarker), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(buildPipeBin(t), "render")
	cmd.Env = envList(with(processEnv(t, "gateway", home), "WSO2_DEPLOYMENT_SEED", seedDir))
	var se strings.Builder
	cmd.Stderr = &se
	if err := cmd.Run(); err != nil {
		t.Fatalf("render: %v\n%s", err, se.String())
	}
	var warned []string
	for _, l := range strings.Split(se.String(), "\n") {
		if strings.Contains(l, "level=WARN") && strings.Contains(l, "temporary copy is left in place") {
			warned = append(warned, l)
		}
	}
	if lock := filepath.Join(dep, plan.SeedLock); len(warned) != 1 || !strings.Contains(warned[0], lock) {
		t.Fatalf("warnings about the copy %q, want one naming %s; stderr:\n%s", warned, lock, se.String())
	}
	if _, err := os.Stat(filepath.Join(dep, plan.SeedTmp, "webapps")); err != nil {
		t.Errorf("the copy is gone: %v", err)
	}
}

// TestStaleTempsBesideUnchangedTargetsAreRemoved: a start killed after it
// renamed a keystore (or a mirrored jar) into place, but before it removed
// its other temporary files, leaves them beside files the next start finds
// up to date. That start removes them too, and changes nothing else.
// (stress TestCrashAtRandomPoints found it: the keystores were planned only
// when they changed, and only the folders of planned files were cleaned.)
func TestStaleTempsBesideUnchangedTargetsAreRemoved(t *testing.T) {
	home := freshHome(t, "gateway")
	env := processEnv(t, "gateway", home)
	if r := runPipe(t, env, "render"); r.Code != 0 {
		t.Fatalf("first render: code %d\n%s", r.Code, r.Stderr)
	}
	var stale []string
	for _, rel := range []string{
		"repository/resources/security/.agent-tmp-client-truststore.jks-1952123173",
		"repository/resources/security/.agent-tmp-wso2gateway.jks-2696154437",
		"repository/components/lib/.agent-tmp-mediator-a.jar-123",
	} {
		p := filepath.Join(home, rel)
		if err := os.WriteFile(p, []byte("half-written"), 0o600); err != nil {
			t.Fatal(err)
		}
		stale = append(stale, p)
	}
	before := snapshot(t, home)
	if r := runPipe(t, env, "render"); r.Code != 0 {
		t.Fatalf("second render: code %d\n%s", r.Code, r.Stderr)
	}
	after := snapshot(t, home)
	for _, p := range stale {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s is still there (%v)", p, err)
		}
	}
	for p, st := range after {
		if old, ok := before[p]; !ok || (st.Mode.IsRegular() && old != st) {
			t.Errorf("the second render changed %s", p)
		}
	}
}
