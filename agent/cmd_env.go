package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/exitcode"
)

var envDoc = cmdDoc{name: "env", synopsis: "agent env [--markdown|--json]", about: `Every environment variable the agent reads: its name, its default, whether
it is secret (then NAME_FILE names a file holding the value) and what it
means. --json prints an array of {"name", "default", "secret", "meaning"}.`}

// cmdEnv implements `agent env [--markdown|--json]`: every variable the
// agent reads, its default, whether it is secret, and what it means.
func cmdEnv(_ context.Context, args []string, io IO) int {
	fs := newFlags(envDoc)
	md := fs.Bool("markdown", false, "print a Markdown table (the README's)")
	js := fs.Bool("json", false, "print a JSON array: name, default, secret, meaning")
	pos, code, done := parseFlags(fs, envDoc, args, io)
	if done {
		return code
	}
	if len(pos) > 0 {
		return usageError(io, envDoc, "unexpected argument %q", pos[0])
	}
	if *md && *js {
		return usageError(io, envDoc, "--markdown and --json exclude each other")
	}
	vars := contract.Vars()
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
