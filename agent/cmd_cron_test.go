package agent

import (
	"bufio"
	"bytes"
	"context"
	"github.com/wso2-container/agent/internal/fixtures"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wso2-container/agent/agent/exitcode"
)

type cronVector struct {
	line  int
	expr  string
	valid bool
	fires []string
}

// loadCronVectors reads /work/shared/quartz-vectors.tsv: expressions with the
// validity and the next 5 fire times real Quartz 2.3.2 computes from
// 2026-01-01T00:00:00Z.
func loadCronVectors(t *testing.T) []cronVector {
	t.Helper()
	var path = fixtures.Path("quartz-vectors.tsv")
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open the Quartz vectors: %v", err)
	}
	defer f.Close()
	var out []cronVector
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if n == 1 {
			continue
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 3 {
			t.Fatalf("%s:%d: malformed line", path, n)
		}
		out = append(out, cronVector{n, cols[0], cols[1] == "yes", strings.Fields(cols[2])})
	}
	if len(out) < 60 {
		t.Fatalf("%s: only %d vectors", path, len(out))
	}
	return out
}

func runCron(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	io := IO{Stdout: &out, Stderr: &errb, Log: NewLogger(&errb, "text")}
	code = cmdCron(context.Background(), args, io)
	return code, out.String(), errb.String()
}

// TestCmdCronVectors runs `agent cron EXPR --from 2026-01-01T00:00:00Z` for
// every line of quartz-vectors.tsv, with EXPR quoted (one argument) and, for
// the valid ones, unquoted (one argument per field).
func TestCmdCronVectors(t *testing.T) {
	const from = "2026-01-01T00:00:00Z"
	for _, v := range loadCronVectors(t) {
		code, stdout, stderr := runCron(v.expr, "--from", from)
		if !v.valid {
			if code != exitcode.Config || stdout != "" || !strings.Contains(stderr, "parse cron expression") {
				t.Errorf("line %d %q: code %d, stdout %q, stderr %q; want %d, nothing, the reason", v.line, v.expr, code, stdout, stderr, exitcode.Config)
			}
			continue
		}
		want := ""
		for _, f := range v.fires {
			want += f + "\n"
		}
		if code != 0 || stdout != want {
			t.Errorf("line %d %q: code %d, stdout:\n%s\nwant 0 and:\n%s(stderr %s)", v.line, v.expr, code, stdout, want, stderr)
			continue
		}
		if len(v.fires) == 0 && !strings.Contains(stderr, "never fires") {
			t.Errorf("line %d %q: no fire times and stderr does not say so: %q", v.line, v.expr, stderr)
		}
		// Unquoted: the shell passes one argument per field.
		args := append(strings.Fields(v.expr), "-n", "5", "--from="+from)
		if code, stdout2, _ := runCron(args...); code != 0 || stdout2 != want {
			t.Errorf("line %d %q as %d arguments: code %d, stdout %q, want %q", v.line, v.expr, len(args), code, stdout2, want)
		}
	}
}

func TestCmdCronFlags(t *testing.T) {
	cases := []struct {
		name     string
		args     []string
		code     int
		stdout   string
		inStderr string
	}{
		{"flags first, -n=2", []string{"-n=2", "--from=2026-01-01T00:00:00Z", "0 0 12 * * ?"}, 0,
			"2026-01-01T12:00:00Z\n2026-01-02T12:00:00Z\n", ""},
		{"-from with one dash, offset converted to UTC", []string{"0 0 12 * * ?", "-from", "2026-01-01T13:00:00+02:00", "-n", "1"}, 0,
			"2026-01-01T12:00:00Z\n", ""},
		{"-- ends the flags", []string{"-n", "1", "--from", "2026-01-01T00:00:00Z", "--", "0", "0", "12", "*", "*", "?"}, 0,
			"2026-01-01T12:00:00Z\n", ""},
		{"expired year", []string{"0 0 12 * * ? 2020", "--from", "2026-01-01T00:00:00Z"}, 0, "", "never fires"},
		{"shell-expanded glob: extra fields warned about", []string{"0", "0", "12", "*", "*", "?", "2030", "bin", "etc", "-n", "1", "--from", "2026-01-01T00:00:00Z"}, 0,
			"2030-01-01T12:00:00Z\n", "fields after the 7th (year) are ignored"},
		{"invalid, several arguments: quoting hint", []string{"0", "0", "bin", "dev", "etc", "?"}, exitcode.Config, "", "quote it as one"},
		{"invalid: reason", []string{"0 0 12 ? * 0"}, exitcode.Config, "", "field 6 (day-of-week): 0 is out of range 1-7"},
		{"no expression", []string{"-n", "3"}, exitcode.Usage, "", "missing the cron expression"},
		{"no arguments", nil, exitcode.Usage, "", "missing the cron expression"},
		{"unknown flag", []string{"--zone", "UTC", "0 0 12 * * ?"}, exitcode.Usage, "", `unknown flag "--zone"`},
		{"-n 0", []string{"-n", "0", "0 0 12 * * ?"}, exitcode.Usage, "", "-n \"0\""},
		{"-n not a number", []string{"0 0 12 * * ?", "-n", "five"}, exitcode.Usage, "", "-n \"five\""},
		{"-n without value", []string{"0 0 12 * * ?", "-n"}, exitcode.Usage, "", "flag -n needs a value"},
		{"bad --from", []string{"0 0 12 * * ?", "--from", "2026-01-01"}, exitcode.Usage, "", "--from \"2026-01-01\""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runCron(c.args...)
			if code != c.code || stdout != c.stdout || !strings.Contains(stderr, c.inStderr) {
				t.Errorf("agent cron %q: code %d, stdout %q, stderr %q; want code %d, stdout %q, stderr containing %q",
					c.args, code, stdout, stderr, c.code, c.stdout, c.inStderr)
			}
		})
	}
}

func TestCmdCronHelp(t *testing.T) {
	code, stdout, _ := runCron("--help")
	if code != 0 || !strings.Contains(stdout, "usage: agent cron EXPR") || !strings.Contains(stdout, "Quote it") {
		t.Fatalf("help: code %d, stdout %q", code, stdout)
	}
}

// TestCmdCronDefaultFrom: without --from the times follow the current time.
func TestCmdCronDefaultFrom(t *testing.T) {
	before := time.Now().Truncate(time.Second)
	code, stdout, stderr := runCron("* * * * * ?", "-n", "3")
	if code != 0 {
		t.Fatalf("code %d, stderr %s", code, stderr)
	}
	lines := strings.Fields(stdout)
	if len(lines) != 3 {
		t.Fatalf("want 3 lines, got %q", stdout)
	}
	first, err := time.Parse(time.RFC3339, lines[0])
	if err != nil || !first.After(before) || first.After(time.Now().Add(2*time.Second)) || !strings.HasSuffix(lines[0], "Z") {
		t.Fatalf("first fire %q (err %v) is not the next second after %v", lines[0], err, before)
	}
}

// TestMainCron: the subcommand is reachable through the dispatcher.
func TestMainCron(t *testing.T) {
	var out, errb bytes.Buffer
	code := Main([]string{"cron", "0 0/5 * 1/1 * ? *", "--from", "2026-01-01T00:00:00Z", "-n", "2"},
		IO{Stdout: &out, Stderr: &errb, Log: NewLogger(&errb, "text")})
	if code != 0 || out.String() != "2026-01-01T00:05:00Z\n2026-01-01T00:10:00Z\n" {
		t.Fatalf("code %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
}
