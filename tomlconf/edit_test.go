package tomlconf

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// Layout cases: the expected bytes are written by hand.
func TestEditLayout(t *testing.T) {
	s := func(table []string, key string, v Value) func(*Doc) error {
		return func(d *Doc) error { return d.Set(table, key, v) }
	}
	cases := []struct {
		name, src string
		op        func(*Doc) error
		want      string
	}{
		{"two spaces kept", "[k]\nfile_name =  \"a.jks\"\ntype =  \"JKS\"\n", s([]string{"k"}, "type", "PKCS12"),
			"[k]\nfile_name =  \"a.jks\"\ntype =  \"PKCS12\"\n"},
		{"new key spaced like the last key", "[k]\nfile_name =  \"a.jks\"\n\n#[other]\n", s([]string{"k"}, "alias", "x"),
			"[k]\nfile_name =  \"a.jks\"\nalias =  \"x\"\n\n#[other]\n"},
		{"no spaces kept", "[[e]]\nname=\"a\"\n", s(nil, "top", int64(1)),
			"top = 1\n\n[[e]]\nname=\"a\"\n"},
		{"quoted dotted key", "[p]\n'header.X-WSO2-KEY-MANAGER' = \"default\"\nb = 1", s([]string{"p"}, "header.X-WSO2-KEY-MANAGER", "km"),
			"[p]\n'header.X-WSO2-KEY-MANAGER' = \"km\"\nb = 1"},
		{"new quoted key", "[p]\na = 1\n", s([]string{"p"}, "header.X", "v"),
			"[p]\na = 1\n\"header.X\" = \"v\"\n"},
		{"no final newline: change last", "[a]\nx = 1", s([]string{"a"}, "x", int64(2)), "[a]\nx = 2"},
		{"no final newline: add at end", "[a]\nx = 1", s([]string{"a"}, "y", int64(2)), "[a]\nx = 1\ny = 2"},
		{"no final newline: new table at end", "[a]\nx = 1", s([]string{"b"}, "y", true), "[a]\nx = 1\n\n[b]\ny = true"},
		{"CRLF kept", "[a]\r\nx = 1\r\n\r\n[b]\r\ny = 2\r\n", s([]string{"a"}, "z", "v"), "[a]\r\nx = 1\r\nz = \"v\"\r\n\r\n[b]\r\ny = 2\r\n"},
		{"before trailing comments", "[a]\nx = 1\n# y = 2\n\n[b]\n", s([]string{"a"}, "y", int64(3)), "[a]\nx = 1\ny = 3\n# y = 2\n\n[b]\n"},
		{"empty table", "[a]\n\n[b]\nx = 1\n", s([]string{"a"}, "y", int64(3)), "[a]\ny = 3\n\n[b]\nx = 1\n"},
		{"trailing comment kept", "[a]\nx = 1 # the x\n", s([]string{"a"}, "x", int64(5)), "[a]\nx = 5 # the x\n"},
		{"literal string kept", "[a]\np = 'C:\\dir'\n", s([]string{"a"}, "p", `D:\dir`), "[a]\np = 'D:\\dir'\n"},
		{"literal string cannot hold a quote", "[a]\np = 'x'\n", s([]string{"a"}, "p", "it's"), "[a]\np = \"it's\"\n"},
		{"array separator kept", "[c]\nm = [\"GET\",\"PUT\"]\n", s([]string{"c"}, "m", []string{"GET", "POST"}), "[c]\nm = [\"GET\",\"POST\"]\n"},
		{"multi-line array becomes one line", "[c]\nm = [\n  \"a\", # first\n  \"b\",\n]\nz = 1\n", s([]string{"c"}, "m", []string{"x"}), "[c]\nm = [\"x\"]\nz = 1\n"},
		{"dotted key edited in place", "[km]\npool.init = 50\npool.max = 100\n", s([]string{"km", "pool"}, "max", int64(7)), "[km]\npool.init = 50\npool.max = 7\n"},
		{"dotted table gets a dotted key", "[km]\npool.init = 50\nother = 1\n", s([]string{"km", "pool"}, "max", int64(7)), "[km]\npool.init = 50\npool.max = 7\nother = 1\n"},
		{"new table after the last related one", "[apim]\na = 1\n\n[apim.cors]\nb = 2\n\n#[apim.x]\n\n[other]\nc = 3\n", s([]string{"apim", "key_manager"}, "u", "v"),
			"[apim]\na = 1\n\n[apim.cors]\nb = 2\n\n[apim.key_manager]\nu = \"v\"\n\n#[apim.x]\n\n[other]\nc = 3\n"},
		{"new table above its commented-out copy", "[a]\nx = 1\n\n# the key manager\n#[apim.key_manager]\n#service_url = \"u\"\n\n[z]\n", s([]string{"apim", "key_manager"}, "service_url", "v"),
			"[a]\nx = 1\n\n# the key manager\n[apim.key_manager]\nservice_url = \"v\"\n\n#[apim.key_manager]\n#service_url = \"u\"\n\n[z]\n"},
		{"commented-out copy followed by keys is not used", "[a]\nx = 1\n#[b]\ny = 2\n", s([]string{"b"}, "k", int64(1)),
			"[a]\nx = 1\n#[b]\ny = 2\n\n[b]\nk = 1\n"},
		{"commented-out array of tables", "[t]\n# [[t.g]]\n# u = 1\n", func(d *Doc) error {
			return d.ReplaceArrayOfTables([]string{"t", "g"}, []Table{{{"u", int64(2)}}})
		}, "[t]\n[[t.g]]\nu = 2\n\n# [[t.g]]\n# u = 1\n"},
		{"sub-table after an array of tables kept", "[[l]]\nid = 1\n\n[l.properties]\nh = \"x\"\n\n[z]\na = 1\n", s([]string{"z"}, "a", int64(2)),
			"[[l]]\nid = 1\n\n[l.properties]\nh = \"x\"\n\n[z]\na = 2\n"},
		{"new table not glued to an array element", "[[apim.e]]\nid = 1\n", s([]string{"apim", "f"}, "a", int64(2)),
			"[[apim.e]]\nid = 1\n\n[apim.f]\na = 2\n"},
		{"root key before the first table", "# c\nx = 1\n\n[a]\n", s(nil, "y", int64(2)), "# c\nx = 1\ny = 2\n\n[a]\n"},
		{"super-table header after its sub-table", "[d.a]\nx = 1\n", s([]string{"d"}, "y", int64(2)), "[d.a]\nx = 1\n\n[d]\ny = 2\n"},
		{"type follows the caller", "[s]\noffset = 0\n", s([]string{"s"}, "offset", "1"), "[s]\noffset = \"1\"\n"},
		{"same meaning is no change", "[s]\noffset = 0x0\nf = 1e2\n", func(d *Doc) error {
			if err := d.Set([]string{"s"}, "offset", 0); err != nil {
				return err
			}
			return d.Set([]string{"s"}, "f", 100.0)
		}, "[s]\noffset = 0x0\nf = 1e2\n"},
		{"placeholder left alone", "[s]\nnode_ip = \"$env{NODE_IP}\"\nh = \"a\"\n", s([]string{"s"}, "h", "b"), "[s]\nnode_ip = \"$env{NODE_IP}\"\nh = \"b\"\n"},
		{"delete", "[a]\nx = 1\ny = 2 # c\nz = 3\n", func(d *Doc) error { return d.Delete([]string{"a"}, "y") }, "[a]\nx = 1\nz = 3\n"},
		{"delete last line without newline", "[a]\nx = 1\ny = 2", func(d *Doc) error { return d.Delete([]string{"a"}, "y") }, "[a]\nx = 1"},
		{"delete missing", "[a]\nx = 1\n", func(d *Doc) error { return d.Delete([]string{"a"}, "nope") }, "[a]\nx = 1\n"},
		{"floats", "[a]\nx = 1.5\n", s([]string{"a"}, "x", 3.0), "[a]\nx = 3.0\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := mustParse(t, []byte(c.src))
			if err := c.op(d); err != nil {
				t.Fatal(err)
			}
			if got := string(d.Bytes()); got != c.want {
				t.Fatalf("got\n%q\nwant\n%q", got, c.want)
			}
			independent(t, d.Bytes())
			again := mustParse(t, d.Bytes())
			if err := c.op(again); err != nil {
				t.Fatalf("second run: %v", err)
			}
			if !bytes.Equal(again.Bytes(), d.Bytes()) || len(again.Changes()) != 0 {
				t.Fatalf("second run changed %v:\n%q", again.Changes(), again.Bytes())
			}
		})
	}
}

// Values with characters that need escaping are written as hand-checked
// TOML and read back exactly by an independent parser.
func TestEscaping(t *testing.T) {
	cases := []struct{ v, want string }{
		{`plain`, `"plain"`},
		{`say "hi"`, `"say \"hi\""`},
		{`C:\path\n`, `"C:\\path\\n"`},
		{"two\nlines", `"two\nlines"`},
		{"tab\there", `"tab\there"`},
		{"cr\r", `"cr\r"`},
		{"bell\x07 del\x7f nul\x00 esc\x1b", `"bell\u0007 del\u007F nul\u0000 esc\u001B"`},
		{"\b\f", `"\b\f"`},
		{"unicode é ü 日本 🙂 \u2028", "\"unicode é ü 日本 🙂 \u2028\""},
		{`$env{NODE_IP} ${carbon.home} $ref{a.b}`, `"$env{NODE_IP} ${carbon.home} $ref{a.b}"`},
		{`'single'`, `"'single'"`},
		{``, `""`},
		{`"""`, `"\"\"\""`},
		{`# not a comment`, `"# not a comment"`},
	}
	for _, c := range cases {
		d := mustParse(t, []byte("[a]\nk = \"old\"\n"))
		if err := d.Set([]string{"a"}, "k", c.v); err != nil {
			t.Fatalf("Set %q: %v", c.v, err)
		}
		want := "[a]\nk = " + c.want + "\n"
		if string(d.Bytes()) != want {
			t.Errorf("Set %q wrote %q, want %q", c.v, d.Bytes(), want)
		}
		got, _ := at(independent(t, d.Bytes()), "a", "k")
		if got != c.v {
			t.Errorf("Set %q reads back as %q", c.v, got)
		}
		// the same value in a key that is new, in an array, and in a literal string's place
		d = mustParse(t, []byte("[a]\nl = 'x'\n"))
		if err := d.Set([]string{"a"}, "l", c.v); err != nil {
			t.Fatal(err)
		}
		if err := d.Set([]string{"a"}, "arr", []string{c.v, c.v}); err != nil {
			t.Fatal(err)
		}
		m := independent(t, d.Bytes())
		if l, _ := at(m, "a", "l"); l != c.v {
			t.Errorf("literal place: %q reads back as %q from %q", c.v, l, d.Bytes())
		}
		if arr, _ := at(m, "a", "arr"); !sameValue(arr, []any{c.v, c.v}) {
			t.Errorf("array: %q reads back as %q", c.v, arr)
		}
	}
	d := mustParse(t, []byte("[a]\nk = 1\n"))
	if err := d.Set([]string{"a"}, "k", "bad\xffutf8"); err == nil || !strings.Contains(err.Error(), "UTF-8") {
		t.Errorf("invalid UTF-8 accepted: %v", err)
	}
	if string(d.Bytes()) != "[a]\nk = 1\n" {
		t.Errorf("document changed after an error")
	}
}

// Keys quoted in any way are matched by their name.
func TestKeySpellings(t *testing.T) {
	src := "a.\"b.c\".'d' = 1\n[\"x y\" . z]\nk = 2\n"
	d := mustParse(t, []byte(src))
	if err := d.Set([]string{"a", "b.c"}, "d", int64(10)); err != nil {
		t.Fatal(err)
	}
	if err := d.Set([]string{"x y", "z"}, "k", int64(20)); err != nil {
		t.Fatal(err)
	}
	want := "a.\"b.c\".'d' = 10\n[\"x y\" . z]\nk = 20\n"
	if string(d.Bytes()) != want {
		t.Fatalf("got %q, want %q", d.Bytes(), want)
	}
	if got := (Key{"a", "b.c", "x y", ""}).String(); got != `a."b.c"."x y".""` {
		t.Errorf("Key.String = %s", got)
	}
}

// Edits that cannot be done are errors naming the key, and leave the
// document as it was.
func TestSetErrors(t *testing.T) {
	src := "x = 1\nit = {a = 1}\narr = [1]\n[t]\nk = 1\n[t.sub]\nj = 2\n[[e]]\nn = 1\n[e.p]\nq = 1\n"
	cases := []struct {
		table []string
		key   string
		v     Value
		want  string
	}{
		{nil, "t", "v", "set t: it is a table, not a value"},
		{[]string{"x"}, "y", "v", "set x.y: x is a value, not a table"},
		{[]string{"it"}, "a", int64(2), "set it.a: it is an inline table: set it as a whole"},
		{[]string{"arr"}, "a", int64(2), "set arr.a: arr is an array, not a table"},
		{[]string{"e"}, "n", int64(2), "set e.n: the key is inside the array of tables [[e]]: replace the array as a whole"},
		{[]string{"e", "p"}, "q", int64(2), "set e.p.q: the key is inside the array of tables [[e]]"},
		{nil, "e", int64(2), "set e: it is an array of tables: replace it as a whole"},
		{[]string{"t"}, "k", struct{}{}, "set t.k: unsupported value type struct {}"},
		{[]string{"t"}, "k", nil, "set t.k: value is nil"},
		{[]string{"t"}, "k", []any{1, map[string]int{}}, "set t.k: unsupported value type map[string]int"},
	}
	for _, c := range cases {
		d := mustParse(t, []byte(src))
		err := d.Set(c.table, c.key, c.v)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Set %v %s: got %v, want %q", c.table, c.key, err, c.want)
		}
		if string(d.Bytes()) != src || len(d.Changes()) != 0 {
			t.Errorf("document changed after an error")
		}
	}
}

// Malformed documents are errors with the line and column of the problem.
func TestParseErrors(t *testing.T) {
	cases := []struct {
		src        string
		line, col  int
		msgContain string
	}{
		{"[a]\nx = \n", 2, 5, "value"},
		{"[a]\nx = 1\nx = 2\n", 3, 1, "x"},
		{"a = \"unterminated\n", 1, 18, "new lines"},
		{"[server]\nhostname = \"h\"\n[server]\n", 3, 2, "server"},
		{"[a]\nk = 'x' y\n", 2, 9, ""},
		{"ok = 1\n\u00e9 = 2\n", 2, 1, ""},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.src))
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%q: got %v, want *Error", c.src, err)
			continue
		}
		if e.Line != c.line || e.Column != c.col || !strings.Contains(e.Msg, c.msgContain) {
			t.Errorf("%q: got %v (line %d col %d), want line %d col %d containing %q", c.src, err, e.Line, e.Column, c.line, c.col, c.msgContain)
		}
		if !strings.HasPrefix(err.Error(), "line ") {
			t.Errorf("%q: error %q does not start with its position", c.src, err)
		}
	}
}
