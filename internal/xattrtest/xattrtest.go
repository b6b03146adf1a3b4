// Package xattrtest is for tests that need user extended attributes
// (xattr(7)): it probes a folder's file system and skips the test, saying
// why, where there are none (tmpfs before Linux 6.6, some volumes).
//
// It must not know which attributes the agent writes or what they mean: it
// only answers whether a folder can hold any.
package xattrtest

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// Require skips tb unless the file system of dir takes user extended
// attributes. It leaves dir as it was.
func Require(tb testing.TB, dir string) {
	tb.Helper()
	probe, err := os.CreateTemp(dir, ".xattr-probe-")
	if err != nil {
		tb.Fatal(err)
	}
	probe.Close()
	defer os.Remove(probe.Name())
	if err := unix.Setxattr(probe.Name(), "user.probe", []byte("x"), 0); err != nil {
		tb.Skipf("SKIPPED: the file system of %s takes no user extended attributes (%v)", filepath.Dir(probe.Name()), err)
	}
}

// Dir returns a new temporary folder (tb.TempDir) whose file system takes
// user extended attributes, or skips tb.
func Dir(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	Require(tb, dir)
	return dir
}
