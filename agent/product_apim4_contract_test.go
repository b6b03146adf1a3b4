package agent

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/wso2-container/agent/agent/product/apim4"
)

// a4Contract is the environment contract of issue #14, written out here
// (not taken from Vars): the names tests and users depend on.
var a4Contract = []string{
	"WSO2_HOSTNAME", "WSO2_PORT_OFFSET", "WSO2_NODE_IP",
	"WSO2_ADMIN_USERNAME", "WSO2_ADMIN_PASSWORD",
	"WSO2_APIM_DB_URL", "WSO2_APIM_DB_USERNAME", "WSO2_APIM_DB_PASSWORD",
	"WSO2_SHARED_DB_URL", "WSO2_SHARED_DB_USERNAME", "WSO2_SHARED_DB_PASSWORD",
	"WSO2_DB_TYPE", "WSO2_DB_DRIVER", "WSO2_KEYSTORE_PASSWORD",
	"WSO2_KEYSTORE_PRIMARY_NAME", "WSO2_KEYSTORE_PRIMARY_ALIAS", "WSO2_KEYSTORE_PRIMARY_PASSWORD", "WSO2_KEYSTORE_PRIMARY_KEY_PASSWORD",
	"WSO2_KEYSTORE_TLS_NAME", "WSO2_KEYSTORE_TLS_ALIAS", "WSO2_KEYSTORE_TLS_PASSWORD", "WSO2_KEYSTORE_TLS_KEY_PASSWORD",
	"WSO2_KEYSTORE_INTERNAL_NAME", "WSO2_KEYSTORE_INTERNAL_ALIAS", "WSO2_KEYSTORE_INTERNAL_PASSWORD", "WSO2_KEYSTORE_INTERNAL_KEY_PASSWORD",
	"WSO2_TRUSTSTORE_NAME", "WSO2_TRUSTSTORE_PASSWORD",
	"WSO2_KM_TYPE", "WSO2_KM_SERVICE_URL", "WSO2_EVENTHUB_SERVICE_URL", "WSO2_EVENTHUB_URLS",
	"WSO2_THROTTLING_SERVICE_URL", "WSO2_THROTTLING_URLS", "WSO2_THROTTLING_PORT_OFFSET", "WSO2_EVENT_DUPLICATE_URLS",
	"WSO2_GATEWAY_ENVIRONMENTS", "WSO2_GATEWAY_LABELS", "WSO2_USERSTORE_TYPE", "WSO2_OAUTH2_JWKS_URL",
	"WSO2_PROXY_PORT_HTTP", "WSO2_PROXY_PORT_HTTPS", "WSO2_DEPLOYMENT_TOML",
}

// TestAPIM4EnvContract: every variable of the contract is listed by `agent
// env` (the binary's own output, and --markdown) and has a row of the
// README's "Helm value → variable → TOML key" table; and, applied alone to
// the stock file of its component, each sets exactly the TOML key(s) the
// contract names, with the value and type BurntSushi/toml reads back.
func TestAPIM4EnvContract(t *testing.T) {
	var out, md bytes.Buffer
	if code := cmdEnv(context.Background(), nil, IO{Stdout: &out, Stderr: &out}); code != 0 {
		t.Fatalf("agent env: exit %d", code)
	}
	if code := cmdEnv(context.Background(), []string{"--markdown"}, IO{Stdout: &md, Stderr: &md}); code != 0 {
		t.Fatalf("agent env --markdown: exit %d", code)
	}
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	table := sectionOf(t, string(readme), "apim4 helm table")
	for _, name := range a4Contract {
		if !regexpLine(out.String(), name+" ") {
			t.Errorf("agent env does not list %s", name)
		}
		if !strings.Contains(md.String(), "| `"+name+"` |") {
			t.Errorf("agent env --markdown does not list %s", name)
		}
		if !strings.Contains(table, "| `"+name+"`") {
			t.Errorf("the README's Helm table has no row for %s", name)
		}
	}

	cp, tm, gw, aio := a4Cases[0], a4Cases[2], a4Cases[3], a4Cases[4]
	type row struct {
		c    a4Case
		env  map[string]string
		want map[string]any // flattened key -> value
	}
	kv := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	rows := []row{
		{cp, kv("WSO2_HOSTNAME", "am.example.com"), map[string]any{"server.hostname": "am.example.com", "apim.devportal.url": "https://am.example.com/devportal"}},
		{tm, kv("WSO2_HOSTNAME", "tm.example.com"), map[string]any{"server.hostname": "tm.example.com"}},
		{cp, kv("WSO2_PORT_OFFSET", "3"), map[string]any{"server.offset": int64(3)}},
		{cp, kv("WSO2_ADMIN_USERNAME", "root"), map[string]any{"super_admin.username": "root"}},
		{cp, kv("WSO2_ADMIN_PASSWORD", "s3cret"), map[string]any{"super_admin.password": "s3cret"}},
		{cp, kv("WSO2_APIM_DB_URL", "jdbc:postgresql://pg:5432/apim"), map[string]any{"database.apim_db.url": "jdbc:postgresql://pg:5432/apim", "database.apim_db.type": "postgre", "database.apim_db.driver": "org.postgresql.Driver"}},
		{cp, kv("WSO2_APIM_DB_USERNAME", "apimuser"), map[string]any{"database.apim_db.username": "apimuser"}},
		{cp, kv("WSO2_APIM_DB_PASSWORD", "apimpw"), map[string]any{"database.apim_db.password": "apimpw"}},
		{cp, kv("WSO2_SHARED_DB_URL", "jdbc:sqlserver://ms:1433;databaseName=shared"), map[string]any{"database.shared_db.url": "jdbc:sqlserver://ms:1433;databaseName=shared", "database.shared_db.type": "mssql", "database.shared_db.driver": "com.microsoft.sqlserver.jdbc.SQLServerDriver"}},
		{cp, kv("WSO2_SHARED_DB_URL", "jdbc:oracle:thin:@ora:1521/shared"), map[string]any{"database.shared_db.url": "jdbc:oracle:thin:@ora:1521/shared", "database.shared_db.type": "oracle", "database.shared_db.driver": "oracle.jdbc.OracleDriver"}},
		{cp, kv("WSO2_SHARED_DB_URL", "jdbc:mysql://my:3306/shared"), map[string]any{"database.shared_db.url": "jdbc:mysql://my:3306/shared", "database.shared_db.type": "mysql", "database.shared_db.driver": "com.mysql.cj.jdbc.Driver"}},
		{cp, kv("WSO2_SHARED_DB_USERNAME", "shareduser"), map[string]any{"database.shared_db.username": "shareduser"}},
		{cp, kv("WSO2_SHARED_DB_PASSWORD", "sharedpw"), map[string]any{"database.shared_db.password": "sharedpw"}},
		{cp, kv("WSO2_APIM_DB_URL", "jdbc:mariadb://maria:3306/apim", "WSO2_DB_TYPE", "mysql", "WSO2_DB_DRIVER", "org.mariadb.jdbc.Driver"),
			map[string]any{"database.apim_db.url": "jdbc:mariadb://maria:3306/apim", "database.apim_db.type": "mysql", "database.apim_db.driver": "org.mariadb.jdbc.Driver",
				// WSO2_DB_TYPE/WSO2_DB_DRIVER are the chart's databases.type and jdbc.driver: both tables.
				"database.shared_db.type": "mysql", "database.shared_db.driver": "org.mariadb.jdbc.Driver"}},
		{cp, kv("WSO2_DB_TYPE", "h2", "WSO2_DB_DRIVER", "org.h2.Driver"), map[string]any{"database.apim_db.type": "h2", "database.apim_db.driver": "org.h2.Driver", "database.shared_db.type": "h2", "database.shared_db.driver": "org.h2.Driver"}},
		// The default password: the keystore tables the file has ([keystore.tls]).
		{cp, kv("WSO2_KEYSTORE_PASSWORD", "kspw"), map[string]any{"keystore.tls.password": "kspw", "keystore.tls.key_password": "kspw"}},
		{cp, kv("WSO2_KEYSTORE_PRIMARY_NAME", "primary.jks", "WSO2_KEYSTORE_PASSWORD", "kspw"), map[string]any{"keystore.primary.file_name": "primary.jks", "keystore.primary.password": "kspw", "keystore.primary.key_password": "kspw", "keystore.tls.password": "kspw", "keystore.tls.key_password": "kspw"}},
		{cp, kv("WSO2_KEYSTORE_PRIMARY_ALIAS", "primary"), map[string]any{"keystore.primary.alias": "primary"}},
		{cp, kv("WSO2_KEYSTORE_PRIMARY_PASSWORD", "p1"), map[string]any{"keystore.primary.password": "p1", "keystore.primary.key_password": "p1"}},
		{cp, kv("WSO2_KEYSTORE_PRIMARY_KEY_PASSWORD", "p2"), map[string]any{"keystore.primary.key_password": "p2"}},
		{cp, kv("WSO2_KEYSTORE_TLS_NAME", "tls.jks"), map[string]any{"keystore.tls.file_name": "tls.jks"}},
		{cp, kv("WSO2_KEYSTORE_TLS_ALIAS", "tls"), map[string]any{"keystore.tls.alias": "tls"}},
		{cp, kv("WSO2_KEYSTORE_TLS_PASSWORD", "t1"), map[string]any{"keystore.tls.password": "t1", "keystore.tls.key_password": "t1"}},
		{cp, kv("WSO2_KEYSTORE_TLS_KEY_PASSWORD", "t2"), map[string]any{"keystore.tls.key_password": "t2"}},
		{cp, kv("WSO2_KEYSTORE_INTERNAL_NAME", "wso2internal.jks"), map[string]any{"keystore.internal.file_name": "wso2internal.jks"}},
		{cp, kv("WSO2_KEYSTORE_INTERNAL_ALIAS", "internal"), map[string]any{"keystore.internal.alias": "internal"}},
		{cp, kv("WSO2_KEYSTORE_INTERNAL_PASSWORD", "i1"), map[string]any{"keystore.internal.password": "i1", "keystore.internal.key_password": "i1"}},
		{cp, kv("WSO2_KEYSTORE_INTERNAL_KEY_PASSWORD", "i2"), map[string]any{"keystore.internal.key_password": "i2"}},
		{cp, kv("WSO2_TRUSTSTORE_NAME", "client-truststore.jks"), map[string]any{"truststore.file_name": "client-truststore.jks"}},
		{cp, kv("WSO2_TRUSTSTORE_PASSWORD", "wso2carbon"), map[string]any{"truststore.password": "wso2carbon"}},
		{cp, kv("WSO2_KM_SERVICE_URL", "km"), map[string]any{"apim.key_manager.service_url": "https://km:9443/services/"}},
		{gw, kv("WSO2_KM_TYPE", "default"), map[string]any{"apim.key_manager.type": "default"}},
		{tm, kv("WSO2_KM_TYPE", "WSO2-IS", "WSO2_KM_SERVICE_URL", "is", "WSO2_PORT_OFFSET", "3"), map[string]any{"apim.key_manager.type": "WSO2-IS",
			"apim.key_manager.service_url": "https://is:9443/services/", "apim.oauth_config.revoke_endpoint": "https://is:9443/oauth2/revoke", "server.offset": int64(3)}},
		{cp, kv("WSO2_EVENTHUB_SERVICE_URL", "cp"), map[string]any{"apim.event_hub.service_url": "https://cp:9443/services/", "apim.event_hub.enable": true}},
		{tm, kv("WSO2_EVENTHUB_URLS", "cp-1,cp-2"), map[string]any{"apim.event_hub.event_listening_endpoints": []any{"tcp://cp-1:5672", "tcp://cp-2:5672"}}},
		{cp, kv("WSO2_EVENTHUB_URLS", "cp-1,cp-2"), map[string]any{
			"apim.event_hub.publish.url_group[0].urls": []any{"tcp://cp-1:9611"}, "apim.event_hub.publish.url_group[0].auth_urls": []any{"ssl://cp-1:9711"},
			"apim.event_hub.publish.url_group[1].urls": []any{"tcp://cp-2:9611"}, "apim.event_hub.publish.url_group[1].auth_urls": []any{"ssl://cp-2:9711"}}},
		{cp, kv("WSO2_THROTTLING_SERVICE_URL", "tm:9444"), map[string]any{"apim.throttling.service_url": "https://tm:9444/services/"}},
		{cp, kv("WSO2_THROTTLING_URLS", "tm-1", "WSO2_THROTTLING_PORT_OFFSET", "1"), map[string]any{
			"apim.throttling.throttle_decision_endpoints":            []any{"tcp://tm-1:5673"},
			"apim.throttling.url_group[0].traffic_manager_urls":      []any{"tcp://tm-1:9612"},
			"apim.throttling.url_group[0].traffic_manager_auth_urls": []any{"ssl://tm-1:9712"},
			"apim.throttling.url_group[0].type":                      "loadbalance"}},
		{cp, kv("WSO2_GATEWAY_ENVIRONMENTS", `[{"name":"gw1","serviceName":"gw1-svc"}]`), map[string]any{
			"apim.gateway.environment[0].name": "gw1", "apim.gateway.environment[0].type": "hybrid", "apim.gateway.environment[0].gateway_type": "Regular",
			"apim.gateway.environment[0].provider": "wso2", "apim.gateway.environment[0].display_in_api_console": true, "apim.gateway.environment[0].description": "",
			"apim.gateway.environment[0].show_as_token_endpoint_url": true, "apim.gateway.environment[0].service_url": "https://gw1-svc:9443/services/",
			"apim.gateway.environment[0].username": "${admin.username}", "apim.gateway.environment[0].password": "${admin.password}"}},
		{cp, kv("WSO2_GATEWAY_LABELS", "Default, Edge"), map[string]any{"apim.sync_runtime_artifacts.gateway.gateway_labels": []any{"Default", "Edge"}}},
		{cp, kv("WSO2_GATEWAY_LABELS", `["Edge"]`), map[string]any{"apim.sync_runtime_artifacts.gateway.gateway_labels": []any{"Edge"}}},
		{cp, kv("WSO2_USERSTORE_TYPE", "read_write_ldap_unique_id"), map[string]any{"user_store.type": "read_write_ldap_unique_id"}},
		{cp, kv("WSO2_OAUTH2_JWKS_URL", "km"), map[string]any{"oauth.endpoints.oauth2_jwks_url": "https://km:9443/oauth2/jwks"}},
		// Where the charts' highAvailability writes the other instance:
		// a control plane's event hub, a traffic manager's or all-in-one's
		// throttling; a bare host gets this component's own offset.
		{cp, kv("WSO2_EVENT_DUPLICATE_URLS", "cp-2", "WSO2_PORT_OFFSET", "2"), map[string]any{"apim.event_hub.event_duplicate_url": []any{"tcp://cp-2:5674"}, "server.offset": int64(2)}},
		{tm, kv("WSO2_EVENT_DUPLICATE_URLS", "tm-2,tcp://tm-3:5700"), map[string]any{"apim.throttling.event_duplicate_url": []any{"tcp://tm-2:5672", "tcp://tm-3:5700"}}},
		{aio, kv("WSO2_EVENT_DUPLICATE_URLS", "am-2:5672"), map[string]any{"apim.throttling.event_duplicate_url": []any{"tcp://am-2:5672"}}},
		{gw, kv("WSO2_PROXY_PORT_HTTP", "8080"), map[string]any{"transport.http.properties.proxyPort": int64(8080)}},
		{tm, kv("WSO2_PROXY_PORT_HTTPS", "443"), map[string]any{"transport.https.properties.proxyPort": int64(443)}},
		{cp, kv("WSO2_DEPLOYMENT_TOML", "[apim.cors]\nallow_credentials = true\n"), map[string]any{"apim.cors.allow_credentials": true}},
	}
	covered := map[string]bool{}
	for _, r := range rows {
		var names []string
		for k := range r.env {
			names = append(names, k)
			covered[k] = true
		}
		t.Run(strings.Join(names, "+"), func(t *testing.T) {
			home := a4Layout(t, r.c)
			stock, _ := os.ReadFile(filepath.Join(home, apim4.DeploymentTOML))
			env := a4BaseEnv(t, r.c, home)
			env["WSO2_NODE_IP"] = "10.0.0.9" // else node_ip is added on every row
			for k, v := range r.env {
				env[k] = v
			}
			a4Keystores(t, home, env)
			mustApply(t, env, goldenDNS)
			got, _ := os.ReadFile(filepath.Join(home, apim4.DeploymentTOML))
			before, after := flattenTOML(readTOML(t, stock)), flattenTOML(readTOML(t, got))
			for k, want := range r.want {
				if v, ok := after[k]; !ok || !reflect.DeepEqual(v, want) {
					t.Errorf("%s = %#v, want %#v", k, v, want)
				}
			}
			for k, v := range after {
				if old, ok := before[k]; (!ok || !reflect.DeepEqual(old, v)) && r.want[k] == nil && k != "server.node_ip" {
					t.Errorf("also changed %s = %#v", k, v)
				}
			}
		})
	}
	// WSO2_NODE_IP is the one every row sets.
	covered["WSO2_NODE_IP"] = true
	for _, name := range a4Contract {
		if !covered[name] {
			t.Errorf("no row applies %s", name)
		}
	}
}

// TestAPIM4SecretFiles: every secret 4.x variable may be given as
// NAME_FILE, with the same result as NAME (one trailing newline trimmed).
func TestAPIM4SecretFiles(t *testing.T) {
	c := a4Cases[0]
	for _, v := range apim4.Vars {
		if !v.Secret && !v.File {
			continue
		}
		val := "Val-" + strings.ToLower(v.Name)
		if v.Name == "WSO2_DEPLOYMENT_TOML" {
			val = "[apim.cors]\nallow_credentials = true\n"
		}
		t.Run(v.Name, func(t *testing.T) {
			direct, viaFile := a4Layout(t, c), a4Layout(t, c)
			env := a4BaseEnv(t, c, direct)
			env["WSO2_NODE_IP"] = "10.0.0.9"
			// A table, and a file, for each keystore: tables that share a
			// file (.internal takes [keystore.primary]'s file_name when
			// it has none) with other passwords would be a mistake the
			// keystore check refuses.
			env["WSO2_KEYSTORE_PRIMARY_NAME"] = "primary.jks"
			env["WSO2_KEYSTORE_INTERNAL_NAME"] = "internal.jks"
			env[v.Name] = val
			a4Keystores(t, direct, env)
			a4Keystores(t, viaFile, env) // the same values, read from the file below
			mustApply(t, env, goldenDNS)
			file := filepath.Join(t.TempDir(), "value")
			must(t, os.WriteFile(file, []byte(val+"\n"), 0o600))
			env = a4BaseEnv(t, c, viaFile)
			env["WSO2_NODE_IP"] = "10.0.0.9"
			env["WSO2_KEYSTORE_PRIMARY_NAME"] = "primary.jks"
			env["WSO2_KEYSTORE_INTERNAL_NAME"] = "internal.jks"
			env[v.Name+"_FILE"] = file
			mustApply(t, env, goldenDNS)
			a, _ := os.ReadFile(filepath.Join(direct, apim4.DeploymentTOML))
			b, _ := os.ReadFile(filepath.Join(viaFile, apim4.DeploymentTOML))
			stock, _ := os.ReadFile(filepath.Join(fixturesRoot, c.fixture, apim4.DeploymentTOML))
			if !bytes.Equal(a, b) {
				t.Errorf("%s_FILE gives another deployment.toml than %s", v.Name, v.Name)
			}
			if bytes.Equal(a, stock) {
				t.Errorf("%s changed nothing", v.Name)
			}
		})
	}
}

// regexpLine reports whether some line of s starts with prefix.
func regexpLine(s, prefix string) bool {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

// sectionOf returns the text between the README's BEGIN/END markers of name.
func sectionOf(t *testing.T, s, name string) string {
	t.Helper()
	b, e := "<!-- BEGIN "+name+" -->", "<!-- END "+name+" -->"
	i, j := strings.Index(s, b), strings.Index(s, e)
	if i < 0 || j < i {
		t.Fatalf("README has no %q section", name)
	}
	return s[i:j]
}
