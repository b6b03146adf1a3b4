// Package supervise is process supervision for a PID 1: one reaper that owns
// every wait of the process, signal forwarding to a child's process group, a
// graceful stop with a timeout, user switching and the open-files limit.
//
// It must not know which server it runs or why: no WSO2 product, profile,
// start script or environment variable of the agent; the caller gives the
// command (its user and environment set on it), the stop timeout and the
// signals. The rules it follows are those of tini and dumb-init, with the
// Go pitfalls avoided:
//
//   - One reaper per process. Once NewReaper has been called, nothing else in
//     the process may wait for children (no exec.Cmd.Wait, Run, Output or
//     CombinedOutput): the reaper collects every child with wait4(-1) and would
//     race them. Start commands through Reaper.Start (or Reaper.Run) instead.
//   - Signals are subscribed with signal.Notify, never signal.Ignore (an
//     ignored signal stays ignored in every child), and SIGURG (the Go
//     runtime's preemption signal) and SIGCHLD are never forwarded.
//   - A PID 1 can also forward as tini does, from its main thread waiting in
//     rt_sigtimedwait (Intake), which wakes one thread per signal instead
//     of three; signals that arrive while that thread is busy still take
//     the os/signal path.
package supervise

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"
)

// Status is the outcome of one child, as reported by wait4.
type Status struct {
	PID        int
	WaitStatus syscall.WaitStatus
	Rusage     syscall.Rusage
}

// ExitCode returns the child's exit status, or 128+N when it was killed by
// signal N (the shell's and tini's convention: 143 for SIGTERM, 137 for
// SIGKILL).
func (s Status) ExitCode() int {
	switch {
	case s.WaitStatus.Exited():
		return s.WaitStatus.ExitStatus()
	case s.WaitStatus.Signaled():
		return 128 + int(s.WaitStatus.Signal())
	}
	return 128 + int(syscall.SIGKILL) // not reachable for a reaped child
}

// Signal returns the signal that killed the child, or 0 if it exited.
func (s Status) Signal() syscall.Signal {
	if s.WaitStatus.Signaled() {
		return s.WaitStatus.Signal()
	}
	return 0
}

// String describes the status for logs: "exit status 3" or "killed by
// SIGTERM".
func (s Status) String() string {
	if sig := s.Signal(); sig != 0 {
		return "killed by " + SignalName(sig)
	}
	return fmt.Sprintf("exit status %d", s.ExitCode())
}

// Reaper owns every wait of the process. On each SIGCHLD it collects all
// exited children with wait4(-1, WNOHANG) and delivers each status to the
// channel registered for its pid by Start; statuses of pids that were not
// started through Start (orphans re-parented to a PID 1 or a subreaper) are
// discarded.
//
// Start registers the child's pid while holding the lock that the reaper
// takes before calling wait4, so a child that exits at once cannot be reaped
// before it is registered.
type Reaper struct {
	log *slog.Logger

	mu      sync.Mutex
	waiting map[int]*entry
	stopped bool

	sigc chan os.Signal
	stop chan struct{}
	done chan struct{}
}

type entry struct {
	ch chan Status
}

// prSetChildSubreaper is PR_SET_CHILD_SUBREAPER from <linux/prctl.h>.
const prSetChildSubreaper = 36

// NewReaper starts the reaping loop. There must be one per process, created
// before any child it should know about is started, and from then on every
// child must be started with Start (see the package documentation).
//
// When the process is not PID 1 it is made a child subreaper
// (PR_SET_CHILD_SUBREAPER), so that descendants orphaned by the server (for
// example a JVM whose wrapper shell died first) are re-parented to it, reaped
// by it, and still counted in their process group.
func NewReaper(log *slog.Logger) *Reaper {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Reaper{
		log:     log,
		waiting: map[int]*entry{},
		sigc:    make(chan os.Signal, 1),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	if os.Getpid() != 1 {
		if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
			log.Warn("cannot become a child subreaper; orphans will be reaped by the system", "err", errno.Error())
		}
	}
	signal.Notify(r.sigc, syscall.SIGCHLD)
	go r.loop()
	return r
}

func (r *Reaper) loop() {
	defer close(r.done)
	// Children may have exited before the subscription.
	r.reap()
	for {
		select {
		case <-r.sigc:
			r.reap()
		case <-r.stop:
			return
		}
	}
}

// reap collects every child that has exited. SIGCHLD is not queued (several
// exits may raise one signal), hence the loop until wait4 reports none.
func (r *Reaper) reap() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		var st Status
		pid, err := syscall.Wait4(-1, &st.WaitStatus, syscall.WNOHANG, &st.Rusage)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil || pid <= 0 { // ECHILD: no children at all; 0: none exited
			return
		}
		st.PID = pid
		e, ok := r.waiting[pid]
		if !ok {
			// An orphan inherited as PID 1 or subreaper. Registration
			// happens under r.mu, so this cannot be one of ours.
			continue
		}
		delete(r.waiting, pid)
		// The os.Process's pidfd is closed by its runtime cleanup once it
		// is unreachable. Not Release: that would set cmd.Process.Pid to
		// -1 under the caller's feet.
		e.ch <- st // buffered, receives exactly once
	}
}

// Start starts cmd and registers its pid; the returned channel receives the
// child's Status exactly once, when it has exited and been reaped.
// cmd.Process.Pid stays valid after the child has been reaped (the reaper
// never touches cmd), and is also in Status.PID.
//
// Nothing may call cmd.Wait. Because of that, cmd's Stdin, Stdout and Stderr
// must each be nil (/dev/null) or an *os.File, which the child receives
// directly: other readers and writers need copying goroutines that only Wait
// would finish, and are rejected. A cmd made by exec.CommandContext is
// rejected too (its context watcher also needs Wait); stop children through
// Supervise's context or StopGroup instead.
func (r *Reaper) Start(cmd *exec.Cmd) (<-chan Status, error) {
	for _, s := range []struct {
		name string
		v    any
	}{{"stdin", cmd.Stdin}, {"stdout", cmd.Stdout}, {"stderr", cmd.Stderr}} {
		switch f := s.v.(type) {
		case nil:
		case *os.File:
			if f == nil {
				return nil, fmt.Errorf("start %s: %s is a nil *os.File", cmd.Path, s.name)
			}
		default:
			return nil, fmt.Errorf("start %s: %s must be nil or an *os.File, not %T", cmd.Path, s.name, s.v)
		}
	}
	if cmd.Cancel != nil {
		return nil, fmt.Errorf("start %s: commands made with exec.CommandContext cannot be reaped; use exec.Command", cmd.Path)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return nil, fmt.Errorf("start %s: reaper is stopped", cmd.Path)
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	ch := make(chan Status, 1)
	r.waiting[cmd.Process.Pid] = &entry{ch: ch}
	return ch, nil
}

// Run starts cmd with Start and waits for its status (a convenience for
// short helpers such as jobs).
func (r *Reaper) Run(cmd *exec.Cmd) (Status, error) {
	ch, err := r.Start(cmd)
	if err != nil {
		return Status{}, err
	}
	return <-ch, nil
}

// Stop ends the reaping loop and unsubscribes from SIGCHLD. Children still
// registered are no longer reaped and their channels never receive. It is
// meant for tests; an agent's reaper lives as long as the process.
func (r *Reaper) Stop() {
	r.mu.Lock()
	if r.stopped {
		r.mu.Unlock()
		return
	}
	r.stopped = true
	r.mu.Unlock()
	signal.Stop(r.sigc)
	close(r.stop)
	<-r.done
}
