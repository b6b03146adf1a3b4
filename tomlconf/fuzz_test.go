package tomlconf

import (
	"bytes"
	"errors"
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

// leaves lists the paths of the non-table values of a decoded tree.
func leaves(m map[string]any, prefix []string, out *[][]string) {
	for k, v := range m {
		p := append(append([]string(nil), prefix...), k)
		if sub, ok := v.(map[string]any); ok && len(sub) > 0 {
			leaves(sub, p, out)
			continue
		}
		*out = append(*out, p)
	}
}

// FuzzMerge: for any document and fragment that parse, Merge either fails
// with an *Error leaving the document as it was, or yields a document that
// go-toml reads with every key/value and array of tables of the fragment in
// place and every other value unchanged, and on which the same Merge
// changes nothing.
func FuzzMerge(f *testing.F) {
	frags := []string{
		"[server]\nhostname = \"h\"\noffset = 2\n",
		"[apim.key_manager]\nservice_url = \"https://km:9443/services/\"\n[[apim.throttling.url_group]]\ntraffic_manager_urls = [\"tcp://t:9611\"]\n",
		"a.b = 1\n[c]\n[d.e]\nf = [1, 2]\ng = {h = 'i'}\n",
		"[[apim.gateway.environment]]\nname = \"x\"\n[[apim.gateway.environment]]\nname = \"y\"\n",
	}
	for i, rel := range tomlFixtures(f) {
		f.Add(fixture(f, rel), []byte(frags[i%len(frags)]))
	}
	f.Add([]byte("[a]\nb = 1 # c\n[[e]]\nn = 1\n"), []byte("[a]\nb = 'x'\n[[e]]\nn = 2\nm = 3\n"))
	f.Fuzz(func(t *testing.T, src, frag []byte) {
		d, err := Parse(src)
		if err != nil {
			return
		}
		fst, ferr := load(frag)
		err = d.Merge(frag)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Merge error %v is not an *Error", err)
			}
			if !bytes.Equal(d.Bytes(), src) || len(d.Changes()) != 0 {
				t.Fatalf("failed Merge (%v) changed the document", err)
			}
			return
		}
		if ferr != nil {
			t.Fatalf("Merge accepted a fragment that does not parse: %v", ferr)
		}
		out := bytes.Clone(d.Bytes())
		var before, after, fm map[string]any
		if gotoml.Unmarshal(src, &before) != nil || gotoml.Unmarshal(frag, &fm) != nil {
			t.Fatal("inputs do not parse with go-toml")
		}
		if err := gotoml.Unmarshal(out, &after); err != nil {
			t.Fatalf("result does not parse: %v\n%q", err, out)
		}
		// the units the fragment sets: its key/values and arrays of tables
		var units [][]string
		for i, e := range fst.exprs {
			switch {
			case e.kind == exKV && e.aot < 0:
				units = append(units, e.path)
			case e.kind == exArrayTable && e.aot == i:
				units = append(units, e.path)
			}
		}
		for _, u := range units {
			want, _ := fst.get(u)
			got, ok := (&state{tree: after}).get(u)
			if !ok || !sameValue(got, want) {
				t.Fatalf("%s reads back as %#v, want %#v\nfragment %q\nresult %q", Key(u), got, want, frag, out)
			}
		}
		var old [][]string
		leaves(before, nil, &old)
		for _, p := range old {
			want, _ := (&state{tree: before}).get(p)
			covered := false
			for _, u := range units {
				// a value the fragment replaces, or an empty table it adds keys to
				empty, _ := want.(map[string]any)
				covered = covered || hasPrefix(p, u) || (hasPrefix(u, p) && empty != nil && len(empty) == 0)
			}
			if covered {
				continue
			}
			got, ok := (&state{tree: after}).get(p)
			if !ok || !sameValue(got, want) {
				t.Fatalf("%s changed from %#v to %#v\nfragment %q", Key(p), want, got, frag)
			}
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatal(err)
		}
		if err := again.Merge(frag); err != nil || !bytes.Equal(again.Bytes(), out) || len(again.Changes()) != 0 {
			t.Fatalf("second Merge changed the document: %v %v", err, again.Changes())
		}
	})
}

// FuzzPatchOp: ParsePatchOp never panics, and an edit it accepts either
// applies to the real control-plane file (the result parses with go-toml
// and a second application changes nothing) or fails leaving the document
// as it was.
func FuzzPatchOp(f *testing.F) {
	src := fixture(f, "wso2am-acp-4.5.0/repository/conf/deployment.toml")
	for _, c := range [][2]string{
		{"set", `server.hostname "h"`}, {"set", `apim.cors.allow_methods ["GET"]`}, {"unset", "server.server_role"},
		{"set", `event_listener.properties.'header.X-WSO2-KEY-MANAGER' "k"`},
		{"tables", "apim.throttling.url_group [[apim.throttling.url_group]]\ntype = \"x\""},
		{"merge", "[apim.devportal]\nurl = \"u\""}, {"set", `a."b c".d {x = 1}`},
	} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, op, args string) {
		e, err := ParsePatchOp(op, args)
		if err != nil {
			return
		}
		d, err := Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.ApplyPatch(e); err != nil {
			if !bytes.Equal(d.Bytes(), src) {
				t.Fatalf("failed %s (%v) changed the document", e, err)
			}
			return
		}
		out := bytes.Clone(d.Bytes())
		var m map[string]any
		if err := gotoml.Unmarshal(out, &m); err != nil {
			t.Fatalf("%s: result does not parse: %v", e, err)
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatal(err)
		}
		if err := again.ApplyPatch(e); err != nil || !bytes.Equal(again.Bytes(), out) {
			t.Fatalf("%s: second application changed the document: %v", e, err)
		}
	})
}
