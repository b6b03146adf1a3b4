package supervise

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/wso2-container/agent/agent/exitcode"
)

// DefaultForward is the set of signals Supervise forwards when
// Options.Forward is nil: TERM and INT (which also start the graceful stop),
// HUP, QUIT (a JVM prints a thread dump), USR1 and USR2.
var DefaultForward = []os.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2}

// groupPoll is how often the process group is checked for remaining members
// once the main child has exited.
const groupPoll = 10 * time.Millisecond

// Options tunes Supervise.
type Options struct {
	// StopTimeout is how long the process group gets after the first TERM
	// or INT (or the cancellation of the context) before it is SIGKILLed.
	// Zero kills at once.
	StopTimeout time.Duration
	// Log receives the supervisor's own lines (nil: discarded).
	Log *slog.Logger
	// Forward lists the signals subscribed to and forwarded to the child's
	// process group; nil means DefaultForward. SIGURG and SIGCHLD are never
	// forwarded. Ignored when Signals is set.
	Forward []os.Signal
	// Signals, when not nil, is a channel the caller has already subscribed
	// with signal.Notify; Supervise then reads it instead of subscribing
	// itself. This lets a caller subscribe early (before a setup phase) so
	// that no signal falls back to Go's default action (exit) in between.
	// A Forwarded value on it (a TERM or INT an Intake has sent and
	// logged) begins the stop; it is neither sent nor logged again.
	Signals <-chan os.Signal
	// Started, when not nil, is called with the child's pid (= its process
	// group id) as soon as it has started.
	Started func(pid int)
}

// Supervise starts cmd via r as the leader of a new process group, forwards
// signals to the whole group, and returns the child's exit code (128+N when
// it was killed by signal N).
//
// On the first TERM or INT (forwarded as such), or when ctx is cancelled
// (TERM is then sent), the group is sent SIGCONT (a stopped member takes
// its TERM only once continued) and gets opt.StopTimeout to exit before it
// is SIGKILLed. When cmd's stdin is this process's controlling terminal
// (docker run -it), the group is made the terminal's foreground group, so
// that it can read the terminal and gets what is typed (Ctrl-C) directly.
//
// Supervise returns only once the main child has exited and its process
// group is empty: a wrapper shell killed by TERM leaves its JVM running its
// shutdown hooks, and a PID 1 that exited then would have the kernel SIGKILL
// the JVM mid-hook. If the main child exits on its own while other members
// of its group remain, those are sent TERM and get opt.StopTimeout too.
// Processes that left the group (setsid) are not waited for.
//
// cmd's SysProcAttr gets Setpgid; its standard streams must be nil or
// *os.File (see Reaper.Start). A start failure is returned as an error
// carrying exitcode.NotFound (127), exitcode.NotExec (126) or
// exitcode.OSErr, with the code 0.
func Supervise(ctx context.Context, r *Reaper, cmd *exec.Cmd, opt Options) (int, error) {
	log := opt.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sigc := opt.Signals
	if sigc == nil {
		fwd := opt.Forward
		if fwd == nil {
			fwd = DefaultForward
		}
		var subs []os.Signal
		for _, s := range fwd {
			if s != syscall.SIGURG && s != syscall.SIGCHLD {
				subs = append(subs, s)
			}
		}
		c := make(chan os.Signal, 16)
		signal.Notify(c, subs...)
		defer signal.Stop(c)
		sigc = c
	}
	if err := ctx.Err(); err != nil {
		return 0, exitcode.Wrap(exitcode.OSErr, fmt.Errorf("start %s: %w", cmd.Path, err))
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pgid = 0
	tty, foreground := controllingTerminal(cmd.Stdin)
	if foreground {
		// docker run -it: the group must be the terminal's foreground one,
		// or the first read of the terminal stops it (SIGTTIN) for good,
		// and Ctrl-C would reach only the agent.
		cmd.SysProcAttr.Foreground = true
		cmd.SysProcAttr.Ctty = tty
	}

	done, err := r.Start(cmd)
	if err != nil {
		return 0, startError(cmd, err)
	}
	if foreground {
		defer takeTerminalBack(tty)
	}
	pgid := cmd.Process.Pid
	if opt.Started != nil {
		opt.Started(pgid)
	}

	var (
		stopping bool
		killc    <-chan time.Time
		pollc    <-chan time.Time
		main     *Status
		ctxDone  = ctx.Done()
	)
	beginStop := func() {
		if stopping {
			return
		}
		stopping = true
		// A stopped member (Ctrl-Z, a debugger, SIGTTIN) takes its TERM only
		// once continued; without this it would wait for the SIGKILL.
		_ = syscall.Kill(-pgid, syscall.SIGCONT)
		killc = time.After(opt.StopTimeout)
	}
	for {
		select {
		case st := <-done:
			main = &st
			log.Info("process exited", "pid", st.PID, "status", st.String())
			if !GroupAlive(pgid) {
				return st.ExitCode(), nil
			}
			if !stopping {
				log.Info("server exited; stopping the rest of its process group", "pgid", pgid, "status", st.String(), "stop_timeout", opt.StopTimeout.String())
				_ = syscall.Kill(-pgid, syscall.SIGTERM)
				beginStop()
			}
			t := time.NewTicker(groupPoll)
			defer t.Stop()
			pollc = t.C
		case <-pollc:
			if !GroupAlive(pgid) {
				return main.ExitCode(), nil
			}
		case s := <-sigc:
			sig, forwarded, ok := SignalOf(s)
			if !ok || sig == syscall.SIGURG || sig == syscall.SIGCHLD {
				continue
			}
			if !forwarded { // an Intake has forwarded and logged it already
				forward(log, pgid, sig)
			}
			if sig == syscall.SIGTERM || sig == syscall.SIGINT {
				beginStop()
			}
		case <-ctxDone:
			ctxDone = nil
			if !stopping {
				log.Info("stopping the process group", "signal", "SIGTERM", "pgid", pgid)
				_ = syscall.Kill(-pgid, syscall.SIGTERM)
				beginStop()
			}
		case <-killc:
			killc = nil
			log.Warn("process group did not stop in time; killing it", "pgid", pgid, "stop_timeout", opt.StopTimeout.String())
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
		}
	}
}

// StopGroup stops the process group pgid whose leader's status arrives on
// done: it sends SIGTERM (then SIGCONT) to the group, waits up to timeout for the leader to
// be reaped and the group to empty, then SIGKILLs whatever is left and waits
// for the leader. It returns the leader's status.
func StopGroup(pgid int, done <-chan Status, timeout time.Duration) Status {
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	_ = syscall.Kill(-pgid, syscall.SIGCONT) // a stopped member takes the TERM once continued
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	var st *Status
	for st == nil {
		select {
		case s := <-done:
			st = &s
		case <-deadline.C:
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			s := <-done
			return s
		}
	}
	poll := time.NewTicker(groupPoll)
	defer poll.Stop()
	for GroupAlive(pgid) {
		select {
		case <-poll.C:
		case <-deadline.C:
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			return *st
		}
	}
	return *st
}

// GroupAlive reports whether any process (zombies included) is still in the
// process group pgid.
func GroupAlive(pgid int) bool {
	err := syscall.Kill(-pgid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// startError classifies a failed start like a shell does: 127 when the
// command does not exist, 126 when it cannot be executed.
func startError(cmd *exec.Cmd, err error) error {
	switch {
	case errors.Is(err, exec.ErrNotFound), errors.Is(err, fs.ErrNotExist):
		return exitcode.Wrap(exitcode.NotFound, fmt.Errorf("start %s: command not found", cmd.Path))
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.ENOEXEC), errors.Is(err, syscall.EISDIR):
		return exitcode.Wrap(exitcode.NotExec, fmt.Errorf("start %s: not executable: %w", cmd.Path, unwrapPathError(err)))
	}
	return exitcode.Wrap(exitcode.OSErr, fmt.Errorf("start %s: %w", cmd.Path, unwrapPathError(err)))
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// sigName is "SIGTERM" for syscall.SIGTERM.
// forward sends sig to the process group pgid, then logs it: the log line
// is not on the signal's path. A failed kill is a warning, unless the group
// is gone (ESRCH), which the supervisor sees by itself.
//
// QUIT (a JVM's thread dump) goes to every member but the shells
// (quitGroup): the start scripts run java under a /bin/sh loop, and a
// shell that is not interactive dies of QUIT, which ended the server.
func forward(log *slog.Logger, pgid int, sig syscall.Signal) {
	var err error
	if sig == syscall.SIGQUIT {
		err = quitGroup(pgid)
	} else {
		err = syscall.Kill(-pgid, sig)
	}
	log.Info("forwarded signal to the process group", "signal", sigName(sig), "pgid", pgid)
	if err != nil && !errors.Is(err, syscall.ESRCH) {
		log.Warn("forward signal", "signal", sigName(sig), "pgid", pgid, "err", err.Error())
	}
}

func sigName(s syscall.Signal) string {
	if n := signalNames[s]; n != "" {
		return n
	}
	return fmt.Sprintf("signal %d", int(s))
}

var signalNames = map[syscall.Signal]string{
	syscall.SIGHUP: "SIGHUP", syscall.SIGINT: "SIGINT", syscall.SIGQUIT: "SIGQUIT", syscall.SIGKILL: "SIGKILL",
	syscall.SIGUSR1: "SIGUSR1", syscall.SIGUSR2: "SIGUSR2", syscall.SIGTERM: "SIGTERM", syscall.SIGPIPE: "SIGPIPE",
	syscall.SIGALRM: "SIGALRM", syscall.SIGCONT: "SIGCONT", syscall.SIGSTOP: "SIGSTOP", syscall.SIGTSTP: "SIGTSTP",
	syscall.SIGWINCH: "SIGWINCH", syscall.SIGABRT: "SIGABRT", syscall.SIGSEGV: "SIGSEGV", syscall.SIGBUS: "SIGBUS",
	syscall.SIGFPE: "SIGFPE", syscall.SIGILL: "SIGILL", syscall.SIGTRAP: "SIGTRAP", syscall.SIGSYS: "SIGSYS",
	syscall.SIGTTIN: "SIGTTIN", syscall.SIGTTOU: "SIGTTOU", syscall.SIGXCPU: "SIGXCPU", syscall.SIGXFSZ: "SIGXFSZ",
}

// SignalName returns the conventional name of sig ("SIGTERM").
func SignalName(sig syscall.Signal) string { return sigName(sig) }

// controllingTerminal returns the descriptor of stdin when it is this
// process's controlling terminal and this process's group is its
// foreground group (not a job in the background of a shell): the terminal
// the child's group is put in the foreground of.
func controllingTerminal(stdin io.Reader) (int, bool) {
	f, ok := stdin.(*os.File)
	if !ok || f == nil {
		return 0, false
	}
	fd := int(f.Fd())
	fg, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
	if err != nil || fg != unix.Getpgrp() {
		return 0, false // not a terminal, not this process's, or not in its foreground
	}
	return fd, true
}

// takeTerminalBack makes this process's group the foreground group of the
// terminal fd again once the server's group is gone, as a shell does after
// a job, so that whatever runs after the agent on that terminal (a script's
// next command) can read it. SIGTTOU, which a background group gets for
// this, is ignored meanwhile.
func takeTerminalBack(fd int) {
	signal.Ignore(syscall.SIGTTOU)
	defer signal.Reset(syscall.SIGTTOU)
	_ = unix.IoctlSetPointerInt(fd, unix.TIOCSPGRP, unix.Getpgrp())
}

// shells are the names of the programs quitGroup spares: POSIX shells,
// which die of QUIT when not interactive.
var shells = map[string]bool{"sh": true, "dash": true, "bash": true, "ash": true, "ksh": true, "mksh": true, "zsh": true, "busybox": true}

// quitGroup sends QUIT to each process of the group pgid whose program
// (/proc/PID/exe) is not a shell; when it finds none (a server that is a
// script alone, or /proc unreadable), to the whole group.
func quitGroup(pgid int) error {
	sent := false
	for _, pid := range groupMembers(pgid) {
		exe, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
		if err != nil || shells[filepath.Base(strings.TrimSuffix(exe, " (deleted)"))] {
			continue
		}
		if syscall.Kill(pid, syscall.SIGQUIT) == nil {
			sent = true
		}
	}
	if sent {
		return nil
	}
	return syscall.Kill(-pgid, syscall.SIGQUIT)
}

// groupMembers lists the processes of the process group pgid, from /proc.
func groupMembers(pgid int) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...: comm may hold spaces and ')'.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		if f := strings.Fields(string(stat[i+1:])); len(f) > 2 && f[2] == strconv.Itoa(pgid) {
			out = append(out, pid)
		}
	}
	return out
}
