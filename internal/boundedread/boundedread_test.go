package boundedread

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestReadFile: regular files (also behind symbolic links) up to the limit
// are read; everything that could hang or exhaust the reader is refused
// before it is read, with an error naming the path and what is wrong.
func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	path := func(n string) string { return filepath.Join(dir, n) }
	write := func(n string, b []byte) string {
		if err := os.WriteFile(path(n), b, 0o644); err != nil {
			t.Fatal(err)
		}
		return path(n)
	}
	exact := write("exact", bytes.Repeat([]byte("a"), 64))
	over := write("over", bytes.Repeat([]byte("a"), 65))
	huge := write("huge", nil)
	if err := os.Truncate(huge, 10<<30); err != nil { // sparse, 10 GiB
		t.Fatal(err)
	}
	fifo := path("fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("exact", path("link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", path("zero-link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("missing", path("dangling")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, path string
		want       error // nil: read succeeds
		msg        string
	}{
		{"exactly the limit", exact, nil, ""},
		{"symbolic link to a regular file", path("link"), nil, ""},
		{"one byte over", over, ErrTooLarge, "larger than 64 bytes"},
		{"huge sparse file", huge, ErrTooLarge, "larger than 64 bytes"},
		{"/dev/zero", "/dev/zero", ErrNotRegular, "a character device"},
		{"link to /dev/zero", path("zero-link"), ErrNotRegular, "a character device"},
		{"directory", dir, ErrNotRegular, "a directory"},
		{"FIFO without a writer", fifo, ErrNotRegular, "a FIFO"},
		{"dangling link", path("dangling"), fs.ErrNotExist, "no such file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, err := ReadFile(c.path, 64)
			if c.want == nil {
				if err != nil || len(b) != 64 {
					t.Fatalf("ReadFile: %d bytes, %v; want 64 bytes", len(b), err)
				}
				return
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("ReadFile: %v, want an error wrapping %v", err, c.want)
			}
			if !strings.Contains(err.Error(), c.path) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("ReadFile error %q does not name %s and %q", err, c.path, c.msg)
			}
		})
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{4 << 10: "4 KiB", 16 << 20: "16 MiB", 100: "100 bytes", 1500: "1500 bytes"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}
