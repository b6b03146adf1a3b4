package agent

// Minimal diffs: for every file every profile patches, each changed line
// belongs to an edited element (it names the element, attribute or key
// that a change reports, or it is a line of an inserted/removed fragment),
// and line endings elsewhere are kept (CRLF files stay CRLF).

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/wso2-container/agent/agent/plan"
	"github.com/wso2-container/agent/agent/udiff"
)

var (
	stepName = regexp.MustCompile(`([A-Za-z_][\w.-]*)(\[[^\]]*\])?$`)
	tagName  = regexp.MustCompile(`</?([A-Za-z_][\w.:-]*)`)
)

// changedLines returns the removed and added lines of a zero-context diff.
func changedLines(old, new string) []string {
	var out []string
	for _, l := range strings.Split(udiff.Unified("a", "b", old, new, 0), "\n") {
		if strings.HasPrefix(l, "---") || strings.HasPrefix(l, "+++") || strings.HasPrefix(l, "@@") || strings.HasPrefix(l, `\`) {
			continue
		}
		if strings.HasPrefix(l, "-") || strings.HasPrefix(l, "+") {
			out = append(out, l)
		}
	}
	return out
}

func TestMinimalDiffs(t *testing.T) {
	for _, prof := range allProfiles {
		t.Run(prof, func(t *testing.T) {
			home := freshHome(t, prof)
			p, err := planFor(t, goldenEnv(t, prof, home), goldenDNS)
			if err != nil {
				t.Fatal(err)
			}
			checked := 0
			for _, f := range p.Changed() {
				if f.Kind != "xml" && f.Kind != "properties" {
					continue
				}
				checked++
				for _, v := range diffViolations(f) {
					t.Error(v)
				}
			}
			if checked == 0 {
				t.Fatal("no text file checked")
			}
		})
	}
}

// diffViolations lists the changed lines of a text FilePlan that belong to
// no edited element, and line-ending changes.
func diffViolations(f *plan.FilePlan) []string {
	var out []string
	names := map[string]bool{}
	fragLines := map[string]bool{}
	for _, c := range f.Changes {
		if f.Kind == "properties" {
			names[c.Target] = true
			continue
		}
		target, attr, _ := strings.Cut(c.Target, "/@")
		if attr != "" {
			names[attr] = true
		}
		if m := stepName.FindStringSubmatch(target); m != nil {
			names[m[1]] = true
		}
		for _, frag := range []string{c.Old, c.New} {
			if !strings.Contains(frag, "<") {
				continue
			}
			for _, m := range tagName.FindAllStringSubmatch(frag, -1) {
				names[m[1]] = true
			}
			for _, l := range strings.Split(frag, "\n") {
				fragLines[strings.TrimSpace(strings.TrimSuffix(l, "\r"))] = true
			}
		}
	}
	old, new := string(f.Old), string(f.New)
	for _, l := range changedLines(old, new) {
		body := strings.TrimSpace(strings.TrimSuffix(l[1:], "\r"))
		if body == "" || fragLines[body] {
			continue
		}
		ok := false
		for n := range names {
			if f.Kind == "properties" && strings.HasPrefix(body, n) ||
				strings.Contains(body, "<"+n) || strings.Contains(body, "</"+n+">") || strings.Contains(body, n+"=") {
				ok = true
				break
			}
		}
		if !ok {
			out = append(out, fmt.Sprintf("%s: changed line %q belongs to no edited element (edited: %v)", f.Display(), l, keys(names)))
		}
	}
	// Line endings: a CRLF file stays CRLF, an LF file gets no CR.
	oldCRLF, newCRLF := strings.Count(old, "\r\n"), strings.Count(new, "\r\n")
	oldLF, newLF := strings.Count(old, "\n")-oldCRLF, strings.Count(new, "\n")-newCRLF
	if oldLF == 0 && newLF != 0 {
		out = append(out, fmt.Sprintf("%s: a CRLF file gained %d bare LF line ends", f.Display(), newLF))
	}
	if oldCRLF == 0 && newCRLF != 0 {
		out = append(out, fmt.Sprintf("%s: an LF file gained %d CRLF line ends", f.Display(), newCRLF))
	}
	if strings.HasSuffix(old, "\n") != strings.HasSuffix(new, "\n") {
		out = append(out, fmt.Sprintf("%s: the final line break changed", f.Display()))
	}
	return out
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestMinimalDiffCRLF: the kernel axis2.xml (CRLF) keeps CRLF on every
// line, including the replaced member list.
func TestMinimalDiffCRLF(t *testing.T) {
	home := freshHome(t, "identityserver")
	mustApply(t, goldenEnv(t, "identityserver", home), goldenDNS)
	s := readFile(t, conf(home, "axis2/axis2.xml"))
	if n := strings.Count(s, "\n") - strings.Count(s, "\r\n"); n != 0 {
		t.Fatalf("axis2.xml (CRLF) has %d bare LF line ends after the setup", n)
	}
	if !strings.Contains(s, "<member>\r\n                <hostName>10.0.5.1</hostName>\r\n") {
		t.Fatal("the member list was not written with the file's CRLF and indentation")
	}
}

// TestMinimalDiffCheckFails: the check itself catches a stray change (a
// comment rewritten) and a line-ending change.
func TestMinimalDiffCheckFails(t *testing.T) {
	old := "<a>\n  <!-- keep -->\n  <b>1</b>\n</a>\n"
	f := &plan.FilePlan{Path: "x.xml", Kind: "xml", Old: []byte(old),
		New:     []byte("<a>\n  <!-- kept -->\n  <b>2</b>\n</a>\n"),
		Changes: []plan.Change{{Target: "/a/b", Op: "set", Old: "1", New: "2"}}}
	if v := diffViolations(f); len(v) != 2 || !strings.Contains(v[0], "keep") {
		t.Fatalf("stray comment change not caught: %q", v)
	}
	f.New = []byte(strings.ReplaceAll(old, "\n", "\r\n"))
	if v := diffViolations(f); len(v) == 0 {
		t.Fatal("line-ending change not caught")
	}
}
