package xmlconf

import (
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
