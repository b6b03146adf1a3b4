package agent

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/wso2-container/agent/agent/contract"
)

// TestRunDispatchesAgentSubcommands: the image's ENTRYPOINT is `agent run`,
// so `docker run IMAGE render --dry-run` must reach render itself, with no
// setup and no wait; `agent run -- NAME` still runs a program NAME.
func TestRunDispatchesAgentSubcommands(t *testing.T) {
	home := freshHome(t, "gateway")
	for k, v := range goldenEnv(t, "gateway", home) {
		if v == unset {
			continue
		}
		t.Setenv(k, v)
	}
	t.Setenv("WSO2_AGENT_WAIT_FOR", "tcp://127.0.0.1:1") // would time out if run waited
	t.Setenv("WSO2_AGENT_WAIT_TIMEOUT", "60s")
	before := snapshot(t, home)

	var out, errb bytes.Buffer
	io := IO{Stdout: &out, Stderr: &errb, Log: NewLogger(&errb, "text")}
	if code := cmdRun(context.Background(), []string{"render", "--dry-run"}, io); code != 0 {
		t.Fatalf("agent run render --dry-run exited %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "# profile gateway") || !strings.Contains(out.String(), "would change") {
		t.Fatalf("agent run render --dry-run did not print the plan:\n%s", out.String())
	}
	if d := diffSnapshots(before, snapshot(t, home)); len(d) > 0 {
		t.Fatalf("agent run render --dry-run touched files: %v", d)
	}

	out.Reset()
	if code := cmdRun(context.Background(), []string{"version"}, io); code != 0 || !strings.HasPrefix(out.String(), "agent ") {
		t.Fatalf("agent run version: code %d, output %q", code, out.String())
	}
}

// TestRenderListsJobs: render --dry-run lists each scheduled job with its
// next three run times, and a bad job fails the render with the job's name.
func TestRenderListsJobs(t *testing.T) {
	home := freshHome(t, "gateway")
	for k, v := range goldenEnv(t, "gateway", home) {
		if v == unset {
			continue
		}
		t.Setenv(k, v)
	}
	t.Setenv("WSO2_AGENT_JOB_PURGE", "@every 10m true")
	var out, errb bytes.Buffer
	io := IO{Stdout: &out, Stderr: &errb, Log: NewLogger(&errb, "text")}
	if code := cmdRender(context.Background(), []string{"--dry-run"}, io); code != 0 {
		t.Fatalf("render exited %d: %s", code, errb.String())
	}
	var line string
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, "# job purge (WSO2_AGENT_JOB_PURGE)") {
			line = l
		}
	}
	if line == "" {
		t.Fatalf("no job line in render output:\n%s", out.String())
	}
	if n := strings.Count(line[strings.Index(line, "next:"):], "Z"); n != 3 {
		t.Errorf("job line shows %d run times, want 3: %s", n, line)
	}

	t.Setenv("WSO2_AGENT_JOB_PURGE", "61 * * * * true")
	out.Reset()
	errb.Reset()
	if code := cmdRender(context.Background(), []string{"--dry-run"}, io); code != 78 {
		t.Fatalf("render with a bad job exited %d, want 78: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "job purge") {
		t.Errorf("error does not name the job: %s", errb.String())
	}
}

// TestRunLogMasksSecretsInArgv: a server flag carrying a configured secret
// does not reach the agent's log line.
func TestRunLogMasksSecretsInArgv(t *testing.T) {
	cfg := &contract.Config{MySQLPassword: "Zq9-db-secret"}
	got := maskConfigSecrets(cfg, "/wso2am/bin/wso2server.sh -Dprofile=gateway-worker -Ddb.password=Zq9-db-secret")
	if strings.Contains(got, "Zq9-db-secret") {
		t.Fatalf("secret left in %q", got)
	}
	if !strings.Contains(got, "-Dprofile=gateway-worker") {
		t.Fatalf("masking removed more than the secret: %q", got)
	}
}

// TestRunDocNamesEverySubcommand: `agent run --help` and the README list the
// names that `agent run NAME` hands to a subcommand instead of running a
// program NAME; the lists are every subcommand but run, plus help.
func TestRunDocNamesEverySubcommand(t *testing.T) {
	want := []string{"help"}
	for name := range commands {
		if name != "run" {
			want = append(want, name)
		}
	}
	slices.Sort(want)
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range []struct{ where, text, pattern string }{
		{"agent run --help", runDoc.about, `subcommand \(([a-z, -]+)\) runs it`},
		{"README", string(readme), "A first argument that names another agent subcommand \\(([`a-z, -]+)\\) runs"},
	} {
		m := regexp.MustCompile(src.pattern).FindStringSubmatch(src.text)
		if m == nil {
			t.Errorf("%s: no list of subcommands (%s)", src.where, src.pattern)
			continue
		}
		got := strings.Split(strings.ReplaceAll(m[1], "`", ""), ", ")
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s lists %q, want %q", src.where, got, want)
		}
	}
}
