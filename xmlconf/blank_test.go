package xmlconf

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

// The tree that paths are evaluated on keeps blank text only where it is a
// value: in an element without child elements (also around a comment), not
// between child elements, where it is indentation. Text that is not blank
// stays wherever it is, and the bytes keep every space.
func TestBlankTextStaysInLeaves(t *testing.T) {
	src := []byte("<r>\n  <a>   </a>\n  <b>  <!-- c -->\t</b>\n  <c>x <d/> y\n  </c>\n  <e/>\n</r>\n")
	d, err := parse(src)
	if err != nil {
		t.Fatal(err)
	}
	root := d.tree.Root()
	texts := func(el *etree.Element) []string {
		var out []string
		for _, c := range el.Child {
			if cd, ok := c.(*etree.CharData); ok {
				out = append(out, cd.Data)
			}
		}
		return out
	}
	if got := texts(root); len(got) != 0 {
		t.Errorf("<r> holds text %q, want none (indentation between its children)", got)
	}
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/r/a", []string{"   "}},
		{"/r/b", []string{"  \t"}},
		{"/r/c", []string{"x ", " y\n  "}},
		{"/r/e", nil},
	} {
		el := root.FindElement(tc.path)
		if el == nil {
			t.Fatalf("%s: not found", tc.path)
		}
		if got := texts(el); len(got) != len(tc.want) || len(got) > 0 && (got[0] != tc.want[0] || got[len(got)-1] != tc.want[len(tc.want)-1]) {
			t.Errorf("%s holds text %q, want %q", tc.path, got, tc.want)
		}
	}
	// A blank value is an old value like any other.
	out, changes, err := Apply(src, []Edit{{Op: SetText, Path: "/r/a", Value: "v"}, {Op: SetText, Path: "/r/b", Value: "w"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 2 || changes[0].Old != "   " || changes[1].Old != "  \t" {
		t.Errorf("changes %+v, want the old values %q and %q", changes, "   ", "  \t")
	}
	if want := "<r>\n  <a>v</a>\n  <b>w<!-- c --></b>\n  <c>x <d/> y\n  </c>\n  <e/>\n</r>\n"; string(out) != want {
		t.Errorf("result:\n%s\nwant:\n%s", out, want)
	}
}

// A text run that comments, PIs and CDATA sections interrupt is one
// character data child in the tree (joined once, see scanner.run); text on
// either side of a child element stays two.
func TestTextRunsJoin(t *testing.T) {
	var b strings.Builder
	var want strings.Builder
	b.WriteString("<r><s>")
	for i := 0; i < 200; i++ {
		piece := fmt.Sprintf("line %d &amp; more\n", i)
		b.WriteString(piece)
		want.WriteString(fmt.Sprintf("line %d & more\n", i))
		switch i % 3 {
		case 0:
			b.WriteString("<!-- comment -->")
		case 1:
			b.WriteString("<![CDATA[<cdata>]]>")
			want.WriteString("<cdata>")
		case 2:
			b.WriteString("<?pi x?>")
		}
	}
	b.WriteString("</s><c>a<!--x-->b<d/>c<!--y-->d</c><e><!--only a comment--></e></r>")
	d, err := parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	texts := func(path string) []string {
		var out []string
		for _, c := range d.tree.Root().FindElement(path).Child {
			if cd, ok := c.(*etree.CharData); ok {
				out = append(out, cd.Data)
			}
		}
		return out
	}
	if got := texts("/r/s"); len(got) != 1 || got[0] != want.String() {
		t.Errorf("/r/s: %d character data children, want 1 holding the whole run (%d bytes); got %q", len(got), want.Len(), got)
	}
	if got := texts("/r/c"); !slices.Equal(got, []string{"ab", "cd"}) {
		t.Errorf("/r/c holds text %q, want [ab cd]", got)
	}
	if got := texts("/r/e"); len(got) != 0 {
		t.Errorf("/r/e holds text %q, want none", got)
	}
}
