package udiff

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMatchesDiffUtility checks our hunks against GNU diff -u on the same
// inputs (labels and timestamps aside).
func TestMatchesDiffUtility(t *testing.T) {
	cases := []struct{ name, a, b string }{
		{"one line changed", "a\nb\nc\nd\ne\nf\ng\nh\n", "a\nb\nc\nD\ne\nf\ng\nh\n"},
		{"insert at start", "b\nc\n", "a\nb\nc\n"},
		{"delete at end", "a\nb\nc\n", "a\nb\n"},
		{"two hunks", strings.Repeat("x\n", 3) + "a\n" + strings.Repeat("y\n", 10) + "b\n", strings.Repeat("x\n", 3) + "A\n" + strings.Repeat("y\n", 10) + "B\n"},
		{"close changes merge", "1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\nX\n3\n4\n5\n6\nY\n8\n9\n"},
		{"crlf", "a\r\nb\r\nc\r\n", "a\r\nB\r\nc\r\n"},
		{"from empty", "", "a\nb\n"},
		{"no final newline", "a\nb", "a\nc"},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pa, pb := filepath.Join(dir, "a"), filepath.Join(dir, "b")
			if err := os.WriteFile(pa, []byte(c.a), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(pb, []byte(c.b), 0o644); err != nil {
				t.Fatal(err)
			}
			out, _ := exec.Command("diff", "-u", "--label", "a", "--label", "b", pa, pb).Output()
			got := Unified("a", "b", c.a, c.b, 3)
			if got != string(out) {
				t.Errorf("diff mismatch\n got:\n%s\nwant (diff -u):\n%s", got, out)
			}
		})
	}
}

func TestEqualIsEmpty(t *testing.T) {
	if got := Unified("a", "b", "x\n", "x\n", 3); got != "" {
		t.Fatalf("equal texts gave %q", got)
	}
}
