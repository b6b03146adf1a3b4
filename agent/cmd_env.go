package agent

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/wso2-container/agent/agent/exitcode"
)

// cmdEnv implements `agent env [--markdown|--json]`: every variable the
// agent reads, its default, whether it is secret, and what it means.
func cmdEnv(_ context.Context, args []string, io IO) int {
	fs := flag.NewFlagSet("env", flag.ContinueOnError)
	fs.SetOutput(io.Stderr)
	md := fs.Bool("markdown", false, "print a Markdown table (the README's)")
	js := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return exitcode.Usage
	}
	vars := Vars()
	switch {
	case *js:
		enc := json.NewEncoder(io.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(vars); err != nil {
			return fail(io, err)
		}
	case *md:
		fmt.Fprintln(io.Stdout, "| variable | default | secret | meaning |")
		fmt.Fprintln(io.Stdout, "|---|---|---|---|")
		for _, v := range vars {
			sec := ""
			if v.Secret {
				sec = "yes (also `" + v.Name + "_FILE`)"
			}
			def := v.Default
			if def != "" {
				def = "`" + def + "`"
			}
			fmt.Fprintf(io.Stdout, "| `%s` | %s | %s | %s |\n", v.Name, def, sec, strings.ReplaceAll(v.Desc, "|", "\\|"))
		}
	default:
		tw := tabwriter.NewWriter(io.Stdout, 1, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tDEFAULT\tSECRET\tMEANING")
		for _, v := range vars {
			sec := "no"
			if v.Secret {
				sec = "yes (+_FILE)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", v.Name, v.Default, sec, v.Desc)
		}
		tw.Flush()
	}
	return exitcode.OK
}
