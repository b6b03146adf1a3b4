package tomlconf

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func group(tm, auth, typ string) Table {
	t := Table{{"traffic_manager_urls", []string{tm}}, {"traffic_manager_auth_urls", []string{auth}}}
	if typ != "" {
		t = append(t, KeyValue{"type", typ})
	}
	return t
}

// Arrays of tables are replaced as a whole; expected bytes by hand.
func TestReplaceArrayOfTables(t *testing.T) {
	name := []string{"apim", "throttling", "url_group"}
	base := "[apim.throttling]\nx = 1\n\n# groups\n[[apim.throttling.url_group]]\ntraffic_manager_urls = [\"tcp://a:9611\"] # first\ntraffic_manager_auth_urls = [\"ssl://a:9711\"]\n\n[[apim.throttling.url_group]]\ntraffic_manager_urls = [\"tcp://b:9611\"]\ntraffic_manager_auth_urls = [\"ssl://b:9711\"]\ntype = \"failover\"\n\n[other]\ny = 2\n"
	cases := []struct {
		name, src string
		tables    []Table
		want      string
		changes   []string
	}{
		{"same list: nothing", base,
			[]Table{group("tcp://a:9611", "ssl://a:9711", ""), group("tcp://b:9611", "ssl://b:9711", "failover")}, base, nil},
		{"same list, other key order: nothing", base,
			[]Table{{{"traffic_manager_auth_urls", []string{"ssl://a:9711"}}, {"traffic_manager_urls", []string{"tcp://a:9611"}}}, group("tcp://b:9611", "ssl://b:9711", "failover")}, base, nil},
		{"one value changed: one line", base,
			[]Table{group("tcp://a:9611", "ssl://a:9711", ""), group("tcp://c:9611", "ssl://b:9711", "failover")},
			strings.Replace(base, "tcp://b:9611", "tcp://c:9611", 1),
			[]string{`apim.throttling.url_group[1].traffic_manager_urls: ["tcp://b:9611"] -> ["tcp://c:9611"]`}},
		{"key added and removed", base,
			[]Table{group("tcp://a:9611", "ssl://a:9711", "loadbalance"), group("tcp://b:9611", "ssl://b:9711", "")},
			strings.Replace(strings.Replace(base, "[\"ssl://a:9711\"]\n", "[\"ssl://a:9711\"]\ntype = \"loadbalance\"\n", 1), "type = \"failover\"\n", "", 1),
			[]string{`apim.throttling.url_group[0].type: (none) -> "loadbalance"`, `apim.throttling.url_group[1].type: "failover" -> (none)`}},
		{"shrink", base,
			[]Table{group("tcp://a:9611", "ssl://a:9711", "")},
			"[apim.throttling]\nx = 1\n\n# groups\n[[apim.throttling.url_group]]\ntraffic_manager_urls = [\"tcp://a:9611\"] # first\ntraffic_manager_auth_urls = [\"ssl://a:9711\"]\n\n[other]\ny = 2\n",
			[]string{`apim.throttling.url_group[1].traffic_manager_auth_urls: ["ssl://b:9711"] -> (none)`, `apim.throttling.url_group[1].traffic_manager_urls: ["tcp://b:9611"] -> (none)`, `apim.throttling.url_group[1].type: "failover" -> (none)`}},
		{"grow", base,
			[]Table{group("tcp://a:9611", "ssl://a:9711", ""), group("tcp://b:9611", "ssl://b:9711", "failover"), group("tcp://c:9611", "ssl://c:9711", "loadbalance")},
			strings.Replace(base, "type = \"failover\"\n", "type = \"failover\"\n\n[[apim.throttling.url_group]]\ntraffic_manager_urls = [\"tcp://c:9611\"]\ntraffic_manager_auth_urls = [\"ssl://c:9711\"]\ntype = \"loadbalance\"\n", 1),
			[]string{`apim.throttling.url_group[2].traffic_manager_urls: (none) -> ["tcp://c:9611"]`, `apim.throttling.url_group[2].traffic_manager_auth_urls: (none) -> ["ssl://c:9711"]`, `apim.throttling.url_group[2].type: (none) -> "loadbalance"`}},
		{"remove all", base, nil,
			"[apim.throttling]\nx = 1\n\n# groups\n\n[other]\ny = 2\n", nil},
		{"new array after the related table", "[apim.throttling]\nx = 1\n\n[z]\n",
			[]Table{group("tcp://a:9611", "ssl://a:9711", "loadbalance"), group("tcp://b:9611", "ssl://b:9711", "loadbalance")},
			"[apim.throttling]\nx = 1\n\n[[apim.throttling.url_group]]\ntraffic_manager_urls = [\"tcp://a:9611\"]\ntraffic_manager_auth_urls = [\"ssl://a:9711\"]\ntype = \"loadbalance\"\n\n[[apim.throttling.url_group]]\ntraffic_manager_urls = [\"tcp://b:9611\"]\ntraffic_manager_auth_urls = [\"ssl://b:9711\"]\ntype = \"loadbalance\"\n\n[z]\n", nil},
		{"remove the last element of a file without final newline", "a = 1\n\n[[apim.throttling.url_group]]\ntype = \"x\"", nil, "a = 1", nil},
		{"empty list on a missing array: nothing", "a = 1\n", nil, "a = 1\n", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := mustParse(t, []byte(c.src))
			if err := d.ReplaceArrayOfTables(name, c.tables); err != nil {
				t.Fatal(err)
			}
			if got := string(d.Bytes()); got != c.want {
				t.Fatalf("got\n%s\nwant\n%s", got, c.want)
			}
			m := independent(t, d.Bytes())
			got, ok := at(m, name...)
			if len(c.tables) == 0 {
				if ok {
					t.Fatalf("array still there: %v", got)
				}
			} else {
				list, _ := got.([]map[string]any)
				if len(list) != len(c.tables) {
					t.Fatalf("reads back %d elements, want %d", len(list), len(c.tables))
				}
				for i, tb := range c.tables {
					if len(list[i]) != len(tb) {
						t.Errorf("element %d has %d keys, want %d", i, len(list[i]), len(tb))
					}
					for _, kv := range tb {
						want, _ := normalize(kv.Value)
						if !sameValue(list[i][kv.Key], want) {
							t.Errorf("element %d %s = %v, want %v", i, kv.Key, list[i][kv.Key], want)
						}
					}
				}
			}
			if c.changes != nil {
				var ch []string
				for _, x := range d.Changes() {
					ch = append(ch, x.String())
				}
				if strings.Join(ch, "\n") != strings.Join(c.changes, "\n") {
					t.Errorf("changes\n%s\nwant\n%s", strings.Join(ch, "\n"), strings.Join(c.changes, "\n"))
				}
			}
			again := mustParse(t, d.Bytes())
			if err := again.ReplaceArrayOfTables(name, c.tables); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again.Bytes(), d.Bytes()) || len(again.Changes()) != 0 {
				t.Fatalf("second run changed %v", again.Changes())
			}
		})
	}
}

// On the real 4.2.0 file, replacing the stock gateway environment with one
// that differs in a single value changes that line only.
func TestReplaceGatewayEnvironmentMinimal(t *testing.T) {
	src := fixture(t, "wso2am-4.2.0/repository/conf/deployment.toml")
	d := mustParse(t, src)
	name := []string{"apim", "gateway", "environment"}
	old, _ := at(independent(t, src), name...)
	el := old.([]map[string]any)[0]
	var tb Table
	// keep the file's key order by reading the lines
	for _, l := range splitLines(src) {
		k, _, ok := strings.Cut(l, "=")
		k = strings.TrimSpace(k)
		if v, in := el[k]; ok && in && !strings.HasPrefix(k, "#") {
			if k == "service_url" {
				v = "https://gw-1.example.com:9443/services/"
			}
			tb = append(tb, KeyValue{k, v})
			delete(el, k)
		}
	}
	if len(el) != 0 {
		t.Fatalf("keys not found in lines: %v", el)
	}
	if err := d.ReplaceArrayOfTables(name, []Table{tb}); err != nil {
		t.Fatal(err)
	}
	removed, added := lineDiff(src, d.Bytes())
	if len(removed) != 1 || len(added) != 1 || !strings.Contains(added[0], "gw-1.example.com") || !strings.HasPrefix(removed[0], "service_url") {
		t.Fatalf("-%q +%q", removed, added)
	}
}

func TestReplaceArrayOfTablesErrors(t *testing.T) {
	src := "x = 1\narr = [{a = 1}]\n[t]\nk = 1\n[[e]]\nn = 1\n[e.p]\nq = 1\n"
	cases := []struct {
		name   []string
		tables []Table
		want   string
	}{
		{[]string{"t"}, []Table{{{"k", int64(1)}}}, "replace [[t]]: t is not an array of tables"},
		{[]string{"arr"}, []Table{{{"a", int64(1)}}}, "replace [[arr]]: arr is not an array of tables"},
		{[]string{"x", "y"}, []Table{{{"a", int64(1)}}}, "replace [[x.y]]: x is a value, not a table"},
		{[]string{"e"}, []Table{{{"n", int64(2)}}}, "replace [[e]]: element 0 has the sub-table [e.p], which a replacement cannot describe"},
		{[]string{"e", "p", "z"}, []Table{{{"n", int64(2)}}}, "replace [[e.p.z]]: the array is inside the array of tables [[e]]"},
		{[]string{"n"}, []Table{{{"a", int64(1)}, {"a", int64(2)}}}, "replace [[n]]: element 0: key a given twice"},
		{[]string{"n"}, []Table{{{"a", struct{}{}}}}, "replace [[n]]: element 0: key a: unsupported value type"},
		{nil, []Table{{{"a", int64(1)}}}, "empty name"},
	}
	for _, c := range cases {
		d := mustParse(t, []byte(src))
		err := d.ReplaceArrayOfTables(c.name, c.tables)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want %q", c.name, err, c.want)
		}
		if string(d.Bytes()) != src {
			t.Errorf("document changed after an error")
		}
	}
	// an element with a sub-table cannot be changed, whatever the new value
	d := mustParse(t, []byte(src))
	if err := d.ReplaceArrayOfTables([]string{"e"}, []Table{{{"n", int64(1)}, {"p", []any{}}}}); err == nil {
		t.Errorf("a sub-table replaced by an array value was accepted")
	}
	var e *Error
	if errors.As(d.ReplaceArrayOfTables([]string{"t"}, nil), &e) {
		t.Errorf("semantic error reported as a syntax error")
	}
}

// An element of an array of tables is removed whole, sub-tables included
// (the stock control plane's [[event_listener]] with its
// [event_listener.properties]); every other byte stays, and two real TOML
// parsers read the rest back. Expected bytes by hand.
func TestDeleteArrayElement(t *testing.T) {
	name := []string{"event_listener"}
	el := func(id string) string {
		return "[[event_listener]]\nid = \"" + id + "\"\norder = 1\n\n[event_listener.properties]\nnotification_endpoint = \"https://" + id + "\"\n'header.X-WSO2-KEY-MANAGER' = \"default\"\n"
	}
	head, tail := "[service_provider]\nsp_name_regex = \"x\"\n\n", "\n[database.local]\nurl = \"jdbc:h2:x\"\n"
	three := head + el("a") + "\n" + el("b") + "\n" + el("c") + tail
	for _, c := range []struct {
		name, src string
		i         int
		want      string
		ids       []string // the ids left, as BurntSushi/toml reads them
	}{
		{"the first of three", three, 0, head + el("b") + "\n" + el("c") + tail, []string{"b", "c"}},
		{"the middle one", three, 1, head + el("a") + "\n" + el("c") + tail, []string{"a", "c"}},
		{"the last one", three, 2, head + el("a") + "\n" + el("b") + tail, []string{"a", "b"}},
		{"the only one: the array goes", head + el("a") + tail, 0, head + strings.TrimPrefix(tail, "\n"), nil},
		{"the only one, at the end of a file without final newline", head + strings.TrimSuffix(el("a"), "\n"), 0, strings.TrimSuffix(head, "\n\n"), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := mustParse(t, []byte(c.src))
			if err := d.DeleteArrayElement(name, c.i); err != nil {
				t.Fatal(err)
			}
			if got := string(d.Bytes()); got != c.want {
				t.Fatalf("got:\n%s\nwant:\n%s", got, c.want)
			}
			m := independent(t, d.Bytes())
			v, ok := m["event_listener"]
			var ids []string
			if ok {
				for _, e := range v.([]map[string]any) {
					ids = append(ids, e["id"].(string))
				}
			}
			if strings.Join(ids, ",") != strings.Join(c.ids, ",") {
				t.Errorf("ids left %v, want %v", ids, c.ids)
			}
			if len(d.Changes()) == 0 || d.Changes()[0].Index != c.i {
				t.Errorf("changes %v, want the removed element's keys at index %d", d.Changes(), c.i)
			}
		})
	}
	for _, c := range []struct{ name, src, want string }{
		{"no such element", three, "it has 3"},
		{"an ordinary table", "[event_listener]\nid = \"a\"\n", "is not an array of tables"},
		{"an inline array", "event_listener = [{id = \"a\"}]\n", "event_listener is written inline (event_listener = [...]), not as [[event_listener]] tables"},
		{"no such array", "a = 1\n", "is not an array of tables"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := mustParse(t, []byte(c.src))
			err := d.DeleteArrayElement(name, 3)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one saying %q", err, c.want)
			}
			if !bytes.Equal(d.Bytes(), []byte(c.src)) {
				t.Error("the document changed")
			}
		})
	}
}
