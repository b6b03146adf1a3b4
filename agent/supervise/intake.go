package supervise

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"syscall"
	"unsafe"
)

// Forwarded is what an Intake delivers on its channel for a TERM or INT it
// has already sent to the process group (and logged). Supervise, reading it
// from Options.Signals, begins the stop, but neither sends nor logs it
// again.
type Forwarded syscall.Signal

// Signal is part of os.Signal.
func (f Forwarded) Signal() {}

// String returns the signal's description ("terminated").
func (f Forwarded) String() string { return syscall.Signal(f).String() }

// SignalOf returns the signal s stands for, and whether it has already been
// forwarded (s is a Forwarded). ok is false for an os.Signal that is not a
// Unix signal.
func SignalOf(s os.Signal) (sig syscall.Signal, forwarded, ok bool) {
	switch v := s.(type) {
	case syscall.Signal:
		return v, false, true
	case Forwarded:
		return syscall.Signal(v), true, true
	}
	return 0, false, false
}

// intakeWake is the signal Close sends to the main thread (and only to it)
// to end Serve: the last real-time signal, which neither the Go runtime nor
// the agent uses.
const intakeWake = syscall.Signal(64)

// Intake is the short path of signal forwarding, tini's: the process's main
// thread waits in rt_sigtimedwait for the forwarded signals and sends each to
// the process group itself. Through Go's runtime a forwarded signal wakes
// three threads in turn (the one its handler runs on, the runtime's signal
// thread, and one for the goroutine that reads the os/signal channel) before
// kill is called; through the Intake it wakes one.
//
// It relies on two kernel rules. A signal sent to the process goes to its
// main thread (the thread-group leader) when that thread does not block it;
// and a thread waiting in rt_sigtimedwait does not block the signals it
// waits for. Between two waits the main thread blocks them, and the kernel
// then gives a signal to another thread: Go's handler delivers it to the
// os/signal channel, as without an Intake, and Supervise forwards it. Each
// signal takes exactly one of the two paths, so none is lost or sent twice;
// two different signals that arrive together may be forwarded in either
// order.
//
// The signals must also be subscribed with signal.Notify (on the channel the
// Intake writes to), for the other path and for the time before Begin.
// Only the main thread's mask changes, and children never inherit it: a Go
// child starts with the signal mask of the thread that forks it, and nothing
// forks from the main thread while it serves (it only waits and kills).
type Intake struct {
	set   uint64 // kernel sigset_t of the forwarded signals
	out   chan<- os.Signal
	log   *slog.Logger
	begin chan int
	stop  chan struct{} // closed by Close

	// OnStop, when not nil, is called with a TERM or INT before Serve
	// forwards it, so that the caller knows the stop was asked for before
	// the server can have exited of it. Set it before Begin.
	OnStop func(sig syscall.Signal)

	closeOnce sync.Once
}

// NewIntake locks the calling goroutine to its thread and returns an Intake
// for the signals in set. Serve logs each signal it forwards on log (nil:
// nowhere), and writes the TERMs and INTs, as Forwarded values, to out.
// It returns nil (and leaves the goroutine unlocked) when that thread is not
// the process's main thread: only there does the kernel route the process's
// signals first. The command's main goroutine is on it when it has been
// locked since an init function (see cmd/agent).
func NewIntake(set []os.Signal, out chan<- os.Signal, log *slog.Logger) *Intake {
	runtime.LockOSThread()
	if syscall.Gettid() != syscall.Getpid() {
		runtime.UnlockOSThread()
		return nil
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	in := &Intake{out: out, log: log, begin: make(chan int, 1), stop: make(chan struct{})}
	for _, s := range set {
		if sig, ok := s.(syscall.Signal); ok && sig > 0 && sig < 64 && sig != syscall.SIGURG && sig != syscall.SIGCHLD {
			in.set |= 1 << (sig - 1)
		}
	}
	return in
}

// Begin makes Serve forward the signals to the process group pgid from now
// on. Call it once, when the child has started.
func (in *Intake) Begin(pgid int) {
	select {
	case in.begin <- pgid:
	default:
	}
}

// Close ends Serve. It may be called from any goroutine, more than once.
func (in *Intake) Close() {
	in.closeOnce.Do(func() {
		close(in.stop)
		// To the main thread only; it blocks the signal once it has begun,
		// so the signal waits there for rt_sigtimedwait. Serve checks stop
		// after blocking it, which covers a signal sent before.
		_ = syscall.Tgkill(syscall.Getpid(), syscall.Getpid(), intakeWake)
	})
}

// Serve runs on the goroutine that called NewIntake, until Close: it waits
// for Begin, then for the signals, and forwards and logs each as Supervise
// does (forward); a TERM or INT it then writes to out, for Supervise to
// begin the stop. The log line is written on this thread: a hand-over to
// Supervise for every signal woke a second thread each time, which cost a
// quarter of a forward on two cores. It unlocks the goroutine from its
// thread when it returns. An error means the main thread stopped waiting:
// the signals still reach out through Go's runtime, and Supervise forwards
// them.
func (in *Intake) Serve() error {
	defer runtime.UnlockOSThread()
	var pgid int
	select {
	case pgid = <-in.begin:
	case <-in.stop:
		return nil
	}
	waitSet := in.set | 1<<(intakeWake-1)
	var old uint64
	if err := sigprocmask(sigBlock, &waitSet, &old); err != nil {
		return fmt.Errorf("block forwarded signals on the main thread: %w", err)
	}
	defer func() { _ = sigprocmask(sigSetMask, &old, nil) }()
	for {
		select {
		case <-in.stop:
			return nil
		default:
		}
		sig, err := sigtimedwait(&waitSet)
		if errors.Is(err, syscall.EINTR) {
			continue // a signal this thread does not wait for ran its handler
		}
		if err != nil {
			return fmt.Errorf("wait for signals on the main thread: %w", err)
		}
		if sig == intakeWake {
			continue
		}
		stop := sig == syscall.SIGTERM || sig == syscall.SIGINT
		if stop && in.OnStop != nil {
			in.OnStop(sig)
		}
		forward(in.log, pgid, sig)
		if !stop {
			continue
		}
		select {
		case in.out <- Forwarded(sig):
		case <-in.stop:
			return nil
		}
	}
}

// sigtimedwait waits, without a time limit, for one of the signals in set
// and takes it off the pending ones. It blocks its thread: Syscall (not
// RawSyscall) lets the runtime give the thread's P to other goroutines.
func sigtimedwait(set *uint64) (syscall.Signal, error) {
	var info [128]byte // siginfo_t, not read
	r, _, errno := syscall.Syscall6(syscall.SYS_RT_SIGTIMEDWAIT, uintptr(unsafe.Pointer(set)), uintptr(unsafe.Pointer(&info[0])), 0, 8, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return syscall.Signal(r), nil
}
