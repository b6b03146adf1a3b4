package agent

import (
	"bytes"
	"context"
	"strings"
	"testing"
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
