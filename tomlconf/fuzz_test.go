package tomlconf

import (
	"bytes"
	"testing"

	gotoml "github.com/pelletier/go-toml/v2"
)

// FuzzSetRoundTrip: for any document that parses and any string, setting an
// existing key (chosen by pick) and adding key name to the last table either
// fails leaving the document as it was, or yields a document that go-toml
// reads with exactly that change (every other value unchanged), whose line
// count grew by at most the added lines, and on which the same Sets change
// nothing.
func FuzzSetRoundTrip(f *testing.F) {
	for _, rel := range tomlFixtures(f) {
		f.Add(fixture(f, rel), uint8(3), "new_key", "new \"value\" é\n")
	}
	f.Add([]byte("a = 1\n[t]\nk = 'x' # c\n[[e]]\nn = 1"), uint8(1), "k", "it's")
	f.Add([]byte("a.b.c = 1\r\n[\"q.r\"]\r\nz = [1,\r\n 2]\r\n"), uint8(2), "q.r", "\x00\x7f")
	f.Fuzz(func(t *testing.T, src []byte, pick uint8, key, value string) {
		d, err := Parse(src)
		if err != nil {
			return
		}
		var kvs []expr
		for _, e := range d.st.exprs {
			if e.kind == exKV && e.aot < 0 {
				kvs = append(kvs, e)
			}
		}
		var table []string
		for i := len(d.st.exprs) - 1; i >= 0; i-- {
			if e := d.st.exprs[i]; e.kind != exKV {
				if e.aot < 0 {
					table = e.path
				} else {
					table = []string{"fuzz-new"}
				}
				break
			}
		}
		type set struct {
			table []string
			key   string
		}
		var sets []set
		if len(kvs) > 0 {
			e := kvs[int(pick)%len(kvs)]
			sets = append(sets, set{e.path[:len(e.path)-1], e.path[len(e.path)-1]})
		}
		sets = append(sets, set{table, key})
		for _, s := range sets {
			before := bytes.Clone(d.Bytes())
			var want map[string]any
			if err := gotoml.Unmarshal(before, &want); err != nil {
				t.Fatalf("state does not parse: %v", err)
			}
			if err := d.Set(s.table, s.key, value); err != nil {
				if !bytes.Equal(d.Bytes(), before) {
					t.Fatalf("Set failed (%v) and changed the document", err)
				}
				continue
			}
			out := d.Bytes()
			var got map[string]any
			if err := gotoml.Unmarshal(out, &got); err != nil {
				t.Fatalf("result does not parse: %v\n%q", err, out)
			}
			parent := want
			for _, p := range s.table {
				next, ok := parent[p].(map[string]any)
				if !ok {
					next = map[string]any{}
					parent[p] = next
				}
				parent = next
			}
			parent[s.key] = value
			if !sameValue(got, want) {
				t.Fatalf("Set %v %q: document reads back differently\nbefore %q\nafter  %q", s.table, s.key, before, out)
			}
			if n, m := bytes.Count(before, []byte("\n")), bytes.Count(out, []byte("\n")); m > n+4 {
				t.Fatalf("Set added %d lines", m-n)
			}
			again := bytes.Clone(out)
			if err := d.Set(s.table, s.key, value); err != nil || !bytes.Equal(d.Bytes(), again) {
				t.Fatalf("second Set changed the document: %v", err)
			}
		}
	})
}
