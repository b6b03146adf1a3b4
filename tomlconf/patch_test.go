package tomlconf_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	bstoml "github.com/BurntSushi/toml"

	"github.com/wso2-container/agent/internal/fixtures"
	"github.com/wso2-container/agent/tomlconf"
	"github.com/wso2-container/agent/xmlconf"
)

// tomlKind is how the agent plugs TOML edits into the patch format.
var tomlKind = xmlconf.FileKind{
	Suffix: ".toml",
	Ops:    tomlconf.PatchOps,
	Escape: tomlconf.EscapeString,
	Keep:   tomlconf.PlaceholderPrefixes,
	Parse:  func(op, args string) (any, error) { return tomlconf.ParsePatchOp(op, args) },
}

var env = map[string]string{
	"CP_HOST":     "cp-1.example.com",
	"DB_PASSWORD": `p"w\d é`,
	"TM1":         "tm-1",
}

func lookup(k string) (string, bool) { v, ok := env[k]; return v, ok }
func secret(k string) bool           { return strings.Contains(k, "PASSWORD") }

func parsePatch(t *testing.T, src string) []xmlconf.FilePatch {
	t.Helper()
	fps, err := xmlconf.ParsePatchKinds("p.patch", []byte(src), lookup, secret, tomlKind)
	if err != nil {
		t.Fatal(err)
	}
	return fps
}

// A patch with every TOML op, applied to the real 4.5 control-plane file:
// values (with a secret variable holding quotes, a backslash and unicode)
// read back with an independent parser, secrets are flagged, WSO2
// placeholders stay literal, and a second run changes nothing.
func TestPatchTOMLOnControlPlane(t *testing.T) {
	patch := `# control plane tweaks
file repository/conf/deployment.toml
set    server.hostname            "${CP_HOST}"
set    server.offset              2
set    server.node_ip             "$env{NODE_IP}"
set    database.apim_db.password  "${DB_PASSWORD}"
set    event_listener.properties.'header.X-WSO2-KEY-MANAGER'  "x"
unset  apim.cors.allow_credentials
set    apim.cors.allow_methods    ["GET", "POST"]
tables apim.throttling.url_group <<EOF
[[apim.throttling.url_group]]
traffic_manager_urls = ["tcp://${TM1}:9611"]
traffic_manager_auth_urls = ["ssl://${TM1}:9711"]
type = "loadbalance"
EOF
merge <<EOF
[apim.devportal]
url = "https://${CP_HOST}/devportal"
EOF
`
	// the set inside [[event_listener]] is refused when applied, not parsed
	fps := parsePatch(t, patch)
	if len(fps) != 1 || len(fps[0].Other) != 9 || len(fps[0].XML) != 0 {
		t.Fatalf("got %+v", fps)
	}
	for i, o := range fps[0].Other {
		if o.Secret != (i == 3) {
			t.Errorf("edit %d secret = %v", i, o.Secret)
		}
	}
	src, err := os.ReadFile(filepath.Join(fixtures.Path("wso2-fixtures"), "wso2am-acp-4.5.0/repository/conf/deployment.toml"))
	if err != nil {
		t.Fatal(err)
	}
	apply := func(in []byte) ([]byte, int) {
		d, err := tomlconf.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range fps[0].Other {
			e := o.Edit.(tomlconf.PatchEdit)
			err := d.ApplyPatch(e)
			if e.Key.String() == `event_listener.properties."header.X-WSO2-KEY-MANAGER"` {
				if err == nil || !strings.Contains(err.Error(), "inside the array of tables [[event_listener]]") {
					t.Errorf("set inside an array of tables: %v", err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", e, err)
			}
		}
		return d.Bytes(), len(d.Changes())
	}
	out, n := apply(src)
	if n != 10 {
		t.Errorf("%d changes", n)
	}
	var m map[string]any
	if _, err := bstoml.Decode(string(out), &m); err != nil {
		t.Fatal(err)
	}
	server := m["server"].(map[string]any)
	db := m["database"].(map[string]any)["apim_db"].(map[string]any)
	apim := m["apim"].(map[string]any)
	groups := apim["throttling"].(map[string]any)["url_group"].([]map[string]any)
	if server["hostname"] != "cp-1.example.com" || server["offset"] != int64(2) || server["node_ip"] != "$env{NODE_IP}" ||
		db["password"] != env["DB_PASSWORD"] || len(groups) != 1 || groups[0]["traffic_manager_urls"].([]any)[0] != "tcp://tm-1:9611" ||
		apim["devportal"].(map[string]any)["url"] != "https://cp-1.example.com/devportal" {
		t.Errorf("reads back as %v", m)
	}
	if _, ok := apim["cors"].(map[string]any)["allow_credentials"]; ok {
		t.Errorf("allow_credentials not removed")
	}
	again, n := apply(out)
	if string(again) != string(out) || n != 0 {
		t.Errorf("second run changed %d things", n)
	}
}

// Bad TOML edits are reported as FILE:LINE: reason, all at once.
func TestPatchTOMLErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"file d.toml\nset server.hostname cp.example.com\n", `p.patch:2: set: value cp.example.com is not a TOML value (write strings in double quotes)`},
		{"file d.toml\nset server.hostname\n", `p.patch:2: set: missing value`},
		{"file d.toml\nset 'unterminated value\n", `p.patch:2: set: unterminated quoted key`},
		{"file d.toml\nunset a.b extra\n", `p.patch:2: unset: unexpected argument "extra"`},
		{"file d.toml\nattr /a b c\n", `p.patch:2: unknown op "attr" for d.toml (want file, set, unset, tables, merge)`},
		{"file d.toml\nset --all a 1\n", `p.patch:2: set: unknown option --all`},
		{"file d.toml\nset a \"${NOPE}\"\n", `p.patch:2: set: variable NOPE is not set`},
		{"file d.toml\nset a \"$HOME\"\n", `p.patch:2: set: lone $`},
		{"file d.toml\nmerge <<EOF\n[a]\nb = \nEOF\n", `p.patch:2: merge: fragment: line 2, column 3: expected value`},
		{"file d.toml\nmerge <<EOF\n[a]\n", `p.patch:2: merge: heredoc <<EOF is not closed`},
		{"file d.toml\ntables a.b <<EOF\n[[a.c]]\nx = 1\nEOF\n", `p.patch:2: tables: tables: line 1: only [[a.b]] tables and their plain keys may follow`},
		{"file d.toml\ntables a.b <<EOF\n[[a.b]]\nx.y = 1\nEOF\n", `p.patch:2: tables: tables: line 2: only [[a.b]]`},
		{"file d.toml\nset a [1,\n", `p.patch:2: set: value [1, is not a TOML value`},
		{"file a.xml\nunset /a\n", `p.patch:2: unknown op "unset" (want file, set, attr`},
	}
	for _, c := range cases {
		_, err := xmlconf.ParsePatchKinds("p.patch", []byte(c.src), lookup, secret, tomlKind)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.src, err, c.want)
		}
	}
	// every error of a file at once
	_, err := xmlconf.ParsePatchKinds("p.patch", []byte("file d.toml\nset a b\nunset\nset c 1\n"), lookup, secret, tomlKind)
	if err == nil || strings.Count(err.Error(), "p.patch:") != 2 {
		t.Errorf("want two errors, got %v", err)
	}
}

// Variables are escaped for the inside of a TOML string, so any value can
// be placed in double quotes.
func TestPatchTOMLVariableEscaping(t *testing.T) {
	for _, v := range []string{`a"b`, `c:\x\`, "new\nline", "tab\t", "é 🙂", `$env{X}`, `'`} {
		env["V"] = v
		fps := parsePatch(t, "file d.toml\nset a.v \"${V}\"\n")
		d, err := tomlconf.Parse([]byte("[a]\nv = 1\n"))
		if err != nil {
			t.Fatal(err)
		}
		if err := d.ApplyPatch(fps[0].Other[0].Edit.(tomlconf.PatchEdit)); err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if _, err := bstoml.Decode(string(d.Bytes()), &m); err != nil {
			t.Fatal(err)
		}
		if got := m["a"].(map[string]any)["v"]; got != v {
			t.Errorf("%q reads back as %q", v, got)
		}
	}
	delete(env, "V")
}

// The TOML example of PATCHFORMAT.md parses and applies to the real 4.5
// control-plane file, with every edit changing something.
func TestPatchFormatTOMLExample(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "xmlconf", "PATCHFORMAT.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	i := strings.Index(s, "## TOML files")
	if i < 0 {
		t.Fatal("no TOML section in PATCHFORMAT.md")
	}
	parts := strings.SplitN(s[i:], "```\n", 3)
	if len(parts) < 3 {
		t.Fatal("no TOML example block")
	}
	env["PUBLIC_HOST"], env["APIM_DB_PASSWORD"] = "gw.example.com", "pw"
	defer delete(env, "PUBLIC_HOST")
	defer delete(env, "APIM_DB_PASSWORD")
	fps := parsePatch(t, parts[1])
	src, err := os.ReadFile(filepath.Join(fixtures.Path("wso2-fixtures"), "wso2am-acp-4.5.0", fps[0].File))
	if err != nil {
		t.Fatal(err)
	}
	d, err := tomlconf.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range fps[0].Other {
		e := o.Edit.(tomlconf.PatchEdit)
		n := len(d.Changes())
		if err := d.ApplyPatch(e); err != nil {
			t.Fatalf("%s: %v", e, err)
		}
		if len(d.Changes()) == n {
			t.Errorf("%s changes nothing", e)
		}
		if o.Secret != (e.Key.String() == "database.apim_db.password") {
			t.Errorf("%s: secret = %v", e, o.Secret)
		}
	}
	var m map[string]any
	if _, err := bstoml.Decode(string(d.Bytes()), &m); err != nil {
		t.Fatal(err)
	}
}

// An edit the real 4.5 control-plane file cannot take fails with what went
// wrong, without restating the edit (the caller names it, String, with its
// patch line): "set apim.cors: set apim.cors: it is a table" said it twice.
func TestApplyPatchErrorsDoNotRestateTheEdit(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(fixtures.Path("wso2-fixtures"), "wso2am-acp-4.5.0/repository/conf/deployment.toml"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, patch, what, want string }{
		{"set of a table", "set apim.cors 1", "set apim.cors", "it is a table, not a value"},
		{"set inside an array of tables", "set event_listener.enable false", "set event_listener.enable",
			"the key is inside the array of tables [[event_listener]]: replace the array as a whole"},
		{"unset of a table", "unset apim.cors", "unset apim.cors", "it is a table, not a value"},
		{"tables over a table", "tables apim.cors <<EOF\n[[apim.cors]]\nx = 1\nEOF", "tables apim.cors",
			"line 1, column 1: replace [[apim.cors]]: "},
		{"merge of a value over a table", "merge <<EOF\napim.cors = 1\nEOF", "merge", "line 1, column 1: set apim.cors: it is a table, not a value"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fps := parsePatch(t, "file deployment.toml\n"+tc.patch+"\n")
			e := fps[0].Other[0].Edit.(tomlconf.PatchEdit)
			d, err := tomlconf.Parse(src)
			if err != nil {
				t.Fatal(err)
			}
			err = d.ApplyPatch(e)
			if e.String() != tc.what || err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("%s: got %v, want an error starting with %q", e, err, tc.want)
			}
		})
	}
}
