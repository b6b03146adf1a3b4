package plan

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/wso2-container/agent/internal/fixpoint"
	"github.com/wso2-container/agent/internal/xattrtest"
	"github.com/wso2-container/agent/xmlconf"
)

// Every field of an edit is an input of the edit: changing any one of them
// changes the key, and a new field must be added to editKey (the field
// counts below fail first). Line is not: it says where a patch file wrote
// the edit, which the result does not depend on, so a patch line moved
// down keeps the key.
func TestEditKeyCoversEveryField(t *testing.T) {
	if n := reflect.TypeFor[xmlconf.Edit]().NumField(); n != 10 {
		t.Fatalf("xmlconf.Edit has %d fields, editKey hashes 9 and not Line: hash the new one and count it here", n)
	}
	if n := reflect.TypeFor[xmlconf.PropEdit]().NumField(); n != 5 {
		t.Fatalf("xmlconf.PropEdit has %d fields, editKey hashes 4 and not Line: hash the new one and count it here", n)
	}
	base := xmlconf.Edit{Op: xmlconf.Ensure, Path: "/a/b", Attr: "x", Value: "v", XML: "<b/>", Parent: "/a", After: []string{"c"}, Match: xmlconf.All}
	xmls := map[string]func(e *xmlconf.Edit){
		"Op":        func(e *xmlconf.Edit) { e.Op = xmlconf.SetText },
		"Path":      func(e *xmlconf.Edit) { e.Path = "/a/c" },
		"Attr":      func(e *xmlconf.Edit) { e.Attr = "y" },
		"Value":     func(e *xmlconf.Edit) { e.Value = "w" },
		"XML":       func(e *xmlconf.Edit) { e.XML = "<b></b>" },
		"Parent":    func(e *xmlconf.Edit) { e.Parent = "/" },
		"After":     func(e *xmlconf.Edit) { e.After = []string{"c", "d"} },
		"After=nil": func(e *xmlconf.Edit) { e.After = nil },
		"Match":     func(e *xmlconf.Edit) { e.Match = xmlconf.Any },
		"Secret":    func(e *xmlconf.Edit) { e.Secret = true },
	}
	content := []byte("<a/>")
	k0 := editKey("xml", &FileEdits{xml: []xmlconf.Edit{base}}, content)
	for name, change := range xmls {
		e := base
		e.After = append([]string(nil), base.After...)
		change(&e)
		if editKey("xml", &FileEdits{xml: []xmlconf.Edit{e}}, content) == k0 {
			t.Errorf("xml edit: changing %s keeps the key", name)
		}
	}
	pbase := xmlconf.PropEdit{Key: "k", Value: "v"}
	props := map[string]func(e *xmlconf.PropEdit){
		"Key":    func(e *xmlconf.PropEdit) { e.Key = "j" },
		"Value":  func(e *xmlconf.PropEdit) { e.Value = "w" },
		"Remove": func(e *xmlconf.PropEdit) { e.Remove = true },
		"Secret": func(e *xmlconf.PropEdit) { e.Secret = true },
	}
	p0 := editKey("properties", &FileEdits{props: []xmlconf.PropEdit{pbase}}, content)
	for name, change := range props {
		e := pbase
		change(&e)
		if editKey("properties", &FileEdits{props: []xmlconf.PropEdit{e}}, content) == p0 {
			t.Errorf("properties edit: changing %s keeps the key", name)
		}
	}
	others := map[string]fixpoint.Key{
		"content":        editKey("xml", &FileEdits{xml: []xmlconf.Edit{base}}, []byte("<a />")),
		"kind":           editKey("properties", &FileEdits{xml: []xmlconf.Edit{base}}, content),
		"one more edit":  editKey("xml", &FileEdits{xml: []xmlconf.Edit{base, base}}, content),
		"no edit":        editKey("xml", &FileEdits{}, content),
		"a props edit":   editKey("xml", &FileEdits{xml: []xmlconf.Edit{base}, props: []xmlconf.PropEdit{pbase}}, content),
		"the same again": editKey("xml", &FileEdits{xml: []xmlconf.Edit{base}}, content),
	}
	moved := base
	moved.Line = 7
	others["the same on another line"] = editKey("xml", &FileEdits{xml: []xmlconf.Edit{moved}}, content)
	pmoved := pbase
	pmoved.Line = 7
	if editKey("properties", &FileEdits{props: []xmlconf.PropEdit{pmoved}}, content) != p0 {
		t.Errorf("properties edit: changing Line changes the key")
	}
	for name, k := range others {
		if (k == k0) != (name == "the same again" || name == "the same on another line") {
			t.Errorf("%s: key equal to the first: %v", name, k == k0)
		}
	}
}

// A file written by Apply carries the key of its edits on its new content;
// a later plan with the same edits takes the file as it is without editing
// it, which a forged key shows: the key of content that the edits would
// change makes the plan leave it unchanged. A plan that does not trust keys
// (a dry run's) edits it all the same.
func TestPlanTrustsTheKeyOfItsEdits(t *testing.T) {
	home := xattrtest.Dir(t)
	const rel = "conf/a.xml"
	path := filepath.Join(home, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("<a><b>1</b></a>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var set EditSet
	set.XML(rel, xmlconf.Edit{Op: xmlconf.SetText, Path: "/a/b", Value: "2"})
	plan := func() *FilePlan {
		t.Helper()
		p := &Plan{Home: home}
		if err := p.AddEdits(&set); err != nil {
			t.Fatal(err)
		}
		return p.FindFile(path)
	}
	f := plan()
	if !f.Changed() || string(f.New) != "<a><b>2</b></a>\n" {
		t.Fatalf("first plan: %q", f.New)
	}
	if f.memo == nil || *f.memo != editKey("xml", set.Files[0], f.New) {
		t.Fatal("the plan does not remember the key of its edits on the new content")
	}
	if _, err := (&Plan{Home: home, Files: []*FilePlan{f}}).Apply(); err != nil {
		t.Fatal(err)
	}
	v := make([]byte, 64)
	n, err := unix.Getxattr(path, fixpoint.Attr, v)
	if err != nil || !bytes.Equal(v[:n], f.memo[:]) {
		t.Fatalf("the written file does not carry the key: %x, %v", v[:n], err)
	}
	if again := plan(); again.Changed() || again.memo != nil {
		t.Fatalf("second plan: changed %v, memo %v", again.Changed(), again.memo)
	}

	// The forged key: content the edits change, carrying their key on it.
	stale := []byte("<a><b>3</b></a>\n")
	if err := os.WriteFile(path, stale, 0o644); err != nil { // in place: the attribute stays
		t.Fatal(err)
	}
	if !plan().Changed() {
		t.Fatal("the key of other content is trusted for this one")
	}
	k := editKey("xml", set.Files[0], stale)
	if err := unix.Setxattr(path, fixpoint.Attr, k[:], 0); err != nil {
		t.Fatal(err)
	}
	if f := plan(); f.Changed() {
		t.Fatalf("the key of the edits on this content is not trusted: planned %q", f.New)
	}
	defer func(trust bool) { fixpoint.Trust = trust }(fixpoint.Trust)
	fixpoint.Trust = false
	if f := plan(); !f.Changed() || string(f.New) != "<a><b>2</b></a>\n" {
		t.Fatalf("a plan that does not trust keys trusts one: %q", f.New)
	}
}
