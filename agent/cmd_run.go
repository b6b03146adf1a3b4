package agent

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"os/user"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/depwait"
	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/pipeline"
	"github.com/wso2-container/agent/agent/plan"
	"github.com/wso2-container/agent/agent/product"
	"github.com/wso2-container/agent/agent/supervise"
	"github.com/wso2-container/agent/internal/atomicfile"
)

var runDoc = cmdDoc{name: "run", synopsis: "agent run [-SERVER-FLAGS...] | agent run [--] CMD [ARGS...]", about: `The image's entrypoint and PID 1: load the environment, plan and apply the
setup, wait for the dependencies (WSO2_AGENT_WAIT_FOR), then start the
profile's server command and supervise it. Arguments starting with '-' are
appended to the server command; otherwise (or after --) they are a command
run instead of the server, after the setup. A first argument naming another
subcommand (render, env, certs, cron, admin-password, health, version, help) runs it
without any setup: docker run --rm IMAGE render --dry-run.
A first argument -h or --help prints this.
Every variable is listed by agent env.`}

// cmdRun is `agent run [ARGS...]`: setup (pipeline.PrepareRun), ownership of what the
// setup wrote, wait for dependencies, open-files limit, then start the
// server (or the given command) as WSO2_AGENT_USER and supervise it. The
// exit status is the server's, 128+N when it died of signal N.
func cmdRun(ctx context.Context, args []string, io IO) int {
	// The image's ENTRYPOINT is `agent run`, so `docker run IMAGE render
	// --dry-run` arrives here: a first argument that names another agent
	// subcommand runs that subcommand, with no setup and no wait. A program
	// of the same name is run with `agent run -- NAME`.
	if len(args) > 0 && args[0] != "run" {
		if c, ok := commands[args[0]]; ok || args[0] == "help" {
			releaseMainThread() // only run itself needs the main thread
			if !ok {
				return Main(args, io)
			}
			return c.run(ctx, args[1:], io.named(args[0]))
		}
	}
	if len(args) > 0 && isHelpArg(args[0]) {
		printHelp(io.Stdout, runDoc, nil)
		return exitcode.OK
	}
	io = io.named("run")
	// A parent that blocked signals would pass its mask on to the server.
	if err := supervise.ReexecIfSignalsBlocked(); err != nil {
		io.Log.Warn("children may inherit blocked signals", "err", err.Error())
	}
	if err := supervise.ResetIgnoredSignals(); err != nil {
		io.Log.Warn("children may inherit ignored signals", "err", err.Error())
	}
	began := time.Now()

	// Subscribe before anything else: Go's default action for TERM, INT
	// and HUP is to exit, and a TERM during setup must stop the agent
	// cleanly rather than kill it.
	sigc := make(chan os.Signal, 32)
	signal.Notify(sigc, supervise.DefaultForward...)
	defer signal.Stop(sigc)

	// Once the server runs, the main thread forwards the signals itself
	// (supervise.Intake), and the setup and the supervision run on another
	// goroutine. In-process callers (tests) are not on the main thread and
	// keep Go's signal path only.
	in := supervise.NewIntake(supervise.DefaultForward, sigc, io.Log)
	if in == nil {
		return runServer(ctx, args, io, began, sigc, nil)
	}
	code := make(chan int, 1)
	go func() {
		defer in.Close()
		code <- runServer(ctx, args, io, began, sigc, in)
	}()
	if err := in.Serve(); err != nil {
		io.Log.Warn("signals are forwarded through Go's runtime only", "err", err.Error())
	}
	return <-code
}

// runServer is the rest of `agent run`, from the setup to the server's exit:
// sigc is subscribed to the forwarded signals, and in (nil without one) is
// begun once the server has started.
func runServer(ctx context.Context, args []string, io IO, began time.Time, sigc chan os.Signal, in *supervise.Intake) int {
	runCtx, cancelRun := context.WithCancelCause(ctx)
	defer cancelRun(nil)
	compCtx, cancelComp := context.WithCancel(ctx)
	defer cancelComp()
	var (
		starting atomic.Bool // the server is being started: signals are its
		stopSig  atomic.Int32
	)
	fwd := make(chan os.Signal, 32)
	quit := make(chan struct{})
	defer close(quit)
	go func() {
		for {
			select {
			case <-quit:
				return
			case s := <-sigc:
				sig, _, _ := supervise.SignalOf(s)
				stop := sig == syscall.SIGTERM || sig == syscall.SIGINT
				if stop {
					stopSig.CompareAndSwap(0, int32(sig))
					cancelComp()
				}
				switch {
				case starting.Load():
					select {
					case fwd <- s:
					case <-quit:
						return
					}
				case stop:
					cancelRun(fmt.Errorf("stopped by %s", supervise.SignalName(sig)))
				default:
					io.Log.Info("signal ignored: the server is not running yet", "signal", supervise.SignalName(sig))
				}
			}
		}
	}()
	stoppedEarly := func() int {
		sig := syscall.Signal(stopSig.Load())
		io.Log.Info("stopped before the server started", "signal", supervise.SignalName(sig))
		return 128 + int(sig)
	}

	// The setup's garbage is collected once the server has started (see
	// Started below), and handed back to the system then.
	restoreGC := tuneGCForSetup()
	var gcOnce sync.Once
	defer gcOnce.Do(restoreGC)

	// Resolve the user before the setup writes anything, so that a bad
	// WSO2_AGENT_USER leaves every file untouched.
	cfg, err := pipeline.LoadEnv(io.Log, true)
	if err != nil {
		return fail(io, err)
	}
	var (
		cred *syscall.Credential
		usr  *user.User
	)
	if name := runAsUser(cfg); name != "" {
		if cred, usr, err = supervise.Credential(name); err != nil {
			return fail(io, fmt.Errorf("WSO2_AGENT_USER: %w", err))
		}
	}

	var newOwner *atomicfile.Owner
	if cred != nil {
		newOwner = &atomicfile.Owner{UID: int(cred.Uid), GID: int(cred.Gid)}
	}
	spec, err := pipeline.PrepareRun(runCtx, cfg, args, newOwner, io.Log)
	if err != nil {
		if stopSig.Load() != 0 {
			return stoppedEarly()
		}
		return fail(io, err)
	}
	if len(spec.Argv) == 0 {
		return fail(io, exitcode.Errorf(exitcode.Usage, "run: no command to run"))
	}
	if cred != nil {
		spec.Credential, spec.UserHome = cred, usr.HomeDir
	}

	if err := depwait.Wait(runCtx, spec.WaitFor, spec.WaitTimeout, io.Log); err != nil {
		if stopSig.Load() != 0 {
			return stoppedEarly()
		}
		return fail(io, exitcode.Wrap(exitcode.Of(err), fmt.Errorf("%w (%s)", err, waitHint(spec.Config))))
	}

	if before, after, err := supervise.RaiseNoFile(); err != nil {
		io.Log.Warn("open-files limit not raised", "err", err.Error())
	} else {
		io.Log.Info("open-files limit for the server", "rlimit_nofile_before", before, "rlimit_nofile", after)
	}

	path, err := resolveCommand(spec.Argv[0], spec.Dir, spec.Env)
	if err != nil {
		return fail(io, err)
	}
	env := spec.Env
	if usr != nil {
		env = pipeline.SetEnv(env, "HOME", usr.HomeDir)
	}
	cmd := &exec.Cmd{
		Path:   path,
		Args:   spec.Argv,
		Env:    env,
		Dir:    spec.Dir,
		Stdin:  fileOr(io.Stdin, os.Stdin),
		Stdout: fileOr(io.Stdout, os.Stdout),
		Stderr: fileOr(io.Stderr, os.Stderr),
	}
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	if in != nil {
		// The main thread forwards a TERM before this goroutine hears of
		// it: the stop is recorded first, so that a server killed by it at
		// once is not taken for one that exited on its own.
		in.OnStop = func(sig syscall.Signal) { stopSig.CompareAndSwap(0, int32(sig)) }
	}
	// From here on a signal is the server's: it is queued for Supervise,
	// which forwards it once the process exists. Marked before the last
	// look at runCtx, so that a TERM either stops the agent here or reaches
	// the server, and a HUP or QUIT arriving while the process starts is
	// not dropped as "not running yet".
	starting.Store(true)
	if runCtx.Err() != nil {
		return stoppedEarly()
	}

	reaper := supervise.NewReaper(io.Log)
	var (
		stopComp func()
		compErr  error
	)
	// Extra server flags could carry a secret (-D...Password=...): mask the
	// agent's secret values in the logged command line.
	logArgs := []any{"argv", maskConfigSecrets(spec.Config, strings.Join(spec.Argv, " ")), "dir", spec.Dir}
	if usr != nil {
		logArgs = append(logArgs, "user", usr.Username, "uid", cred.Uid, "gid", cred.Gid)
	} else {
		logArgs = append(logArgs, "uid", os.Geteuid())
	}
	io.Log.Info("starting server", logArgs...)
	serverStart := time.Now()
	code, err := supervise.Supervise(runCtx, reaper, cmd, supervise.Options{
		StopTimeout: spec.StopTimeout,
		Log:         io.Log,
		Signals:     fwd,
		Started: func(pid int) {
			if in != nil {
				in.Begin(pid)
			}
			// The agent supervises with the default collector and without
			// the setup's heap. This takes a collection (about a millisecond)
			// before the supervisor's loop starts; the main thread forwards
			// signals meanwhile, and "server started" is logged after it.
			gcOnce.Do(func() { restoreGC(); debug.FreeOSMemory() })
			io.Log.Info("server started", "pid", pid, "setup", serverStart.Sub(began).Round(time.Millisecond).String())
			// The jobs start once the server has, through the run's only
			// reaper; compCtx ends when the agent begins to stop or the
			// server exits, and an error stops the server and becomes the
			// agent's exit status.
			stopComp, compErr = pipeline.StartJobs(compCtx, reaper, spec, io.Log, io.Stderr)
			if compErr != nil {
				cancelRun(compErr)
			}
		},
	})
	cancelComp()
	if stopComp != nil {
		stopComp()
	}
	if err != nil {
		if stopSig.Load() != 0 && runCtx.Err() != nil {
			return stoppedEarly() // a TERM that came as the server was being started
		}
		return fail(io, err)
	}
	ran := time.Since(serverStart).Round(time.Millisecond).String()
	if stopSig.Load() != 0 || runCtx.Err() != nil {
		io.Log.Info("server exited", "code", code, "ran", ran)
	} else {
		// Nobody asked it to stop: a crash, a failed start, or a shutdown
		// from the server's own console. Alerts filter on the level.
		io.Log.Warn("server exited on its own", "code", code, "ran", ran)
	}
	if compErr != nil {
		return fail(io, compErr)
	}
	return code
}

// runAsUser returns the user the server runs as: "" (do not switch) unless
// the agent runs as root. WSO2_AGENT_USER empty, "root" or "0" also mean "do
// not switch". With WSO2_PROFILE=none (the agent as a plain init) the user
// is switched only when WSO2_AGENT_USER is set explicitly.
func runAsUser(cfg *contract.Config) string {
	name := cfg.User
	if os.Geteuid() != 0 {
		return ""
	}
	if cfg.Profile == product.ProfileNone {
		if _, set := cfg.Getenv("WSO2_AGENT_USER"); !set {
			return ""
		}
	}
	switch name {
	case "", "root", "0":
		return ""
	}
	return name
}

// resolveCommand finds the server command as execvp would (see
// supervise.LookPath), with errors naming the run.
func resolveCommand(name, dir string, env []string) (string, error) {
	p, err := supervise.LookPath(name, dir, env)
	if err != nil {
		return "", fmt.Errorf("run: %w", err)
	}
	return p, nil
}

// fileOr returns v when it is an *os.File, else def: the server gets real
// file descriptors, never a copying goroutine.
func fileOr(v any, def *os.File) *os.File {
	if f, ok := v.(*os.File); ok && f != nil {
		return f
	}
	return def
}

// maskConfigSecrets replaces the secret values of cfg in s, as render does.
func maskConfigSecrets(cfg *contract.Config, s string) string {
	if cfg == nil {
		return s
	}
	var p plan.Plan
	for _, v := range cfg.SecretValues() {
		p.AddSecret(v)
	}
	return p.MaskSecrets(s)
}

// waitHint names the variables behind a wait that timed out: what was
// awaited (WSO2_AGENT_WAIT_FOR, or the profile's database servers when it is
// unset) and for how long (WSO2_AGENT_WAIT_TIMEOUT).
func waitHint(cfg *contract.Config) string {
	if cfg != nil && cfg.WaitFor.Set {
		return "the addresses of WSO2_AGENT_WAIT_FOR; WSO2_AGENT_WAIT_TIMEOUT sets how long"
	}
	return "the profile's database servers, from its database variables; WSO2_AGENT_WAIT_FOR sets what is awaited, WSO2_AGENT_WAIT_TIMEOUT how long"
}
