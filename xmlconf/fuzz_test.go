package xmlconf

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/beevik/etree"
)

// FuzzApplyRoundTrip: for any document that parses and any value, SetText on
// its last text leaf either fails cleanly (value not representable in XML)
// or yields a document where etree reads the value back, every byte outside
// the element's content is unchanged, and a second Apply changes nothing.
func FuzzApplyRoundTrip(f *testing.F) {
	for _, rel := range fixtureFiles(f, ".xml") {
		f.Add(fixture(f, rel), "new value")
	}
	for _, tc := range trickyValues {
		f.Add([]byte("<a><b>x</b></a>"), tc.v)
	}
	f.Fuzz(func(t *testing.T, src []byte, v string) {
		d, err := parse(src)
		if err != nil {
			return
		}
		if !d.latin1 {
			// what we accept, encoding/xml (via etree) accepts too
			e := etree.NewDocument()
			if err := e.ReadFromBytes(src); err != nil {
				t.Fatalf("we accept, etree rejects: %v", err)
			}
		}
		i := lastLeaf(d, -1)
		if i < 0 {
			return
		}
		p := d.pathOf(i)
		if len(d.selectAll(p)) != 1 {
			t.Fatalf("concrete path %q is ambiguous", p)
		}
		edits := []Edit{{Op: SetText, Path: p, Value: v}}
		out, _, err := Apply(src, edits)
		if checkValue(v) != nil {
			if err == nil {
				t.Fatalf("value %q accepted", v)
			}
			return
		}
		if err != nil {
			t.Fatalf("Apply: %v", err)
		}
		e := d.elems[i]
		if !bytes.HasPrefix(out, src[:e.tagEnd]) || !bytes.HasSuffix(out, src[e.endStart:]) {
			t.Fatal("bytes outside the element changed")
		}
		nd, err := parse(out)
		if err != nil {
			t.Fatalf("output does not parse: %v", err)
		}
		if got := nd.elems[i].el.Text(); got != v {
			t.Fatalf("read back %q, want %q", got, v)
		}
		if !d.latin1 {
			e := etree.NewDocument()
			if err := e.ReadFromBytes(out); err != nil {
				t.Fatalf("etree rejects output: %v", err)
			}
			if got := e.FindElement(p).Text(); got != v && !strings.Contains(v, "\r") {
				t.Fatalf("etree reads %q, want %q", got, v)
			}
		}
		again, ch, err := Apply(out, edits)
		if err != nil || len(ch) != 0 || !bytes.Equal(again, out) {
			t.Fatalf("second Apply: %v %+v", err, ch)
		}
	})
}

// FuzzProperties: a value set with ApplyProperties reads back with
// ReadProperties, other keys keep their values, and the edit is idempotent.
func FuzzProperties(f *testing.F) {
	for _, rel := range fixtureFiles(f, ".properties") {
		f.Add(fixture(f, rel), "log4j.rootLogger", "INFO, X")
	}
	for _, tc := range trickyValues {
		f.Add([]byte("a=1\nb = 2\\\n  3\n"), "b", tc.v)
	}
	f.Fuzz(func(t *testing.T, src []byte, key, v string) {
		before, err := ReadProperties(src)
		if err != nil || key == "" {
			return
		}
		out, _, err := ApplyProperties(src, []PropEdit{{Key: key, Value: v}})
		if !utf8.ValidString(key) || !utf8.ValidString(v) {
			if err == nil {
				t.Fatal("invalid UTF-8 accepted")
			}
			return
		}
		if err != nil {
			t.Fatalf("ApplyProperties: %v", err)
		}
		after, err := ReadProperties(out)
		if err != nil {
			t.Fatalf("output does not parse: %v", err)
		}
		if after[key] != v {
			t.Fatalf("read back %q, want %q", after[key], v)
		}
		for k, old := range before {
			if k != key && after[k] != old {
				t.Fatalf("key %q changed from %q to %q", k, old, after[k])
			}
		}
		again, ch, err := ApplyProperties(out, []PropEdit{{Key: key, Value: v}})
		if err != nil || len(ch) != 0 || !bytes.Equal(again, out) {
			t.Fatalf("second apply: %v %+v", err, ch)
		}
	})
}

// FuzzParsePatch: the parser never panics, and what it accepts compiles.
func FuzzParsePatch(f *testing.F) {
	f.Add([]byte("file a.xml\nset /a/b 1\nattr /a x \"y\"\nensure --after=b /a/c <c/>\nremove /a/d\nchildren /a <<E\n<x/>\nE\n"))
	f.Add([]byte("file a.properties\nprop k ${HOST}\nunprop j\n"))
	f.Add([]byte("file x\nset //a[@n='1 2'] \"q\\\"\" \n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		fps, err := ParsePatch("f", src, lookupEnv, secretEnv)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f:") {
				t.Fatalf("error without file:line: %v", err)
			}
			return
		}
		for _, fp := range fps {
			for _, e := range fp.XML {
				if _, err := etree.CompilePath(e.Path); err != nil {
					t.Fatalf("accepted bad path %q", e.Path)
				}
			}
		}
	})
}
