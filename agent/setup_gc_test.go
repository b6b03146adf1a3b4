package agent

import (
	"os/exec"
	"regexp"
	"testing"
)

// gcLine is a line of GODEBUG=gctrace=1: one per completed collection.
var gcLine = regexp.MustCompile(`(?m)^gc \d+ @`)

// A first start of each bundled product's busiest profile (Carbon 4.4
// gateway and analytics, the API Manager 4.5 control plane with the
// pattern-3 environment), run as `agent render` on a fresh copy, collects
// less often than at Go's default: the setup raises the collector's target
// (setupGCPercent). The gateway and the control plane allocate less than
// the first collection's heap and complete without one; the analytics
// profile, which rewrites the carbon app archive, collects at most once. A
// GOGC the operator sets wins: GOGC=25 brings the collections back (Go's
// default, 100, collects once or twice, too close to the setups' sizes to
// tell their allocations from the operator's setting).
// They are read from the runtime's own trace (gctrace), not timed.
func TestSetupCollectsAtMostTuned(t *testing.T) {
	bin := buildPipeBin(t)
	type start struct {
		name string
		env  func() map[string]string
		max  int // collections at most, tuned
	}
	starts := []start{
		{"gateway", func() map[string]string { return processEnv(t, "gateway", freshHome(t, "gateway")) }, 0},
		{"analytics", func() map[string]string { return processEnv(t, "analytics", freshHome(t, "analytics")) }, 1},
		{"4.5 control plane", func() map[string]string {
			c := a4Cases[0]
			return a4GoldenEnv(t, c, a4Layout(t, c))
		}, 0},
	}
	collections := func(t *testing.T, env map[string]string, gogc string) int {
		env["GODEBUG"] = "gctrace=1"
		if gogc != "" {
			env["GOGC"] = gogc
		}
		cmd := exec.Command(bin, "render")
		cmd.Env = envList(env)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("GOGC=%q: agent render: %v\n%s", gogc, err, out)
		}
		return len(gcLine.FindAll(out, -1))
	}
	for _, s := range starts {
		t.Run(s.name, func(t *testing.T) {
			tuned, def := collections(t, s.env(), ""), collections(t, s.env(), "25")
			t.Logf("collections: %d tuned, %d at GOGC=25", tuned, def)
			if tuned > s.max {
				t.Errorf("the setup collected %d times, want at most %d", tuned, s.max)
			}
			if def <= tuned {
				t.Errorf("GOGC=25: %d collections, not more than the tuned setup's %d: the operator's setting did not win", def, tuned)
			}
		})
	}
}
