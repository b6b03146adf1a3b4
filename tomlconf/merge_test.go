package tomlconf

import (
	"errors"
	"strings"
	"testing"
)

func TestMerge(t *testing.T) {
	src := "[server]\nhostname = \"localhost\"\n\n[apim.cors]\nallow_origins = '*'\nallow_methods = [\"GET\",\"PUT\"]\n\n[[apim.throttling.url_group]]\ntraffic_manager_urls = [\"tcp://a:9611\"]\n\n[[event_handler]]\nname=\"x\"\n"
	cases := []struct {
		name, frag, want string
	}{
		{"keys set in the document's style", "[apim.cors]\nallow_origins = \"https://a.example.com\"\nallow_methods = [ \"GET\" , \"POST\" ]\n",
			strings.Replace(strings.Replace(src, "'*'", "'https://a.example.com'", 1), `["GET","PUT"]`, `["GET","POST"]`, 1)},
		{"new key keeps the fragment's text", "[server]\nnode_ip = \"$env{NODE_IP}\"  # comment dropped\nports = [ 1,\n  2 ]\n",
			strings.Replace(src, "hostname = \"localhost\"\n", "hostname = \"localhost\"\nnode_ip = \"$env{NODE_IP}\"\nports = [ 1,\n  2 ]\n", 1)},
		{"dotted keys and root keys", "server.offset = 3\ntop = true\n",
			"top = true\n\n" + strings.Replace(src, "hostname = \"localhost\"\n", "hostname = \"localhost\"\noffset = 3\n", 1)},
		{"empty table added", "[apim.devportal]\n",
			strings.Replace(src, "traffic_manager_urls = [\"tcp://a:9611\"]\n", "traffic_manager_urls = [\"tcp://a:9611\"]\n\n[apim.devportal]\n", 1)},
		{"existing empty table: nothing", "[apim]\n[server]\n", src},
		{"array of tables replaced whole", "[[apim.throttling.url_group]]\ntraffic_manager_urls = [\"tcp://b:9611\"]\n[[apim.throttling.url_group]]\ntraffic_manager_urls = [\"tcp://c:9611\"]\ntype = \"loadbalance\"\n",
			strings.Replace(src, "traffic_manager_urls = [\"tcp://a:9611\"]\n", "traffic_manager_urls = [\"tcp://b:9611\"]\n\n[[apim.throttling.url_group]]\ntraffic_manager_urls = [\"tcp://c:9611\"]\ntype = \"loadbalance\"\n", 1)},
		{"inline table value", "[pool]\nopts = { max = 10, min = 1 }\n",
			src + "\n[pool]\nopts = { max = 10, min = 1 }\n"},
		{"nothing new", "[server]\nhostname = \"localhost\"\n", src},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := mustParse(t, []byte(src))
			if err := d.Merge([]byte(c.frag)); err != nil {
				t.Fatal(err)
			}
			if got := string(d.Bytes()); got != c.want {
				t.Fatalf("got\n%s\nwant\n%s", got, c.want)
			}
			// every value of the fragment reads back from the result
			res := independent(t, d.Bytes())
			frag := independent(t, []byte(c.frag))
			var walk func(path []string, v any)
			walk = func(path []string, v any) {
				if m, ok := v.(map[string]any); ok && len(m) > 0 {
					for k, x := range m {
						walk(append(append([]string(nil), path...), k), x)
					}
					return
				}
				got, ok := at(res, path...)
				if m, isMap := v.(map[string]any); isMap && len(m) == 0 {
					if _, isMap := got.(map[string]any); !isMap {
						t.Errorf("%s = %#v, want a table", Key(path), got)
					}
					return
				}
				if !ok || !sameValue(normalizeTest(got), normalizeTest(v)) {
					t.Errorf("%s = %#v, want %#v", Key(path), got, v)
				}
			}
			walk(nil, frag)
			again := mustParse(t, d.Bytes())
			if err := again.Merge([]byte(c.frag)); err != nil {
				t.Fatal(err)
			}
			if string(again.Bytes()) != string(d.Bytes()) || len(again.Changes()) != 0 {
				t.Fatalf("second merge changed %v", again.Changes())
			}
		})
	}
}

// normalizeTest turns BurntSushi's []map[string]any into []any.
func normalizeTest(v any) any {
	switch x := v.(type) {
	case []map[string]any:
		out := make([]any, len(x))
		for i, m := range x {
			out[i] = normalizeTest(m)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = normalizeTest(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalizeTest(e)
		}
		return out
	}
	return v
}

// A fragment that is malformed or cannot be merged is an *Error at its line
// and column, and the document is left exactly as it was, even when earlier
// parts of the fragment had been applied.
func TestMergeErrors(t *testing.T) {
	src := "[server]\nhostname = \"localhost\"\n[apim.cors]\nx = 1\n[[e]]\nn = 1\n"
	cases := []struct {
		frag      string
		line, col int
		msg       string
	}{
		{"[server]\nhostname = \n", 2, 12, "start of value"},
		{"[server]\nhostname = \"a\"\nhostname = \"b\"\n", 3, 1, "already defined"},
		{"[server\n", 1, 8, "']'"},
		{"server.hostname = \"new\"\napim.cors = 1\n", 2, 1, "set apim.cors: it is a table, not a value"},
		{"[apim]\nx = 1\n[apim.cors.x]\n", 3, 1, "add [apim.cors.x]: it is a value, not a table"},
		{"[server]\nhostname = \"new\"\n[[e]]\nn = 2\n[e.sub]\nz = 1\n", 5, 1, "sub-tables of an array of tables are not supported"},
		{"[[e]]\na.b = 1\n", 2, 1, "dotted keys inside an array of tables"},
		{"[[server]]\nx = 1\n", 1, 1, "replace [[server]]: server is not an array of tables"},
		{"[e]\nn = 1\n", 2, 1, "set e.n: the key is inside the array of tables [[e]]"},
	}
	for _, c := range cases {
		d := mustParse(t, []byte(src))
		err := d.Merge([]byte(c.frag))
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%q: got %v, want *Error", c.frag, err)
			continue
		}
		if e.Line != c.line || e.Column != c.col || !strings.Contains(e.Msg, c.msg) {
			t.Errorf("%q: got %v, want line %d column %d: ...%s", c.frag, err, c.line, c.col, c.msg)
		}
		if string(d.Bytes()) != src || len(d.Changes()) != 0 {
			t.Errorf("%q: document changed after an error:\n%s", c.frag, d.Bytes())
		}
	}
}

func TestPlaceholdersAndKeyAt(t *testing.T) {
	src := "[server]\nnode_ip = \"$env{NODE_IP}\"\nhost = \"${carbon.host}\"\n[a]\nlist = [\n  \"$sys{p.q}\",\n  \"x$secret{db_pw}y$env{B}\",\n]\nuser = \"$ref{super_admin.username}\"\n[[gw]]\nurl = \"https://$env{GW_HOST}:9443/\"\n"
	d := mustParse(t, []byte(src))
	var got []string
	for _, p := range d.Placeholders() {
		got = append(got, p.Path.String()+" "+p.Kind+" "+p.Name+" "+itoa(p.Index)+" "+itoa(p.Line))
	}
	want := []string{
		"server.node_ip env NODE_IP -1 2",
		"a.list sys p.q -1 5",
		"a.list secret db_pw -1 5",
		"a.list env B -1 5",
		"a.user ref super_admin.username -1 9",
		"gw.url env GW_HOST 0 11",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("placeholders\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for line, want := range map[int]string{1: "", 2: "server.node_ip", 5: "a.list", 7: "a.list", 8: "a.list", 9: "a.user", 10: "", 11: "gw.url", 12: ""} {
		k, ok := d.KeyAt(line)
		if ok != (want != "") || k.String() != want {
			t.Errorf("KeyAt(%d) = %s %v, want %q", line, k, ok, want)
		}
	}
	// the stock files hold no $env{} but do hold $ref{} (acp has it in comments only)
	d = mustParse(t, fixture(t, "wso2am-4.2.0/repository/conf/deployment.toml"))
	for _, p := range d.Placeholders() {
		if p.Kind == "env" {
			t.Errorf("unexpected %v", p)
		}
	}
}

func itoa(i int) string {
	if i < 0 {
		return "-" + itoa(-i)
	}
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + itoa(i%10)
}
