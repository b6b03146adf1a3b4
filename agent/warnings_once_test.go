package agent

import (
	"path/filepath"
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
