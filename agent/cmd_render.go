package agent

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/wso2-container/agent/agent/exitcode"
)

// cmdRender implements `agent render [--dry-run] [--output text|json]`: the
// setup pipeline without starting anything. With --dry-run nothing is
// written and the output shows what would change.
func cmdRender(ctx context.Context, args []string, io IO) int {
	fs := flag.NewFlagSet("render", flag.ContinueOnError)
	fs.SetOutput(io.Stderr)
	dry := fs.Bool("dry-run", false, "write nothing; show what would change")
	output := fs.String("output", "text", "text or json")
	if err := fs.Parse(args); err != nil {
		return exitcode.Usage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(io.Stderr, "render: unexpected argument %q\n", fs.Arg(0))
		return exitcode.Usage
	}
	if *output != "text" && *output != "json" {
		fmt.Fprintf(io.Stderr, "render: --output must be text or json, not %q\n", *output)
		return exitcode.Usage
	}
	warnUnknownVars(io)
	cfg, err := LoadEnv(true)
	if err != nil {
		return fail(io, err)
	}
	prof, _ := lookupProfile(cfg.Profile)
	if prof.Name == profileNone {
		return fail(io, exitcode.Errorf(exitcode.Config, "WSO2_PROFILE: none has no setup to render"))
	}
	res, err := setup(ctx, cfg, prof, io, *dry)
	if err != nil {
		// A failed apply wrote nothing (or, if a rename failed, part of
		// the plan): a report would claim every change as applied.
		return fail(io, err)
	}
	if err := writeReport(io.Stdout, res.Plan, *output, *dry); err != nil {
		return fail(io, exitcode.Wrap(exitcode.IOErr, err))
	}
	return exitcode.OK
}

func writeReport(w io.Writer, p *Plan, output string, dry bool) error {
	if output == "json" {
		return p.WriteJSON(w, dry)
	}
	return p.WriteText(w, dry)
}
