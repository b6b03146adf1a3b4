package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWriteFileKeepsModeAndReplaces(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := read(t, p); got != "new" {
		t.Fatalf("content %q", got)
	}
	st, _ := os.Stat(p)
	if st.Mode().Perm() != 0o640 {
		t.Fatalf("mode %v, want 0640 kept", st.Mode().Perm())
	}
	left, _ := filepath.Glob(filepath.Join(dir, TempPrefix+"*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

func TestStageAbortLeavesTarget(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := StageUnsynced(p, []byte("new"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if got := read(t, p); got != "old" {
		t.Fatalf("staging changed the target: %q", got)
	}
	s.Abort()
	if got := read(t, p); got != "old" {
		t.Fatalf("abort changed the target: %q", got)
	}
	left, _ := filepath.Glob(filepath.Join(dir, TempPrefix+"*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

func TestCommitAll(t *testing.T) {
	dir := t.TempDir()
	var staged []*Staged
	for _, n := range []string{"a", "b", "sub/c"} {
		p := filepath.Join(dir, n)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		s, err := StageUnsynced(p, []byte("content "+n), 0o600)
		if err != nil {
			t.Fatal(err)
		}
		staged = append(staged, s)
	}
	done, err := CommitAll(staged)
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != 3 {
		t.Fatalf("committed %v", done)
	}
	for _, n := range []string{"a", "b", "sub/c"} {
		if got := read(t, filepath.Join(dir, n)); got != "content "+n {
			t.Fatalf("%s: %q", n, got)
		}
	}
	if err := CleanTemps(dir); err != nil {
		t.Fatal(err)
	}
}

func TestStageInMissingFolderFails(t *testing.T) {
	p := filepath.Join(t.TempDir(), "no", "such", "f")
	if _, err := Stage(p, []byte("x"), 0o644); err == nil {
		t.Fatal("staging in a missing folder succeeded")
	}
}
