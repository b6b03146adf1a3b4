package tomlconf

import (
	"bytes"
	"errors"
	"testing"

	bstoml "github.com/BurntSushi/toml"
)

// A deployment.toml saved by a Windows editor starts with a UTF-8 byte order
// mark. It is accepted, kept byte for byte (a document that is not edited
// comes back identical, an edited one still starts with the mark and
// differs only in the edited line), and errors count lines and columns as
// an editor shows them (the mark is not a column).
func TestByteOrderMark(t *testing.T) {
	stock := fixture(t, "wso2am-acp-4.5.0/repository/conf/deployment.toml")
	withBOM := append([]byte(utf8BOM), stock...)

	// Not edited: identical.
	d, err := Parse(withBOM)
	if err != nil {
		t.Fatalf("parse with BOM: %v", err)
	}
	if !bytes.Equal(d.Bytes(), withBOM) {
		t.Fatal("an unedited document with a BOM is not returned byte-identical")
	}

	// Edited: the BOM stays, only the key's line changes, and a real TOML
	// parser (BurntSushi, which accepts a BOM) reads the value back.
	if err := d.Set([]string{"server"}, "hostname", "am.example.com"); err != nil {
		t.Fatal(err)
	}
	if err := d.Set([]string{"apim", "new_table"}, "k", "v"); err != nil {
		t.Fatal(err)
	}
	got := d.Bytes()
	if !bytes.HasPrefix(got, []byte(utf8BOM)) || bytes.HasPrefix(got[3:], []byte(utf8BOM)) {
		t.Fatalf("edited document starts with %q, want exactly one BOM", got[:6])
	}
	plain, err := Parse(stock)
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(plain.Set([]string{"server"}, "hostname", "am.example.com"))
	must(plain.Set([]string{"apim", "new_table"}, "k", "v"))
	if !bytes.Equal(got[3:], plain.Bytes()) {
		r, a := lineDiff(plain.Bytes(), got[3:])
		t.Errorf("the edit differs with and without a BOM: -%q +%q", r, a)
	}
	var m map[string]any
	if _, err := bstoml.Decode(string(got), &m); err != nil {
		t.Fatalf("BurntSushi/toml cannot read the result: %v", err)
	}
	if v, _ := at(m, "server", "hostname"); v != "am.example.com" {
		t.Errorf("server.hostname = %v", v)
	}

	// Edit then parse the result again: still one BOM, still identical.
	again, err := Parse(got)
	if err != nil || !bytes.Equal(again.Bytes(), got) {
		t.Fatalf("re-parse of the edited document: err %v, identical %v", err, err == nil && bytes.Equal(again.Bytes(), got))
	}

	// A fragment may start with a BOM too (a WSO2_DEPLOYMENT_TOML_FILE
	// written on Windows).
	must(again.Merge([]byte(utf8BOM + "[apim.cors]\nallow_credentials = true\n")))
	if v, ok := again.Get(Key{"apim", "cors", "allow_credentials"}); !ok || v != true {
		t.Errorf("merge of a fragment with a BOM: allow_credentials = %v", v)
	}

	// Errors: line and column as without the BOM.
	for _, src := range []string{"a = 1\nb = = 2\n", "x = \"unterminated\n"} {
		_, e1 := Parse([]byte(src))
		_, e2 := Parse([]byte(utf8BOM + src))
		var p1, p2 *Error
		if !errors.As(e1, &p1) || !errors.As(e2, &p2) || p1.Line != p2.Line || p1.Column != p2.Column {
			t.Errorf("%q: error without BOM %v, with BOM %v", src, e1, e2)
		}
	}
	// A BOM that is not at the start is not a BOM: an error.
	if _, err := Parse([]byte("a = 1\n" + utf8BOM + "b = 2\n")); err == nil {
		t.Error("a BOM in the middle of the document was accepted")
	}
}
