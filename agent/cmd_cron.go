package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/quartz"
)

const cronUsage = `usage: agent cron EXPR [--from RFC3339] [-n N]

Prints the next N (default 5) fire times of the Quartz cron expression EXPR
after --from (default: now), in UTC, RFC 3339, one per line. This is how DAS
(Quartz 2.3.2) schedules the WSO2_DAS_APIM_* analytics scripts.

EXPR has 6 or 7 fields: second minute hour day-of-month month day-of-week
[year]; exactly one of day-of-month and day-of-week must be '?'.
Quote it: an unquoted * or ? is expanded by the shell into file names.
  agent cron '0 0/5 * 1/1 * ? *' --from 2026-01-01T00:00:00Z -n 3

Exit status: 0 valid (also when it never fires again: nothing is printed and
stderr says so), 78 invalid expression (the reason on stderr), 64 bad usage.
`

var cronDoc = cmdDoc{name: "cron", synopsis: "agent cron EXPR [--from RFC3339] [-n N]"}

// cmdCron implements `agent cron EXPR [--from RFC3339] [-n N]`. EXPR may be
// one argument or several, which are joined with single spaces; flags may
// come before or after it, and "--" ends the flags.
func cmdCron(_ context.Context, args []string, io IO) int {
	opts, err := parseCronArgs(args)
	if errors.Is(err, errHelp) {
		fmt.Fprint(io.Stdout, cronUsage)
		return exitcode.OK
	}
	if err != nil {
		return usageError(io, cronDoc, "%v", err)
	}
	if !opts.fromSet {
		opts.from = time.Now()
	}
	s, err := quartz.Parse(opts.expr)
	if err != nil {
		if opts.parts > 1 {
			io.Log.Info("the expression was given as several arguments; quote it as one, since the shell expands an unquoted * or ?",
				"expression", opts.expr)
		}
		return fail(io, exitcode.Errorf(exitcode.Config, "parse cron expression %q: %w", opts.expr, err))
	}
	if n := len(strings.Fields(opts.expr)); n > 7 {
		io.Log.Warn("fields after the 7th (year) are ignored, as Quartz does; did the shell expand an unquoted * or ?",
			"expression", opts.expr, "fields", n)
	}
	times := s.NextN(opts.from, opts.n)
	if err := writeTimes(io.Stdout, times); err != nil {
		return fail(io, exitcode.Wrap(exitcode.IOErr, fmt.Errorf("write fire times: %w", err)))
	}
	if len(times) == 0 {
		io.Log.Info("the expression is valid but never fires after the start time",
			"expression", opts.expr, "from", opts.from.UTC().Format(time.RFC3339))
	}
	return exitcode.OK
}

func writeTimes(w io.Writer, times []time.Time) error {
	var b strings.Builder
	for _, t := range times {
		b.WriteString(t.UTC().Format(time.RFC3339))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// maxCronN bounds -n so that a typo cannot make the command run for minutes.
const maxCronN = 100000

type cronOptions struct {
	expr    string
	parts   int // how many arguments EXPR was made of
	from    time.Time
	fromSet bool
	n       int
}

var errHelp = errors.New("help requested")

// parseCronArgs reads EXPR, --from and -n in any order. Flags are -n N,
// -n=N, --n, --from T, --from=T, -from; -h/--help asks for help.
func parseCronArgs(args []string) (cronOptions, error) {
	o := cronOptions{n: 5}
	var words []string
	flagsDone := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if flagsDone || !strings.HasPrefix(a, "-") || a == "-" {
			words = append(words, a)
			continue
		}
		if a == "--" {
			flagsDone = true
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch name {
		case "h", "help":
			return o, errHelp
		case "n", "from":
		default:
			return o, fmt.Errorf("unknown flag %q", a)
		}
		if !hasVal {
			if i+1 >= len(args) {
				return o, fmt.Errorf("flag %s needs a value", a)
			}
			i++
			val = args[i]
		}
		switch name {
		case "n":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 || n > maxCronN {
				return o, fmt.Errorf("-n %q: want a whole number from 1 to %d", val, maxCronN)
			}
			o.n = n
		case "from":
			t, err := time.Parse(time.RFC3339, val)
			if err != nil {
				return o, fmt.Errorf("--from %q: want an RFC 3339 time such as 2026-01-01T00:00:00Z", val)
			}
			o.from, o.fromSet = t, true
		}
	}
	if len(words) == 0 {
		return o, errors.New("missing the cron expression")
	}
	o.expr = strings.Join(words, " ")
	o.parts = len(words)
	return o, nil
}
