package tomlconf

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Every real deployment.toml parses and comes back byte for byte, and an
// edit that sets a key to the value it already has changes nothing.
func TestFixturesRoundTrip(t *testing.T) {
	for _, rel := range tomlFixtures(t) {
		src := fixture(t, rel)
		d := mustParse(t, src)
		if !bytes.Equal(d.Bytes(), src) {
			t.Errorf("%s: not byte-identical after Parse", rel)
		}
		want := independent(t, src)
		for _, e := range d.st.exprs {
			if e.kind != exKV || e.aot >= 0 {
				continue
			}
			v, ok := at(want, e.path...)
			if !ok {
				t.Fatalf("%s: %s missing in the independent reading", rel, Key(e.path))
			}
			if !simple(v) {
				continue
			}
			if err := d.Set(e.path[:len(e.path)-1], e.path[len(e.path)-1], v); err != nil {
				t.Errorf("%s: same-value Set %s: %v", rel, Key(e.path), err)
			}
		}
		if !bytes.Equal(d.Bytes(), src) || len(d.Changes()) != 0 {
			t.Errorf("%s: same-value Sets changed something: %v", rel, d.Changes())
		}
	}
}

// changed returns a different value of the same TOML type, with characters
// that need escaping in strings.
func changed(v any) (any, bool) {
	switch x := v.(type) {
	case string:
		return x + `-"q"\b\ é`, true
	case int64:
		return x + 1, true
	case float64:
		return x + 0.5, true
	case bool:
		return !x, true
	case []any:
		return append(append([]any(nil), x...), "added"), true
	}
	return nil, false
}

// Setting any single-line key of any real file to a new value changes that
// key's line only, keeps the text before the value (key as written, spacing
// around '='), and every other value reads back unchanged with an independent
// TOML parser.
func TestSetEveryKeyChangesOneLine(t *testing.T) {
	n := 0
	for _, rel := range tomlFixtures(t) {
		src := fixture(t, rel)
		orig := mustParse(t, src)
		for _, e := range orig.st.exprs {
			if e.kind != exKV || e.aot >= 0 || bytes.Contains(src[e.start:e.valEnd], []byte("\n")) {
				continue
			}
			v, _ := orig.Get(e.path)
			nv, ok := changed(v)
			if !ok {
				continue
			}
			d := mustParse(t, src)
			if err := d.Set(e.path[:len(e.path)-1], e.path[len(e.path)-1], nv); err != nil {
				t.Errorf("%s: Set %s: %v", rel, Key(e.path), err)
				continue
			}
			out := d.Bytes()
			a, b := splitLines(src), splitLines(out)
			if len(a) != len(b) {
				t.Errorf("%s: Set %s: %d lines became %d", rel, Key(e.path), len(a), len(b))
				continue
			}
			line := orig.st.lineNo(e.start) - 1
			for i := range a {
				if (a[i] != b[i]) != (i == line) {
					t.Errorf("%s: Set %s: line %d %q -> %q", rel, Key(e.path), i+1, a[i], b[i])
				}
			}
			head := string(src[e.start:e.valStart])
			if !strings.HasPrefix(b[line], head) {
				t.Errorf("%s: Set %s: line %q does not start with %q", rel, Key(e.path), b[line], head)
			}
			want := independent(t, src)
			parent, _ := at(want, e.path[:len(e.path)-1]...)
			parent.(map[string]any)[e.path[len(e.path)-1]] = nv
			got := independent(t, out)
			if !sameValue(got, want) {
				t.Errorf("%s: Set %s: the document reads back differently:\n%s", rel, Key(e.path), out)
			}
			n++
		}
	}
	if n < 300 {
		t.Fatalf("only %d keys exercised", n)
	}
}

// blockEnd finds, by reading the text, the index of the last key/value line
// of the table whose header is at line h (a line that is not blank, not a
// comment and not a header, before the next header).
func blockEnd(lines []string, h int) int {
	last := h
	for i := h + 1; i < len(lines); i++ {
		s := strings.TrimSpace(lines[i])
		if strings.HasPrefix(s, "[") {
			break
		}
		if s != "" && !strings.HasPrefix(s, "#") {
			last = i
		}
	}
	return last
}

// Adding a key to any table of any real file inserts exactly one line, right
// after the last key/value line of that table's block, spaced like that line.
func TestAddKeyToEveryTable(t *testing.T) {
	n := 0
	for _, rel := range tomlFixtures(t) {
		src := fixture(t, rel)
		orig := mustParse(t, src)
		lines := splitLines(src)
		for _, e := range orig.st.exprs {
			if e.kind != exTable || e.aot >= 0 {
				continue
			}
			d := mustParse(t, src)
			if err := d.Set(e.path, "agent_added", "v"); err != nil {
				t.Errorf("%s: add to [%s]: %v", rel, Key(e.path), err)
				continue
			}
			out := splitLines(d.Bytes())
			if len(out) != len(lines)+1 && !(len(out) == len(lines) && !bytes.HasSuffix(src, []byte("\n"))) {
				t.Errorf("%s: add to [%s]: %d lines became %d", rel, Key(e.path), len(lines), len(out))
				continue
			}
			h := orig.st.lineNo(e.start) - 1
			pos := blockEnd(lines, h) + 1
			if !strings.HasPrefix(out[pos], "agent_added") || !strings.Contains(out[pos], `"v"`) {
				t.Errorf("%s: add to [%s]: line %d is %q, want the new key", rel, Key(e.path), pos+1, out[pos])
				continue
			}
			removed, added := lineDiff(src, d.Bytes())
			if len(added)-len(removed) != 1 || len(removed) > 1 {
				t.Errorf("%s: add to [%s]: -%q +%q", rel, Key(e.path), removed, added)
			}
			got := independent(t, d.Bytes())
			if v, _ := at(got, append(append([]string(nil), e.path...), "agent_added")...); v != "v" {
				t.Errorf("%s: add to [%s]: reads back %v", rel, Key(e.path), v)
			}
			n++
		}
	}
	if n < 40 {
		t.Fatalf("only %d tables exercised", n)
	}
}

// scenario is a distributed control-plane setup: the edits an operator's
// variables and a WSO2_DEPLOYMENT_TOML fragment make.
func scenario(d *Doc) error {
	steps := []func() error{
		func() error { return d.Set([]string{"server"}, "hostname", "cp-1.apim.example.com") },
		func() error { return d.Set([]string{"server"}, "offset", 2) },
		func() error { return d.Set([]string{"super_admin"}, "password", `pa"ss\word 'é'`) },
		func() error {
			return d.Set([]string{"database", "apim_db"}, "url", "jdbc:mysql://db:3306/apim_db?useSSL=false&amp=1")
		},
		func() error { return d.Set([]string{"database", "apim_db"}, "type", "mysql") },
		func() error { return d.Set([]string{"keystore", "tls"}, "password", "$secret{keystore_password}") },
		func() error {
			return d.Set([]string{"apim", "key_manager"}, "service_url", "https://cp:9445/services/")
		},
		func() error {
			return d.Set([]string{"apim", "event_hub"}, "event_listening_endpoints", []string{"tcp://cp-1:5674", "tcp://cp-2:5674"})
		},
		func() error {
			return d.ReplaceArrayOfTables([]string{"apim", "throttling", "url_group"}, []Table{
				{{"traffic_manager_urls", []string{"tcp://tm-1:9613"}}, {"traffic_manager_auth_urls", []string{"ssl://tm-1:9713"}}, {"type", "loadbalance"}},
				{{"traffic_manager_urls", []string{"tcp://tm-2:9613"}}, {"traffic_manager_auth_urls", []string{"ssl://tm-2:9713"}}, {"type", "loadbalance"}},
			})
		},
		func() error {
			return d.ReplaceArrayOfTables([]string{"apim", "gateway", "environment"}, []Table{{
				{"name", "Default"}, {"type", "hybrid"}, {"provider", "wso2"}, {"display_in_api_console", true},
				{"description", "Gateway \"one\"\nsecond line"}, {"show_as_token_endpoint_url", true},
				{"service_url", "https://gw-1:9443/services/"}, {"username", "${admin.username}"}, {"password", "${admin.password}"},
				{"ws_endpoint", "ws://gw.example.com:9099"}, {"wss_endpoint", "wss://gw.example.com:8099"},
				{"http_endpoint", "http://gw.example.com"}, {"https_endpoint", "https://gw.example.com"},
			}})
		},
		func() error {
			return d.Merge([]byte(`
[database.apim_db.pool_options]
maxActive = "100"
maxWait = "10000"

[apim.cors]
allow_origins = "https://portal.example.com"
allow_credentials = true

[apim.devportal]
url = "https://cp.example.com/devportal"

[transport.https.properties]
proxyPort = 443
`))
		},
	}
	for i, s := range steps {
		if err := s(); err != nil {
			return fmt.Errorf("step %d: %w", i, err)
		}
	}
	return nil
}

// The scenario on every real file: golden output and change list, values
// read back by an independent parser, a second run changes nothing, and only
// lines of changed keys are removed (no comment or blank line is lost).
func TestScenarioGolden(t *testing.T) {
	for _, rel := range tomlFixtures(t) {
		name := strings.ReplaceAll(filepath.Dir(filepath.Dir(filepath.Dir(rel))), "/", "_")
		if filepath.Base(rel) != "deployment.toml" { // a profile template: product_template
			name = strings.SplitN(rel, "/", 2)[0] + "_" + strings.TrimSuffix(filepath.Base(rel), ".toml")
		}
		t.Run(name, func(t *testing.T) {
			src := fixture(t, rel)
			d := mustParse(t, src)
			if err := scenario(d); err != nil {
				t.Fatal(err)
			}
			out := d.Bytes()
			m := independent(t, out)
			for _, c := range []struct {
				path []string
				want any
			}{
				{[]string{"server", "hostname"}, "cp-1.apim.example.com"},
				{[]string{"server", "offset"}, int64(2)},
				{[]string{"super_admin", "password"}, `pa"ss\word 'é'`},
				{[]string{"database", "apim_db", "url"}, "jdbc:mysql://db:3306/apim_db?useSSL=false&amp=1"},
				{[]string{"keystore", "tls", "password"}, "$secret{keystore_password}"},
				{[]string{"apim", "key_manager", "service_url"}, "https://cp:9445/services/"},
				{[]string{"apim", "event_hub", "event_listening_endpoints"}, []any{"tcp://cp-1:5674", "tcp://cp-2:5674"}},
				{[]string{"database", "apim_db", "pool_options", "maxActive"}, "100"},
				{[]string{"apim", "cors", "allow_credentials"}, true},
				{[]string{"transport", "https", "properties", "proxyPort"}, int64(443)},
			} {
				if got, ok := at(m, c.path...); !ok || !sameValue(got, c.want) {
					t.Errorf("%s = %#v, want %#v", Key(c.path), got, c.want)
				}
			}
			groups, _ := at(m, "apim", "throttling", "url_group")
			if g, ok := groups.([]map[string]any); !ok || len(g) != 2 || g[1]["traffic_manager_urls"].([]any)[0] != "tcp://tm-2:9613" {
				t.Errorf("url_group reads back as %#v", groups)
			}
			envs, _ := at(m, "apim", "gateway", "environment")
			if e, ok := envs.([]map[string]any); !ok || len(e) != 1 || e[0]["description"] != "Gateway \"one\"\nsecond line" {
				t.Errorf("gateway environments read back as %#v", envs)
			}

			// Restart: the same inputs on the output change nothing.
			again := mustParse(t, out)
			if err := scenario(again); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again.Bytes(), out) || len(again.Changes()) != 0 {
				r, a := lineDiff(out, again.Bytes())
				t.Errorf("second run changed: %v -%q +%q", again.Changes(), r, a)
			}

			// Minimal diff: removed lines are lines of changed keys or of
			// removed array elements, never comments or blank lines.
			removed, added := lineDiff(src, out)
			for _, l := range removed {
				s := strings.TrimSpace(l)
				if !strings.HasSuffix(l, "\n") && slices.Contains(added, l+"\n") {
					continue // the last line, which only gained its line end
				}
				if s == "" || strings.HasPrefix(s, "#") {
					t.Errorf("removed a comment or blank line %q", l)
				}
			}
			var rep strings.Builder
			fmt.Fprintf(&rep, "lines: -%d +%d\n", len(removed), len(added))
			for _, c := range d.Changes() {
				fmt.Fprintln(&rep, c)
			}
			golden(t, name+".toml", out)
			golden(t, name+".changes", []byte(rep.String()))
		})
	}
}
