package agent

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/pipeline"
)

// Version is stamped at build time with -ldflags "-X .../agent.Version=...".
var Version = "dev"

// IO is what a subcommand reads from and writes to. Log is the agent's own
// logger (stderr, text or JSON per WSO2_AGENT_LOG_FORMAT); Stdout carries a
// command's requested output (render diffs, env table, cron times).
type IO struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Log    *slog.Logger

	// cmd is the subcommand being run ("render", "certs list"), set by the
	// dispatchers, for the prefix of fail's error line.
	cmd string
}

// named returns io for the subcommand name.
func (io IO) named(name string) IO {
	io.cmd = name
	return io
}

// StdIO returns the process's standard streams with the logger configured
// from the environment. WSO2_AGENT_LOG_FORMAT is read from the process
// here, before any configuration is loaded and not through one: the logger
// must exist to report the load's own problems, and the commands that load
// nothing (health, certs, cron) log too. Load checks the same variable, and
// nothing reads it from the process again.
func StdIO() IO {
	return IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Log: NewLogger(os.Stderr, os.Getenv("WSO2_AGENT_LOG_FORMAT"))}
}

// NewLogger returns the agent's logger writing to w: JSON lines when format
// is "json", logfmt-style text otherwise. Secret values registered by
// pipeline.Load are masked in every line.
func NewLogger(w io.Writer, format string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if strings.EqualFold(format, "json") {
		return slog.New(pipeline.MaskLogs(slog.NewJSONHandler(w, opts)))
	}
	return slog.New(pipeline.MaskLogs(slog.NewTextHandler(w, opts)))
}

// command is one subcommand: it gets its own arguments and returns the exit
// code of the process.
type command struct {
	run     func(ctx context.Context, args []string, io IO) int
	summary string
}

// commands is filled by init: cmdRun dispatches to the other subcommands,
// which a package-level initializer referring to cmdRun could not allow.
var commands map[string]command

func init() {
	commands = map[string]command{
		"run":            {cmdRun, "set up, wait for dependencies, start and supervise the server (the entrypoint)"},
		"render":         {cmdRender, "apply the setup without starting anything; --dry-run writes nothing and shows the changes"},
		"env":            {cmdEnv, "list every environment variable the agent reads"},
		"certs":          {cmdCerts, "certs generate: the per-component keystores and PEM certificates a cluster shares"},
		"admin-password": {cmdAdminPassword, "change the admin password in the user-store database"},
		"health":         {cmdHealth, "is the server in this container ready? TLS handshake + health endpoint (for HEALTHCHECK and exec probes)"},
		"cron":           {cmdCron, "print the next fire times of a Quartz cron expression"},
		"version":        {cmdVersion, "print the agent's version"},
	}
}

// subcommandLines lists, in the top-level help, the subcommands of a
// command that has them, instead of the command's own summary.
var subcommandLines = map[string][]string{
	"certs": {
		"certs generate  the per-component keystores and PEM certificates a cluster shares",
		"certs list      the entries of a keystore or truststore (JKS or PKCS12) with SHA-256 fingerprints",
	},
}

// mainDoc is the top-level usage.
var mainDoc = cmdDoc{synopsis: "agent <subcommand> [arguments]"}

// Main runs the agent with the given arguments (without the program name)
// and returns the process exit code. `agent`, `agent help`, `agent -h` and
// `agent --help` print the list of subcommands (on stderr with exit 64 when
// no subcommand was given, else on stdout with exit 0); `agent help CMD...`
// is `agent CMD... --help`.
func Main(args []string, io IO) int {
	if len(args) == 0 {
		return usageError(io, mainDoc, "no subcommand given")
	}
	if args[0] == "help" || isHelpArg(args[0]) {
		if args[0] == "help" && len(args) > 1 {
			return Main(append(append([]string(nil), args[1:]...), "--help"), io)
		}
		usage(io.Stdout)
		return exitcode.OK
	}
	c, ok := commands[args[0]]
	if !ok {
		return usageError(io, mainDoc, "unknown subcommand %q", args[0])
	}
	if !NeedsMainThread(args) {
		releaseMainThread()
	}
	return c.run(context.Background(), args[1:], io.named(args[0]))
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: agent <subcommand> [arguments]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "subcommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if subs, ok := subcommandLines[n]; ok {
			for _, l := range subs {
				fmt.Fprintf(w, "  %s\n", l)
			}
			continue
		}
		fmt.Fprintf(w, "  %-15s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "agent CMD --help (or -h, or agent help CMD) explains one; flags may come before or after arguments.")
	fmt.Fprintln(w, "Errors are one line on stderr, agent: CMD: what failed: why, with a documented exit code (see the README).")
}

var versionDoc = cmdDoc{name: "version", synopsis: "agent version", about: "Prints the version stamped at build time."}

func cmdVersion(_ context.Context, args []string, io IO) int {
	fs := newFlags(versionDoc)
	pos, code, done := parseFlags(fs, versionDoc, args, io)
	if done {
		return code
	}
	if len(pos) > 0 {
		return usageError(io, versionDoc, "unexpected argument %q", pos[0])
	}
	fmt.Fprintf(io.Stdout, "agent %s\n", Version)
	return exitcode.OK
}

// fail prints err as the one error line of a failed subcommand and returns
// its exit code (exitcode.Of); a usage error (64) gets a hint line after
// it. The line is `agent: SUB: what failed: why`
// (a leading "SUB: " already in err is not repeated), with every registered
// secret value masked: plain text on stderr, or an ERROR record with that
// message when the log format is JSON.
func fail(io IO, err error) int {
	msg := errorLine(io.cmd, err)
	code := exitcode.Of(err)
	hint := ""
	if code == exitcode.Usage {
		hint = "see agent " + io.cmd + " --help"
		if io.cmd == "" {
			hint = "see agent help"
		}
	}
	if io.Log != nil && (io.Stderr == nil || pipeline.LogIsJSON(io.Log)) {
		// Under JSON the hint is the record's usage, not a line of its own.
		if hint != "" {
			io.Log.Error(msg, "usage", hint)
		} else {
			io.Log.Error(msg)
		}
		return code
	}
	fmt.Fprintln(io.Stderr, pipeline.MaskLog(msg))
	if hint != "" {
		fmt.Fprintf(io.Stderr, "usage: %s\n", hint)
	}
	return code
}

// errorLine is the text of fail's line for err in subcommand cmd.
func errorLine(cmd string, err error) string {
	msg := strings.TrimPrefix(err.Error(), "agent: ")
	if cmd == "" {
		return "agent: " + msg
	}
	for strings.HasPrefix(msg, cmd+": ") {
		msg = strings.TrimPrefix(msg, cmd+": ")
	}
	return "agent: " + cmd + ": " + msg
}

// setupGCPercent is the collector's target during the setup (render, and
// run until the server has started). A setup is a burst: it allocates a
// few megabytes (2 to 6 MB per profile: BenchmarkSetup, plus the report)
// within milliseconds, and all of it is garbage when the setup ends. At
// Go's default (100: the first collection at a 4 MB heap) a gateway's
// first start collected twice, which cost a fifth of its CPU time; at 200
// the first collection comes at 8 MB, so the setups of the bundled
// profiles complete without one, for about 0.6 MB more peak memory.
const setupGCPercent = 200

// tuneGCForSetup sets setupGCPercent, unless the operator set GOGC (their
// setting wins), and returns what restores the previous setting.
func tuneGCForSetup() (restore func()) {
	if _, set := os.LookupEnv("GOGC"); set {
		return func() {}
	}
	old := debug.SetGCPercent(setupGCPercent)
	return func() { debug.SetGCPercent(old) }
}

// Vars is the whole environment contract, every product's variables
// included, as `agent env` lists it: a product adds its own through
// contract.ExtendVars when it is linked in (pipeline/products.go), which
// importing this package guarantees and importing contract alone does not.
// The caller owns the slice.
func Vars() []contract.Var { return contract.Vars() }

// NeedsMainThread reports whether the command line args (the program name
// left out) may need the process's main thread: `agent run`, whose signal
// intake waits there (supervise.Intake). cmd/agent locks its main
// goroutine to the main thread from init only then, so that every other
// subcommand (`agent health`, run by health checks every few seconds, most
// of all) starts without the lock and what it costs.
func NeedsMainThread(args []string) bool { return len(args) > 0 && args[0] == "run" }

// releaseMainThread undoes cmd/agent's init-time runtime.LockOSThread for a
// command that does not need the main thread (only run's signal intake does):
// a goroutine locked to a thread costs a thread switch each time it wakes.
// It does nothing when the calling goroutine is not locked.
func releaseMainThread() { runtime.UnlockOSThread() }
