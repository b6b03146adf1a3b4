// Package boundedread reads the files the agent is pointed at — secrets,
// patch files, crontabs, certificates, keystores, jars, configuration — so
// that no input can hang or exhaust PID 1: only regular files are opened
// (after following symbolic links), opening never blocks (O_NONBLOCK, so a
// FIFO without a writer is refused at once instead of waiting forever), and
// never more than a limit that fits the kind of file is read (/dev/zero or a
// huge file is refused, not read).
//
// It knows the kinds of file the agent reads, for their size limits. It
// must not know which product file, variable or profile a path comes from,
// nor how a file is parsed: the caller gives the path and its kind's limit.
package boundedread

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Limits for the kinds of file the agent reads.
const (
	Secret   = 4 << 10   // a password in a *_FILE
	Text     = 4 << 20   // patch file, crontab, certificate file (PEM/DER)
	Keystore = 16 << 20  // JKS/PKCS12 keystore or truststore
	Config   = 64 << 20  // a product configuration file the agent edits
	Archive  = 512 << 20 // a jar or carbon app (.car)
)

// ErrNotRegular is wrapped by the error for a path that is not a regular
// file after following symbolic links (a directory, FIFO, device, socket).
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is wrapped by the error for a file larger than the limit.
var ErrTooLarge = errors.New("file too large")

// kindError names what a non-regular file is.
type kindError struct{ kind string }

func (e *kindError) Error() string { return "not a regular file (" + e.kind + ")" }
func (e *kindError) Unwrap() error { return ErrNotRegular }

type sizeError struct{ limit int64 }

func (e *sizeError) Error() string {
	return "larger than " + Size(e.limit) + ", the limit for this kind of file"
}
func (e *sizeError) Unwrap() error { return ErrTooLarge }

// Size formats n bytes the way the limits are written (4 KiB, 16 MiB).
func Size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

func kindOf(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "not a file"
}

// Open opens path for reading if, after following symbolic links, it is a
// regular file, without ever blocking: the type is checked before opening
// (a device is never opened) and again on the open descriptor. Errors are
// *fs.PathError with Op "read"; a non-regular file wraps ErrNotRegular.
func Open(path string) (*os.File, fs.FileInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, nil, &fs.PathError{Op: "read", Path: path, Err: &kindError{kindOf(st.Mode())}}
	}
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	st, err = f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !st.Mode().IsRegular() { // replaced between the two checks
		f.Close()
		return nil, nil, &fs.PathError{Op: "read", Path: path, Err: &kindError{kindOf(st.Mode())}}
	}
	return f, st, nil
}

// ReadFile returns the content of the regular file at path (see Open),
// failing with an error wrapping ErrTooLarge, without reading it, when it
// holds more than limit bytes.
func ReadFile(path string, limit int64) ([]byte, error) {
	f, st, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st.Size() > limit {
		return nil, &fs.PathError{Op: "read", Path: path, Err: &sizeError{limit}}
	}
	// Files in /proc and /sys report size 0; a growing file may be longer
	// than it was: never read past the limit.
	// Sized from the file: one read for the content and one for EOF, where
	// io.ReadAll would start at 512 bytes and grow the buffer many times.
	buf := bytes.NewBuffer(make([]byte, 0, st.Size()+bytes.MinRead))
	_, err = buf.ReadFrom(io.LimitReader(f, limit+1))
	data := buf.Bytes()
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: path, Err: cause(err)}
	}
	if int64(len(data)) > limit {
		return nil, &fs.PathError{Op: "read", Path: path, Err: &sizeError{limit}}
	}
	return data, nil
}

func cause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
