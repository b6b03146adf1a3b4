package agent

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestImportsGoOneWay: the packages of the agent import only downwards —
// commands → pipeline → products → product (interface) → plan → contract →
// leaf libraries — a product never imports another, and every package has
// a doc comment (issue 13). It reads the import clauses of the non-test
// files, so it fails on the first upward import anyone adds.
func TestImportsGoOneWay(t *testing.T) {
	const mod = "github.com/wso2-container/agent/"
	// rank of each layered package; a package may import only packages of
	// a lower rank (or the leaf libraries, which have none).
	rank := map[string]int{
		"agent":                  6,
		"agent/pipeline":         5,
		"agent/product/carbon44": 4,
		"agent/product/apim4":    4,
		"agent/product":          3,
		"agent/plan":             2,
		"agent/contract":         1,
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			if dir := filepath.Dir(path); len(dirs) == 0 || dirs[len(dirs)-1] != dir {
				dirs = append(dirs, dir)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, dir := range dirs {
		rel, _ := filepath.Rel(root, dir)
		rel = filepath.ToSlash(rel)
		seen[rel] = true
		fset := token.NewFileSet()
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		hasDoc := false
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			af, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly|parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			hasDoc = hasDoc || af.Doc != nil && strings.HasPrefix(af.Doc.Text(), "Package "+af.Name.Name+" ") && strings.Contains(af.Doc.Text(), "must not")
			if af.Name.Name == "main" {
				hasDoc = true // commands document themselves in their usage
			}
			for _, is := range af.Imports {
				p, _ := strconv.Unquote(is.Path.Value)
				if !strings.HasPrefix(p, mod) {
					continue
				}
				imp := strings.TrimPrefix(p, mod)
				ri, layered := rank[imp]
				if !layered {
					continue // a leaf library: anyone may use it
				}
				r, self := rank[rel]
				switch {
				case rel == "cmd/agent" || strings.HasPrefix(rel, "e2e"):
					// the binary's main and the end-to-end tests sit above all
				case !self:
					t.Errorf("%s imports %s: a leaf library must not know the agent's layers", filepath.Base(f), imp)
				case ri >= r:
					t.Errorf("%s (%s) imports %s: imports go down only (commands → pipeline → products → product → plan → contract)", filepath.Base(f), rel, imp)
				}
			}
		}
		if !hasDoc {
			t.Errorf("%s: no package doc comment (Package NAME ...) saying what it is for and what it must not know", rel)
		}
	}
	for p := range rank {
		if !seen[p] {
			t.Errorf("the layer %s is gone: update the ranks here and the map in agent/doc.go", p)
		}
	}
}

// TestDocsMapTheLayout: a newcomer finds every layer one hop from the
// README (its table links each layer's doc comment) and from agent/doc.go,
// and CONTRIBUTING holds the recipe (adding a variable, a profile, a
// product; goldens; one test, the e2e, the fuzzers, the benchmarks) and
// names only files that exist (issue 13).
func TestDocsMapTheLayout(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("..", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	readme, contributing, doc := read("README.md"), read("CONTRIBUTING.md"), read("agent/doc.go")
	for _, pkg := range []string{"agent/pipeline", "agent/product/carbon44", "agent/product/apim4", "agent/product", "agent/plan", "agent/contract"} {
		link := "(" + pkg + "/doc.go)"
		if !strings.Contains(readme, "[`"+pkg+"`]"+link) {
			t.Errorf("README: no link %s%s in the table of where each stage lives", "[`"+pkg+"`]", link)
		}
		if _, err := os.Stat(filepath.Join("..", pkg, "doc.go")); err != nil {
			t.Errorf("%s has no doc.go: %v", pkg, err)
		}
		if !strings.Contains(doc, pkg) {
			t.Errorf("agent/doc.go does not name %s", pkg)
		}
	}
	for _, want := range []string{"## Add an environment variable", "## Add a profile", "## Add a product", "## Generated files and goldens",
		"-run '", "make e2e", "make fuzz", "make bench", "-update"} {
		if !strings.Contains(contributing, want) {
			t.Errorf("CONTRIBUTING.md lacks %q", want)
		}
	}
	for _, m := range regexp.MustCompile("`((?:agent|docs|testdata)/[A-Za-z0-9_./-]+)`").FindAllStringSubmatch(contributing, -1) {
		if strings.Contains(m[1], "...") {
			continue // a package pattern (agent/product/...)
		}
		if _, err := os.Stat(filepath.Join("..", m[1])); err != nil {
			t.Errorf("CONTRIBUTING.md names %s, which does not exist", m[1])
		}
	}
}
