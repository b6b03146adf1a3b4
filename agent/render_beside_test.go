package agent

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/wso2-container/agent/agent/pipeline"
	"github.com/wso2-container/agent/agent/product"
)

// TestRenderReportBesideApply: render builds its report on another
// goroutine while the plan is applied (pipeline.Setup's beside). What it
// prints is, byte for byte, the report built after the apply on a second
// fresh copy of the image, in text and JSON, for a profile with XML,
// properties, keystores and jars (gateway) and one with carbon apps and
// schedules (analytics), at one pinned time. `make unit` runs this test under the race
// detector as well: Apply must not change what a report reads.
func TestRenderReportBesideApply(t *testing.T) {
	// The analytics schedules' next fire times are read from the plan's
	// clock: both reports must see the same minute.
	fixClock(t)
	for _, prof := range []string{"gateway", "analytics"} {
		for _, output := range []string{"text", "json"} {
			t.Run(prof+"/"+output, func(t *testing.T) {
				clearAgentEnv(t)
				home := freshHome(t, prof)
				for k, v := range processEnv(t, prof, home) {
					t.Setenv(k, v)
				}
				t.Setenv("WSO2_AGENT_USER", "root") // no lookup warning, which only render's command adds
				code, got, stderr := mainRun(t, "render", "--output", output)
				if code != 0 {
					t.Fatalf("render: code %d\n%s", code, stderr)
				}

				ref := freshHome(t, prof)
				t.Setenv("WSO2_HOME", ref)
				log := slog.New(slog.DiscardHandler)
				cfg, err := pipeline.LoadEnv(log, true)
				if err != nil {
					t.Fatal(err)
				}
				p, _ := product.LookupProfile(cfg.Profile)
				res, err := pipeline.Setup(context.Background(), cfg, p, log, false, nil, nil)
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Written) == 0 {
					t.Fatal("the reference setup wrote nothing: the test needs a first start")
				}
				var want bytes.Buffer
				if err := writeReport(&want, res.Plan, output, false); err != nil {
					t.Fatal(err)
				}
				if g, w := strings.ReplaceAll(got, home, "$HOME"), strings.ReplaceAll(want.String(), ref, "$HOME"); g != w {
					t.Errorf("the report built beside the apply differs from the one built after it:\n%s", firstDiff(w, g))
				}
			})
		}
	}
}
