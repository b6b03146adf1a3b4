package agent

import (
	"strings"
	"testing"
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
