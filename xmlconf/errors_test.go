package xmlconf

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestMalformedXML(t *testing.T) {
	cases := []struct {
		name, src string
		line      int
		msg       string
		stdLax    bool // encoding/xml accepts it (Java does not)
	}{
		{"mismatched end", "<a>\n<b>\n</c>\n</a>", 3, "does not match", false},
		{"unclosed", "<a>\n<b>\n</b>\n", 1, "not closed", false},
		{"bad entity", "<a>\n&nbsp;</a>", 2, "invalid entity", false},
		{"bare amp", "<a>\nx & y</a>", 2, "entity", false},
		{"lt in attr", "<a\n b='<'/>", 2, "'<'", false},
		{"duplicate attr", "<a x='1'\n x='2'/>", 2, "duplicate attribute", true},
		{"unquoted attr", "<a x=1/>", 1, "unquoted", false},
		{"two roots", "<a/>\n<b/>", 2, "more than one root", false},
		{"text after root", "<a/>\nx", 2, "text outside", false},
		{"no root", "<!-- c -->\n", 2, "no root", false},
		{"dashes in comment", "<a>\n<!-- a -- b -->\n</a>", 2, "--", false},
		{"cdata end in text", "<a>\n]]></a>", 2, "]]>", false},
		{"control char", "<a>\x01</a>", 1, "illegal character", false},
		{"invalid utf8", "<a>\xff</a>", 1, "invalid UTF-8", false},
		{"undeclared prefix", "<a>\n<x:b/></a>", 2, "undeclared namespace prefix", true},
		{"late xml decl", "<a/>\n<?xml version='1.0'?>", 2, "XML declaration", true},
		{"unsupported encoding", "<?xml version='1.0' encoding='UTF-16'?><a/>", 1, "unsupported encoding", true},
		{"missing space between attrs", "<a x='1'y='2'/>", 1, "whitespace", true},
		{"empty", "", 1, "no root", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate([]byte(tc.src))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("want ParseError, got %v", err)
			}
			if pe.Line != tc.line || !strings.Contains(err.Error(), tc.msg) || !strings.HasPrefix(err.Error(), "parse: line ") {
				t.Fatalf("got %q (line %d), want line %d containing %q", err, pe.Line, tc.line, tc.msg)
			}
			out, ch, err := Apply([]byte(tc.src), []Edit{{Op: SetText, Path: "/a", Value: "x"}})
			if err == nil || out != nil || ch != nil {
				t.Fatalf("Apply on malformed input: out=%q ch=%v err=%v", out, ch, err)
			}
			// encoding/xml agrees that these are not well-formed
			if !tc.stdLax && stdWellFormed([]byte(tc.src)) {
				t.Fatalf("encoding/xml accepts %q", tc.src)
			}
		})
	}
}

// stdWellFormed checks with encoding/xml in strict mode (with a pass-through
// charset reader), including that there is exactly one root element.
func stdWellFormed(src []byte) bool {
	d := xml.NewDecoder(bytes.NewReader(src))
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	depth, roots := 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return depth == 0 && roots == 1
		}
		if err != nil {
			return false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return false
			}
		}
	}
}

// TestCheckCharsEveryOffset: checkChars reads eight plain ASCII bytes at a
// time; a character it must reject or decode (a control character, DEL is
// fine, a byte of a multi-byte sequence, an invalid byte) is caught at every
// offset of a chunk, in text, attribute values, comments and CDATA, and the
// error names its line.
func TestCheckCharsEveryOffset(t *testing.T) {
	type probe struct {
		b    string
		want string // "" = well-formed
	}
	probes := []probe{{"\t", ""}, {"\n", ""}, {"\r", ""}, {"\x7f", ""}, {"\u00e9", ""}, {"\u20ac", ""}, {"\U0001F600", ""},
		{"\x00", "illegal character 0x00"}, {"\x01", "illegal character 0x01"}, {"\x08", "illegal character 0x08"},
		{"\x0b", "illegal character 0x0B"}, {"\x1f", "illegal character 0x1F"}, {"\x80", "invalid UTF-8"},
		{"\xff", "invalid UTF-8"}, {"\uFFFE", "illegal character U+FFFE"}}
	wraps := []struct{ name, pre, post string }{
		{"text", "<a>", "</a>"}, {"attribute", "<a x='", "'/>"}, {"comment", "<a><!--", "--></a>"}, {"cdata", "<a><![CDATA[", "]]></a>"},
	}
	for _, w := range wraps {
		for _, p := range probes {
			for off := 0; off < 18; off++ {
				body := strings.Repeat("y", off) + p.b + strings.Repeat("z", 17-off)
				src := w.pre + body + w.post
				err := Validate([]byte(src))
				if p.want == "" {
					if err != nil {
						t.Errorf("%s, %q at offset %d: %v", w.name, p.b, off, err)
					}
					continue
				}
				var pe *ParseError
				if !errors.As(err, &pe) || pe.Line != 1 || !strings.Contains(err.Error(), p.want) {
					t.Errorf("%s, %q at offset %d: got %v, want a line-1 error containing %q", w.name, p.b, off, err, p.want)
				}
			}
		}
	}
}

func TestEditErrors(t *testing.T) {
	src := fixture(t, "wso2am-2.0.0/repository/conf/carbon.xml")
	cases := []struct {
		name string
		edit Edit
		msg  string
	}{
		{"no match", Edit{Op: SetText, Path: "/Server/NoSuch", Value: "x"}, "set /Server/NoSuch: path matches 0 elements, want exactly 1"},
		{"two matches", Edit{Op: SetText, Path: "/Server/ServiceUserRoles/Role/Name", Value: "x"}, "set /Server/ServiceUserRoles/Role/Name: path matches 2 elements"},
		{"all no match", Edit{Op: SetAttr, Path: "//NoSuch", Attr: "a", Match: All}, "attr //NoSuch: path matches no element"},
		{"bad path", Edit{Op: SetText, Path: "//Role[last()]", Value: "x"}, "set //Role[last()]: bad path"},
		{"bad quotes", Edit{Op: SetText, Path: "//Role[Name='x]", Value: "x"}, "bad path"},
		{"empty path", Edit{Op: SetText, Value: "x"}, "empty path"},
		{"children on text", Edit{Op: SetText, Path: "/Server/Ports", Value: "x"}, "has child elements"},
		{"bad attr name", Edit{Op: SetAttr, Path: "/Server/Ports/Offset", Attr: "a b"}, "invalid name"},
		{"bad fragment", Edit{Op: SetChildren, Path: "/Server/Ports", XML: "<a>"}, "fragment: line 1"},
		{"ensure two elements", Edit{Op: Ensure, Path: "/Server/X", XML: "<X/><Y/>"}, "exactly one element"},
		{"ensure mismatch", Edit{Op: Ensure, Path: "/Server/X", XML: "<Y/>"}, "after inserting the XML the path matches 0 elements"},
		{"ensure no parent", Edit{Op: Ensure, Path: "//X", XML: "<X/>"}, "set Parent"},
		{"remove root", Edit{Op: Remove, Path: "/Server"}, "root"},
		{"nul value", Edit{Op: SetText, Path: "/Server/Ports/Offset", Value: "a\x00"}, "cannot represent"},
		{"unknown op", Edit{Op: Op(42), Path: "/Server"}, "unknown op"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, ch, err := Apply(src, []Edit{{Op: SetText, Path: "/Server/Ports/Offset", Value: "5"}, tc.edit})
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("got %v, want error containing %q", err, tc.msg)
			}
			if out != nil || ch != nil {
				t.Fatal("output returned with an error")
			}
		})
	}
}

// Existing text with references and CDATA is compared by its decoded value.
func TestDecodedComparison(t *testing.T) {
	src := []byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\r\n<r a=\"x&#10;y\" b='p&amp;q'>\r\n  <t>a&amp;b&#233;</t>\r\n  <c><![CDATA[<x>&]]></c>\r\n  <m>one<!-- c -->two</m>\r\n  <n>line1\r\nline2</n>\r\n  <e/>\r\n  <s />\r\n</r>")
	same := []Edit{
		{Op: SetText, Path: "/r/t", Value: "a&bé"},
		{Op: SetText, Path: "/r/c", Value: "<x>&"},
		{Op: SetText, Path: "/r/m", Value: "onetwo"},
		{Op: SetText, Path: "/r/n", Value: "line1\nline2"},
		{Op: SetText, Path: "/r/e", Value: ""},
		{Op: SetAttr, Path: "/r", Attr: "a", Value: "x\ny"},
		{Op: SetAttr, Path: "/r", Attr: "b", Value: "p&q"},
		{Op: Ensure, Path: "/r/e", XML: "<e>other</e>"},
		{Op: Remove, Path: "/r/none"},
	}
	out, ch, err := Apply(src, same)
	if err != nil || len(ch) != 0 || !bytes.Equal(out, src) {
		t.Fatalf("equal values changed the file: %v %+v", err, ch)
	}
	out, ch = mustApply(t, src,
		Edit{Op: SetText, Path: "/r/m", Value: "new"},
		Edit{Op: SetText, Path: "/r/s", Value: "v"},
		Edit{Op: SetText, Path: "/r/c", Value: "ü"},
	)
	want := strings.NewReplacer("<m>one<!-- c -->two</m>", "<m>new<!-- c --></m>", "<s />", "<s>v</s>", "<c><![CDATA[<x>&]]></c>", "<c>&#252;</c>").Replace(string(src))
	if string(out) != want || len(ch) != 3 || ch[2].Old != "<x>&" {
		t.Fatalf("got %q %+v", out, ch)
	}
}

// CDATA content is compared by its decoded value: as it is when it holds
// no carriage return (and, in a Latin-1 document, only ASCII), with line
// ends normalised and Latin-1 bytes decoded otherwise.
func TestCDATADecodedComparison(t *testing.T) {
	cases := []struct{ name, src, value, other string }{
		{"utf-8 plain", "<r><c><![CDATA[a < b && c]]></c></r>", "a < b && c", "a < b"},
		{"utf-8 crlf", "<r><c><![CDATA[one\r\ntwo\rthree]]></c></r>", "one\ntwo\nthree", "one\r\ntwo\rthree"},
		{"utf-8 multibyte", "<r><c><![CDATA[\u00e9t\u00e9]]></c></r>", "\u00e9t\u00e9", "ete"},
		{"latin-1 ascii", "<?xml version='1.0' encoding='ISO-8859-1'?><r><c><![CDATA[x & y]]></c></r>", "x & y", "x &amp; y"},
		{"latin-1 high byte", "<?xml version='1.0' encoding='ISO-8859-1'?><r><c><![CDATA[caf\xe9\r\n]]></c></r>", "caf\u00e9\n", "cafe"},
		{"pieces", "<r><c>a<!-- x --><![CDATA[b]]>c</c></r>", "abc", "b"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, ch, err := Apply([]byte(tc.src), []Edit{{Op: SetText, Path: "/r/c", Value: tc.value}})
			if err != nil || len(ch) != 0 || string(out) != tc.src {
				t.Fatalf("the decoded value %q changed the file: %v %+v %q", tc.value, err, ch, out)
			}
			_, ch, err = Apply([]byte(tc.src), []Edit{{Op: SetText, Path: "/r/c", Value: tc.other}})
			if err != nil || len(ch) != 1 || ch[0].Old != tc.value {
				t.Fatalf("setting %q: got %v %+v, want one change from %q", tc.other, err, ch, tc.value)
			}
		})
	}
}

// A document without trailing newline, with a BOM, keeps both.
func TestBOMAndNoTrailingNewline(t *testing.T) {
	src := []byte("\xEF\xBB\xBF<a>\n\t<b>1</b>\n</a>")
	out, _ := mustApply(t, src,
		Edit{Op: SetText, Path: "/a/b", Value: "2"},
		Edit{Op: Ensure, Path: "/a/c", XML: "<c><d>x</d></c>"},
		Edit{Op: SetChildren, Path: "/a/c/d", XML: "<e/>"},
	)
	want := "\xEF\xBB\xBF<a>\n\t<b>2</b>\n\t<c>\n\t\t<d>\n\t\t\t<e/>\n\t\t</d>\n\t</c>\n</a>"
	if string(out) != want {
		t.Fatalf("got %q want %q", out, want)
	}
}

// Several value edits of the same element or attribute in one Apply: the
// last one wins, and the result equals applying them one by one.
func TestBatchedValueEdits(t *testing.T) {
	src := []byte("<r>\n  <a x=\"1\"/>\n  <b>old</b>\n  <c/>\n</r>\n")
	edits := []Edit{
		{Op: SetAttr, Path: "/r/a", Attr: "y", Value: "first"},
		{Op: SetText, Path: "/r/b", Value: "one"},
		{Op: SetAttr, Path: "/r/a", Attr: "y", Value: "second"},
		{Op: SetAttr, Path: "/r/a", Attr: "x", Value: "2"},
		{Op: SetText, Path: "/r/c", Value: "c1"},
		{Op: SetText, Path: "/r/b", Value: "two"},
		{Op: SetText, Path: "/r/c", Value: "c2"},
		{Op: SetAttr, Path: "/r/a", Attr: "x", Value: "3"},
	}
	out, ch, err := Apply(src, edits)
	if err != nil {
		t.Fatal(err)
	}
	seq := src
	for _, e := range edits {
		if seq, _, err = Apply(seq, []Edit{e}); err != nil {
			t.Fatal(err)
		}
	}
	want := "<r>\n  <a x=\"3\" y=\"second\"/>\n  <b>two</b>\n  <c>c2</c>\n</r>\n"
	if string(out) != want || string(seq) != want || len(ch) != len(edits) {
		t.Fatalf("batched %q, sequential %q, %d changes", out, seq, len(ch))
	}
	if ch[2].Old != "first" || ch[5].Old != "one" {
		t.Fatalf("old values %+v", ch)
	}
}

// A fragment that is not well-formed is reported in terms of its own
// elements, never of the wrapper element it is read in, whether the patch
// file is parsed (ensure, children) or Apply reads it (SetChildren) against
// the real carbon.xml.
func TestFragmentErrors(t *testing.T) {
	src := fixture(t, "wso2am-2.0.0/repository/conf/carbon.xml")
	cases := []struct{ name, xml, want string }{
		{"open element", "<X>", "fragment: line 1: element <X> is not closed"},
		{"open outer element", "<X><Y/>", "fragment: line 1: element <X> is not closed"},
		{"open element with text", "<X>text", "fragment: line 1: element <X> is not closed"},
		{"open element on a later line", "<X/>\n<Y>\n  <Z/>", "fragment: line 2: element <Y> is not closed"},
		{"stray end tag", "<X></X></Z>", "fragment: line 1: end tag </Z> without a start tag"},
		{"end tag only", "</X>", "fragment: line 1: end tag </X> without a start tag"},
		{"mismatched end tag", "<X><Y></X>", "fragment: line 1: end tag </X> does not match <Y> (line 1)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			check := func(how string, err error) {
				t.Helper()
				if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), fragTag) {
					t.Errorf("%s: got %v, want an error containing %q that does not name %s", how, err, tc.want, fragTag)
				}
			}
			for _, op := range []string{"ensure", "children"} {
				patch := "file repository/conf/carbon.xml\n" + op + " /Server/X <<EOF\n" + tc.xml + "\nEOF\n"
				_, err := ParsePatch("x.patch", []byte(patch), lookupEnv, secretEnv)
				check("patch "+op, err)
			}
			_, _, err := Apply(src, []Edit{{Op: SetChildren, Path: "/Server/Security", XML: tc.xml}})
			check("Apply", err)
		})
	}
}

// An edit that does not fit the real file is an *EditError: Index is its
// place among the edits given, so a caller finds the patch line that gave
// it (Edit.Line, PropEdit.Line); What names it as the patch line does.
func TestEditErrorNamesTheEdit(t *testing.T) {
	cases := []struct {
		name, file, patch string
		line              int    // of the failing edit
		what, reason      string // EditError.What, and what Err says
	}{
		{"no match", "repository/conf/carbon.xml", "set /Server/Ports/Offset 2\n\nset /Server/Nope x\n", 4,
			"set /Server/Nope", "path matches 0 elements, want exactly 1"},
		{"two matches", "repository/conf/carbon.xml", "set /Server/ServiceUserRoles/Role/Name x\n", 2,
			"set /Server/ServiceUserRoles/Role/Name", "path matches 2 elements, want exactly 1"},
		{"all without a match", "repository/conf/carbon.xml", "attr /Server/Ports/Offset a 1\nattr --all //Nope a 1\n", 3,
			"attr //Nope", "path matches no element"},
		{"set of an element with children", "repository/conf/carbon.xml", "remove /Server/Tools\nset /Server/Ports x\n", 3,
			"set /Server/Ports", "has child elements"},
		{"ensure that does not match its path", "repository/conf/carbon.xml", "ensure /Server/X <Y/>\n", 2,
			"ensure /Server/X", "after inserting the XML the path matches 0 elements"},
		{"undeclared prefix", "repository/conf/carbon.xml", "ensure /Server/X <p:X/>\n", 2,
			"ensure /Server/X", "undeclared namespace prefix"},
		{"properties value not UTF-8", "repository/conf/log4j.properties", "prop a.b 1\nprop log4j.rootLogger \xff\n", 3,
			"prop log4j.rootLogger", "not valid UTF-8"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fps, err := ParsePatch("x.patch", []byte("file "+tc.file+"\n"+tc.patch), lookupEnv, secretEnv)
			if err != nil {
				t.Fatal(err)
			}
			src := fixture(t, "wso2am-2.0.0/"+tc.file)
			var lines []int
			if IsProperties(tc.file) {
				for _, e := range fps[0].Props {
					lines = append(lines, e.Line)
				}
				_, _, err = ApplyProperties(src, fps[0].Props)
			} else {
				for _, e := range fps[0].XML {
					lines = append(lines, e.Line)
				}
				_, _, err = Apply(src, fps[0].XML)
			}
			var ee *EditError
			if !errors.As(err, &ee) {
				t.Fatalf("got %v (%T), want an *EditError", err, err)
			}
			if ee.Index < 0 || ee.Index >= len(lines) || lines[ee.Index] != tc.line {
				t.Errorf("edit %d of lines %v, want the one of line %d", ee.Index, lines, tc.line)
			}
			if ee.What != tc.what || !strings.Contains(ee.Err.Error(), tc.reason) || err.Error() != ee.What+": "+ee.Err.Error() {
				t.Errorf("got %q (what %q), want %q and a reason containing %q", err, ee.What, tc.what, tc.reason)
			}
		})
	}
}
