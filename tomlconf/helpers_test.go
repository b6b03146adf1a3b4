package tomlconf

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	bstoml "github.com/BurntSushi/toml"
	gotoml "github.com/pelletier/go-toml/v2"

	"github.com/wso2-container/agent/internal/fixtures"
	"github.com/wso2-container/agent/internal/linediff"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// fixtureRoot is the read-only tree of real WSO2 files bundled in testdata.
var fixtureRoot = fixtures.Path("wso2-fixtures")

// tomlFixtures returns every deployment.toml fixture (relative paths).
func tomlFixtures(t testing.TB) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(fixtureRoot, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !de.IsDir() && strings.HasSuffix(p, ".toml") {
			rel, _ := filepath.Rel(fixtureRoot, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk fixtures: %v", err)
	}
	if len(out) < 6 {
		t.Fatalf("found only %d TOML fixtures under %s", len(out), fixtureRoot)
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

// golden compares got with testdata/golden/NAME, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		r, a := lineDiff(want, got)
		t.Errorf("%s differs from the golden file: -%q +%q", name, r, a)
	}
}

// independent decodes b with BurntSushi/toml, a TOML implementation other
// than the one tomlconf uses, and also with go-toml's Unmarshal; both must
// accept it.
func independent(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if _, err := bstoml.Decode(string(b), &m); err != nil {
		t.Fatalf("BurntSushi/toml cannot read the result: %v\n%s", err, b)
	}
	var g map[string]any
	if err := gotoml.Unmarshal(b, &g); err != nil {
		t.Fatalf("go-toml cannot read the result: %v", err)
	}
	return m
}

// at walks a decoded tree.
func at(m map[string]any, path ...string) (any, bool) {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = mm[p]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// splitLines and lineDiff are the shared oracle (internal/linediff): the
// lines removed and added by an edit, by longest common subsequence.
var (
	splitLines = linediff.Split
	lineDiff   = linediff.Diff
)

func mustParse(t testing.TB, src []byte) *Doc {
	t.Helper()
	d, err := Parse(src)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return d
}
