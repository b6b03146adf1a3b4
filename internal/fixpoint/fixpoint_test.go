package fixpoint

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/wso2-container/agent/internal/xattrtest"
)

func TestBuildIsTheRunningExecutable(t *testing.T) {
	if !Enabled() {
		t.Fatal("the test binary, a Go executable, is not identified")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(build(), identify(exe)) {
		t.Fatalf("build() is not the identity of %s", exe)
	}
}

// Two Go programs that differ in one string are two builds; the same
// program built twice is one; a file that is not a Go executable is none.
func TestIdentifyTellsBuildsApart(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("go not on PATH: %v", err)
	}
	dir := t.TempDir()
	build := func(name, word string) string {
		src := filepath.Join(dir, name+".go")
		prog := "package main\n\nimport \"os\"\n\nfunc main() { os.Stdout.WriteString(\"" + word + "\\n\") }\n"
		if err := os.WriteFile(src, []byte(prog), 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, name)
		cmd := exec.Command("go", "build", "-o", out, src)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", src, err, b)
		}
		return out
	}
	a, b := build("a", "one"), build("b", "two")
	a2 := filepath.Join(dir, "a2")
	if data, err := os.ReadFile(a); err != nil {
		t.Fatal(err)
	} else if err := os.WriteFile(a2, data, 0o755); err != nil {
		t.Fatal(err)
	}
	ia, ib, ia2 := identify(a), identify(b), identify(a2)
	if ia == nil || ib == nil {
		t.Fatalf("a Go executable is not identified: a %x, b %x", ia, ib)
	}
	if bytes.Equal(ia, ib) {
		t.Errorf("two different programs have the same identity %x", ia)
	}
	if !bytes.Equal(ia, ia2) {
		t.Errorf("a copy of one executable has another identity: %x, %x", ia, ia2)
	}
	script := filepath.Join(dir, "script")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho Go\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if id := identify(script); id != nil {
		t.Errorf("a shell script is identified as a Go build: %x", id)
	}
	if id := identify(filepath.Join(dir, "missing")); id != nil {
		t.Errorf("a missing file is identified: %x", id)
	}
}

func TestHasherDelimitsFields(t *testing.T) {
	sum := func(fields ...string) Key {
		h := New("test")
		for _, f := range fields {
			h.String(f)
		}
		return h.Sum()
	}
	distinct := [][]string{
		{"ab", "c"}, {"a", "bc"}, {"abc"}, {"abc", ""}, {"", "abc"}, {},
	}
	seen := map[Key][]string{}
	for _, d := range distinct {
		k := sum(d...)
		if prev, ok := seen[k]; ok {
			t.Errorf("fields %q and %q give the same key", prev, d)
		}
		seen[k] = d
	}
	if a, b := sum("a", "b"), sum("a", "b"); a != b {
		t.Error("the same fields give two keys")
	}
	k1, k2 := New("one"), New("two")
	k1.String("x")
	k2.String("x")
	if k1.Sum() == k2.Sum() {
		t.Error("two kinds give the same key")
	}
	i, b := New("t"), New("t")
	i.Int(1)
	b.Bool(true)
	if i.Sum() != b.Sum() {
		t.Error("Bool(true) is not Int(1)") // documented as the same field encoding
	}
}

func TestHolds(t *testing.T) {
	dir := xattrtest.Dir(t)
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, []byte("content"), 0o644); err != nil {
		t.Fatal(err)
	}
	h := New("test")
	h.Bytes([]byte("content"))
	k := h.Sum()
	other := New("other").Sum()
	if Holds(path, k) {
		t.Fatal("a file without the attribute holds a key")
	}
	set := func(v []byte) {
		t.Helper()
		if err := unix.Setxattr(path, Attr, v, 0); err != nil {
			t.Fatal(err)
		}
	}
	set(k[:])
	if !Holds(path, k) {
		t.Fatal("a file carrying the key does not hold it")
	}
	if Holds(path, other) {
		t.Fatal("a file holds a key it does not carry")
	}
	set(append(k[:], 0))
	if Holds(path, k) {
		t.Fatal("a longer value that starts with the key holds it")
	}
	set(k[:len(k)-1])
	if Holds(path, k) {
		t.Fatal("a shorter value holds the key")
	}
	if Holds(filepath.Join(dir, "missing"), k) {
		t.Fatal("a missing file holds a key")
	}
	// Writing the file in place keeps the attribute: the key must be of
	// the content, which the caller hashes (here: the key no longer fits).
	set(k[:])
	if err := os.WriteFile(path, []byte("changed"), 0o644); err != nil {
		t.Fatal(err)
	}
	h2 := New("test")
	h2.Bytes([]byte("changed"))
	if Holds(path, h2.Sum()) {
		t.Fatal("the key of the new content is held after an edit in place")
	}
	var v [64]byte
	if _, err := unix.Getxattr(path, Attr, v[:]); errors.Is(err, unix.ENODATA) {
		t.Fatal("an in-place write dropped the attribute (then this test shows nothing)")
	}
}

// While Trust is false no file holds a key, even one it carries.
func TestTrustFalseHoldsNothing(t *testing.T) {
	dir := xattrtest.Dir(t)
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	k := New("test").Sum()
	if err := unix.Setxattr(path, Attr, k[:], 0); err != nil {
		t.Fatal(err)
	}
	defer func(trust bool) { Trust = trust }(Trust)
	Trust = false
	if Holds(path, k) {
		t.Fatal("a key is held while Trust is false")
	}
	Trust = true
	if !Holds(path, k) {
		t.Fatal("the key is not held once Trust is true again")
	}
}
