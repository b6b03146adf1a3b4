// Package homelock lets one agent at a time set up a product home: an
// exclusive flock(2) on a lock file inside the home, taken before planning
// and held until everything is written, so that two agents on one home (two
// containers sharing a volume, a `docker exec agent render` while the
// container starts) are serialised instead of interleaving their writes. A
// dry run takes a shared lock, so it never sees another agent's writes half
// done, and never creates the file.
//
// The lock file lives inside the home, not beside it: the home is what two
// containers share when they share a volume, and the part of the file
// system the agent may write to when it runs as an arbitrary user. It
// exists only while an agent holds it: the holder removes it before
// releasing the lock (a waiter that then wins the removed file notices and
// starts again), so a finished or failed run leaves the home as it was.
//
// It must not know what a home holds or which product or profile it
// belongs to, nor the agent's environment variables: it locks a folder the
// caller names, for as long as the caller says (the agent's
// WSO2_AGENT_LOCK_TIMEOUT is agent/contract's (read by agent/pipeline)).
package homelock

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/wso2-container/agent/internal/boundedread"
)

// Name is the lock file's name inside the home.
const Name = ".agent.lock"

// ErrBusy is wrapped by the error of Acquire when another process held the
// lock for the whole timeout.
var ErrBusy = errors.New("home is busy")

// ErrStopped is wrapped by the error of a wait for a lock that was given up
// because its Done channel was closed (the agent is stopping).
var ErrStopped = errors.New("stopped while waiting for the lock")

// Options tune Acquire.
type Options struct {
	// Timeout bounds the wait for another holder; 0 tries once.
	Timeout time.Duration
	// Shared takes a shared lock (readers, i.e. dry runs) on an existing
	// lock file; the file is never created.
	Shared bool
	// Waiting is called once, when the lock is held by another process,
	// with that process described ("pid 42", or why it is not known).
	Waiting func(holder string)
	// Done, when closed, ends a wait for another holder at once with an
	// error wrapping ErrStopped (a SIGTERM during the wait); nil: never.
	Done <-chan struct{}
}

// Lock is a held home lock. Unlocked is not empty when no lock could be
// taken because the lock file cannot be created (a read-only home, a home
// whose top folder is not writable): the caller proceeds without it.
type Lock struct {
	Path     string
	Unlocked string
	f        *os.File
	shared   bool
}

// Acquire takes the lock of home, waiting at most o.Timeout for another
// holder. A lock still held by another process after the timeout is an
// error wrapping ErrBusy and naming the holder.
func Acquire(home string, o Options) (*Lock, error) {
	l := &Lock{Path: filepath.Join(home, Name)}
	how := syscall.LOCK_EX
	if o.Shared {
		how = syscall.LOCK_SH
	}
	deadline := time.Now().Add(o.Timeout)
	waited := false
	for {
		f, err := open(l.Path, !o.Shared)
		if err != nil {
			if o.Shared && errors.Is(err, fs.ErrNotExist) {
				return l, nil // no agent holds the home: nothing to wait for
			}
			l.Unlocked = err.Error()
			return l, nil
		}
		err = flockUntil(f, how, deadline, o.Done, &waited, o.Waiting)
		if errors.Is(err, ErrBusy) {
			holder := Holder(f)
			f.Close()
			return nil, fmt.Errorf("lock %s: %w: %s held its lock for %s", l.Path, ErrBusy, holder, o.Timeout)
		}
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", l.Path, err)
		}
		if current(f, l.Path) {
			l.f, l.shared = f, o.Shared
			return l, nil
		}
		// The previous holder removed the file we locked: start again on
		// the file now at the path (if any).
		f.Close()
		if o.Shared {
			return l, nil
		}
	}
}

// Flock takes an exclusive flock(2) on the open file f, waiting at most
// timeout for another holder (0 tries once). When the lock is held by
// another process, waiting (if not nil) is called once with that process
// described. A lock still held after the timeout is an error wrapping
// ErrBusy and naming the holder. It is the bounded wait of every lock the
// agent takes, so that PID 1 never blocks forever on a lock a hung
// container holds on a shared volume. A closed done (nil: never) ends the
// wait at once with an error wrapping ErrStopped.
func Flock(f *os.File, timeout time.Duration, done <-chan struct{}, waiting func(holder string)) error {
	waited := false
	err := flockUntil(f, syscall.LOCK_EX, time.Now().Add(timeout), done, &waited, waiting)
	if errors.Is(err, ErrBusy) {
		return fmt.Errorf("%w: %s held its lock for %s", ErrBusy, Holder(f), timeout)
	}
	return err
}

// flockUntil polls a non-blocking flock(2) of kind how on f until it is
// taken, deadline passes (ErrBusy) or done is closed (ErrStopped), backing
// off from 2 ms to 100 ms.
func flockUntil(f *os.File, how int, deadline time.Time, done <-chan struct{}, waited *bool, waiting func(string)) error {
	delay := 2 * time.Millisecond
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil || (!errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR)) {
			return err
		}
		if !time.Now().Before(deadline) {
			return ErrBusy
		}
		if !*waited && waiting != nil {
			*waited = true
			waiting(Holder(f))
		}
		t := time.NewTimer(min(delay, time.Until(deadline)))
		select {
		case <-t.C:
		case <-done:
			t.Stop()
			return ErrStopped
		}
		delay = min(2*delay, 100*time.Millisecond)
	}
}

// current reports whether f is still the file at path.
func current(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Lstat(path)
	return err == nil && os.SameFile(a, b)
}

// open opens the lock file without following a symbolic link and without
// blocking, creating it (mode 0644, empty, never written) when create is
// set. flock works on a descriptor opened for reading, so a lock file that
// another user created is still usable.
func open(path string, create bool) (*os.File, error) {
	flags := syscall.O_RDONLY | syscall.O_NOFOLLOW | syscall.O_NONBLOCK | syscall.O_CLOEXEC
	fd, err := -1, error(nil)
	if create {
		fd, err = syscall.Open(path, flags|syscall.O_CREAT, 0o644)
	}
	if !create || err != nil {
		createErr := err
		fd, err = syscall.Open(path, flags, 0)
		if err == syscall.ENOENT && createErr != nil {
			err = createErr // why it could not be created
		}
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = &fs.PathError{Op: "open", Path: path, Err: errors.New("not a regular file")}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// Release gives the lock back; an exclusive holder first removes the lock
// file. It may be called on a nil or unlocked Lock.
func (l *Lock) Release() {
	if l == nil || l.f == nil {
		return
	}
	if !l.shared {
		_ = os.Remove(l.Path)
	}
	_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	l.f.Close()
	l.f = nil
}

// Holder describes the processes holding a lock on f, from /proc/locks:
// "pid 42" (as this process's PID namespace numbers it), or a sentence
// saying it is not visible (another container's process, another host on
// a network file system).
func Holder(f *os.File) string {
	st, err := f.Stat()
	if err != nil {
		return "another process"
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return "another process"
	}
	id := fmt.Sprintf("%02x:%02x:%d", unix.Major(sys.Dev), unix.Minor(sys.Dev), sys.Ino)
	data, err := boundedread.ReadFile("/proc/locks", boundedread.Text)
	if err != nil {
		return "another process"
	}
	self := os.Getpid()
	var pids []string
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		// 1: FLOCK  ADVISORY  WRITE 42 00:2e:1234 0 EOF ("->" marks waiters)
		if len(fields) < 6 || fields[1] != "FLOCK" || fields[5] != id {
			continue
		}
		pid, err := strconv.Atoi(fields[4])
		if err != nil || pid <= 0 || pid == self {
			continue
		}
		pids = append(pids, fields[4])
	}
	switch len(pids) {
	case 0:
		return "another process (not visible from here: another container or host)"
	case 1:
		return "pid " + pids[0]
	}
	return "pids " + strings.Join(pids, ", ")
}
