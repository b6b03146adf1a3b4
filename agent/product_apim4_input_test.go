package agent

import (
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/plan"
	"github.com/wso2-container/agent/agent/product/apim4"
)

// TestAPIM4BadInput: every bad input is one clear line naming the variable
// or file (with line and column for TOML), with its documented exit code,
// and leaves every file as it was.
func TestAPIM4BadInput(t *testing.T) {
	c := a4Cases[0]
	twoLines := filepath.Join(t.TempDir(), "db-password")
	must(t, os.WriteFile(twoLines, []byte("Db-pw-1\n\n"), 0o600))
	tests := []struct {
		name string
		env  map[string]string
		toml string // replaces the home's deployment.toml when set
		code int
		want []string
	}{
		{"bad host in URL list", map[string]string{"WSO2_THROTTLING_URLS": "tm-1,tm 2"}, "", exitcode.Config, []string{"WSO2_THROTTLING_URLS: entry 2", `"tm 2" is not a host name`}},
		{"port in host list", map[string]string{"WSO2_EVENTHUB_URLS": "cp-1:9611"}, "", exitcode.Config, []string{"WSO2_EVENTHUB_URLS: entry 1", "host names only"}},
		{"empty URL list entry", map[string]string{"WSO2_EVENTHUB_URLS": "cp-1,,cp-2"}, "", exitcode.Config, []string{"WSO2_EVENTHUB_URLS: entry 2"}},
		{"bad duplicate URL", map[string]string{"WSO2_EVENT_DUPLICATE_URLS": "cp-2:5672,cp 3"}, "", exitcode.Config, []string{"WSO2_EVENT_DUPLICATE_URLS: entry 2", `"cp 3"`}},
		{"malformed gateway JSON", map[string]string{"WSO2_GATEWAY_ENVIRONMENTS": `[{"name":"Default",`}, "", exitcode.Config, []string{"WSO2_GATEWAY_ENVIRONMENTS: invalid JSON"}},
		{"gateway JSON unknown field", map[string]string{"WSO2_GATEWAY_ENVIRONMENTS": `[{"name":"Default","serviceName":"gw","serviceUrl":"x"}]`}, "", exitcode.Config, []string{"WSO2_GATEWAY_ENVIRONMENTS:", `unknown field "serviceUrl"`}},
		{"gateway JSON wrong type", map[string]string{"WSO2_GATEWAY_ENVIRONMENTS": `[{"name":"Default","serviceName":"gw","servicePort":"9443"}]`}, "", exitcode.Config, []string{"WSO2_GATEWAY_ENVIRONMENTS: invalid JSON at offset", "servicePort must be a number"}},
		{"service URL with a scheme typo", map[string]string{"WSO2_KM_SERVICE_URL": "htps://km:9443/services/"}, "", exitcode.Config, []string{`WSO2_KM_SERVICE_URL: "htps://km:9443/services/": the scheme "htps" is not https or http`}},
		{"event URL with a web scheme", map[string]string{"WSO2_EVENT_DUPLICATE_URLS": "https://cp-2:9443"}, "", exitcode.Config, []string{`WSO2_EVENT_DUPLICATE_URLS: entry 1: "https://cp-2:9443": the scheme "https" is not tcp or ssl`}},
		{"service URL missing a slash", map[string]string{"WSO2_KM_SERVICE_URL": "https:/km:9443/services/"}, "", exitcode.Config, []string{`WSO2_KM_SERVICE_URL: "https:/km:9443/services/" is not a URL (scheme://host...), host:port or host`}},
		{"JDBC URL missing a colon", map[string]string{"WSO2_SHARED_DB_URL": "jdbc:mysql//mysql:3306/shared_db"}, "", exitcode.Config, []string{`WSO2_SHARED_DB_URL: "jdbc:mysql//mysql:3306/shared_db": a ':' is missing after jdbc:mysql`}},
		{"truststore that is not there", map[string]string{"WSO2_TRUSTSTORE_NAME": "nope.jks", "WSO2_CERTIFICATES_DIR": "/nonexistent/certificates"}, "", exitcode.NoInput,
			[]string{"[truststore] (WSO2_TRUSTSTORE_NAME): truststore repository/resources/security/nope.jks: no such file or directory"}},
		{"secret file with a second line break", map[string]string{"WSO2_SHARED_DB_PASSWORD_FILE": twoLines}, "", exitcode.Config,
			[]string{"WSO2_SHARED_DB_PASSWORD_FILE: " + twoLines + ": the value holds control characters (a second line break? one trailing line break is trimmed)"}},
		{"database password set but empty", map[string]string{"WSO2_SHARED_DB_PASSWORD": ""}, "", exitcode.Config, []string{"WSO2_SHARED_DB_PASSWORD: set but empty (unset it, or give a password)"}},
		{"keystore password set but empty", map[string]string{"WSO2_KEYSTORE_TLS_PASSWORD": ""}, "", exitcode.Config, []string{"WSO2_KEYSTORE_TLS_PASSWORD: set but empty"}},
		{"gateway JSON an object, not an array", map[string]string{"WSO2_GATEWAY_ENVIRONMENTS": `{"name":"Default","serviceName":"gw"}`}, "", exitcode.Config, []string{"WSO2_GATEWAY_ENVIRONMENTS: invalid JSON at offset", `the value must be an array of environments ([{"name": ...}, ...])`}},
		{"gateway without serviceName", map[string]string{"WSO2_GATEWAY_ENVIRONMENTS": `[{"name":"Default"}]`}, "", exitcode.Config, []string{"WSO2_GATEWAY_ENVIRONMENTS: entry 1 (Default): serviceName"}},
		{"bad service URL", map[string]string{"WSO2_KM_SERVICE_URL": "https://cp service/"}, "", exitcode.Config, []string{"WSO2_KM_SERVICE_URL:"}},
		{"bad port", map[string]string{"WSO2_KM_SERVICE_URL": "cp:99999"}, "", exitcode.Config, []string{"WSO2_KM_SERVICE_URL:", "is not a port"}},
		{"bad offset", map[string]string{"WSO2_PORT_OFFSET": "-1"}, "", exitcode.Config, []string{"WSO2_PORT_OFFSET:", "port offset"}},
		{"quote in hostname", map[string]string{"WSO2_HOSTNAME": `am".example.com`}, "", exitcode.Config, []string{"WSO2_HOSTNAME:", "not a host name"}},
		{"not a JDBC URL", map[string]string{"WSO2_APIM_DB_URL": "mysql://db/apim"}, "", exitcode.Config, []string{"WSO2_APIM_DB_URL:", "not a JDBC URL"}},
		{"unknown database", map[string]string{"WSO2_APIM_DB_URL": "jdbc:db2://db/apim"}, "", exitcode.Config, []string{"WSO2_APIM_DB_URL:", "WSO2_DB_TYPE"}},
		{"malformed fragment", map[string]string{"WSO2_DEPLOYMENT_TOML": "[server]\nhostname = \"a\"\noffset = = 2\n"}, "", exitcode.Config, []string{"WSO2_DEPLOYMENT_TOML: line 3, column"}},
		{"an IPv6 URL", map[string]string{"WSO2_KM_SERVICE_URL": "https://[fd00::5]:9443/services/"}, "", exitcode.Config, []string{`WSO2_KM_SERVICE_URL: "https://[fd00::5]:9443/services/": "fd00::5" is not a host name: an IPv6 address is not supported here`}},
		{"an IPv6 address", map[string]string{"WSO2_KM_SERVICE_URL": "fd00::5"}, "", exitcode.Config, []string{`WSO2_KM_SERVICE_URL: "fd00::5": an IPv6 address is not supported here`}},
		{"an IPv6 address in brackets with a port", map[string]string{"WSO2_EVENTHUB_SERVICE_URL": "[fd00::5]:9443"}, "", exitcode.Config, []string{`WSO2_EVENTHUB_SERVICE_URL: "[fd00::5]:9443": an IPv6 address is not supported here`}},
		{"Identity Server with the revocation listener written inline", map[string]string{"WSO2_KM_TYPE": "WSO2-IS", "WSO2_KM_SERVICE_URL": "is"},
			"event_listener = [{id = \"token_revocation\", order = 1}]\n\n[server]\nhostname = \"localhost\"\n", exitcode.Config,
			[]string{"WSO2_KM_TYPE: does not fit repository/conf/deployment.toml: ", "event_listener is written inline"}},
		{"unknown key manager type", map[string]string{"WSO2_KM_TYPE": "Keycloak"}, "", exitcode.Config, []string{`WSO2_KM_TYPE: "Keycloak" is not a key manager type the agent writes: WSO2-IS`}},
		{"Identity Server without its URL", map[string]string{"WSO2_KM_TYPE": "WSO2-IS"}, "", exitcode.Config, []string{"WSO2_KM_TYPE: WSO2-IS needs WSO2_KM_SERVICE_URL"}},
		{"fragment sets a table", map[string]string{"WSO2_DEPLOYMENT_TOML": "apim = 1\n"}, "", exitcode.Config, []string{"WSO2_DEPLOYMENT_TOML: does not fit repository/conf/deployment.toml: line 1, column 1: set apim"}},
		{"malformed deployment.toml", nil, "[server]\nhostname = \"localhost\n", exitcode.DataErr, []string{"deployment.toml", "line 2, column"}},
		{"unset $env", map[string]string{"WSO2_DEPLOYMENT_TOML": "[apim.ai]\ntoken = \"$env{A4_TEST_UNSET_TOKEN}\"\n"}, "", exitcode.Config, []string{"apim.ai.token", "$env{A4_TEST_UNSET_TOKEN}", "not set"}},
		{"secret and its file", map[string]string{"WSO2_APIM_DB_PASSWORD": "x", "WSO2_APIM_DB_PASSWORD_FILE": "/dev/null"}, "", exitcode.Config, []string{"WSO2_APIM_DB_PASSWORD and WSO2_APIM_DB_PASSWORD_FILE are both set"}},
		{"control character in password", map[string]string{"WSO2_SHARED_DB_PASSWORD": "a\nb"}, "", exitcode.Config, []string{"WSO2_SHARED_DB_PASSWORD: holds control characters"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := a4Layout(t, c)
			if tt.toml != "" {
				if err := os.WriteFile(filepath.Join(home, apim4.DeploymentTOML), []byte(tt.toml), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			env := a4BaseEnv(t, c, home)
			env["WSO2_HOSTNAME"] = "am.example.com" // a valid edit beside the bad one
			for k, v := range tt.env {
				env[k] = v
			}
			before := snapshot(t, home)
			_, err := planFor(t, env, goldenDNS)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if exitcode.Of(err) != tt.code || strings.Contains(msg, "\n") {
				t.Errorf("error %q: code %d, want one line with code %d", msg, exitcode.Of(err), tt.code)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
			if d := diffSnapshots(before, snapshot(t, home)); len(d) > 0 {
				t.Errorf("files touched: %v", d)
			}
		})
	}
}

// TestAPIM4DuplicateURLsNotOnAGateway: a gateway or a key manager receives
// no events to copy to a peer (the charts' highAvailability pairs are
// control planes and traffic managers), so WSO2_EVENT_DUPLICATE_URLS there
// is a configuration error naming the variable (exit 78), and nothing is
// written.
func TestAPIM4DuplicateURLsNotOnAGateway(t *testing.T) {
	for _, tt := range []struct {
		c    a4Case
		want string
	}{
		{a4Cases[3], "WSO2_EVENT_DUPLICATE_URLS: a gateway receives no events"},
		{a4Cases[7], "WSO2_EVENT_DUPLICATE_URLS: a gateway receives no events"},
		{a4Cases[1], "WSO2_EVENT_DUPLICATE_URLS: a key manager receives no events"},
		{a4Cases[9], "WSO2_EVENT_DUPLICATE_URLS: a key manager receives no events"},
	} {
		t.Run(tt.c.name, func(t *testing.T) {
			home := a4Layout(t, tt.c)
			env := a4BaseEnv(t, tt.c, home)
			env["WSO2_EVENT_DUPLICATE_URLS"] = "peer-2"
			before := snapshot(t, home)
			_, err := planFor(t, env, goldenDNS)
			if err == nil || exitcode.Of(err) != exitcode.Config || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v (code %d), want exit %d with %q", err, exitcode.Of(err), exitcode.Config, tt.want)
			}
			if d := diffSnapshots(before, snapshot(t, home)); len(d) > 0 {
				t.Errorf("files touched: %v", d)
			}
		})
	}
}

// TestAPIM4URLRules: a full URL is kept, host:port keeps its port, a bare
// host gets the chart's URL with the stock port plus the offset of the
// component it points at.
func TestAPIM4URLRules(t *testing.T) {
	tests := []struct {
		role             apim4.Role
		offset, tmOffset string
		v                string
		kind             string // km, tm
		want             string
	}{
		{apim4.RoleGW, "5", "", "cp", "km", "https://cp:9443/services/"},     // a gateway's key manager: no offset
		{apim4.RoleCP, "5", "", "cp", "km", "https://cp:9448/services/"},     // a control plane's peers: its own
		{apim4.RoleCP, "5", "3", "tm", "tm", "https://tm:9446/services/"},    // traffic managers: theirs
		{apim4.RoleGW, "5", "3", "tm", "tm", "https://tm:9446/services/"},    // traffic managers: theirs
		{apim4.RoleTM, "4", "", "tm", "tm", "https://tm:9447/services/"},     // a traffic manager's peers: its own
		{apim4.RoleGW, "", "", "cp:9444", "km", "https://cp:9444/services/"}, // host:port as given
		{apim4.RoleCP, "5", "", "https://km.example.com/services/", "km", "https://km.example.com/services/"},
		{apim4.RoleCP, "5", "", "http://km:80/x", "km", "http://km:80/x"},
	}
	for _, tt := range tests {
		env := &apim4.Env{Vals: map[string]string{}}
		if tt.offset != "" {
			env.Vals["WSO2_PORT_OFFSET"] = tt.offset
		}
		if tt.tmOffset != "" {
			env.Vals["WSO2_THROTTLING_PORT_OFFSET"] = tt.tmOffset
		}
		name := map[string]string{"km": "WSO2_KM_SERVICE_URL", "tm": "WSO2_THROTTLING_SERVICE_URL"}[tt.kind]
		env.Vals[name] = tt.v
		in, probs := apim4.ParseInputs(env, tt.role)
		if len(probs) > 0 {
			t.Fatalf("%+v: %v", tt, probs)
		}
		got := map[string]string{"km": in.KMURL, "tm": in.TMURL}[tt.kind]
		if got != tt.want {
			t.Errorf("role %d offset %q tm offset %q: %s=%q -> %q, want %q", tt.role, tt.offset, tt.tmOffset, name, tt.v, got, tt.want)
		}
	}
}

// TestAPIM4URLLists: WSO2_EVENTHUB_URLS on a gateway or traffic manager
// yields one listening endpoint per entry, so each entry follows the URL
// rule (full URL as given, host:port, bare host + the control plane's
// port); on a control plane each host yields two URLs, so entries are host
// names only. Bad entries are named by their position.
func TestAPIM4URLLists(t *testing.T) {
	tests := []struct {
		role    apim4.Role
		v       string
		want    []string
		wantErr string
	}{
		{apim4.RoleGW, "cp-1, cp-2:5680,tcp://cp-3.example.com:5699", []string{"tcp://cp-1:5672", "tcp://cp-2:5680", "tcp://cp-3.example.com:5699"}, ""},
		{apim4.RoleTM, "cp-1", []string{"tcp://cp-1:5672"}, ""},
		{apim4.RoleGW, "cp-1,cp 2", nil, `entry 2: "cp 2"`},
		{apim4.RoleGW, "cp-1,", nil, "entry 2:"},
		{apim4.RoleTM, "cp-1:0", nil, "entry 1:"},
		{apim4.RoleTM, "tcp://cp-1:99999", nil, "entry 1:"},
		{apim4.RoleCP, "cp-1:9611", nil, "entry 1 \"cp-1:9611\": give host names only"},
	}
	for _, tt := range tests {
		env := &apim4.Env{Vals: map[string]string{"WSO2_EVENTHUB_URLS": tt.v}}
		in, probs := apim4.ParseInputs(env, tt.role)
		if tt.wantErr != "" {
			if len(probs) != 1 || !strings.Contains(probs[0], "WSO2_EVENTHUB_URLS: "+tt.wantErr) {
				t.Errorf("role %d %q: problems %q, want one containing %q", tt.role, tt.v, probs, tt.wantErr)
			}
			continue
		}
		if len(probs) > 0 || !reflect.DeepEqual(in.EventHubListen, tt.want) {
			t.Errorf("role %d %q: %q (%v), want %q", tt.role, tt.v, in.EventHubListen, probs, tt.want)
		}
	}
}

// TestAPIM4Escaping: values holding quotes, backslashes, newlines and
// non-ASCII are written as correct TOML and read back unchanged, where the
// Helm chart writes them between quotes as they are.
func TestAPIM4Escaping(t *testing.T) {
	c := a4Cases[0]
	home := a4Layout(t, c)
	env := a4BaseEnv(t, c, home)
	pw := `p"a\ss wörd ✓ 'x'`
	desc := "Gateway \"Ost\" \\ Zürich\nline two"
	env["WSO2_ADMIN_PASSWORD"] = pw
	env["WSO2_APIM_DB_USERNAME"] = `user"name`
	env["WSO2_GATEWAY_ENVIRONMENTS"] = `[{"name":"Zürich \"1\"","serviceName":"gw","description":` + jsonQuote(desc) + `,"visibility":["role \"a\"","b\\c"]}]`
	env["WSO2_GATEWAY_LABELS"] = `["Default","label \"q\""]`
	mustApply(t, env, goldenDNS)
	data, _ := os.ReadFile(filepath.Join(home, apim4.DeploymentTOML))
	m := readTOML(t, data)
	checks := []struct {
		path []any
		want any
	}{
		{[]any{"super_admin", "password"}, pw},
		{[]any{"database", "apim_db", "username"}, `user"name`},
		{[]any{"apim", "gateway", "environment", 0, "name"}, `Zürich "1"`},
		{[]any{"apim", "gateway", "environment", 0, "description"}, desc},
		{[]any{"apim", "gateway", "environment", 0, "visibility"}, []any{`role "a"`, `b\c`}},
		{[]any{"apim", "sync_runtime_artifacts", "gateway", "gateway_labels"}, []any{"Default", `label "q"`}},
	}
	for _, ck := range checks {
		if got := tomlAt(t, m, ck.path...); !reflect.DeepEqual(got, ck.want) {
			t.Errorf("%v = %#v, want %#v", ck.path, got, ck.want)
		}
	}
	// Restart: nothing changes.
	p, err := planFor(t, env, goldenDNS)
	if err != nil || len(p.Changed()) > 0 {
		t.Errorf("second plan: %v %v", err, p.Changed())
	}
}

func jsonQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

// TestAPIM4Volumes: the config and artifact volumes are copied over the
// home before the edits, following symlinks (a Kubernetes ConfigMap mount
// is ..data symlinks, which are not copied themselves); the volume's
// deployment.toml is the base of the edits, so a restart (the volume
// unchanged, the home edited) changes nothing, and a dry run writes nothing.
func TestAPIM4Volumes(t *testing.T) {
	c := a4Cases[3] // universal gateway
	home := a4Layout(t, c)
	root := filepath.Dir(home)
	cfgVol, artVol := filepath.Join(root, "cfgvol"), filepath.Join(root, "artvol")
	// The chart's ConfigMap: repository/conf/deployment.toml -> ..data/deployment.toml.
	conf := filepath.Join(cfgVol, "repository", "conf")
	data := filepath.Join(conf, "..2026_12_04_18_00_00.000")
	must(t, os.MkdirAll(data, 0o755))
	helm := "[server]\nhostname = \"gw.wso2.com\"\nnode_ip = \"$env{NODE_IP}\"\nserver_role = \"gateway-worker\"\noffset = 0\n\n[super_admin]\nusername = \"admin\"\npassword = \"$env{WSO2_ADMIN_PASSWORD}\"\ncreate_admin_account = true\n"
	must(t, os.WriteFile(filepath.Join(data, "deployment.toml"), []byte(helm), 0o644))
	must(t, os.Symlink(filepath.Base(data), filepath.Join(conf, "..data")))
	must(t, os.Symlink(filepath.Join("..data", "deployment.toml"), filepath.Join(conf, "deployment.toml")))
	// The keystore secret, as a symlinked folder.
	sec := filepath.Join(root, "secret")
	must(t, os.MkdirAll(sec, 0o755))
	ks, _ := os.ReadFile(filepath.Join(home, "repository", "resources", "security", "wso2carbon.jks"))
	must(t, os.WriteFile(filepath.Join(sec, "wso2internal.jks"), ks, 0o600))
	must(t, os.MkdirAll(filepath.Join(cfgVol, "repository", "resources"), 0o755))
	must(t, os.Symlink(sec, filepath.Join(cfgVol, "repository", "resources", "security")))
	// An artifact.
	api := filepath.Join(artVol, "repository", "deployment", "server", "synapse-configs", "default", "api")
	must(t, os.MkdirAll(api, 0o755))
	must(t, os.WriteFile(filepath.Join(api, "Pizza.xml"), []byte("<api name=\"Pizza\"/>\n"), 0o644))

	env := a4BaseEnv(t, c, home)
	env["WSO2_CONFIG_VOLUME"], env["WSO2_ARTIFACT_VOLUME"] = cfgVol, artVol
	env["WSO2_HOSTNAME"] = "gw.example.com"
	env["WSO2_ADMIN_PASSWORD"] = goldenAdminPW
	env["WSO2_KEYSTORE_INTERNAL_NAME"] = "wso2internal.jks"

	before := snapshot(t, home)
	p, err := planFor(t, env, goldenDNS) // the dry run
	if err != nil {
		t.Fatal(err)
	}
	if d := diffSnapshots(before, snapshot(t, home)); len(d) > 0 {
		t.Fatalf("planning wrote: %v", d)
	}
	if p.ChildEnv["NODE_IP"] != goldenLocalIP {
		t.Errorf("NODE_IP for the server = %q, want %s (the file reads $env{NODE_IP})", p.ChildEnv["NODE_IP"], goldenLocalIP)
	}
	// The file reads the admin password by $env{}: it stays so (the
	// server resolves it), and the agent, which withholds secrets from the
	// server, passes this one on.
	if p.ChildEnv["WSO2_ADMIN_PASSWORD"] != goldenAdminPW {
		t.Errorf("WSO2_ADMIN_PASSWORD not passed on to the server; ChildEnv %v", slices.Sorted(maps.Keys(p.ChildEnv)))
	}
	mustApply(t, env, goldenDNS)
	got, _ := os.ReadFile(filepath.Join(home, apim4.DeploymentTOML))
	m := readTOML(t, got)
	for path, want := range map[string]any{"server.hostname": "gw.example.com", "server.node_ip": "$env{NODE_IP}", "super_admin.password": "$env{WSO2_ADMIN_PASSWORD}", "keystore.internal.file_name": "wso2internal.jks", "server.server_role": "gateway-worker"} {
		var keys []any
		for _, k := range strings.Split(path, ".") {
			keys = append(keys, k)
		}
		if v := tomlAt(t, m, keys...); v != want {
			t.Errorf("%s = %v, want %v", path, v, want)
		}
	}
	for _, rel := range []string{"repository/resources/security/wso2internal.jks", "repository/deployment/server/synapse-configs/default/api/Pizza.xml"} {
		if _, err := os.Stat(filepath.Join(home, rel)); err != nil {
			t.Errorf("%s not copied: %v", rel, err)
		}
	}
	if _, err := os.Lstat(filepath.Join(home, "repository", "conf", "..data")); err == nil {
		t.Error("the ConfigMap's ..data was copied")
	}
	// Restart: byte-identical.
	after := snapshot(t, home)
	p2, err := planFor(t, env, goldenDNS)
	if err != nil || len(p2.Changed()) > 0 {
		t.Fatalf("restart plan: %v, %v", err, p2.Changed())
	}
	if w, err := p2.Apply(); err != nil || len(w) > 0 {
		t.Fatalf("restart apply wrote %v (%v)", w, err)
	}
	if d := diffSnapshots(after, snapshot(t, home)); len(d) > 0 {
		t.Errorf("restart touched: %v", d)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestAPIM4EnvCheck: every $env{} of the final file is checked; a secret
// the agent withholds from the server is passed on when the file reads it;
// render shows the check.
func TestAPIM4EnvCheck(t *testing.T) {
	c := a4Cases[2]
	home := a4Layout(t, c)
	env := a4BaseEnv(t, c, home)
	env["WSO2_APIM_DB_PASSWORD"] = goldenDBPW
	env["A4_TEST_SET"] = "yes"
	env["WSO2_DEPLOYMENT_TOML"] = "[database.apim_db]\npassword = \"$env{WSO2_APIM_DB_PASSWORD}\"\n\n[apim.ai]\ntoken = \"$env{A4_TEST_SET}\"\n"
	p, err := planFor(t, env, goldenDNS)
	if err != nil {
		t.Fatal(err)
	}
	if p.ChildEnv["WSO2_APIM_DB_PASSWORD"] != goldenDBPW {
		t.Errorf("the secret the file reads is not passed on: %v", slices.Sorted(maps.Keys(p.ChildEnv)))
	}
	var b strings.Builder
	if err := p.WriteText(&b, true); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, w := range []string{"# check: $env{A4_TEST_SET} (apim.ai.token, line", "# check: $env{WSO2_APIM_DB_PASSWORD} (database.apim_db.password, line", "# command: " + filepath.Join(home, "bin", "traffic-manager.sh")} {
		if !strings.Contains(out, w) {
			t.Errorf("render does not show %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, goldenDBPW) {
		t.Error("render shows the database password")
	}
}

// TestAPIM4ReadOnlyTruststore: with the keystore secret mounted read-only
// over repository/resources/security (no config volume), the merged
// truststore is written to repository/resources/agent-security and
// [truststore] file_name points there; the next start (mount still
// read-only) changes nothing.
func TestAPIM4ReadOnlyTruststore(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("needs root for a read-only bind mount (the test environment has it)")
	}
	c := a4Cases[0]
	home := a4Layout(t, c)
	env := a4BaseEnv(t, c, home)
	sec := filepath.Join(home, "repository", "resources", "security")
	var first, second *plan.Plan
	var err1, err2 error
	var applyErr error
	var written []string
	inReadOnly(t, sec, func() {
		first, err1 = planFor(t, env, goldenDNS)
		if err1 == nil {
			written, applyErr = first.Apply()
		}
		if applyErr == nil {
			second, err2 = planFor(t, env, goldenDNS)
		}
	})
	if err1 != nil || applyErr != nil || err2 != nil {
		t.Fatalf("plan %v, apply %v, second plan %v", err1, applyErr, err2)
	}
	alt := filepath.Join(home, "repository", "resources", "agent-security", "client-truststore.jks")
	if !slicesHas(written, alt) {
		t.Errorf("written %v, want %s", written, alt)
	}
	data, _ := os.ReadFile(filepath.Join(home, apim4.DeploymentTOML))
	if v := tomlAt(t, readTOML(t, data), "truststore", "file_name"); v != "../agent-security/client-truststore.jks" {
		t.Errorf("[truststore] file_name = %v", v)
	}
	if len(second.Changed()) > 0 {
		t.Errorf("second start changes %v", second.Changed())
	}
	ks, _ := os.ReadFile(alt)
	listing := keystoreListing(t, ks, "wso2carbon")
	if !strings.Contains(listing, "\nwso2apimcert trustedCertEntry") {
		t.Errorf("the certificates folder was not imported:\n%.400s", listing)
	}
}

func slicesHas(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// inReadOnly runs fn on an OS thread with its own mount namespace in which
// dir is a read-only bind mount (a Kubernetes secret mount).
func inReadOnly(t *testing.T, dir string, fn func()) {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with its namespace
		for _, step := range []func() error{
			func() error { return syscall.Unshare(syscall.CLONE_NEWNS) },
			func() error { return syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, "") },
			func() error { return syscall.Mount(dir, dir, "", syscall.MS_BIND, "") },
			func() error {
				return syscall.Mount("", dir, "", syscall.MS_BIND|syscall.MS_REMOUNT|syscall.MS_RDONLY, "")
			},
		} {
			if err := step(); err != nil {
				errc <- err
				return
			}
		}
		fn()
		errc <- nil
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// TestAPIM4FileVariables: every secret, and WSO2_DEPLOYMENT_TOML, can come
// from NAME_FILE (one trailing newline trimmed); the values are masked in
// the plan's report. A fragment is a document, not a password: its file
// may be larger than a password's 4 KiB (up to 4 MiB).
func TestAPIM4FileVariables(t *testing.T) {
	c := a4Cases[0]
	home := a4Layout(t, c)
	dir := t.TempDir()
	write := func(name, v string) string {
		p := filepath.Join(dir, name)
		must(t, os.WriteFile(p, []byte(v), 0o600))
		return p
	}
	env := a4BaseEnv(t, c, home)
	env["WSO2_APIM_DB_PASSWORD_FILE"] = write("db", "Db-From-File-pw\n")
	env["WSO2_KEYSTORE_TLS_KEY_PASSWORD_FILE"] = write("key", "Key-From-File-pw\n")
	long := strings.Repeat("# a chart's extraConfigs, commented at length\n", 150) // 7 KiB
	env["WSO2_DEPLOYMENT_TOML_FILE"] = write("frag", long+"[apim.cors]\nallow_credentials = true\n")
	huge := write("huge", strings.Repeat("#", 4<<20+1))
	if _, err := planFor(t, with(env, "WSO2_DEPLOYMENT_TOML_FILE", huge), goldenDNS); err == nil ||
		!strings.Contains(err.Error(), "WSO2_DEPLOYMENT_TOML_FILE: read "+huge+": larger than 4 MiB") {
		t.Errorf("a fragment file over 4 MiB: %v, want refused naming the variable and the limit", err)
	}
	a4Keystores(t, home, with(env, "WSO2_KEYSTORE_TLS_KEY_PASSWORD", "Key-From-File-pw"))
	p := mustApply(t, env, goldenDNS)
	data, _ := os.ReadFile(filepath.Join(home, apim4.DeploymentTOML))
	m := readTOML(t, data)
	for _, ck := range []struct {
		path []any
		want any
	}{
		{[]any{"database", "apim_db", "password"}, "Db-From-File-pw"},
		{[]any{"keystore", "tls", "key_password"}, "Key-From-File-pw"},
		{[]any{"apim", "cors", "allow_credentials"}, true},
	} {
		if got := tomlAt(t, m, ck.path...); got != ck.want {
			t.Errorf("%v = %v, want %v", ck.path, got, ck.want)
		}
	}
	var b strings.Builder
	if err := p.WriteJSON(&b, false); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Db-From-File-pw", "Key-From-File-pw"} {
		if strings.Contains(b.String(), s) {
			t.Errorf("the report shows %s", s)
		}
	}
}

// TestAPIM4EventHubWarnings: listening endpoints without a service_url
// (WSO2_EVENTHUB_URLS alone: the stock files have the table commented out;
// or with enable = true from the fragment) are one warning naming what to
// set; endpoints switched off by enable = false are one warning saying so.
// With the service URL, from the variable or the fragment (enable left to
// the product's default, true), there is none.
func TestAPIM4EventHubWarnings(t *testing.T) {
	const (
		noURL = "[apim.event_hub] has event_listening_endpoints but no service_url"
		off   = "[apim.event_hub] has event_listening_endpoints but enable = false"
	)
	for _, tt := range []struct {
		name string
		c    a4Case
		env  map[string]string
		want string // the one warning about the event hub; "" for none
	}{
		{"gateway, endpoints only", a4Cases[3], map[string]string{"WSO2_EVENTHUB_URLS": "cp-1,cp-2"}, noURL},
		{"traffic manager, endpoints only", a4Cases[2], map[string]string{"WSO2_EVENTHUB_URLS": "cp-1"}, noURL},
		{"gateway, enabled by the fragment but no service URL", a4Cases[3], map[string]string{"WSO2_EVENTHUB_URLS": "cp-1", "WSO2_DEPLOYMENT_TOML": "[apim.event_hub]\nenable = true\n"}, noURL},
		{"gateway, with the service URL", a4Cases[3], map[string]string{"WSO2_EVENTHUB_URLS": "cp-1", "WSO2_EVENTHUB_SERVICE_URL": "cp"}, ""},
		{"gateway, service URL from the fragment, enable by default", a4Cases[3], map[string]string{"WSO2_EVENTHUB_URLS": "cp-1", "WSO2_DEPLOYMENT_TOML": "[apim.event_hub]\nservice_url = \"https://cp:9443/services/\"\n"}, ""},
		{"gateway, switched off by the fragment", a4Cases[3], map[string]string{"WSO2_EVENTHUB_URLS": "cp-1", "WSO2_EVENTHUB_SERVICE_URL": "cp", "WSO2_DEPLOYMENT_TOML": "[apim.event_hub]\nenable = false\n"}, off},
		{"gateway, no event hub", a4Cases[3], nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			home := a4Layout(t, tt.c)
			env := a4BaseEnv(t, tt.c, home)
			for k, v := range tt.env {
				env[k] = v
			}
			p, err := planFor(t, env, goldenDNS)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range p.Warnings {
				if strings.Contains(w, "[apim.event_hub]") {
					got = append(got, w)
				}
			}
			switch {
			case tt.want == "" && len(got) != 0:
				t.Errorf("warnings %q, want none", got)
			case tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)):
				t.Errorf("warnings %q, want one: %q; all: %q", got, tt.want, p.Warnings)
			case tt.want == noURL && !strings.Contains(got[0], "set WSO2_EVENTHUB_SERVICE_URL"):
				t.Errorf("warning %q does not say what to set", got[0])
			}
		})
	}
}

// TestAPIM4WarnsOfCarbon44Variables: variables of the Carbon 4.4 setup set
// on a 4.x home (an operator moving from the 2.0.0 images) are one warning
// naming each; those agent admin-password and agent certs read on any
// product (WSO2_MYSQL_*, WSO2_DOMAIN), VIRTUAL_HOST (other tools' variable)
// and empty ones are not named; with none set there is no warning. Values
// the Carbon 4.4 setup refuses (not a host, not a boolean, not a URL) do
// not stop a 4.x start: nothing there reads them.
func TestAPIM4WarnsOfCarbon44Variables(t *testing.T) {
	const says = "set, but nothing in an API Manager 4.x setup reads "
	const them = says + "them (they configure the Carbon 4.4 products)"
	for _, tt := range []struct {
		env  map[string]string
		want string // the warning; "" for none
	}{
		{map[string]string{"WSO2_CLUSTER_MEMBERS": "tasks.gateway", "WSO2_DAS_APIM_STAT_SCRIPT": "0 0/2 * 1/1 * ?", "WSO2_MYSQL_PASSWORD": "pw", "WSO2_DOMAIN": "wso2"},
			"WSO2_CLUSTER_MEMBERS, WSO2_DAS_APIM_STAT_SCRIPT: " + them},
		{map[string]string{"WSO2_KEYMANAGER_HOST": "km", "WSO2_PROXY_PORT_HTTPS": "443"},
			"WSO2_KEYMANAGER_HOST: " + says + "it (it configures the Carbon 4.4 products)"},
		{map[string]string{"WSO2_HOST_NAME": "gw.example.com"},
			"WSO2_HOST_NAME: " + says + "it (it configures the Carbon 4.4 products); on 4.x use WSO2_HOSTNAME instead of WSO2_HOST_NAME"},
		{map[string]string{"WSO2_MYSQL_SERVER": "db"}, ""},
		{map[string]string{"VIRTUAL_HOST": "am.example.com", "WSO2_HOST_NAME": "", "WSO2_CLUSTER_MEMBERS": ""}, ""},
		{map[string]string{"WSO2_CARBON_ANALYTICS": "maybe", "WSO2_HOST_NAME": "bad host", "WSO2_CLUSTER_MEMBERS": "a b", "WSO2_GATEWAY_ENDPOINT": "gw:8243"},
			"WSO2_CARBON_ANALYTICS, WSO2_GATEWAY_ENDPOINT, WSO2_HOST_NAME, WSO2_CLUSTER_MEMBERS: " + them + "; on 4.x use WSO2_HOSTNAME instead of WSO2_HOST_NAME"},
	} {
		home := a4Layout(t, a4Cases[3])
		env := a4BaseEnv(t, a4Cases[3], home)
		for k, v := range tt.env {
			env[k] = v
		}
		p, err := planFor(t, env, goldenDNS)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, w := range p.Warnings {
			if strings.Contains(w, says) {
				got = append(got, w)
			}
		}
		switch {
		case tt.want == "" && len(got) > 0:
			t.Errorf("%v: warned %q", tt.env, got)
		case tt.want != "" && (len(got) != 1 || got[0] != tt.want):
			t.Errorf("%v: warnings %q, want %q", tt.env, got, tt.want)
		}
	}
}

// TestAPIM4TruststoreFromVolumeShown: a truststore the config volume brings
// is the base of the import, and the report shows it as the copy it is,
// first, in text and in JSON, as the volume's other files; before, a
// truststore with nothing to import was a heading with nothing under it.
func TestAPIM4TruststoreFromVolumeShown(t *testing.T) {
	c := a4Cases[3] // universal gateway
	home := a4Layout(t, c)
	vol := filepath.Join(filepath.Dir(home), "cfgvol")
	sec := filepath.Join(vol, "repository", "resources", "security")
	must(t, os.MkdirAll(sec, 0o755))
	ts, err := os.ReadFile(filepath.Join(fixturesRoot, "wso2am-4.2.0", "repository", "resources", "security", "client-truststore.jks"))
	if err != nil {
		t.Fatal(err)
	}
	must(t, os.WriteFile(filepath.Join(sec, "client-truststore.jks"), ts, 0o644))
	rel := filepath.Join("repository", "resources", "security", "client-truststore.jks")
	for _, certs := range []string{"none", "some"} {
		t.Run(certs, func(t *testing.T) {
			env := with(a4BaseEnv(t, c, home), "WSO2_CONFIG_VOLUME", vol)
			if certs == "none" {
				env["WSO2_CERTIFICATES_DIR"] = filepath.Join(t.TempDir(), "empty")
				must(t, os.Mkdir(env["WSO2_CERTIFICATES_DIR"], 0o755))
			}
			p, err := planFor(t, env, goldenDNS)
			if err != nil {
				t.Fatal(err)
			}
			fp := p.FindFile(filepath.Join(home, rel))
			if fp == nil {
				t.Fatalf("no plan for %s; changed: %v", rel, p.Changed())
			}
			want := plan.Change{Target: rel, Op: "copy", Note: "from " + filepath.Join(sec, "client-truststore.jks")}
			if len(fp.Changes) == 0 || fp.Changes[0] != want {
				t.Fatalf("changes %+v, want first %+v", fp.Changes, want)
			}
			if certs == "none" && len(fp.Changes) != 1 {
				t.Errorf("changes %+v, want the copy only", fp.Changes)
			}
			r := runPipe(t, env, "render", "--dry-run")
			if line := "#   copy " + rel + "  from " + filepath.Join(sec, "client-truststore.jks"); r.Code != 0 || !strings.Contains(r.Stdout, line) {
				t.Errorf("exit %d, want 0 and %q in:\n%s%s", r.Code, line, r.Stdout, r.Stderr)
			}
		})
	}
}
