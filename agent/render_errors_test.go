package agent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRenderApplyFailureReportsNothingApplied: when apply fails (here the
// mediator jars' folder cannot be created because repository/components is
// a file), `agent render` exits 74 with one error line, writes nothing, and
// prints no report claiming the changes as applied.
func TestRenderApplyFailureReportsNothingApplied(t *testing.T) {
	home := freshHome(t, "gateway")
	if err := os.WriteFile(filepath.Join(home, "repository", "components"), []byte("not a folder\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := processEnv(t, "gateway", home)
	before := snapshot(t, home, env["WSO2_CERTIFICATES_DIR"])
	for _, args := range [][]string{{"render"}, {"render", "--output", "json"}} {
		r := runPipe(t, env, args...)
		if r.Code != 74 {
			t.Fatalf("%v: code %d, want 74 (ioerr)\n%s", args, r.Code, r.Stderr)
		}
		if lines := errorLines(r.Stderr); len(lines) != 1 || !strings.Contains(lines[0], "components") {
			t.Errorf("%v: want one error line naming the folder, got %q", args, lines)
		}
		if r.Stdout != "" {
			t.Errorf("%v: a failed apply printed a report:\n%s", args, r.Stdout)
		}
	}
	if d := diffSnapshots(before, snapshot(t, home, env["WSO2_CERTIFICATES_DIR"])); len(d) > 0 {
		t.Fatalf("a failed apply changed:\n%s", strings.Join(d, "\n"))
	}
}

// TestRenderJSONMasksJobCommands: a job whose command line holds a secret
// value is masked in the JSON report as it is in the text report.
func TestRenderJSONMasksJobCommands(t *testing.T) {
	home := freshHome(t, "gateway")
	env := with(processEnv(t, "gateway", home), "WSO2_AGENT_JOB_BACKUP", "@daily /bin/echo --password "+goldenDBPW)
	for _, args := range [][]string{{"render", "--dry-run"}, {"render", "--dry-run", "--output", "json"}} {
		r := runPipe(t, env, args...)
		if r.Code != 0 {
			t.Fatalf("%v: code %d\n%s", args, r.Code, r.Stderr)
		}
		if !strings.Contains(r.Stdout, "backup") || !strings.Contains(r.Stdout, "[secret ") {
			t.Errorf("%v: the job or its masked argument is missing:\n%s", args, r.Stdout)
		}
		assertNoSecrets(t, r.Stdout+r.Stderr)
	}
}
