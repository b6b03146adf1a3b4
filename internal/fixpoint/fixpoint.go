// Package fixpoint lets a restart skip work whose result is already on disk.
//
// When the agent writes a file whose content it computed by a pure function
// of that content and some inputs (the edits of a configuration file, the
// schedules of a carbon app), it attaches to the file a key: a SHA-256 hash
// of the agent's build, the kind of computation, the inputs and the new
// content, in the extended attribute Attr. A later start computes the key of
// the file's current content with its current inputs; when the file carries
// that key, the computation is known to leave the file as it is (the
// agent's edits are idempotent), and it is skipped.
//
// A key is a fact about a pure function, not a cache entry: it cannot go
// stale. Any change to the content (an operator's edit in place, a new
// file), to the inputs or to the agent's build gives a different key. A
// file system without user extended attributes, a file copied without them,
// an attribute that is missing or not a key, a process that cannot read its
// own executable: each is a miss, and the caller computes as it would
// without this package. Nothing is ever written for a key alone: the key is
// set on the temporary file that carries the new content, before the
// rename, so a file and its key appear together.
//
// It must not know what the files hold, nor which inputs matter for which
// file: the caller hashes the inputs of its own computation, completely
// (anything left out would let a stale result through).
package fixpoint

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash"
	"io"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// Attr is the extended attribute that holds a file's key.
const Attr = "user.wso2-agent.fixpoint"

// Key identifies one computation: build, kind, inputs and content.
type Key [sha256.Size]byte

// Enabled reports whether keys can be made: the running executable could
// be identified (see identify). When it is false, Holds is always false.
func Enabled() bool { return build() != nil }

// build is the identity of the running executable (identify), read once.
var build = sync.OnceValue(func() []byte { return identify("/proc/self/exe") })

// identify returns the identity of the Go executable at path: the SHA-256
// of its first page, which holds the ELF headers and Go's build ID note (a
// hash of the build's inputs and output); nil when it cannot be read or
// holds no Go build ID there.
func identify(path string) []byte {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil
	}
	head = head[:n]
	// The note: name size 4, description size, type 4, name "Go\0\0".
	i := bytes.Index(head, goNote)
	if i < 8 || binary.LittleEndian.Uint32(head[i-8:]) != 4 {
		return nil
	}
	sum := sha256.Sum256(head)
	return sum[:]
}

// goNote is the type and name of the ELF note holding Go's build ID.
var goNote = []byte("\x04\x00\x00\x00Go\x00\x00")

// Hasher builds a key. Every field is written with its length first, so
// two different sequences of fields never hash the same input.
type Hasher struct{ h hash.Hash }

// New starts the key of a computation of kind (a name the caller chooses
// for what it computes, such as "xml-edits"), for this build.
func New(kind string) Hasher {
	h := Hasher{sha256.New()}
	h.Bytes(build())
	h.String(kind)
	return h
}

// Bytes adds a field.
func (h Hasher) Bytes(b []byte) {
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(b)))
	h.h.Write(n[:])
	h.h.Write(b)
}

// String adds a field.
func (h Hasher) String(s string) {
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
	h.h.Write(n[:])
	io.WriteString(h.h, s)
}

// Int adds a field (Bool(true) is Int(1), Bool(false) Int(0)).
func (h Hasher) Int(v int) {
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(v))
	h.Bytes(n[:])
}

// Bool adds a field.
func (h Hasher) Bool(v bool) {
	if v {
		h.Int(1)
	} else {
		h.Int(0)
	}
}

// Sum returns the key.
func (h Hasher) Sum() Key {
	var k Key
	h.h.Sum(k[:0])
	return k
}

// Trust, when false, makes Holds answer false, so that every computation
// is made again: a caller whose result must never rest on keys (a dry run)
// sets it before it computes, never during.
var Trust = true

// Holds reports whether the file at path carries k. Any error (no such
// attribute, a file system without them, no file) is false, and so is
// every answer while Trust is false.
func Holds(path string, k Key) bool {
	if !Trust || !Enabled() {
		return false
	}
	var v [len(k) + 1]byte // one more: a longer value is not a key
	n, err := unix.Getxattr(path, Attr, v[:])
	return err == nil && n == len(k) && Key(v[:len(k)]) == k
}
