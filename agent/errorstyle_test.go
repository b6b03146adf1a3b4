package agent

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/wso2-container/agent/agent/exitcode"
)

// TestErrorStyle: every subcommand fails the same way, with the real
// binary: one line on stderr, `agent: SUB: what failed: why`, naming the
// variable or file, the documented exit code, and no secret; under
// WSO2_AGENT_LOG_FORMAT=json the same text is the msg of one ERROR record.
func TestErrorStyle(t *testing.T) {
	const secret = "Sup3r-Secret-Val"
	home := freshHome(t, "gateway")
	base := processEnv(t, "gateway", home)
	base["WSO2_MYSQL_PASSWORD"] = secret
	base["WSO2_AGENT_WAIT_FOR"] = ""
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string // the line after "agent: "
	}{
		{"render: bad variable", map[string]string{"WSO2_AGENT_STOP_TIMEOUT": "soon"}, []string{"render"}, exitcode.Config,
			"render: .*WSO2_AGENT_STOP_TIMEOUT"},
		{"render: missing home", map[string]string{"WSO2_HOME": filepath.Join(home, "absent")}, []string{"render", "--dry-run"}, exitcode.NoInput,
			"render: .*" + regexp.QuoteMeta(filepath.Join(home, "absent"))},
		{"run: a job whose command holds a secret", map[string]string{"WSO2_AGENT_JOB_X": "@daily /nonexistent/" + secret + "/x"}, []string{"run", "--", "true"}, exitcode.Config,
			`run: .*WSO2_AGENT_JOB_X: .*/nonexistent/\[secret \d+\]/x`},
		{"run: unknown user", map[string]string{"WSO2_AGENT_USER": "nosuchuser"}, []string{"run", "--", "true"}, exitcode.NoUser,
			"run: WSO2_AGENT_USER: .*nosuchuser"},
		{"run through the entrypoint: render", map[string]string{"WSO2_AGENT_STOP_TIMEOUT": "soon"}, []string{"run", "render"}, exitcode.Config,
			"render: .*WSO2_AGENT_STOP_TIMEOUT"},
		{"certs list: missing file", nil, []string{"certs", "list", filepath.Join(home, "none.jks")}, exitcode.NoInput,
			"certs list: .*none.jks"},
		{"certs generate: unwritable output", nil, []string{"certs", "generate", "--out", "/proc/agent-test"}, 0,
			"certs generate: .*/proc/agent-test"},
		{"cron: invalid expression", nil, []string{"cron", "0 0 25 * * ?"}, exitcode.Config,
			`cron: parse cron expression "0 0 25 \* \* \?": `},
		{"admin-password: no password", map[string]string{"WSO2_ADMIN_PASSWORD": unset, "WSO2_NEW_ADMIN_PASSWORD": unset}, []string{"admin-password"}, exitcode.Config,
			"admin-password: no new password: set WSO2_NEW_ADMIN_PASSWORD or WSO2_ADMIN_PASSWORD"},
	}
	for _, tc := range tests {
		for _, format := range []string{"text", "json"} {
			t.Run(tc.name+"/"+format, func(t *testing.T) {
				env := map[string]string{}
				for k, v := range base {
					env[k] = v
				}
				for k, v := range tc.env {
					env[k] = v
				}
				env["WSO2_AGENT_LOG_FORMAT"] = format
				r := runPipe(t, env, tc.args...)
				// code 0: any documented failure code.
				if tc.code != 0 && r.Code != tc.code || r.Code == 0 {
					t.Fatalf("exit %d, want %d\nstderr:\n%s", r.Code, tc.code, r.Stderr)
				}
				if strings.Contains(r.Stdout+r.Stderr, secret) {
					t.Fatalf("the secret is shown:\n%s", r.Stderr)
				}
				var lines []string
				for _, l := range strings.Split(strings.TrimSuffix(r.Stderr, "\n"), "\n") {
					if format == "text" && strings.HasPrefix(l, "agent: ") {
						lines = append(lines, l)
					}
					var rec map[string]any
					if format == "json" && json.Unmarshal([]byte(l), &rec) == nil && rec["level"] == "ERROR" {
						lines = append(lines, rec["msg"].(string))
					}
				}
				if len(lines) != 1 {
					t.Fatalf("%d error lines, want 1:\n%s", len(lines), r.Stderr)
				}
				if !regexp.MustCompile(`^agent: ` + tc.want).MatchString(lines[0]) {
					t.Fatalf("error line %q does not match agent: %s", lines[0], tc.want)
				}
				if format == "json" && strings.Contains(r.Stderr, "\nagent: ") {
					t.Fatalf("a plain error line under the JSON log format:\n%s", r.Stderr)
				}
			})
		}
	}
}

// TestUsageErrorJSON: under WSO2_AGENT_LOG_FORMAT=json a usage error is one
// ERROR record (msg the line of the text format, usage its hint), like
// every other failure, and no plain line reaches stderr: a log collector
// parsing the agent's stderr as JSON lines got two plain lines instead.
func TestUsageErrorJSON(t *testing.T) {
	const secret = "Sup3r-Usage-Secret"
	env := map[string]string{"PATH": "/usr/bin:/bin", "WSO2_AGENT_LOG_FORMAT": "json", "WSO2_PROFILE": "none", "WSO2_MYSQL_PASSWORD": secret}
	tests := []struct {
		args     []string
		msg, use string
	}{
		{nil, "agent: no subcommand given", "agent <subcommand> [arguments] (agent help lists them)"},
		{[]string{"bogus"}, `agent: unknown subcommand "bogus"`, "(agent help lists them)"},
		{[]string{"render", "--bogus"}, "agent: render: unknown flag --bogus", "(agent render --help)"},
		{[]string{"certs", "list"}, "agent: certs list: want exactly one keystore file, got 0 arguments", "(agent certs list --help)"},
		{[]string{"cron", "-n", "x", "0 0 * * * ?"}, "agent: cron: -n \"x\": want a whole number from 1 to 100000", "(agent cron --help)"},
		{[]string{"env", "--json", "--markdown"}, "agent: env: --markdown and --json exclude each other", "(agent env --help)"},
		{[]string{"run", "--"}, "agent: run: no command after --", "see agent run --help"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := runPipe(t, env, tc.args...)
			if r.Code != exitcode.Usage {
				t.Fatalf("exit %d, want %d\nstderr:\n%s", r.Code, exitcode.Usage, r.Stderr)
			}
			if strings.Contains(r.Stderr, secret) {
				t.Fatalf("the secret is shown:\n%s", r.Stderr)
			}
			lines := strings.Split(strings.TrimSuffix(r.Stderr, "\n"), "\n")
			var rec map[string]any
			for _, l := range lines {
				if err := json.Unmarshal([]byte(l), &rec); err != nil {
					t.Fatalf("a stderr line is not JSON: %q\nstderr:\n%s", l, r.Stderr)
				}
			}
			if len(lines) != 1 || rec["level"] != "ERROR" || rec["msg"] != tc.msg {
				t.Fatalf("want one ERROR record with msg %q, got:\n%s", tc.msg, r.Stderr)
			}
			if u, _ := rec["usage"].(string); !strings.Contains(u, tc.use) {
				t.Fatalf("usage %q does not contain %q", u, tc.use)
			}
		})
	}
}
