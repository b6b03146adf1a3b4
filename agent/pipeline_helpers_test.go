package agent

// Shared helpers of the setup-pipeline tests: fixture copies, a fixed
// environment, in-process planning with an injected discovery, the real
// binary for process-level tests, and tree snapshots.

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/pipeline"
	"github.com/wso2-container/agent/agent/plan"
	"github.com/wso2-container/agent/agent/product"
	"github.com/wso2-container/agent/agent/product/carbon44"
	"github.com/wso2-container/agent/internal/fixtures"
	"github.com/wso2-container/agent/internal/treesnap"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// pipeBin is the real binary, built once per test process by buildPipeBin
// into /tmp/agent-pipeline-test-<pid>; folders of earlier test processes
// that are gone are removed then.
var (
	pipeBinOnce sync.Once
	pipeBin     string
	pipeBinErr  error
)

func buildPipeBin(tb testing.TB) string {
	tb.Helper()
	pipeBinOnce.Do(func() {
		olds, _ := filepath.Glob(filepath.Join(os.TempDir(), "agent-pipeline-test-*"))
		for _, o := range olds {
			var pid int
			if _, err := fmt.Sscanf(filepath.Base(o), "agent-pipeline-test-%d", &pid); err == nil && pid != os.Getpid() {
				if err := syscall.Kill(pid, 0); err == syscall.ESRCH {
					os.RemoveAll(o)
				}
			}
		}
		dir := filepath.Join(os.TempDir(), fmt.Sprintf("agent-pipeline-test-%d", os.Getpid()))
		if pipeBinErr = os.MkdirAll(dir, 0o755); pipeBinErr != nil {
			return
		}
		pipeBin = filepath.Join(dir, "agent")
		build := exec.Command("go", "build", "-o", pipeBin, "./cmd/agent")
		build.Dir = ".."
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			pipeBinErr = fmt.Errorf("go build ./cmd/agent: %v\n%s", err, out)
		}
	})
	if pipeBinErr != nil {
		tb.Fatal(pipeBinErr)
	}
	return pipeBin
}

var fixturesRoot = fixtures.Path("wso2-fixtures")

// fixtureDirs maps a product to its fixture folder.
var fixtureDirs = map[string]string{
	"am":  "wso2am-2.0.0",
	"is":  "wso2is-5.2.0",
	"das": "wso2am-analytics-2.0.0",
}

// allProfiles are the built-in profiles in a fixed order.
var allProfiles = []string{"apim", "gateway", "gatewaymanager", "publisher", "store", "trafficmanager", "keymanager", "identityserver", "analytics"}

// fixtureFor returns the fixture folder of a profile's product.
func fixtureFor(tb testing.TB, profile string) string {
	tb.Helper()
	p, ok := product.LookupProfile(profile)
	if !ok || p.Product == "" {
		tb.Fatalf("no product for profile %q", profile)
	}
	return filepath.Join(fixturesRoot, fixtureDirs[p.Product])
}

// fxCopy copies the folder src into dst (created), keeping modes: the
// agent's own copyTree, which seeds deployment volumes.
func fxCopy(tb testing.TB, src, dst string) {
	tb.Helper()
	if err := plan.CopyTree(src, dst); err != nil {
		tb.Fatalf("copy %s: %v", src, err)
	}
}

// freshHome copies the profile's fixture into a new temporary folder and
// returns the product home. For the analytics product the carbon app is
// built from carbonapp-src and placed where DAS deploys it from (both
// copies, see carbonAppDirs), as the shipped product has it.
func freshHome(tb testing.TB, profile string) string {
	tb.Helper()
	home := filepath.Join(tb.TempDir(), "home")
	fxCopy(tb, fixtureFor(tb, profile), home)
	if p, _ := product.LookupProfile(profile); p.Product == "das" {
		car := fixtureCar(tb)
		for _, d := range carbon44.CarbonAppDirs {
			if err := os.MkdirAll(filepath.Join(home, d), 0o755); err != nil {
				tb.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(home, d, carbon44.CarbonApp), car, 0o644); err != nil {
				tb.Fatal(err)
			}
		}
	}
	return home
}

var (
	carOnce  sync.Once
	carBytes []byte
	carErr   error
)

// fixtureCar zips the analytics fixture's carbonapp-src (the in-car layout)
// into a .car, deterministically: entries in name order, fixed times.
func fixtureCar(tb testing.TB) []byte {
	tb.Helper()
	carOnce.Do(func() {
		src := filepath.Join(fixturesRoot, fixtureDirs["das"], "carbonapp-src")
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		var files []string
		carErr = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				files = append(files, path)
			}
			return err
		})
		if carErr != nil {
			return
		}
		sort.Strings(files)
		for _, f := range files {
			rel, _ := filepath.Rel(src, f)
			data, err := os.ReadFile(f)
			if err != nil {
				carErr = err
				return
			}
			w, err := zw.CreateHeader(&zip.FileHeader{Name: filepath.ToSlash(rel), Method: zip.Deflate,
				Modified: time.Date(2016, 9, 1, 12, 0, 0, 0, time.UTC)})
			if err != nil {
				carErr = err
				return
			}
			if _, err := w.Write(data); err != nil {
				carErr = err
				return
			}
		}
		carErr = zw.Close()
		carBytes = buf.Bytes()
	})
	if carErr != nil {
		tb.Fatalf("build the carbon app from carbonapp-src: %v", carErr)
	}
	return carBytes
}

// Fixed values of the golden environment.
const (
	goldenAdminPW = "Adm1n-golden-pw"
	goldenDBPW    = "Db-golden-pw"
	goldenKSPW    = "Ks&S3cret-golden" // the password testdata/certs was generated with
	goldenLocalIP = "10.0.0.5"
)

// goldenNow is the fixed planning clock of in-process tests.
var goldenNow = time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC) // after testdata/certs was made

// goldenDNS is the injected cluster DNS: every profile's default member
// names, some answers including the container's own address.
var goldenDNS = map[string][]string{
	"tasks.gateway":        {"10.0.2.2", goldenLocalIP},
	"tasks.gatewaymanager": {"10.0.1.1"},
	"tasks.publisher":      {"10.0.3.1"},
	"tasks.store":          {"10.0.4.2", "10.0.4.1"},
	"tasks.identityserver": {goldenLocalIP, "10.0.5.1"},
	"tasks.das":            {"10.0.6.1"},
}

// fakeDiscovery answers from a fixed table; unknown names do not resolve.
func fakeDiscovery(dns map[string][]string) product.Discovery {
	return product.Discovery{
		LookupHost: func(name string) ([]string, error) {
			if a, ok := dns[name]; ok {
				return append([]string(nil), a...), nil
			}
			return nil, fmt.Errorf("lookup %s: no such host", name)
		},
		LocalIP: func() (string, error) { return goldenLocalIP, nil },
	}
}

func absTestdata(tb testing.TB, rel string) string {
	tb.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", rel))
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// goldenEnv is the fixed environment of the golden tests for profile with
// its product home. Members come from goldenDNS (in-process) unless the
// caller overrides WSO2_CLUSTER_MEMBERS.
func goldenEnv(tb testing.TB, profile, home string) map[string]string {
	tb.Helper()
	env := map[string]string{
		"WSO2_PROFILE":            profile,
		"WSO2_HOME":               home,
		"WSO2_ADMIN_PASSWORD":     goldenAdminPW,
		"WSO2_MYSQL_PASSWORD":     goldenDBPW,
		"WSO2_MYSQL_SERVER":       "mysql",
		"WSO2_KEYSTORE_PASSWORD":  goldenKSPW,
		"WSO2_CERTIFICATES_DIR":   absTestdata(tb, "certs"),
		"WSO2_LOCAL_MEMBER_HOST":  goldenLocalIP,
		"WSO2_CARBON_ANALYTICS":   "true",
		"WSO2_MEDIATOR_DIR":       absTestdata(tb, "mediator"),
		"WSO2_DEPLOYMENT_SEED":    filepath.Join(home, "no-seed"),
		"WSO2_GATEWAY_ENDPOINT":   "https://api.example.com:8243",
		"VIRTUAL_HOST":            "https://id.example.com",
		"WSO2_AGENT_WAIT_TIMEOUT": "30s",
		// two schedules differ from the car's and the agent's defaults
		"WSO2_DAS_APIM_STAT_SCRIPT":        "0 0/10 * 1/1 * ? *",
		"WSO2_DAS_APIM_LOGANALYZER_SCRIPT": "0 30 2 ? * MON-FRI",
	}
	return env
}

// agentEnvPrefixes are the variables cleared before an in-process load so
// that the test process's own environment cannot leak in.
func clearAgentEnv(tb testing.TB) {
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "WSO2_") || k == "VIRTUAL_HOST" {
			setenv(tb, k, "")
			os.Unsetenv(k)
		}
	}
}

func setenv(tb testing.TB, k, v string) {
	switch x := tb.(type) {
	case *testing.T:
		x.Setenv(k, v)
	case *testing.B:
		x.Setenv(k, v)
	default:
		tb.Fatalf("setenv: unsupported %T", tb)
	}
}

// loadConfig loads Config from env exactly as the binary does (LoadEnv),
// with nothing else of the process environment. A key mapped to "\x00unset"
// is left unset.
func loadConfig(tb testing.TB, env map[string]string) (*contract.Config, error) {
	tb.Helper()
	return pipeline.Load(envList(env), true) // the process environment is not touched
}

const unset = "\x00unset"

// planFor loads env and builds the plan with the injected DNS and the fixed
// clock.
func planFor(tb testing.TB, env map[string]string, dns map[string][]string) (*plan.Plan, error) {
	tb.Helper()
	cfg, err := loadConfig(tb, env)
	if err != nil {
		return nil, err
	}
	prof, _ := product.LookupProfile(cfg.Profile)
	old := plan.Now
	plan.Now = func() time.Time { return goldenNow }
	defer func() { plan.Now = old }()
	return pipeline.BuildPlan(cfg, prof, fakeDiscovery(dns))
}

// mustApply plans and applies env, failing the test on any error.
func mustApply(tb testing.TB, env map[string]string, dns map[string][]string) *plan.Plan {
	tb.Helper()
	p, err := planFor(tb, env, dns)
	if err != nil {
		tb.Fatalf("plan %s: %v", env["WSO2_PROFILE"], err)
	}
	if _, err := p.Apply(); err != nil {
		tb.Fatalf("apply %s: %v", env["WSO2_PROFILE"], err)
	}
	return p
}

// with returns a copy of env with the given key/value pairs set.
func with(env map[string]string, kv ...string) map[string]string {
	out := make(map[string]string, len(env)+len(kv)/2)
	for k, v := range env {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

func readFile(tb testing.TB, path string) string {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// snapshot records every path under the roots (internal/treesnap), so that
// any write, even of identical bytes, is seen.
func snapshot(tb testing.TB, roots ...string) treesnap.Snapshot {
	tb.Helper()
	s, err := treesnap.Take(roots...)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// diffSnapshots lists the paths that differ between two snapshots.
func diffSnapshots(a, b treesnap.Snapshot) []string { return treesnap.Diff(a, b) }

// runResult is the outcome of one run of the real binary.
type runResult struct {
	Code           int
	Stdout, Stderr string
}

// runPipe runs the real binary with exactly env (plus PATH) and args.
func runPipe(tb testing.TB, env map[string]string, args ...string) runResult {
	tb.Helper()
	cmd := exec.Command(buildPipeBin(tb), args...)
	cmd.Env = envList(env)
	return runCmd(tb, cmd, "run agent")
}

// runCmd runs cmd, whose output it captures, and returns its outcome; a
// command that could not run at all fails tb with what (and the error).
func runCmd(tb testing.TB, cmd *exec.Cmd, what string) runResult {
	tb.Helper()
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	r := runResult{Stdout: so.String(), Stderr: se.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.Code = ee.ExitCode()
	} else if err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
	return r
}

// parseReport decodes render --output json's report from r's output.
func parseReport(tb testing.TB, r runResult) plan.Report {
	tb.Helper()
	var rep plan.Report
	if err := json.Unmarshal([]byte(r.Stdout), &rep); err != nil {
		tb.Fatalf("JSON output does not parse: %v\n%s", err, r.Stdout)
	}
	return rep
}

func envList(env map[string]string) []string {
	out := []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range env {
		if v != unset {
			out = append(out, k+"="+v)
		}
	}
	sort.Strings(out)
	return out
}

// errorLines returns the agent's error lines on stderr: the plain
// "agent: SUB: ..." line of fail, or a log record at level ERROR.
func errorLines(stderr string) []string {
	var out []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "agent: ") || strings.Contains(l, "level=ERROR") || strings.Contains(l, `"level":"ERROR"`) {
			out = append(out, l)
		}
	}
	return out
}
