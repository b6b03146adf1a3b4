package agent

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/pipeline"
	"github.com/wso2-container/agent/agent/plan"
	"github.com/wso2-container/agent/agent/product"
	"github.com/wso2-container/agent/agent/supervise"
)

var renderDoc = cmdDoc{name: "render", synopsis: "agent render [--dry-run] [--output text|json]", about: `The setup of agent run without starting anything: it applies the changes
and lists each one on stdout. With --dry-run nothing is written and the
report shows what would change: a unified diff per file, keystore entries
with SHA-256 fingerprints, schedules, jobs, the dependencies to wait for and
the server command. --output json prints one entry per action (see the
README for its shape). Secret values are never shown.`}

// cmdRender implements `agent render [--dry-run] [--output text|json]`: the
// setup pipeline without starting anything. With --dry-run nothing is
// written and the output shows what would change.
func cmdRender(ctx context.Context, args []string, io IO) int {
	fs := newFlags(renderDoc)
	dry := fs.Bool("dry-run", false, "write nothing; show what would change")
	output := fs.String("output", "text", "`format` of the report: text or json")
	pos, code, done := parseFlags(fs, renderDoc, args, io)
	if done {
		return code
	}
	if len(pos) > 0 {
		return usageError(io, renderDoc, "unexpected argument %q", pos[0])
	}
	if *output != "text" && *output != "json" {
		return usageError(io, renderDoc, "--output must be text or json, not %q", *output)
	}
	defer tuneGCForSetup()()
	// The misspelt variables are warnings of the report; without one
	// (a failure) they are logged before the error line.
	cfg, loadWarnings, err := pipeline.LoadEnvForReport(true)
	logLoad := func() {
		for _, w := range loadWarnings {
			io.Log.Warn(w)
		}
	}
	if err != nil {
		logLoad()
		return fail(io, err)
	}
	prof, _ := product.LookupProfile(cfg.Profile)
	if prof.Name == product.ProfileNone {
		logLoad()
		return fail(io, exitcode.Errorf(exitcode.Config, "WSO2_PROFILE: none has no setup to render"))
	}
	// `agent run` as root resolves WSO2_AGENT_USER before it writes
	// anything; render switches no user, but says when run would stop there.
	if name := runAsUser(cfg); name != "" {
		if _, _, err := supervise.Credential(name); err != nil {
			// The lookup's reason without the name it quotes, which masking
			// may hide (wso2carbon is also the default keystore password).
			_, reason, _ := strings.Cut(err.Error(), "\": ")
			w := fmt.Sprintf("WSO2_AGENT_USER: %s: agent run as root would stop with exit %d before writing anything", reason, exitcode.Of(err))
			cfg.ReportWarnings, loadWarnings = append(cfg.ReportWarnings, w), append(loadWarnings, w)
		}
	}
	// The report is built beside the apply, while the disk syncs, and
	// printed only if the setup succeeded.
	// As PID 1, a TERM or INT ends a wait for the home's lock at once; a
	// setup already applying finishes first (every file whole), as under
	// run. Any other process dies of it (stopOnSignal): the files already
	// renamed into place stay, each whole, and the next start does the rest.
	ctx, stopped, release := stopOnSignal(ctx)
	defer release()
	var report bytes.Buffer
	var reportErr error
	res, err := pipeline.Setup(ctx, cfg, prof, io.Log, *dry, nil, func(p *plan.Plan) {
		reportErr = writeReport(&report, p, *output, *dry)
	})
	if err != nil {
		// A failed apply wrote nothing (or, if a rename failed, part of
		// the plan): a report would claim every change as applied. The
		// plan's warnings, which the report would have shown, go to the
		// log before the error line.
		if res != nil && res.Plan != nil {
			pipeline.LogWarnings(io.Log, res.Plan) // the load's among them
		} else {
			logLoad()
		}
		if sig := stopped(); sig != 0 {
			return fail(io, stoppedError(sig, err))
		}
		return fail(io, err)
	}
	if reportErr != nil {
		return fail(io, exitcode.Wrap(exitcode.Software, fmt.Errorf("build report: %w", reportErr)))
	}
	if _, err := io.Stdout.Write(report.Bytes()); err != nil {
		return fail(io, exitcode.Wrap(exitcode.IOErr, fmt.Errorf("write report: %w", err)))
	}
	return exitcode.OK
}

// writeReport prints the plan's report (with its warnings: render shows
// each warning there, and not on stderr too).
func writeReport(w io.Writer, p *plan.Plan, output string, dry bool) error {
	if output == "json" {
		return p.WriteJSON(w, dry)
	}
	return p.WriteText(w, dry)
}
