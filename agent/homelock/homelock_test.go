package homelock

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestHandOver: a waiter gets the lock when the holder releases it, even
// though the holder removed the file the waiter was waiting on; from then
// on nobody else can take it (the waiter holds the file now at the path,
// not an orphan), and the last release leaves the home without a lock file.
func TestHandOver(t *testing.T) {
	home := t.TempDir()
	a, err := Acquire(home, Options{})
	if err != nil || a.Unlocked != "" {
		t.Fatalf("first Acquire: %v %q", err, a.Unlocked)
	}
	waiting := make(chan string, 1)
	got := make(chan *Lock)
	go func() {
		b, err := Acquire(home, Options{Timeout: 30 * time.Second, Waiting: func(h string) { waiting <- h }})
		if err != nil {
			t.Error(err)
		}
		got <- b
	}()
	<-waiting // b waits on a's file
	a.Release()
	b := <-got
	if b == nil || b.f == nil || !current(b.f, b.Path) {
		t.Fatal("the waiter does not hold the lock file at the path")
	}
	if _, err := Acquire(home, Options{}); !errors.Is(err, ErrBusy) {
		t.Fatalf("a third Acquire while the waiter holds the lock: %v, want ErrBusy", err)
	}
	if s, err := Acquire(home, Options{Shared: true}); !errors.Is(err, ErrBusy) {
		t.Fatalf("a shared Acquire while the waiter holds the lock: %v (%+v), want ErrBusy", err, s)
	}
	b.Release()
	if _, err := os.Lstat(filepath.Join(home, Name)); !os.IsNotExist(err) {
		t.Fatalf("the lock file is still there after the last release (%v)", err)
	}
}

// TestSharedAndFallback: shared locks coexist and never create the file;
// a lock file that cannot be created leaves the caller unlocked with the
// reason; a lock file that is not a regular file is never used.
func TestSharedAndFallback(t *testing.T) {
	home := t.TempDir()
	s, err := Acquire(home, Options{Shared: true})
	if err != nil || s.f != nil {
		t.Fatalf("shared Acquire without a lock file: %v, holding %v; want nothing held", err, s.f != nil)
	}
	if _, err := os.Lstat(filepath.Join(home, Name)); !os.IsNotExist(err) {
		t.Fatal("a shared Acquire created the lock file")
	}
	if err := os.WriteFile(filepath.Join(home, Name), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s1, err1 := Acquire(home, Options{Shared: true})
	s2, err2 := Acquire(home, Options{Shared: true})
	if err1 != nil || err2 != nil || s1.f == nil || s2.f == nil {
		t.Fatalf("two shared locks: %v, %v", err1, err2)
	}
	if _, err := Acquire(home, Options{}); !errors.Is(err, ErrBusy) {
		t.Fatalf("exclusive Acquire beside shared holders: %v, want ErrBusy", err)
	}
	s1.Release()
	s2.Release()
	if _, err := os.Lstat(filepath.Join(home, Name)); err != nil {
		t.Fatal("a shared holder removed the lock file")
	}

	if l, err := Acquire(filepath.Join(home, "missing"), Options{}); err != nil || l.Unlocked == "" {
		t.Fatalf("no folder for the lock file: %v, unlocked %q; want the reason", err, l.Unlocked)
	}
	fifoHome := t.TempDir()
	if err := os.Symlink("/dev/zero", filepath.Join(fifoHome, Name)); err != nil {
		t.Fatal(err)
	}
	if l, err := Acquire(fifoHome, Options{}); err != nil || l.Unlocked == "" || l.f != nil {
		t.Fatalf("a lock file that is a link to a device: %v, unlocked %q; want it refused", err, l.Unlocked)
	}
}
