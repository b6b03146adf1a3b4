package supervise

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

// ReexecIfSignalsBlocked makes sure children start with an empty signal
// mask. A Go program gives every child the signal mask it was itself started
// with, and a parent that blocked signals (some shells, CI runners, a badly
// behaved runtime) would thus leave the server unable to receive them. If
// the calling thread has any signal blocked, the mask is cleared and the
// program re-executes itself (/proc/self/exe, same arguments and
// environment, same pid, so a PID 1 stays PID 1); the call then does not
// return. Otherwise it returns nil at once.
//
// Ignored signals need no such step: Go resets every signal it handles to
// the default in children, and Supervise subscribes (handles) the forwarded
// ones, which includes the only two a Go program keeps ignored (HUP, INT).
// Call it first, before any goroutine or file of consequence exists.
func ReexecIfSignalsBlocked() error {
	runtime.LockOSThread()
	blocked, err := threadSigBlk()
	if err != nil || blocked == 0 {
		runtime.UnlockOSThread()
		return err
	}
	var empty uint64 // kernel sigset_t, 64 signals
	if err := sigprocmask(sigSetMask, &empty, nil); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("clear signal mask: %w", err)
	}
	exe, err := os.Executable()
	if err != nil {
		exe = "/proc/self/exe"
	}
	// The mask of this thread is what the new program starts with.
	err = syscall.Exec("/proc/self/exe", append([]string{os.Args[0]}, os.Args[1:]...), os.Environ())
	runtime.UnlockOSThread()
	return fmt.Errorf("re-execute %s with a clean signal mask: %w", exe, err)
}

// threadSigBlk returns the SigBlk mask of the calling thread.
func threadSigBlk() (uint64, error) {
	f, err := os.Open("/proc/thread-self/status")
	if err != nil {
		return 0, fmt.Errorf("read signal mask: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "SigBlk:"); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				return 0, fmt.Errorf("read signal mask: %w", err)
			}
			return n, nil
		}
	}
	return 0, fmt.Errorf("read signal mask: no SigBlk in /proc/thread-self/status")
}

// ResetIgnoredSignals gives back the default disposition to every signal the
// agent's parent left ignored, so that children do not inherit SIG_IGN
// (execve keeps it). Go resets in children only the signals it handles
// itself; it keeps an inherited SIG_IGN for HUP and INT (which Supervise
// subscribes, so they are reset too) and for the signals it reserves without
// handling (32 and 33 on Linux). The latter are reset here, directly with
// rt_sigaction. Call it early, once.
func ResetIgnoredSignals() error {
	ign, err := procStatusMask("/proc/self/status", "SigIgn:")
	if err != nil {
		return err
	}
	for sig := 1; sig <= 64; sig++ {
		if ign&(1<<(sig-1)) == 0 || sig == int(syscall.SIGHUP) || sig == int(syscall.SIGINT) {
			continue
		}
		var act [4]uint64 // struct kernel_sigaction: handler (SIG_DFL = 0), flags, restorer, mask
		if _, _, errno := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&act[0])), 0, 8, 0, 0); errno != 0 {
			return fmt.Errorf("reset ignored signal %d: %w", sig, errno)
		}
	}
	return nil
}

// procStatusMask reads a hexadecimal signal mask line of a status file.
func procStatusMask(path, key string) (uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("read signal dispositions: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				return 0, fmt.Errorf("read signal dispositions: %w", err)
			}
			return n, nil
		}
	}
	return 0, fmt.Errorf("read signal dispositions: no %s in %s", key, path)
}

const (
	sigBlock   = 0 // SIG_BLOCK
	sigSetMask = 2 // SIG_SETMASK
)

// sigprocmask changes the calling thread's signal mask (old may be nil).
func sigprocmask(how int, set, old *uint64) error {
	if _, _, errno := syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, uintptr(how), uintptr(unsafe.Pointer(set)), uintptr(unsafe.Pointer(old)), 8, 0, 0); errno != 0 {
		return errno
	}
	return nil
}
