package xmlconf

import (
	"bytes"
	"github.com/wso2-container/agent/internal/fixtures"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

// fixtureRoot is the shared, read-only tree of real WSO2 files.
var fixtureRoot = fixtures.Path("wso2-fixtures")

// fixtureFiles returns every fixture file (relative to fixtureRoot) whose
// name ends in ext.
func fixtureFiles(t testing.TB, ext string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(fixtureRoot, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !de.IsDir() && strings.HasSuffix(p, ext) {
			rel, _ := filepath.Rel(fixtureRoot, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk fixtures: %v", err)
	}
	if len(out) == 0 {
		t.Fatalf("no %s fixtures under %s", ext, fixtureRoot)
	}
	sort.Strings(out)
	return out
}

// fixture returns a private copy of a fixture file's bytes.
func fixture(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureRoot, rel))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return bytes.Clone(b)
}

// splitLines splits after each line terminator, keeping it, so CRLF
// differences are visible.
func splitLines(b []byte) []string {
	var out []string
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			out = append(out, string(b))
			break
		}
		out = append(out, string(b[:i+1]))
		b = b[i+1:]
	}
	return out
}

// lineDiff returns the lines of a not in b (removed) and of b not in a
// (added), by longest common subsequence after stripping the common prefix
// and suffix.
func lineDiff(a, b []byte) (removed, added []string) {
	x, y := splitLines(a), splitLines(b)
	for len(x) > 0 && len(y) > 0 && x[0] == y[0] {
		x, y = x[1:], y[1:]
	}
	for len(x) > 0 && len(y) > 0 && x[len(x)-1] == y[len(y)-1] {
		x, y = x[:len(x)-1], y[:len(y)-1]
	}
	n, m := len(x), len(y)
	l := make([][]int32, n+1)
	for i := range l {
		l[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if x[i] == y[j] {
				l[i][j] = l[i+1][j+1] + 1
			} else {
				l[i][j] = max(l[i+1][j], l[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case x[i] == y[j]:
			i, j = i+1, j+1
		case l[i+1][j] >= l[i][j+1]:
			removed = append(removed, x[i])
			i++
		default:
			added = append(added, y[j])
			j++
		}
	}
	removed = append(removed, x[i:]...)
	added = append(added, y[j:]...)
	return removed, added
}

// etreeDoc parses b with etree (an independent reader) or fails the test.
func etreeDoc(t testing.TB, b []byte) *etree.Document {
	t.Helper()
	d := etree.NewDocument()
	d.ReadSettings.PreserveCData = true
	if err := d.ReadFromBytes(b); err != nil {
		t.Fatalf("etree cannot read the result: %v", err)
	}
	return d
}

// mustApply applies edits and checks idempotency: a second Apply of the
// same edits returns the output unchanged with no changes.
func mustApply(t testing.TB, src []byte, edits ...Edit) ([]byte, []Change) {
	t.Helper()
	out, ch, err := Apply(src, edits)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	again, ch2, err := Apply(out, edits)
	if err != nil {
		t.Fatalf("second Apply: %v", err)
	}
	if !bytes.Equal(again, out) || len(ch2) != 0 {
		r, a := lineDiff(out, again)
		t.Fatalf("second Apply not idempotent: %d changes %+v; -%q +%q", len(ch2), ch2, r, a)
	}
	return out, ch
}

func hasCRLFOnly(b []byte) bool {
	return bytes.Count(b, []byte("\n")) == bytes.Count(b, []byte("\r\n"))
}
