package agent

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"

	"github.com/wso2-container/agent/agent/exitcode"
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
}

// StdIO returns the process's standard streams with the logger configured
// from the environment.
func StdIO() IO {
	return IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Log: NewLogger(os.Stderr, os.Getenv("WSO2_AGENT_LOG_FORMAT"))}
}

// NewLogger returns the agent's logger writing to w: JSON lines when format
// is "json", logfmt-style text otherwise. Secret values registered by
// LoadEnv are masked in every line.
func NewLogger(w io.Writer, format string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if strings.EqualFold(format, "json") {
		return slog.New(maskingHandler{slog.NewJSONHandler(w, opts)})
	}
	return slog.New(maskingHandler{slog.NewTextHandler(w, opts)})
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

// Main runs the agent with the given arguments (without the program name)
// and returns the process exit code.
func Main(args []string, io IO) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(io.Stdout)
		if len(args) == 0 {
			return exitcode.Usage
		}
		return exitcode.OK
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(io.Stderr, "agent: unknown subcommand %q (try: agent help)\n", args[0])
		return exitcode.Usage
	}
	return c.run(context.Background(), args[1:], io)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: agent <subcommand> [arguments]")
	fmt.Fprintln(w)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-15s %s\n", n, commands[n].summary)
	}
}

func cmdVersion(_ context.Context, _ []string, io IO) int {
	fmt.Fprintf(io.Stdout, "agent %s\n", Version)
	return exitcode.OK
}

// fail logs err as the one-line error of a subcommand and returns its exit
// code.
func fail(io IO, err error) int {
	io.Log.Error(err.Error())
	return exitcode.Of(err)
}
