package treesnap

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSeesEveryKindOfChange(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "f")
	if err := os.WriteFile(f, []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	base, err := Take(dir)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Take(dir)
	if d := Diff(base, again); len(d) != 0 {
		t.Fatalf("no change reported as %v", d)
	}
	// The same bytes written again is a change (new inode).
	tmp := filepath.Join(dir, "tmp")
	if err := os.WriteFile(tmp, []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, f); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "new"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	after, _ := Take(dir)
	d := strings.Join(Diff(base, after), "\n")
	if !strings.Contains(d, "changed "+f) || !strings.Contains(d, "added "+filepath.Join(dir, "new")) {
		t.Fatalf("diff misses changes:\n%s", d)
	}
}
