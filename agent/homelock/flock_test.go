package homelock

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// A wait for a lock another holder keeps ends when done is closed, with
// ErrStopped, long before its timeout; without done it ends at the timeout
// with ErrBusy.
func TestFlockStopsWhenDone(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	holder, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if err := syscall.Flock(int(holder.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0) // another open file: flock conflicts
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	done := make(chan struct{})
	waiting := make(chan string, 1)
	errc := make(chan error, 1)
	go func() { errc <- Flock(f, time.Hour, done, func(h string) { waiting <- h }) }()
	<-waiting // the handshake: it found the lock held and waits
	close(done)
	if err := <-errc; !errors.Is(err, ErrStopped) {
		t.Fatalf("Flock: %v, want ErrStopped", err)
	}

	if err := Flock(f, 0, nil, nil); !errors.Is(err, ErrBusy) {
		t.Fatalf("Flock with no time to wait: %v, want ErrBusy", err)
	}
}
