package xmlconf

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/wso2-container/agent/internal/fixtures"
	"github.com/wso2-container/agent/internal/linediff"
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

// lineDiff is the shared oracle (internal/linediff): the lines removed and
// added by an edit, by longest common subsequence.
var lineDiff = linediff.Diff

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
