package agent

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/pipeline"
)

// The agent's one command-line grammar, shared by every subcommand:
//
//   - `-h`, `-help` and `--help` print the (sub)command's usage on stdout
//     and exit 0;
//   - a usage error prints one line, `agent: SUB: what`, and one hint line,
//     `usage: SYNOPSIS (agent SUB --help)`, on stderr and exits 64;
//   - flags (single or double dash, `--flag value` or `--flag=value`) may
//     come before and after the positional arguments; `--` ends the flags.

// cmdDoc documents one (sub)command for its --help and its usage errors.
type cmdDoc struct {
	name     string // as typed after "agent": "render", "certs list"
	synopsis string // one line: "agent certs list [flags] FILE"
	about    string // what it does, printed under the synopsis by --help
}

// newFlags returns a flag set for d whose own output is discarded: parseFlags
// prints help and errors in the agent's style.
func newFlags(d cmdDoc) *flag.FlagSet {
	fs := flag.NewFlagSet("agent "+d.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseFlags parses args with fs, flags accepted before and after the
// positional arguments. It returns the positional arguments, or done with
// the exit code when the command must stop: --help printed d's usage on
// stdout (0), or a usage error was printed on stderr (64).
func parseFlags(fs *flag.FlagSet, d cmdDoc, args []string, io IO) (pos []string, code int, done bool) {
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			printHelp(io.Stdout, d, fs)
			return nil, exitcode.OK, true
		}
		if err != nil {
			return nil, usageError(io, d, "%s", flagError(fs, err, args)), true
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, 0, false
		}
		// flag stops at the first non-flag, or after "--": in the second
		// case everything left is positional.
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), 0, false
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// flagError rewords the flag package's errors in the agent's terms, naming
// an unknown flag as it was typed (--name or -name, never its value), and a
// flag given a value it cannot take as --name with what it takes.
func flagError(fs *flag.FlagSet, err error, args []string) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		for _, a := range args {
			if a == "-"+name || strings.HasPrefix(a, "-"+name+"=") {
				a, _, _ = strings.Cut(a, "=")
				return "unknown flag " + a
			}
		}
		return "unknown flag " + name
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return "--" + name + " needs a value"
	}
	// invalid boolean value "maybe" for -dry-run: parse error
	if rest, ok := strings.CutPrefix(msg, "invalid boolean value "); ok {
		if val, name, ok := strings.Cut(rest, " for -"); ok {
			name, _, _ = strings.Cut(name, ": ")
			return "--" + name + "=" + val + ": not true or false"
		}
	}
	// invalid value "abc" for flag -timeout: parse error
	if rest, ok := strings.CutPrefix(msg, "invalid value "); ok {
		if val, rest, ok := strings.Cut(rest, " for flag -"); ok {
			if name, why, ok := strings.Cut(rest, ": "); ok {
				return "--" + name + " " + val + ": " + flagValueError(fs, name, why)
			}
		}
	}
	return msg
}

// flagValueError says what the flag name of fs takes, for a value that
// flag.Parse refused with why ("parse error", "value out of range").
func flagValueError(fs *flag.FlagSet, name, why string) string {
	f := fs.Lookup(name)
	if f == nil {
		return why
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return why
	}
	switch g.Get().(type) {
	case time.Duration:
		return "not a duration (like 4s, 500ms or 1m30s)"
	case int, int64, uint, uint64:
		if why == "value out of range" {
			return "out of range"
		}
		return "not a whole number"
	case bool:
		return "not true or false"
	}
	return why
}

// usageError prints a usage error of d (one line naming what is wrong, one
// hint line) on stderr and returns exitcode.Usage. Under the JSON log
// format the two lines are one ERROR record instead: the first is its msg,
// the hint (without "usage: ") its usage, so that every line on stderr is
// JSON, as log collectors expect.
func usageError(io IO, d cmdDoc, format string, a ...any) int {
	what := fmt.Sprintf(format, a...)
	line, hint := "agent: "+what, d.synopsis+" (agent help lists them)"
	if d.name != "" {
		line, hint = "agent: "+d.name+": "+what, d.synopsis+" (agent "+d.name+" --help)"
	}
	if io.Log != nil && pipeline.LogIsJSON(io.Log) {
		// The logger masks the registered secrets itself.
		io.Log.Error(line, "usage", hint)
		return exitcode.Usage
	}
	w := io.Stderr
	if w == nil {
		w = io.Stdout
	}
	fmt.Fprintf(w, "%s\nusage: %s\n", pipeline.MaskLog(line), hint)
	return exitcode.Usage
}

// printHelp prints d's synopsis, description and flags.
func printHelp(w io.Writer, d cmdDoc, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: %s\n", d.synopsis)
	if d.about != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimRight(d.about, "\n"))
	}
	if fs == nil {
		return
	}
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n == 0 {
		return
	}
	fmt.Fprintln(w, "\nflags (before or after the arguments):")
	fs.VisitAll(func(f *flag.Flag) {
		name, use := flag.UnquoteUsage(f)
		head := "  --" + f.Name
		if name != "" {
			head += " " + name
		}
		def := ""
		if f.DefValue != "" && f.DefValue != "false" {
			def = fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(w, "%s\n      %s%s\n", head, use, def)
	})
}

// isHelpArg reports whether a is one of the help flags.
func isHelpArg(a string) bool { return a == "-h" || a == "-help" || a == "--help" }
