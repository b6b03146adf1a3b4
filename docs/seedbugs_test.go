// Package docs holds the project's prose documents; its tests keep them
// honest: seed-bugs.md (every one of the old scripts' bugs B1–B31 has a
// row, and every row names tests that exist in the repository), and issue
// 13's rule that every package's doc comment says what the package is for
// and what it must not know (pkgdoc_test.go).
//
// It must not know the agent's code: it imports no package of the module,
// and of the Go files it reads only the names of the test functions and the
// package doc comments.
package docs

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestSeedBugsEachGuardedByATest(t *testing.T) {
	doc, err := os.ReadFile("seed-bugs.md")
	if err != nil {
		t.Fatal(err)
	}
	defined := testFuncs(t, "..")
	if len(defined) < 100 {
		t.Fatalf("found only %d test functions in the repository: the scan is broken", len(defined))
	}
	row := regexp.MustCompile(`^\| B([0-9]+) \|(.*)\|([^|]*)\|\s*$`)
	name := regexp.MustCompile("`((?:Test|Fuzz)[A-Za-z0-9_]+)`")
	seen := map[int]bool{}
	for i, line := range strings.Split(string(doc), "\n") {
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		if seen[n] {
			t.Errorf("seed-bugs.md:%d: B%d listed twice", i+1, n)
		}
		seen[n] = true
		tests := name.FindAllStringSubmatch(m[3], -1)
		if len(tests) == 0 {
			t.Errorf("seed-bugs.md:%d: B%d names no guarding test", i+1, n)
		}
		for _, tm := range tests {
			if !defined[tm[1]] {
				t.Errorf("seed-bugs.md:%d: B%d names %s, which no _test.go file defines", i+1, n, tm[1])
			}
		}
	}
	for n := 1; n <= 31; n++ {
		if !seen[n] {
			t.Errorf("seed-bugs.md has no row for B%d", n)
		}
	}
}

// testFuncs returns the names of the top-level test and fuzz functions of
// every _test.go file below root (any build tag).
func testFuncs(t *testing.T, root string) map[string]bool {
	t.Helper()
	decl := regexp.MustCompile(`(?m)^func ((?:Test|Fuzz)[A-Za-z0-9_]+)\(`)
	out := map[string]bool{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range decl.FindAllSubmatch(b, -1) {
			out[string(m[1])] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
