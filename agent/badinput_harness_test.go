package agent

// The harness of the bad-input matrix (badinput_matrix_test.go and any other
// table of hostile or careless inputs): each row runs the real binary on a
// fresh copy of the real fixture tree and asserts the documented promise —
// the exit code, exactly one error line naming the variable/file/element,
// no secret anywhere in the output, and every file under the snapshot roots
// byte-identical (same content, mode, mtime and inode) afterwards.

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// badCase is one row of a bad-input matrix.
type badCase struct {
	name string
	// profile is WSO2_PROFILE and chooses the fixture tree (default gateway).
	profile string
	// home, when set, chooses the fixture tree by profile name instead of
	// profile (a wrong-product row: identityserver on an API Manager home).
	home string
	// env is set on top of processEnv(profile, home); a value of unset
	// removes the variable.
	env map[string]string
	// args are the agent's arguments (default: render, which would write:
	// so "nothing changed" proves the plan refused before any write).
	args []string
	// setup prepares the case after the home was copied and before the
	// snapshot: it may change files, add variables (b.env) and add
	// snapshot roots (b.roots).
	setup func(t *testing.T, b *badEnv)
	// code is the expected exit code.
	code int
	// msg are substrings of the one error line (code != 0) or of one
	// warning line (code 0): the variable, file or element it names.
	msg []string
	// notMsg are substrings that must not appear anywhere in the output
	// (besides the secrets, which are always checked).
	notMsg []string
	// secrets are values that must appear nowhere in stdout or stderr, in
	// addition to the golden environment's secrets (assertNoSecrets).
	secrets []string
	// changes: the run may write (a warning row run without --dry-run);
	// the tree is then not compared.
	changes bool
	// check runs extra assertions on the result.
	check func(t *testing.T, b *badEnv, r runResult)
}

// badEnv is the prepared world of one row.
type badEnv struct {
	Home  string
	Env   map[string]string
	Roots []string // snapshot roots: the home and the certificates folder, plus what setup adds
}

// badRunTimeout bounds one run of the binary so that a row that blocks (a
// FIFO, /dev/zero) fails the test instead of hanging it. It is a guard, not
// an assertion about speed.
const badRunTimeout = 60 * time.Second

// runBadMatrix runs every row as a subtest.
func runBadMatrix(t *testing.T, cases []badCase) {
	t.Helper()
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.name] {
			t.Fatalf("row %q appears twice", c.name)
		}
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) { runBadCase(t, c) })
	}
}

// runBadCase runs one row and asserts its promise.
func runBadCase(t *testing.T, c badCase) {
	profile := c.profile
	if profile == "" {
		profile = "gateway"
	}
	homeOf := profile
	if c.home != "" {
		homeOf = c.home
	}
	home := freshHome(t, homeOf)
	b := &badEnv{Home: home, Env: processEnv(t, profile, home)}
	b.Env["WSO2_PROFILE"] = profile
	for k, v := range c.env {
		b.Env[k] = v
	}
	b.Roots = []string{home, b.Env["WSO2_CERTIFICATES_DIR"]}
	if c.setup != nil {
		c.setup(t, b)
	}
	args := c.args
	if len(args) == 0 {
		args = []string{"render"}
	}
	before := snapshot(t, b.Roots...)
	r := runBadBinary(t, b.Env, args...)
	out := r.Stdout + r.Stderr

	if r.Code != c.code {
		t.Fatalf("exit code %d, want %d\nstderr:\n%s", r.Code, c.code, r.Stderr)
	}
	if c.code != 0 {
		lines := levelLines(r.Stderr, "ERROR")
		if len(lines) != 1 {
			t.Fatalf("want exactly one error line, got %d:\n%s", len(lines), r.Stderr)
		}
		for _, m := range c.msg {
			if !strings.Contains(lines[0], m) {
				t.Errorf("the error line does not say %q:\n%s", m, lines[0])
			}
		}
	} else if len(c.msg) > 0 {
		found := false
		// render shows the plan's warnings in its report, agent run logs them.
		for _, l := range append(levelLines(r.Stderr, "WARN"), reportWarnings(r.Stdout)...) {
			all := true
			for _, m := range c.msg {
				all = all && strings.Contains(l, m)
			}
			found = found || all
		}
		if !found {
			t.Errorf("no warning line says all of %q:\n%s", c.msg, r.Stderr)
		}
	}
	for _, m := range c.notMsg {
		if strings.Contains(out, m) {
			t.Errorf("the output contains %q:\n%s", m, out)
		}
	}
	assertNoSecrets(t, out)
	for _, s := range c.secrets {
		if s != "" && strings.Contains(out, s) {
			t.Errorf("secret %q appears in the output:\n%s", s, out)
		}
	}
	if !c.changes {
		if d := diffSnapshots(before, snapshot(t, b.Roots...)); len(d) > 0 {
			t.Errorf("the run changed the tree:\n%s", strings.Join(d, "\n"))
		}
	}
	if c.check != nil {
		c.check(t, b, r)
	}
}

// runBadBinary runs the real binary like runPipe, within badRunTimeout.
func runBadBinary(t *testing.T, env map[string]string, args ...string) runResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), badRunTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, buildPipeBin(t), args...)
	cmd.Env = envList(env)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("agent %v did not finish within %v (blocked?)\nstderr:\n%s", args, badRunTimeout, se.String())
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run agent: %v", err)
	}
	return runResult{Code: code, Stdout: so.String(), Stderr: se.String()}
}

// reportWarnings returns the "# warning: " lines of a text report.
func reportWarnings(stdout string) []string {
	var out []string
	for _, l := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(l, "# warning: ") {
			out = append(out, l)
		}
	}
	return out
}

// levelLines returns the agent's log lines of one level: slog text or
// JSON, and for ERROR also a plain "agent: ..." error line.
func levelLines(stderr, level string) []string {
	var out []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.Contains(l, "level="+level+" ") || strings.Contains(l, `"level":"`+level+`"`) ||
			(level == "ERROR" && strings.HasPrefix(l, "agent: ")) {
			out = append(out, l)
		}
	}
	return out
}
