package xmlconf

import (
	"bytes"
	"strings"
	"testing"
)

// Every XML fixture of the three products survives Apply with no edits (and
// with edits that are all no-ops) byte for byte.
func TestRoundTripAllFixtures(t *testing.T) {
	files := fixtureFiles(t, ".xml")
	if len(files) < 100 {
		t.Fatalf("found only %d XML fixtures", len(files))
	}
	for _, rel := range files {
		src := fixture(t, rel)
		out, ch, err := Apply(src, nil)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		if !bytes.Equal(out, src) || len(ch) != 0 {
			t.Errorf("%s: not byte-identical without edits", rel)
		}
		// an edit that sets the root's first leaf to its own value is a no-op
		d, err := parse(src)
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		if i := lastLeaf(d, -1); i >= 0 {
			out, ch, err := Apply(src, []Edit{{Op: SetText, Path: d.pathOf(i), Value: d.elems[i].el.Text()}})
			if err != nil || !bytes.Equal(out, src) || len(ch) != 0 {
				t.Errorf("%s: same-value SetText changed something: %v %+v", rel, err, ch)
			}
		}
	}
}

// lastLeaf returns the last element with one-line, non-empty text and no
// children (skipping index skip), or -1.
func lastLeaf(d *doc, skip int) int {
	for i := len(d.elems) - 1; i > 0; i-- {
		e := d.elems[i]
		txt := e.el.Text()
		if i == skip || e.children > 0 || e.selfClose || txt == "" || strings.ContainsAny(txt, "\n") {
			continue
		}
		if bytes.Contains(d.src[e.tagEnd:e.endStart], []byte("<")) { // comments/CDATA inside
			continue
		}
		return i
	}
	return -1
}

// For every XML fixture: SetText on a leaf, SetAttr on the root, Ensure of a
// new element under the root and Remove of another leaf change exactly the
// lines of the edited elements, read back through etree, and are idempotent.
func TestMinimalDiffAllFixtures(t *testing.T) {
	for _, rel := range fixtureFiles(t, ".xml") {
		t.Run(rel, func(t *testing.T) {
			src := fixture(t, rel)
			d, err := parse(src)
			if err != nil {
				t.Fatal(err)
			}
			crlf := bytes.Contains(src, []byte("\r\n"))

			// SetText
			if i := lastLeaf(d, -1); i >= 0 {
				p := d.pathOf(i)
				if n := len(d.selectAll(p)); n != 1 {
					t.Fatalf("concrete path %s selects %d elements", p, n)
				}
				old := d.elems[i].el.Text()
				out, ch := mustApply(t, src, Edit{Op: SetText, Path: p, Value: "xmlconf <test> & value"})
				if len(ch) != 1 || ch[0].Old != old || ch[0].Path != p {
					t.Fatalf("changes %+v", ch)
				}
				rm, add := lineDiff(src, out)
				if len(rm) != 1 || len(add) != 1 || strings.Replace(rm[0], ">"+string(src[d.elems[i].tagEnd:d.elems[i].endStart])+"<", ">xmlconf &lt;test&gt; &amp; value<", 1) != add[0] {
					t.Fatalf("diff: -%q +%q", rm, add)
				}
				if got := etreeDoc(t, out).FindElement(p).Text(); got != "xmlconf <test> & value" {
					t.Fatalf("read back %q", got)
				}
			}

			// SetAttr on the root
			root := "/" + d.elems[0].name
			out, _ := mustApply(t, src, Edit{Op: SetAttr, Path: root, Attr: "xmlconfTest", Value: `a"b`})
			rm, add := lineDiff(src, out)
			if len(rm) != 1 || len(add) != 1 || !strings.Contains(add[0], ` xmlconfTest="a&quot;b"`) ||
				strings.Replace(add[0], ` xmlconfTest="a&quot;b"`, "", 1) != rm[0] {
				t.Fatalf("attr diff: -%q +%q", rm, add)
			}
			if got := etreeDoc(t, out).Root().SelectAttrValue("xmlconfTest", ""); got != `a"b` {
				t.Fatalf("attr read back %q", got)
			}

			// Ensure a new element under the root: one added line, indented like the root's last child
			out, ch := mustApply(t, src, Edit{Op: Ensure, Path: root + "/XmlconfTest", XML: "<XmlconfTest>1</XmlconfTest>"})
			if len(ch) != 1 {
				t.Fatalf("ensure changes %+v", ch)
			}
			rm, add = lineDiff(src, out)
			kids := d.children(0)
			if len(kids) > 0 {
				ind, ok := d.lineIndent(d.elems[kids[len(kids)-1]].start)
				want := ind + "<XmlconfTest>1</XmlconfTest>"
				if ok && (len(rm) != 0 || len(add) != 1 || strings.TrimRight(add[0], "\r\n") != want) {
					t.Fatalf("ensure diff: -%q +%q, want +%q", rm, add, want)
				}
			}
			if crlf && !hasCRLFOnly(out) {
				t.Fatalf("ensure broke CRLF line endings")
			}
			if etreeDoc(t, out).FindElement(root+"/XmlconfTest") == nil {
				t.Fatal("ensured element not found by etree")
			}

			// Remove a leaf: exactly its line goes
			if i := lastLeaf(d, -1); i >= 0 {
				p := d.pathOf(i)
				_, alone := d.lineIndent(d.elems[i].start)
				out, ch := mustApply(t, src, Edit{Op: Remove, Path: p})
				if len(ch) != 1 {
					t.Fatalf("remove changes %+v", ch)
				}
				rm, add := lineDiff(src, out)
				if alone && (len(rm) != 1 || len(add) != 0 || !strings.Contains(rm[0], d.raw(i))) {
					t.Fatalf("remove diff: -%q +%q", rm, add)
				}
				if len(etreeDoc(t, out).FindElements(p)) != 0 && !strings.Contains(p, "[") {
					t.Fatalf("removed element still there")
				}
			}
		})
	}
}
