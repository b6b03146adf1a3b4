package agent

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wso2-container/agent/agent/exitcode"
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
	for _, v := range Vars() {
		if !strings.Contains(v.Name, "<") {
			t.Setenv(v.Name, junk)
		}
	}
	t.Setenv("WSO2_AGENT_JOB_JUNK", "@every 1m echo "+junk)
	t.Setenv("WSO2_SERVER_HOME", "/"+junk)
	if _, err := LoadEnv(true); err == nil || !strings.Contains(err.Error(), "WSO2_PROFILE") {
		t.Fatalf("the process environment should not load (unknown profile): %v", err)
	}

	home := freshHome(t, "gateway")
	env := goldenEnv(t, "gateway", home)
	cfg, err := Load(envList(env), true)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Profile != "gateway" || cfg.MySQLPassword != goldenDBPW || cfg.Home != home {
		t.Fatalf("loaded profile %q, home %q: not the given environment", cfg.Profile, cfg.Home)
	}
	prof, _ := lookupProfile(cfg.Profile)
	p, err := buildPlan(cfg, prof, fakeDiscovery(goldenDNS))
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
	shown := strings.Join(append(append(append([]string{}, p.WaitFor...), p.Command...), jobPreviewLines(p.Jobs)...), "\n")
	if strings.Contains(shown, junk) {
		t.Errorf("the plan's dependencies, command or jobs come from the process environment:\n%s", shown)
	}
	for _, kv := range childEnv(cfg.environ, cfg.KeepSecretsEnv.V) {
		if strings.Contains(kv, junk) {
			t.Errorf("the server's environment has %s from the process", kv)
		}
	}
}

// TestPlanUsesThePatchFilesLoadRead (issue 13, "load once"): a patch file
// is read by Load and never again. The file is rewritten, broken or removed
// between Load and planning; the plan applies what Load read, without an
// error.
func TestPlanUsesThePatchFilesLoadRead(t *testing.T) {
	type product struct {
		name         string
		home         func(t *testing.T) (string, map[string]string)
		patch        func(value string) string
		file, loaded string // the file the patch edits, and the loaded value as it appears there
	}
	products := []product{
		{name: "carbon gateway", home: func(t *testing.T) (string, map[string]string) {
			home := freshHome(t, "gateway")
			return home, goldenEnv(t, "gateway", home)
		}, patch: func(v string) string { return "file repository/conf/carbon.xml\nset /Server/Ports/Offset " + v + "\n" },
			file: "repository/conf/carbon.xml", loaded: "<Offset>7</Offset>"},
		{name: "4.x control plane", home: func(t *testing.T) (string, map[string]string) {
			home := a4Layout(t, a4Cases[0])
			return home, a4BaseEnv(t, a4Cases[0], home)
		}, patch: func(v string) string { return "file repository/conf/deployment.toml\nset server.offset " + v + "\n" },
			file: a4TOML, loaded: "offset = 7\n"},
	}
	changes := []struct {
		name   string
		change func(t *testing.T, path string, pr product)
	}{
		{"rewritten", func(t *testing.T, path string, pr product) { must(t, os.WriteFile(path, []byte(pr.patch("9")), 0o644)) }},
		{"made unparsable", func(t *testing.T, path string, pr product) {
			must(t, os.WriteFile(path, []byte(pr.patch("9")+"frobnicate x y\n"), 0o644))
		}},
		{"removed", func(t *testing.T, path string, _ product) { must(t, os.Remove(path)) }},
	}
	for _, pr := range products {
		for _, ch := range changes {
			t.Run(pr.name+"/"+ch.name, func(t *testing.T) {
				home, env := pr.home(t)
				patch := filepath.Join(t.TempDir(), "image.patch")
				must(t, os.WriteFile(patch, []byte(pr.patch("7")), 0o644))
				env["WSO2_AGENT_PATCHES"] = patch
				cfg, err := Load(envList(env), true)
				if err != nil {
					t.Fatal(err)
				}
				ch.change(t, patch, pr)
				prof, _ := lookupProfile(cfg.Profile)
				p, err := buildPlan(cfg, prof, fakeDiscovery(goldenDNS))
				if err != nil {
					t.Fatalf("the plan read the patch file again: %v", err)
				}
				f := p.findFile(filepath.Join(home, pr.file))
				if f == nil || !strings.Contains(string(f.New), pr.loaded) {
					t.Errorf("the plan of %s does not hold the loaded patch's %q", pr.file, strings.TrimSpace(pr.loaded))
				}
			})
		}
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
		{"control-plane", "WSO2_PORT_OFFSET", "-1", `WSO2_PORT_OFFSET: "-1" is not a port offset (0-56092)`},
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
			_, err := Load(envList(env), true)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				return
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || exitcode.Of(err) != exitcode.Config {
				t.Fatalf("Load: %v (exit %d), want a ConfigError with exit %d", err, exitcode.Of(err), exitcode.Config)
			}
			if len(ce.Problems) != 1 || !strings.HasPrefix(ce.Problems[0], tt.want) {
				t.Errorf("problems %q, want one starting %q", ce.Problems, tt.want)
			}
		})
	}
}
