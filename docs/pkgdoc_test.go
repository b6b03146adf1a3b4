package docs

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestEveryPackageSaysWhatItMustNotKnow is issue 13's rule on package doc
// comments: every Go package of the repository (test-only ones, files of
// any build tag and the tools/ modules included) has exactly one package doc
// comment, which starts "Package <name>" ("Command <name>" or "Package main"
// for a command, <name> being its folder) and has a sentence saying what the
// package must not know. The doc comment lives in a non-test file when the
// package has one, so that go doc shows it.
func TestEveryPackageSaysWhatItMustNotKnow(t *testing.T) {
	pkgs := goPackages(t, "..")
	if len(pkgs) < 25 {
		t.Fatalf("found only %d Go packages in the repository: the scan is broken", len(pkgs))
	}
	dirs := make([]string, 0, len(pkgs))
	for d := range pkgs {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	for _, dir := range dirs {
		for _, p := range pkgDocProblems(dir, pkgs[dir]) {
			t.Error(p)
		}
	}
}

// TestPackageDocRule shows that pkgDocProblems catches each way a package
// can break the rule, and accepts the forms it allows.
func TestPackageDocRule(t *testing.T) {
	const good = "Package x edits x files. It must not know y.\n"
	cases := []struct {
		name  string
		dir   string
		files []goFile
		want  string // a part of the one problem; "" for none
	}{
		{"good", "x", []goFile{{"x/a.go", "x", good}, {"x/b.go", "x", ""}}, ""},
		{"test-only package", "x", []goFile{{"x/a_test.go", "x", good}}, ""},
		{"external test package only", "x", []goFile{{"x/a_test.go", "x_test", "Package x_test runs x. It must\nnot know y.\n"}}, ""},
		{"command", "cmd/x", []goFile{{"cmd/x/main.go", "main", "Command x runs. It must not know y.\n"}}, ""},
		{"package main", "cmd/x", []goFile{{"cmd/x/main.go", "main", "Package main runs x. It must not know y.\n"}}, ""},
		{"no doc", "x", []goFile{{"x/a.go", "x", ""}}, "no package doc comment"},
		{"two docs", "x", []goFile{{"x/a.go", "x", good}, {"x/b.go", "x", good}}, "in 2 files"},
		{"doc in a test file", "x", []goFile{{"x/a.go", "x", ""}, {"x/a_test.go", "x", good}}, "in a test file"},
		{"wrong name", "x", []goFile{{"x/a.go", "x", "Package y edits. It must not know y.\n"}}, `starts "Package y edits."`},
		{"not Package", "x", []goFile{{"x/a.go", "x", "This package edits. It must not know y.\n"}}, "starts"},
		{"command of another name", "cmd/x", []goFile{{"cmd/x/main.go", "main", "Command y runs. It must not know y.\n"}}, "starts"},
		{"no must not know", "x", []goFile{{"x/a.go", "x", "Package x edits x files. It knows nothing of y.\n"}}, "must not know"},
	}
	for _, c := range cases {
		got := pkgDocProblems(c.dir, c.files)
		switch {
		case c.want == "" && len(got) != 0:
			t.Errorf("%s: got %q, want no problem", c.name, got)
		case c.want != "" && (len(got) != 1 || !strings.Contains(got[0], c.want)):
			t.Errorf("%s: got %q, want one problem containing %q", c.name, got, c.want)
		}
	}
}

// pkgDocProblems returns what is wrong with the package doc comment of the
// package in dir, made of files.
func pkgDocProblems(dir string, files []goFile) []string {
	var out []string
	hasCode := false
	var docs []goFile
	for _, f := range files {
		if !strings.HasSuffix(f.path, "_test.go") {
			hasCode = true
		}
		if f.doc != "" {
			docs = append(docs, f)
		}
	}
	switch {
	case len(docs) == 0:
		return []string{fmt.Sprintf("%s: no package doc comment (// Package %s ... directly above a package clause)", dir, files[0].name)}
	case len(docs) > 1:
		var names []string
		for _, f := range docs {
			names = append(names, filepath.Base(f.path))
		}
		out = append(out, fmt.Sprintf("%s: package doc comment in %d files (%s): keep one", dir, len(docs), strings.Join(names, ", ")))
	}
	d := docs[0]
	if hasCode && strings.HasSuffix(d.path, "_test.go") {
		out = append(out, fmt.Sprintf("%s: the package doc comment is in a test file; go doc shows only one in a non-test file", d.path))
	}
	text := strings.Join(strings.Fields(d.doc), " ")
	prefixes := []string{"Package " + d.name + " "}
	if d.name == "main" {
		prefixes = append(prefixes, "Command "+filepath.Base(dir)+" ")
	}
	ok := false
	for _, p := range prefixes {
		ok = ok || strings.HasPrefix(text, p)
	}
	if !ok {
		out = append(out, fmt.Sprintf("%s: the package doc comment starts %q; want %q", d.path, firstWords(text, 3), strings.Join(prefixes, `" or "`)))
	}
	if !strings.Contains(text, "must not know") {
		out = append(out, fmt.Sprintf("%s: the package doc comment does not say what the package must not know (no sentence with \"must not know\")", d.path))
	}
	return out
}

// goFile is the package clause of one Go file and the doc comment above it.
type goFile struct {
	path, name, doc string
}

// goPackages returns the Go files below root by folder, relative to root
// (a folder is a package; its external test files count as part of it).
// testdata and folders starting with "." or "_" are skipped, as the go
// command does; nested modules (tools/...) are not.
func goPackages(t *testing.T, root string) map[string][]goFile {
	t.Helper()
	fset := token.NewFileSet()
	out := map[string][]goFile{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			n := d.Name()
			if p != root && (n == "testdata" || strings.HasPrefix(n, ".") || strings.HasPrefix(n, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		dir := filepath.Dir(rel)
		out[dir] = append(out[dir], goFile{path: rel, name: f.Name.Name, doc: docText(f)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func docText(f *ast.File) string {
	if f.Doc == nil {
		return ""
	}
	return f.Doc.Text()
}

func firstWords(s string, n int) string {
	w := strings.Fields(s)
	if len(w) > n {
		w = w[:n]
	}
	return strings.Join(w, " ")
}
