package agent

// The unified diffs that `agent render --dry-run` prints (package udiff) are
// checked by applying them: FuzzUnifiedDiff with an independent applier
// written here, on arbitrary pairs of texts (line endings, missing final
// newlines, empty texts); TestUnifiedDiffGNUPatch with GNU patch, on every
// fixture file the golden trees change.

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/wso2-container/agent/agent/udiff"
	"github.com/wso2-container/agent/internal/fixtures"
)

// applyUnified applies a unified diff to old, checking every context and
// removed line and every hunk header, and returns the new text.
func applyUnified(old, diff string) (string, error) {
	if diff == "" {
		return old, nil
	}
	a := udiff.Lines(old)
	lines := strings.SplitAfter(diff, "\n")
	if lines[len(lines)-1] != "" {
		return "", fmt.Errorf("diff does not end with a newline")
	}
	lines = lines[:len(lines)-1]
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "--- ") || !strings.HasPrefix(lines[1], "+++ ") {
		return "", fmt.Errorf("no --- / +++ header")
	}
	type dl struct {
		kind byte
		text string // with its "\n" unless marked otherwise
	}
	var out strings.Builder
	pos := 0 // next line of a
	i := 2
	for i < len(lines) {
		var as, al, bs, bl int
		h := lines[i]
		if _, err := fmt.Sscanf(h, "@@ -%s +%s @@\n", new(string), new(string)); err != nil {
			return "", fmt.Errorf("line %d: bad hunk header %q", i+1, h)
		}
		f := strings.Fields(h)
		parse := func(r string, start, n *int) error {
			s, c, ok := strings.Cut(r[1:], ",")
			var err error
			if *start, err = strconv.Atoi(s); err != nil {
				return err
			}
			*n = 1
			if ok {
				if *n, err = strconv.Atoi(c); err != nil {
					return err
				}
			}
			return nil
		}
		if err := parse(f[1], &as, &al); err != nil {
			return "", fmt.Errorf("hunk %q: %v", h, err)
		}
		if err := parse(f[2], &bs, &bl); err != nil {
			return "", fmt.Errorf("hunk %q: %v", h, err)
		}
		i++
		var body []dl
		for i < len(lines) && !strings.HasPrefix(lines[i], "@@ ") {
			l := lines[i]
			if l == "\\ No newline at end of file\n" {
				if len(body) == 0 {
					return "", fmt.Errorf("line %d: marker without a line", i+1)
				}
				body[len(body)-1].text = strings.TrimSuffix(body[len(body)-1].text, "\n")
				i++
				continue
			}
			if l[0] != ' ' && l[0] != '-' && l[0] != '+' {
				return "", fmt.Errorf("line %d: bad line %q", i+1, l)
			}
			body = append(body, dl{l[0], l[1:]})
			i++
		}
		from := as - 1
		if al == 0 {
			from = as
		}
		if from < pos || from > len(a) {
			return "", fmt.Errorf("hunk %q starts at old line %d, cursor %d of %d", h, from, pos, len(a))
		}
		for ; pos < from; pos++ {
			out.WriteString(a[pos])
		}
		if bs-1 != strings.Count(out.String(), "\n") && !(bl == 0 && bs == strings.Count(out.String(), "\n")) {
			return "", fmt.Errorf("hunk %q: new start %d, but %d new lines precede it", h, bs, strings.Count(out.String(), "\n"))
		}
		na, nb := 0, 0
		for _, d := range body {
			switch d.kind {
			case ' ', '-':
				if pos >= len(a) || a[pos] != d.text {
					return "", fmt.Errorf("hunk %q: old line %d is %q, diff says %q", h, pos+1, at(a, pos), d.text)
				}
				pos++
				na++
				if d.kind == ' ' {
					out.WriteString(d.text)
					nb++
				}
			case '+':
				out.WriteString(d.text)
				nb++
			}
		}
		if na != al || nb != bl {
			return "", fmt.Errorf("hunk %q: body has %d old and %d new lines", h, na, nb)
		}
	}
	for ; pos < len(a); pos++ {
		out.WriteString(a[pos])
	}
	return out.String(), nil
}

func at(a []string, i int) string {
	if i < len(a) {
		return a[i]
	}
	return "<end>"
}

func FuzzUnifiedDiff(f *testing.F) {
	user, err := os.ReadFile(filepath.Join(fixtures.WSO2("wso2am-2.0.0"), "repository/conf/user-mgt.xml"))
	if err != nil {
		f.Fatal(err)
	}
	edited := bytes.Replace(user, []byte("<Password>admin</Password>"), []byte("<Password>x</Password>\n<!-- y -->"), 1)
	for _, p := range [][2]string{
		{"", ""}, {"", "a\n"}, {"a\n", ""}, {"a", "a\n"}, {"a\n", "a"}, {"a\r\nb\r\n", "a\nb\n"},
		{"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", "1\n2\nX\n4\n5\n6\n7\n8\nY\n10\n"},
		{"x\n\n\n", "\n\nx\n"}, {"no newline", "no newline either"},
		{string(user), string(edited)}, {string(user[:len(user)/2]), string(user)},
	} {
		f.Add(p[0], p[1], uint8(3))
	}
	f.Fuzz(func(t *testing.T, old, new string, ctx uint8) {
		c := int(ctx % 8)
		d := udiff.Unified("a/f", "b/f", old, new, c)
		if (d == "") != (old == new) {
			t.Fatalf("diff empty %v, texts equal %v", d == "", old == new)
		}
		got, err := applyUnified(old, d)
		if err != nil {
			t.Fatalf("the diff does not apply: %v\n%s", err, d)
		}
		if got != new {
			t.Fatalf("applying the diff gives %q, want %q\n%s", got, new, d)
		}
	})
}

// TestUnifiedDiffGNUPatch: for every file a golden tree changes, GNU patch
// applies the diff render prints to the fixture and gets the golden file.
func TestUnifiedDiffGNUPatch(t *testing.T) {
	products := map[string]string{"gateway": "wso2am-2.0.0", "identityserver": "wso2is-5.2.0", "analytics": "wso2am-analytics-2.0.0"}
	n := 0
	for prof, prod := range products {
		golden := filepath.Join("testdata", "golden", prof, "files")
		err := filepath.WalkDir(golden, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".xml") || strings.HasSuffix(path, ".properties")) {
				return err
			}
			rel, _ := filepath.Rel(golden, path)
			old, err := os.ReadFile(filepath.Join(fixtures.WSO2(prod), rel))
			if err != nil {
				return nil // a file the profile creates
			}
			want, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			diff := udiff.Unified("a/"+rel, "b/"+rel, string(old), string(want), 3)
			if diff == "" {
				return nil
			}
			dir := t.TempDir()
			target := filepath.Join(dir, "f")
			if err := os.WriteFile(target, old, 0o644); err != nil {
				return err
			}
			cmd := exec.Command("patch", "--batch", "--quiet", "--no-backup-if-mismatch", "-F0", target)
			cmd.Stdin = strings.NewReader(diff)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s/%s: GNU patch refuses the diff: %v\n%s", prof, rel, err, out)
				return nil
			}
			got, err := os.ReadFile(target)
			if err != nil {
				return err
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s/%s: GNU patch applied the diff but the result differs from the golden file", prof, rel)
			}
			n++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if n < 10 {
		t.Fatalf("only %d golden files compared", n)
	}
	t.Logf("GNU patch applied %d diffs", n)
}
