package agent

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wso2-container/agent/agent/exitcode"
)

// TestWarningsOnce: each warning is printed once per command, whatever the
// stages it passes (load, plan, apply, wait, start): `agent run` logs it
// once; `agent render` shows it once, in its report (text or JSON) when
// the report is printed, else on stderr before the error line.
func TestWarningsOnce(t *testing.T) {
	warnings := []string{
		"WSO2_FOO is not a variable the agent reads",                // load: an unknown variable
		"WSO2_CLUSTER_MEMBERS: nosuch.invalid does not resolve yet", // plan: a member that does not resolve
		"does not exist: nothing to import",                         // plan: no certificates folder
	}
	newEnv := func(t *testing.T) map[string]string {
		home := freshHome(t, "gateway")
		env := processEnv(t, "gateway", home)
		env["WSO2_FOO"] = "1"
		env["WSO2_CLUSTER_MEMBERS"] = "nosuch.invalid,10.0.2.2"
		env["WSO2_CERTIFICATES_DIR"] = filepath.Join(t.TempDir(), "none")
		env["WSO2_AGENT_WAIT_FOR"] = ""
		env["WSO2_AGENT_USER"] = ""
		return env
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"run", []string{"run", "--", "true"}, 0},
		{"render", []string{"render"}, 0},
		{"render --dry-run", []string{"render", "--dry-run"}, 0},
		{"render --dry-run --output json", []string{"render", "--dry-run", "--output", "json"}, 0},
		{"run through the entrypoint: render --dry-run", []string{"run", "render", "--dry-run"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runPipe(t, newEnv(t), tc.args...)
			if r.Code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", r.Code, tc.code, r.Stderr)
			}
			for _, w := range warnings {
				if n := strings.Count(r.Stdout+r.Stderr, w); n != 1 {
					t.Errorf("%q printed %d times, want once\nstdout:\n%s\nstderr:\n%s", w, n, r.Stdout, r.Stderr)
				}
			}
		})
	}
	// A render that fails shows the warning of the load once, before its
	// error line.
	t.Run("render fails", func(t *testing.T) {
		env := newEnv(t)
		env["WSO2_HOME"] = filepath.Join(t.TempDir(), "no-home")
		r := runPipe(t, env, "render")
		if r.Code == exitcode.OK {
			t.Fatalf("exit 0 on a missing home\n%s", r.Stderr)
		}
		if n := strings.Count(r.Stderr, warnings[0]); n != 1 {
			t.Errorf("%q printed %d times, want once:\n%s", warnings[0], n, r.Stderr)
		}
	})
}

// TestRenderReportsMisspeltVariables: render's report (text and JSON)
// holds the warning about a variable the agent does not read, with its
// suggestion, and stderr does not repeat it; when render fails before a
// plan, the warning is logged before the error line instead.
func TestRenderReportsMisspeltVariables(t *testing.T) {
	const w = "WSO2_MYSQL_PASWORD is not a variable the agent reads, so the agent ignores it; did you mean WSO2_MYSQL_PASSWORD?"
	newEnv := func(t *testing.T) map[string]string {
		return with(processEnv(t, "gateway", freshHome(t, "gateway")), "WSO2_MYSQL_PASWORD", "x", "WSO2_AGENT_WAIT_FOR", "", "WSO2_AGENT_USER", "")
	}
	r := runPipe(t, newEnv(t), "render", "--dry-run")
	if r.Code != 0 || !strings.Contains(r.Stdout, "# warning: "+w) || strings.Contains(r.Stderr, w) {
		t.Errorf("text report: exit %d, want the warning in the report only\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
	}
	r = runPipe(t, newEnv(t), "render", "--dry-run", "--output", "json")
	if rep := parseReport(t, r); r.Code != 0 || !slices.Contains(rep.Warnings, w) || strings.Contains(r.Stderr, w) {
		t.Errorf("JSON report: exit %d, warnings %q, want %q there only\nstderr:\n%s", r.Code, rep.Warnings, w, r.Stderr)
	}
	env := newEnv(t)
	env["WSO2_HOME"] = filepath.Join(t.TempDir(), "no-home")
	r = runPipe(t, env, "render", "--dry-run")
	if i, j := strings.Index(r.Stderr, w), strings.Index(r.Stderr, "agent: render: "); r.Code == 0 || i < 0 || j < i {
		t.Errorf("failed render: exit %d, want the warning logged before the error line\nstderr:\n%s", r.Code, r.Stderr)
	}
}
