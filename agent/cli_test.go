package agent

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/internal/fixtures"
)

// mainRun runs `agent ARGS` in-process and returns its exit code, stdout
// and stderr (the text log goes to stderr, as in the binary).
func mainRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	io := IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Log: NewLogger(&errb, "text")}
	code := Main(args, io)
	return code, out.String(), errb.String()
}

// cliPaths is every (sub)command as typed after "agent": each command of
// the dispatcher and each sub-subcommand listed in the top-level help.
func cliPaths() [][]string {
	var out [][]string
	for name := range commands {
		if subs, ok := subcommandLines[name]; ok {
			for _, l := range subs {
				out = append(out, strings.Fields(l)[:2])
			}
			continue
		}
		out = append(out, []string{name})
	}
	sort.Slice(out, func(i, j int) bool { return strings.Join(out[i], " ") < strings.Join(out[j], " ") })
	return out
}

// TestCLIHelp: `agent --help`, `agent -h`, `agent help`, and for every
// (sub)command `CMD --help`, `CMD -h` and `agent help CMD`, print usage on
// stdout, nothing on stderr, and exit 0.
func TestCLIHelp(t *testing.T) {
	isolateEnv(t)
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		code, stdout, stderr := mainRun(t, args...)
		if code != exitcode.OK || stderr != "" || !strings.HasPrefix(stdout, "usage: agent <subcommand>") {
			t.Errorf("agent %s: exit %d\nstdout:\n%s\nstderr:\n%s", args[0], code, stdout, stderr)
		}
	}
	for _, path := range cliPaths() {
		name := strings.Join(path, " ")
		t.Run(name, func(t *testing.T) {
			forms := [][]string{
				append(append([]string(nil), path...), "--help"),
				append(append([]string(nil), path...), "-h"),
				append([]string{"help"}, path...),
				append([]string{"run"}, append(append([]string(nil), path...), "--help")...), // through the image's entrypoint
			}
			if name == "run" {
				forms = forms[:3]
			}
			var first string
			for _, args := range forms {
				code, stdout, stderr := mainRun(t, args...)
				if code != exitcode.OK || stderr != "" || !strings.HasPrefix(stdout, "usage: agent "+name) {
					t.Fatalf("agent %s: exit %d (want 0), stdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout, stderr)
				}
				if first == "" {
					first = stdout
				} else if stdout != first {
					t.Errorf("agent %s prints other help than agent %s --help:\n%s", strings.Join(args, " "), name, stdout)
				}
			}
		})
	}
}

// TestCLIUsageErrors: a usage error prints one line naming it, `agent: SUB:
// what`, and one hint line on stderr, nothing on stdout, and exits 64.
func TestCLIUsageErrors(t *testing.T) {
	isolateEnv(t)
	tests := []struct {
		args []string
		line string // the first line, exactly
	}{
		{nil, "agent: no subcommand given"},
		{[]string{"nosuch"}, `agent: unknown subcommand "nosuch"`},
		{[]string{"render", "--no-such-flag"}, "agent: render: unknown flag --no-such-flag"},
		{[]string{"render", "extra"}, `agent: render: unexpected argument "extra"`},
		{[]string{"render", "--output", "yaml"}, `agent: render: --output must be text or json, not "yaml"`},
		{[]string{"env", "--no-such-flag"}, "agent: env: unknown flag --no-such-flag"},
		{[]string{"env", "--json", "--markdown"}, "agent: env: --markdown and --json exclude each other"},
		{[]string{"certs"}, "agent: certs: missing the subcommand: generate or list"},
		{[]string{"certs", "import"}, `agent: certs: unknown subcommand "import" (want generate or list)`},
		{[]string{"certs", "generate"}, "agent: certs generate: --out DIR is required"},
		{[]string{"certs", "generate", "--out", "x", "y"}, `agent: certs generate: unexpected argument "y"`},
		{[]string{"certs", "generate", "-no-such-flag"}, "agent: certs generate: unknown flag -no-such-flag"},
		{[]string{"certs", "list"}, "agent: certs list: want exactly one keystore file, got 0 arguments"},
		{[]string{"certs", "list", "a", "b"}, "agent: certs list: want exactly one keystore file, got 2 arguments"},
		{[]string{"certs", "list", "--password", "x", "--password-file", "y", "a"}, "agent: certs list: --password, --password-file and --password-env exclude each other"},
		{[]string{"certs", "list", "--password=s3cret-value"}, "agent: certs list: want exactly one keystore file, got 0 arguments"},
		{[]string{"admin-password", "--no-such-flag=x"}, "agent: admin-password: unknown flag --no-such-flag"},
		{[]string{"admin-password", "pw"}, "agent: admin-password: takes no arguments, only flags (1 given, not shown: the password is read from WSO2_NEW_ADMIN_PASSWORD or WSO2_ADMIN_PASSWORD or their _FILE forms, never from the command line)"},
		{[]string{"cron"}, "agent: cron: missing the cron expression"},
		{[]string{"cron", "--zone", "UTC", "0 0 12 * * ?"}, `agent: cron: unknown flag "--zone"`},
		{[]string{"health", "--timeout", "abc"}, `agent: health: --timeout "abc": not a duration (like 4s, 500ms or 1m30s)`},
		{[]string{"health", "--timeout"}, "agent: health: --timeout needs a value"},
		{[]string{"certs", "generate", "--out", "x", "--days", "x"}, `agent: certs generate: --days "x": not a whole number`},
		{[]string{"certs", "generate", "--out", "x", "--days", "99999999999999999999"}, `agent: certs generate: --days "99999999999999999999": out of range`},
		{[]string{"render", "--dry-run=maybe"}, `agent: render: --dry-run="maybe": not true or false`},
		{[]string{"version", "x"}, `agent: version: unexpected argument "x"`},
		{[]string{"version", "--no-such-flag"}, "agent: version: unknown flag --no-such-flag"},
		{[]string{"help", "nosuch"}, `agent: unknown subcommand "nosuch"`},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, stdout, stderr := mainRun(t, tc.args...)
			lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
			if code != exitcode.Usage || stdout != "" || len(lines) != 2 || lines[0] != tc.line || !strings.HasPrefix(lines[1], "usage: agent ") {
				t.Fatalf("exit %d (want 64), stdout %q, stderr (want %q and a usage hint):\n%s", code, stdout, tc.line, stderr)
			}
			if strings.Contains(stderr, "s3cret-value") {
				t.Fatal("a flag's value is echoed")
			}
		})
	}
	// Every (sub)command but run (whose flags are the server's) refuses an
	// unknown flag this way.
	for _, path := range cliPaths() {
		if path[0] == "run" {
			continue
		}
		code, stdout, stderr := mainRun(t, append(path, "--no-such-flag")...)
		if code != exitcode.Usage || stdout != "" || !strings.HasPrefix(stderr, "agent: "+strings.Join(path, " ")+": ") || !strings.Contains(stderr, "no-such-flag") || strings.Count(stderr, "\n") != 2 {
			t.Errorf("agent %s --no-such-flag: exit %d, stdout %q, stderr:\n%s", strings.Join(path, " "), code, stdout, stderr)
		}
	}
	// A usage error found by a command's logic, not its flags, also gets the hint.
	t.Run("run none without a command", func(t *testing.T) {
		t.Setenv("WSO2_PROFILE", "none")
		code, _, stderr := mainRun(t, "run")
		lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
		if code != exitcode.Usage || len(lines) != 2 || !strings.HasPrefix(lines[0], "agent: run: WSO2_PROFILE=none needs a command") || lines[1] != "usage: see agent run --help" {
			t.Fatalf("exit %d, stderr:\n%s", code, stderr)
		}
	})
}

// TestCLIFlagsAfterArguments: flags are accepted before and after the
// positional arguments, with the same result; "--" ends the flags.
func TestCLIFlagsAfterArguments(t *testing.T) {
	isolateEnv(t)
	ts := filepath.Join(t.TempDir(), "client-truststore.jks")
	b, err := os.ReadFile(fixtures.Path("wso2-fixtures/wso2am-2.0.0/repository/resources/security/client-truststore.jks"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(ts, b, 0o644)
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte("wso2carbon\n"), 0o600)
	pairs := [][2][]string{
		{{"certs", "list", "--password-file", pw, ts}, {"certs", "list", ts, "--password-file", pw}},
		{{"certs", "list", "--password-file=" + pw, ts}, {"certs", "list", ts, "--password-file=" + pw}},
		{{"cron", "-n", "2", "--from", "2026-01-01T00:00:00Z", "0 0 12 * * ?"}, {"cron", "0 0 12 * * ?", "--from", "2026-01-01T00:00:00Z", "-n", "2"}},
	}
	for _, p := range pairs {
		c1, o1, e1 := mainRun(t, p[0]...)
		c2, o2, e2 := mainRun(t, p[1]...)
		if c1 != 0 || c2 != 0 || o1 != o2 || o1 == "" {
			t.Errorf("agent %v: exit %d\n%s%s\nagent %v: exit %d\n%s%s", p[0], c1, o1, e1, p[1], c2, o2, e2)
		}
	}
	// After "--", a word starting with '-' is an argument, not a flag.
	code, _, stderr := mainRun(t, "certs", "list", "--password-file", pw, "--", "-not-a-flag.jks")
	if code != exitcode.NoInput || !strings.Contains(stderr, "-not-a-flag.jks") {
		t.Errorf("agent certs list -- -not-a-flag.jks: exit %d (want 66)\n%s", code, stderr)
	}
}

// TestCLIHelpListsREADMESubcommands: the top-level help lists every
// subcommand of the README's Subcommands table, and the table every
// subcommand of the help.
func TestCLIHelpListsREADMESubcommands(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(readme)
	i := strings.Index(s, "## Subcommands")
	if i < 0 {
		t.Fatal("README has no Subcommands section")
	}
	s = s[i:]
	if j := strings.Index(s[3:], "\n#"); j >= 0 {
		s = s[:j+3]
	}
	row := regexp.MustCompile("(?m)^\\| `agent ([a-z-]+(?: [a-z-]+)?)")
	readmeNames := map[string]bool{}
	for _, m := range row.FindAllStringSubmatch(s, -1) {
		readmeNames[m[1]] = true
	}
	if len(readmeNames) < 5 {
		t.Fatalf("found only %v in the README's Subcommands table", readmeNames)
	}
	_, help, _ := mainRun(t, "help")
	helpNames := map[string]bool{}
	for _, p := range cliPaths() {
		name := strings.Join(p, " ")
		helpNames[name] = true
		if !regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(name) + ` `).MatchString(help) {
			t.Errorf("agent help does not list %q:\n%s", name, help)
		}
	}
	for n := range readmeNames {
		if !helpNames[n] {
			t.Errorf("the README lists agent %s, agent help does not:\n%s", n, help)
		}
	}
	for n := range helpNames {
		if !readmeNames[n] {
			t.Errorf("agent help lists %s, the README's Subcommands table does not", n)
		}
	}
}
