package agent

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	bstoml "github.com/BurntSushi/toml"

	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/product/apim4"
	"github.com/wso2-container/agent/agent/udiff"
)

// readTOML parses a deployment.toml with BurntSushi/toml, a parser
// independent of the editor that wrote it (tomlconf builds on go-toml).
func readTOML(tb testing.TB, data []byte) map[string]any {
	tb.Helper()
	var m map[string]any
	if _, err := bstoml.Decode(string(data), &m); err != nil {
		tb.Fatalf("the written deployment.toml does not parse: %v", err)
	}
	return m
}

// tomlAt returns the value at a dotted path of names ("[i]" picks an array
// element), failing when absent.
func tomlAt(tb testing.TB, m map[string]any, path ...any) any {
	tb.Helper()
	var cur any = m
	for _, p := range path {
		switch k := p.(type) {
		case string:
			mm, ok := cur.(map[string]any)
			if !ok {
				tb.Fatalf("%v: %v is not a table", path, cur)
			}
			if cur, ok = mm[k]; !ok {
				tb.Fatalf("%v: no key %q", path, k)
			}
		case int:
			arr, ok := cur.([]any)
			if tables, isTables := cur.([]map[string]any); isTables { // an array of tables
				arr, ok = nil, true
				for _, t := range tables {
					arr = append(arr, t)
				}
			}
			if !ok || k >= len(arr) {
				tb.Fatalf("%v: no element %d in %v", path, k, cur)
			}
			cur = arr[k]
		}
	}
	return cur
}

// TestAPIM4Golden applies every 4.x product/profile with the golden
// environment to a home laid out from the real fixtures and compares the
// tree with testdata/golden/apim4-<case>/; the result is read back by
// BurntSushi/toml; a second run plans and writes nothing (restart safety).
func TestAPIM4Golden(t *testing.T) {
	for _, c := range a4Cases {
		t.Run(c.name, func(t *testing.T) {
			home, ref := a4Layout(t, c), a4Layout(t, c)
			env := a4GoldenEnv(t, c, home)
			p := mustApply(t, env, goldenDNS)
			o := compareTree(t, ref, home)
			// The stand-in script and the keystores of a 4.5 pack are
			// the layout's, not the setup's: compareTree compares with
			// a copy laid out the same way.
			if _, ok := o.changed[apim4.DeploymentTOML]; !ok {
				t.Fatal("deployment.toml not changed")
			}
			readTOML(t, o.changed[apim4.DeploymentTOML])
			checkGolden(t, filepath.Join("testdata", "golden", "apim4-"+c.name), goldenArtifacts(t, o))
			if len(p.Command) == 0 || filepath.Base(p.Command[0]) != c.script {
				t.Errorf("command %v, want bin/%s", p.Command, c.script)
			}

			before := snapshot(t, home)
			p2, err := planFor(t, env, goldenDNS)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range p2.Changed() {
				t.Errorf("second plan would change %s: %+v", f.Display(), f.Changes)
			}
			written, err := p2.Apply()
			if err != nil || len(written) > 0 {
				t.Errorf("second apply wrote %v (err %v)", written, err)
			}
			if d := diffSnapshots(before, snapshot(t, home)); len(d) > 0 {
				t.Errorf("second setup touched files:\n%s", strings.Join(d, "\n"))
			}
		})
	}
}

// TestAPIM4ChartShapes checks, key by key, that the values the agent writes
// for the golden inputs have the values, types and list shapes WSO2's Helm
// charts 4.5.0-10 write for the same values (expectations written from the
// chart templates: wso2/helm-apim distributed/control-plane/confs/
// instance-1/deployment.toml, traffic-manager/confs/instance-1/
// deployment.toml, gateway/confs/deployment.toml).
func TestAPIM4ChartShapes(t *testing.T) {
	type want struct {
		path []any
		v    any
	}
	cases := map[string][]want{
		"acp-control-plane": {
			{[]any{"server", "hostname"}, "am.example.com"},
			{[]any{"server", "offset"}, int64(1)}, // offset = {{ portOffset }}: an integer
			{[]any{"server", "node_ip"}, goldenLocalIP},
			{[]any{"super_admin", "username"}, "admin"},
			{[]any{"super_admin", "password"}, goldenAdminPW},
			{[]any{"database", "apim_db", "type"}, "mysql"},
			{[]any{"database", "apim_db", "url"}, "jdbc:mysql://mysql:3306/apim_db?useSSL=false&amp;allowPublicKeyRetrieval=true"},
			{[]any{"database", "apim_db", "username"}, "apimadmin"},
			{[]any{"database", "apim_db", "password"}, goldenDBPW},
			{[]any{"database", "apim_db", "driver"}, "com.mysql.cj.jdbc.Driver"},
			{[]any{"database", "apim_db", "pool_options", "maxActive"}, "100"}, // {{ $key }} = "{{ $value }}": strings
			{[]any{"database", "shared_db", "type"}, "mysql"},
			{[]any{"keystore", "tls", "password"}, "wso2carbon"},
			{[]any{"apim", "devportal", "url"}, "https://am.example.com/devportal"},
			// [[apim.event_hub.publish.url_group]] urls = ["tcp://H:9611+offset"], auth_urls = ["ssl://H:9711+offset"]
			{[]any{"apim", "event_hub", "publish", "url_group", 0, "urls"}, []any{"tcp://wso2am-cp-1-service:9612"}},
			{[]any{"apim", "event_hub", "publish", "url_group", 0, "auth_urls"}, []any{"ssl://wso2am-cp-1-service:9712"}},
			{[]any{"apim", "event_hub", "publish", "url_group", 1, "urls"}, []any{"tcp://wso2am-cp-2-service:9612"}},
			// gateway chart: throttle_decision_endpoints = ["tcp://H:5672+throttling.portOffset", ...]
			{[]any{"apim", "throttling", "throttle_decision_endpoints"}, []any{"tcp://wso2am-tm-1-service:5674", "tcp://wso2am-tm-2-service:5674"}},
			{[]any{"apim", "throttling", "url_group", 0, "traffic_manager_urls"}, []any{"tcp://wso2am-tm-1-service:9613"}},
			{[]any{"apim", "throttling", "url_group", 0, "traffic_manager_auth_urls"}, []any{"ssl://wso2am-tm-1-service:9713"}},
			{[]any{"apim", "throttling", "url_group", 1, "type"}, "loadbalance"},
			{[]any{"apim", "gateway", "environment", 0, "name"}, "Default"},
			{[]any{"apim", "gateway", "environment", 0, "type"}, "hybrid"},
			{[]any{"apim", "gateway", "environment", 0, "gateway_type"}, "Regular"},
			{[]any{"apim", "gateway", "environment", 0, "provider"}, "wso2"},
			{[]any{"apim", "gateway", "environment", 0, "display_in_api_console"}, true},
			{[]any{"apim", "gateway", "environment", 0, "show_as_token_endpoint_url"}, true},
			{[]any{"apim", "gateway", "environment", 0, "service_url"}, "https://wso2am-gateway-service:9443/services/"},
			{[]any{"apim", "gateway", "environment", 0, "username"}, "${admin.username}"},
			{[]any{"apim", "gateway", "environment", 0, "password"}, "${admin.password}"},
			{[]any{"apim", "gateway", "environment", 0, "ws_endpoint"}, "ws://websocket.wso2.com"},
			{[]any{"apim", "gateway", "environment", 0, "wss_endpoint"}, "wss://websocket.wso2.com"},
			{[]any{"apim", "gateway", "environment", 0, "http_endpoint"}, "http://gw.wso2.com"},
			{[]any{"apim", "gateway", "environment", 0, "https_endpoint"}, "https://gw.wso2.com"},
			{[]any{"apim", "gateway", "environment", 0, "websub_event_receiver_http_endpoint"}, "http://websub.wso2.com"},
			{[]any{"apim", "gateway", "environment", 0, "websub_event_receiver_https_endpoint"}, "https://websub.wso2.com"},
			{[]any{"oauth", "endpoints", "oauth2_jwks_url"}, "https://wso2am-cp-service:9444/oauth2/jwks"},
			{[]any{"user_store", "type"}, "database_unique_id"},
			{[]any{"apim", "cors", "allow_origins"}, "https://portal.example.com"},
		},
		"tm": {
			{[]any{"server", "hostname"}, "tm.example.com"},
			// traffic-manager chart: service_url = "https://{{ km.serviceUrl }}:9443/services/"
			{[]any{"apim", "key_manager", "service_url"}, "https://wso2am-cp-service:9443/services/"},
			{[]any{"apim", "event_hub", "enable"}, true},
			{[]any{"apim", "event_hub", "service_url"}, "https://wso2am-cp-service:9443/services/"},
			// event_listening_endpoints = ["tcp://H:5672", ...]
			{[]any{"apim", "event_hub", "event_listening_endpoints"}, []any{"tcp://wso2am-cp-1-service:5672", "tcp://wso2am-cp-2-service:5672"}},
			{[]any{"database", "apim_db", "driver"}, "com.mysql.cj.jdbc.Driver"},
		},
		"universal-gw": {
			{[]any{"server", "hostname"}, "gw.example.com"},
			{[]any{"apim", "key_manager", "service_url"}, "https://wso2am-cp-service:9443/services/"},
			{[]any{"apim", "event_hub", "service_url"}, "https://wso2am-cp-service:9443/services/"},
			{[]any{"apim", "event_hub", "event_listening_endpoints"}, []any{"tcp://wso2am-cp-1-service:5672", "tcp://wso2am-cp-2-service:5672"}},
			{[]any{"apim", "throttling", "service_url"}, "https://wso2am-tm-service:9443/services/"},
			{[]any{"apim", "throttling", "throttle_decision_endpoints"}, []any{"tcp://wso2am-tm-1-service:5672", "tcp://wso2am-tm-2-service:5672"}},
			{[]any{"apim", "throttling", "url_group", 1, "traffic_manager_urls"}, []any{"tcp://wso2am-tm-2-service:9611"}},
			{[]any{"apim", "throttling", "url_group", 1, "traffic_manager_auth_urls"}, []any{"ssl://wso2am-tm-2-service:9711"}},
			// gateway_labels = {{ toJson labels }}: an array
			{[]any{"apim", "sync_runtime_artifacts", "gateway", "gateway_labels"}, []any{"Default"}},
			{[]any{"database", "shared_db", "pool_options", "maxActive"}, "50"},
		},
	}
	for _, c := range a4Cases {
		wants, ok := cases[c.name]
		if !ok {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			home := a4Layout(t, c)
			mustApply(t, a4GoldenEnv(t, c, home), goldenDNS)
			data, err := os.ReadFile(filepath.Join(home, apim4.DeploymentTOML))
			if err != nil {
				t.Fatal(err)
			}
			m := readTOML(t, data)
			for _, w := range wants {
				if got := tomlAt(t, m, w.path...); !reflect.DeepEqual(got, w.v) {
					t.Errorf("%v = %#v (%T), want %#v (%T)", w.path, got, got, w.v, w.v)
				}
			}
		})
	}
}

// TestAPIM4Profiles: which profile each home runs, with WSO2_PROFILE unset
// (the pack is the component), agreeing, or refused with a clear error
// (exit 78) that lists what the home runs; nothing is written on refusal.
func TestAPIM4Profiles(t *testing.T) {
	tests := []struct {
		c       a4Case
		profile string // WSO2_PROFILE ("" unset)
		want    string // the profile planned, or the error's text
		args    []string
		wantErr bool
	}{
		{c: a4Cases[0], want: "control-plane", args: nil},
		{c: a4Cases[0], profile: "control-plane", want: "control-plane"},
		{c: a4Cases[0], profile: "key-manager", want: "key-manager", args: []string{"-Dprofile=key-manager", "--skipConfigOptimization"}},
		{c: a4Cases[0], profile: "traffic-manager", wantErr: true, want: "WSO2_PROFILE: traffic-manager cannot run on the API Manager 4.5 API control plane pack (bin/api-cp.sh)"},
		{c: a4Cases[2], want: "traffic-manager"},
		{c: a4Cases[2], profile: "gateway-worker", wantErr: true, want: "(it runs: traffic-manager)"},
		{c: a4Cases[3], want: "universal-gateway"},
		{c: a4Cases[3], profile: "gateway-worker", want: "gateway-worker"},
		{c: a4Cases[4], want: "all-in-one"},
		{c: a4Cases[4], profile: "gateway-worker", wantErr: true, want: "(it runs: all-in-one)"},
		{c: a4Cases[5], profile: "gateway-worker", want: "gateway-worker", args: []string{"-Dprofile=gateway-worker", "--skipConfigOptimization"}},
		{c: a4Cases[5], profile: "key-manager", wantErr: true, want: "(it runs: all-in-one, api-key-manager-deprecated, control-plane, gateway-worker, traffic-manager)"},
		{c: a4Cases[5], profile: "apim", wantErr: true, want: "WSO2_PROFILE: apim is an API Manager 2.0.0/IS 5.2.0 profile"},
		{c: a4Cases[5], profile: "nonsense", wantErr: true, want: `WSO2_PROFILE: unknown profile "nonsense"`},
	}
	for _, tt := range tests {
		t.Run(tt.c.name+"/"+tt.profile, func(t *testing.T) {
			home := a4Layout(t, tt.c)
			env := a4BaseEnv(t, tt.c, home)
			delete(env, "WSO2_PROFILE")
			env["WSO2_MYSQL_PASSWORD"] = "x" // a 2.0.0 profile needs it to load
			if tt.profile != "" {
				env["WSO2_PROFILE"] = tt.profile
			}
			before := snapshot(t, home)
			p, err := planFor(t, env, goldenDNS)
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), tt.want) || exitcode.Of(err) != exitcode.Config || strings.Contains(err.Error(), "\n") {
					t.Fatalf("error %v (code %d), want one line containing %q, code 78", err, exitcode.Of(err), tt.want)
				}
				if d := diffSnapshots(before, snapshot(t, home)); len(d) > 0 {
					t.Errorf("refusal touched files: %v", d)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Profile != tt.want {
				t.Errorf("profile %s, want %s", p.Profile, tt.want)
			}
			want := append([]string{filepath.Join(home, "bin", tt.c.script)}, tt.args...)
			if !reflect.DeepEqual(p.Command, want) {
				t.Errorf("command %v, want %v", p.Command, want)
			}
		})
	}
	// A 4.x profile on a 2.0.0 home.
	home := freshHome(t, "apim")
	_, err := planFor(t, map[string]string{"WSO2_PROFILE": "control-plane", "WSO2_HOME": home}, goldenDNS)
	if err == nil || !strings.Contains(err.Error(), "has none of bin/api-cp.sh") {
		t.Errorf("4.x profile on a 2.0.0 home: %v", err)
	}
}

// TestAPIM4ProfileOneWay: a home profileSetup.sh optimised for one profile
// (recorded by the agent) refuses another, and still runs its own.
func TestAPIM4ProfileOneWay(t *testing.T) {
	c := a4Cases[7] // 4.2.0 gateway-worker
	home := a4Layout(t, c)
	env := a4BaseEnv(t, c, home)
	mustApply(t, env, goldenDNS)
	got, err := os.ReadFile(filepath.Join(home, apim4.Marker))
	if err != nil || string(got) != "gateway-worker\n" {
		t.Fatalf("marker %q (%v)", got, err)
	}
	// deployment.toml is the profile's template plus the edits.
	toml, _ := os.ReadFile(filepath.Join(home, apim4.DeploymentTOML))
	if !bytes.Contains(toml, []byte(`server_role = "gateway-worker"`)) {
		t.Errorf("deployment.toml is not the gateway-worker template:\n%s", toml)
	}
	before := snapshot(t, home)
	env["WSO2_PROFILE"] = "control-plane"
	_, err = planFor(t, env, goldenDNS)
	if err == nil || exitcode.Of(err) != exitcode.Config || !strings.Contains(err.Error(), "was optimised for gateway-worker") {
		t.Fatalf("other profile on an optimised home: %v", err)
	}
	env["WSO2_PROFILE"] = "gateway-worker"
	if p, err := planFor(t, env, goldenDNS); err != nil || len(p.Changed()) > 0 {
		t.Fatalf("same profile again: err %v, changes %v", err, p.Changed())
	}
	if d := diffSnapshots(before, snapshot(t, home)); len(d) > 0 {
		t.Errorf("touched files: %v", d)
	}
}

// TestAPIM4MinimalDiff counts the lines each single variable changes in
// the stock control-plane deployment.toml: the key's line only, or the
// lines of the table it adds.
func TestAPIM4MinimalDiff(t *testing.T) {
	c := a4Cases[0]
	tests := []struct {
		name       string
		env        map[string]string
		del, added int
	}{
		{"hostname", map[string]string{"WSO2_HOSTNAME": "am.example.com"}, 1, 4}, // hostname line; [apim.devportal] + url + blank
		{"offset", map[string]string{"WSO2_PORT_OFFSET": "3"}, 0, 1},
		{"admin password", map[string]string{"WSO2_ADMIN_PASSWORD": "s3cret"}, 1, 1},
		{"user store", map[string]string{"WSO2_USERSTORE_TYPE": "read_write_ldap_unique_id"}, 1, 1},
		{"db url", map[string]string{"WSO2_SHARED_DB_URL": "jdbc:postgresql://pg:5432/shared"}, 2, 3}, // type, url; + driver
		{"node ip", map[string]string{"WSO2_NODE_IP": "10.1.2.3"}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := a4Layout(t, c)
			env := a4BaseEnv(t, c, home)
			env["WSO2_NODE_IP"] = "10.1.2.3"
			for k, v := range tt.env {
				env[k] = v
			}
			stock, _ := os.ReadFile(filepath.Join(home, apim4.DeploymentTOML))
			mustApply(t, env, goldenDNS)
			got, _ := os.ReadFile(filepath.Join(home, apim4.DeploymentTOML))
			d := udiff.Unified("a", "b", string(stock), string(got), 0)
			del, add := 0, 0
			for _, l := range strings.Split(d, "\n") {
				switch {
				case strings.HasPrefix(l, "---"), strings.HasPrefix(l, "+++"):
				case strings.HasPrefix(l, "-"):
					del++
				case strings.HasPrefix(l, "+"):
					add++
				}
			}
			// node_ip is added by every run (1 line) unless the file has it.
			if del != tt.del || add != tt.added+1 {
				t.Errorf("-%d +%d lines, want -%d +%d:\n%s", del, add, tt.del, tt.added+1, d)
			}
		})
	}
}

// a4HelmTable is the README's "Helm value → variable → TOML key" table,
// made from Vars.
func a4HelmTable() string {
	var b strings.Builder
	b.WriteString("| Helm value | variable | TOML key(s) it sets |\n|---|---|---|\n")
	for _, v := range apim4.Vars {
		name := "`" + v.Name + "`"
		if v.Secret || v.File {
			name += " (`_FILE`)"
		}
		b.WriteString("| " + v.Helm + " | " + name + " | " + strings.ReplaceAll(v.TOML, "|", "\\|") + " |\n")
	}
	return b.String()
}

// TestREADMEAPIM4Table keeps the README's 4.x table equal to Vars (go
// test ./agent -run README -update-readme rewrites it), and checks that
// `agent env` lists every 4.x variable.
func TestREADMEAPIM4Table(t *testing.T) {
	path := filepath.Join("..", "README.md")
	readme, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := string(readme)
	want := replaceSection(got, "apim4 helm table", a4HelmTable())
	if got != want {
		if !*updateReadme {
			t.Fatal("README.md's 4.x table is stale: run go test ./agent -run README -update-readme")
		}
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	names := map[string]bool{}
	for _, v := range contract.Vars() {
		if names[v.Name] {
			t.Errorf("agent env lists %s twice", v.Name)
		}
		names[v.Name] = true
	}
	for _, v := range apim4.Vars {
		if !names[v.Name] {
			t.Errorf("agent env does not list %s", v.Name)
		}
	}
}
