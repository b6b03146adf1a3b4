package agent

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/pipeline"
	"github.com/wso2-container/agent/agent/plan"
	"github.com/wso2-container/agent/agent/product"
	"github.com/wso2-container/agent/agent/product/apim4"
)

// TestLoadReadsOnlyTheGivenEnvironment (issue 13, "load once"): Load reads
// the environment it is given and nothing after it asks the process. The
// process environment here says something else for every variable of the
// contract (and declares a job, and a WSO2_SERVER_HOME); the configuration
// loaded from the golden gateway environment, the plan built from it (every
// file it would write, its jobs, dependencies and command) and the server's
// environment hold none of it.
func TestLoadReadsOnlyTheGivenEnvironment(t *testing.T) {
	const junk = "junk-from-the-process"
	for _, v := range contract.Vars() {
		if !strings.Contains(v.Name, "<") {
			t.Setenv(v.Name, junk)
		}
	}
	t.Setenv("WSO2_AGENT_JOB_JUNK", "@every 1m echo "+junk)
	t.Setenv("WSO2_SERVER_HOME", "/"+junk)
	if _, err := pipeline.LoadEnv(slog.New(slog.DiscardHandler), true); err == nil || !strings.Contains(err.Error(), "WSO2_PROFILE") {
		t.Fatalf("the process environment should not load (unknown profile): %v", err)
	}

	home := freshHome(t, "gateway")
	env := goldenEnv(t, "gateway", home)
	cfg, err := pipeline.Load(envList(env), true)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Profile != "gateway" || cfg.MySQLPassword != goldenDBPW || cfg.Home != home {
		t.Fatalf("loaded profile %q, home %q: not the given environment", cfg.Profile, cfg.Home)
	}
	prof, _ := product.LookupProfile(cfg.Profile)
	p, err := pipeline.BuildPlan(cfg, prof, fakeDiscovery(goldenDNS))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Changed()) == 0 {
		t.Fatal("the plan changes nothing: nothing to check")
	}
	for _, f := range p.Files {
		if strings.Contains(string(f.New), junk) {
			t.Errorf("%s would be written with a value of the process environment", f.Display())
		}
	}
	shown := strings.Join(append(append(append([]string{}, p.WaitFor...), p.Command...), plan.JobPreviewLines(p.Jobs)...), "\n")
	if strings.Contains(shown, junk) {
		t.Errorf("the plan's dependencies, command or jobs come from the process environment:\n%s", shown)
	}
	for _, kv := range cfg.ServerEnviron() {
		if strings.Contains(kv, junk) {
			t.Errorf("the server's environment has %s from the process", kv)
		}
	}
}

// TestLoadReportsEveryProblemTogether (issue 13, "check everything at
// load"): bad Carbon variables, bad API Manager 4.x variables and broken
// patch files are all found by Load, before anything is planned, and come
// back together in one ConfigError, one line each naming the variable (and
// the patch file and line), never a secret's value. render and run report
// those lines in one error with exit 78 and leave every file byte-for-byte
// as it was.
func TestLoadReportsEveryProblemTogether(t *testing.T) {
	const secret = "Zq9-shared-db-secret"
	carbon := func(t *testing.T) (string, map[string]string) {
		home := freshHome(t, "gateway")
		return home, goldenEnv(t, "gateway", home)
	}
	a4Setup := func(c a4Case) func(t *testing.T) (string, map[string]string) {
		return func(t *testing.T) (string, map[string]string) {
			home := a4Layout(t, c)
			return home, a4BaseEnv(t, c, home)
		}
	}
	tests := []struct {
		name  string
		home  func(t *testing.T) (home string, env map[string]string)
		env   map[string]string
		patch string   // the patch file's content; "" names a missing file
		tab   string   // the crontab file's content; "": no WSO2_AGENT_CRONTAB
		want  []string // each problem's start, in order (%PATCH%, %CRONTAB%: the files)
	}{
		{"carbon gateway: a bad variable, a patch with two bad lines, a 4.x variable it does not read, a bad job, a broken crontab", carbon,
			map[string]string{"WSO2_MYSQL_PORT": "70000", "WSO2_PORT_OFFSET": "-1", "WSO2_AGENT_JOB_EMPTY": "@hourly"},
			"file repository/conf/carbon.xml\nset /Server/Ports/Offset 7\nfrobnicate /Server/Name x\nset /Server/[ x\n",
			"name=ok @daily true\n61 * * * * true\n",
			[]string{`WSO2_AGENT_CRONTAB: %CRONTAB%:2: job crontab:2: schedule "61 * * * *": end of range (61) above maximum (59)`,
				`WSO2_AGENT_JOB_EMPTY: job empty: empty command`,
				`WSO2_AGENT_PATCHES: %PATCH%:3: unknown op "frobnicate"`, `WSO2_AGENT_PATCHES: %PATCH%:4: set: unbalanced quotes`,
				`WSO2_MYSQL_PORT: "70000" is not a port number`}},
		{"4.x control plane: a bad Carbon variable, bad 4.x variables (one a secret), a broken TOML patch", a4Setup(a4Cases[0]),
			map[string]string{"WSO2_AGENT_STOP_TIMEOUT": "soon", "WSO2_PORT_OFFSET": "-1", "WSO2_SHARED_DB_PASSWORD": secret + "\x01"},
			"file repository/conf/deployment.toml\nset server.hostname \"cp.example.com\"\nfrobnicate server.offset 1\n", "",
			[]string{`WSO2_AGENT_PATCHES: %PATCH%:3: unknown op "frobnicate"`, `WSO2_AGENT_STOP_TIMEOUT: "soon" is not a duration`,
				`WSO2_PORT_OFFSET: "-1" is not a port offset`, `WSO2_SHARED_DB_PASSWORD: holds control characters`}},
		{"4.x gateway worker: a bad contract variable, a bad 4.x list, a missing patch file", a4Setup(a4Cases[7]),
			map[string]string{"WSO2_AGENT_LOCK_TIMEOUT": "soon", "WSO2_THROTTLING_URLS": "tm-1,tm 2"},
			"", "",
			[]string{`WSO2_AGENT_LOCK_TIMEOUT: "soon" is not a duration`, `WSO2_AGENT_PATCHES: read %PATCH%: no such file or directory`,
				`WSO2_THROTTLING_URLS: entry 2 "tm 2" is not a host name`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home, env := tt.home(t)
			dir := t.TempDir()
			patch := filepath.Join(dir, "image.patch")
			if tt.patch != "" {
				must(t, os.WriteFile(patch, []byte(tt.patch), 0o644))
			}
			env["WSO2_AGENT_PATCHES"] = patch
			crontab := filepath.Join(dir, "crontab")
			if tt.tab != "" {
				must(t, os.WriteFile(crontab, []byte(tt.tab), 0o644))
				env["WSO2_AGENT_CRONTAB"] = crontab
			}
			for k, v := range tt.env {
				env[k] = v
			}
			want := make([]string, len(tt.want))
			for i, w := range tt.want {
				want[i] = strings.NewReplacer("%PATCH%", patch, "%CRONTAB%", crontab).Replace(w)
			}

			_, err := pipeline.Load(envList(env), true)
			var ce *contract.ConfigError
			if !errors.As(err, &ce) || exitcode.Of(err) != exitcode.Config {
				t.Fatalf("Load: %v (exit %d), want a ConfigError with exit %d", err, exitcode.Of(err), exitcode.Config)
			}
			if len(ce.Problems) != len(want) {
				t.Fatalf("Load reports %d problems, want %d:\n%s", len(ce.Problems), len(want), strings.Join(ce.Problems, "\n"))
			}
			for i, p := range ce.Problems {
				if !strings.HasPrefix(p, want[i]) || strings.ContainsAny(p, "\n\r") || strings.Contains(p, secret) {
					t.Errorf("problem %d %q: want one line starting %q, no secret", i+1, p, want[i])
				}
			}

			before := snapshot(t, home, dir)
			for _, args := range [][]string{{"render"}, {"run", "--", "true"}} {
				r := runPipe(t, env, args...)
				if r.Code != exitcode.Config {
					t.Errorf("%s: exit %d, want %d\n%s", args[0], r.Code, exitcode.Config, r.Stderr)
				}
				lines := errorLines(r.Stderr)
				if len(lines) != 1 {
					t.Fatalf("%s: %d error lines, want 1:\n%s", args[0], len(lines), r.Stderr)
				}
				for _, w := range want {
					if !strings.Contains(lines[0], w) {
						t.Errorf("%s: the error lacks %q:\n%s", args[0], w, lines[0])
					}
				}
				if strings.Contains(r.Stdout+r.Stderr, secret) {
					t.Errorf("%s shows the secret:\n%s", args[0], r.Stderr)
				}
				if d := diffSnapshots(before, snapshot(t, home, dir)); len(d) > 0 {
					t.Errorf("%s touched files: %v", args[0], d)
				}
			}
		})
	}
}

// TestPlanUsesThePatchFilesLoadRead (issue 13, "load once"): a patch file
// is read by Load and never again. The file is rewritten, broken or removed
// between Load and planning; the plan applies what Load read, without an
// error.
func TestPlanUsesThePatchFilesLoadRead(t *testing.T) {
	type productCase struct {
		name         string
		home         func(t *testing.T) (string, map[string]string)
		patch        func(value string) string
		file, loaded string // the file the patch edits, and the loaded value as it appears there
	}
	products := []productCase{
		{name: "carbon gateway", home: func(t *testing.T) (string, map[string]string) {
			home := freshHome(t, "gateway")
			return home, goldenEnv(t, "gateway", home)
		}, patch: func(v string) string { return "file repository/conf/carbon.xml\nset /Server/Ports/Offset " + v + "\n" },
			file: "repository/conf/carbon.xml", loaded: "<Offset>7</Offset>"},
		{name: "4.x control plane", home: func(t *testing.T) (string, map[string]string) {
			home := a4Layout(t, a4Cases[0])
			return home, a4BaseEnv(t, a4Cases[0], home)
		}, patch: func(v string) string { return "file repository/conf/deployment.toml\nset server.offset " + v + "\n" },
			file: apim4.DeploymentTOML, loaded: "offset = 7\n"},
	}
	changes := []struct {
		name   string
		change func(t *testing.T, path string, pr productCase)
	}{
		{"rewritten", func(t *testing.T, path string, pr productCase) {
			must(t, os.WriteFile(path, []byte(pr.patch("9")), 0o644))
		}},
		{"made unparsable", func(t *testing.T, path string, pr productCase) {
			must(t, os.WriteFile(path, []byte(pr.patch("9")+"frobnicate x y\n"), 0o644))
		}},
		{"removed", func(t *testing.T, path string, _ productCase) { must(t, os.Remove(path)) }},
	}
	for _, pr := range products {
		for _, ch := range changes {
			t.Run(pr.name+"/"+ch.name, func(t *testing.T) {
				home, env := pr.home(t)
				patch := filepath.Join(t.TempDir(), "image.patch")
				must(t, os.WriteFile(patch, []byte(pr.patch("7")), 0o644))
				env["WSO2_AGENT_PATCHES"] = patch
				cfg, err := pipeline.Load(envList(env), true)
				if err != nil {
					t.Fatal(err)
				}
				ch.change(t, patch, pr)
				prof, _ := product.LookupProfile(cfg.Profile)
				p, err := pipeline.BuildPlan(cfg, prof, fakeDiscovery(goldenDNS))
				if err != nil {
					t.Fatalf("the plan read the patch file again: %v", err)
				}
				f := p.FindFile(filepath.Join(home, pr.file))
				if f == nil || !strings.Contains(string(f.New), pr.loaded) {
					t.Errorf("the plan of %s does not hold the loaded patch's %q", pr.file, strings.TrimSpace(pr.loaded))
				}
			})
		}
	}
}

// TestPlanUsesTheJobsLoadRead (issue 13, "load once"): the crontab file is
// read by Load and never again. It is rewritten, broken or removed between
// Load and planning; the plan (what render shows) has the job Load read,
// without an error.
func TestPlanUsesTheJobsLoadRead(t *testing.T) {
	changes := []struct {
		name   string
		change func(t *testing.T, path string)
	}{
		{"rewritten", func(t *testing.T, path string) {
			must(t, os.WriteFile(path, []byte("name=rewritten @hourly true\n"), 0o644))
		}},
		{"made unparsable", func(t *testing.T, path string) {
			must(t, os.WriteFile(path, []byte("name=loaded @fortnightly true\n"), 0o644))
		}},
		{"removed", func(t *testing.T, path string) { must(t, os.Remove(path)) }},
	}
	for _, ch := range changes {
		t.Run(ch.name, func(t *testing.T) {
			home := freshHome(t, "gateway")
			env := goldenEnv(t, "gateway", home)
			crontab := filepath.Join(t.TempDir(), "crontab")
			must(t, os.WriteFile(crontab, []byte("name=loaded @daily true\n"), 0o644))
			env["WSO2_AGENT_CRONTAB"] = crontab
			cfg, err := pipeline.Load(envList(env), true)
			if err != nil {
				t.Fatal(err)
			}
			ch.change(t, crontab)
			prof, _ := product.LookupProfile(cfg.Profile)
			p, err := pipeline.BuildPlan(cfg, prof, fakeDiscovery(goldenDNS))
			if err != nil {
				t.Fatalf("the plan read the crontab again: %v", err)
			}
			if got := plan.JobPreviewLines(p.Jobs); len(got) != 1 || !strings.HasPrefix(got[0], "# job loaded ("+crontab+`:1) "@daily": true;`) {
				t.Errorf("the plan's jobs are %q, want the one Load read: loaded, @daily, true", got)
			}
		})
	}
}

// TestLoadParsesAPIM4Variables (issue 13): the API Manager 4.x variables
// are parsed by Load, for the role of the declared profile, with no product
// home at all (neither WSO2_HOME nor WSO2_SERVER_HOME is set): a bad one is
// Load's ConfigError, exit 78. The same value can be bad for one role and
// good for another (WSO2_EVENTHUB_URLS), and a Carbon profile does not read
// them.
func TestLoadParsesAPIM4Variables(t *testing.T) {
	tests := []struct {
		profile, name, value string
		want                 string // the problem's start; "": loads
	}{
		{"control-plane", "WSO2_PORT_OFFSET", "-1", `WSO2_PORT_OFFSET: "-1" is not a port offset (0-55000)`},
		{"control-plane", "WSO2_EVENTHUB_URLS", "cp-1:9611", `WSO2_EVENTHUB_URLS: entry 1 "cp-1:9611": give host names only`},
		{"gateway-worker", "WSO2_EVENTHUB_URLS", "cp-1:9611", ""},
		{"key-manager", "WSO2_APIM_DB_URL", "mysql://db/apim", `WSO2_APIM_DB_URL: "mysql://db/apim" is not a JDBC URL`},
		{"traffic-manager", "WSO2_DEPLOYMENT_TOML", "[server]\noffset = = 2\n", "WSO2_DEPLOYMENT_TOML: line 2, column"},
		{"universal-gateway", "WSO2_GATEWAY_ENVIRONMENTS", `[{"name":"Default"}]`, "WSO2_GATEWAY_ENVIRONMENTS: entry 1 (Default): serviceName"},
		{"all-in-one", "WSO2_KM_SERVICE_URL", "cp:99999", `WSO2_KM_SERVICE_URL: "cp:99999": "99999" is not a port`},
		{"gateway", "WSO2_PORT_OFFSET", "-1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.profile+"/"+tt.name, func(t *testing.T) {
			env := map[string]string{"WSO2_PROFILE": tt.profile, tt.name: tt.value, "WSO2_MYSQL_PASSWORD": goldenDBPW}
			_, err := pipeline.Load(envList(env), true)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				return
			}
			var ce *contract.ConfigError
			if !errors.As(err, &ce) || exitcode.Of(err) != exitcode.Config {
				t.Fatalf("Load: %v (exit %d), want a ConfigError with exit %d", err, exitcode.Of(err), exitcode.Config)
			}
			if len(ce.Problems) != 1 || !strings.HasPrefix(ce.Problems[0], tt.want) {
				t.Errorf("problems %q, want one starting %q", ce.Problems, tt.want)
			}
		})
	}
}
