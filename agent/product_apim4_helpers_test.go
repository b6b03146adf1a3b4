package agent

// Shared helpers of the API Manager 4.x tests: product homes laid out from
// the real 4.x fixtures, and the fixed 4.x environment.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wso2-container/agent/agent/product/apim4"
	"github.com/wso2-container/agent/keystore"
)

// a4Case is one 4.x product/profile: the fixture it is laid out from, the
// start script its pack has, and the profile (""= left to the home).
type a4Case struct {
	name, fixture, script, profile string
}

var a4Cases = []a4Case{
	{"acp-control-plane", "wso2am-acp-4.5.0", "api-cp.sh", ""},
	{"acp-key-manager", "wso2am-acp-4.5.0", "api-cp.sh", "key-manager"},
	{"tm", "wso2am-tm-4.5.0", "traffic-manager.sh", ""},
	{"universal-gw", "wso2am-universal-gw-4.5.0", "gateway.sh", ""},
	{"4.5.0-all-in-one", "wso2am-4.5.0", "api-manager.sh", ""},
	{"4.2.0-all-in-one", "wso2am-4.2.0", "api-manager.sh", "all-in-one"},
	{"4.2.0-control-plane", "wso2am-4.2.0", "api-manager.sh", "control-plane"},
	{"4.2.0-gateway-worker", "wso2am-4.2.0", "api-manager.sh", "gateway-worker"},
	{"4.2.0-traffic-manager", "wso2am-4.2.0", "api-manager.sh", "traffic-manager"},
	{"4.2.0-api-key-manager-deprecated", "wso2am-4.2.0", "api-manager.sh", "api-key-manager-deprecated"},
}

// standInScript is the start script put into every laid-out home. The
// fixtures hold no start scripts (the packs' real ones need a JDK and the
// jars); this stand-in, named as the pack names its script, records its
// arguments and the JVM variables the agent passes through, and exits with
// $A4_EXIT (default 0); with $A4_WAIT it prints "ready" and runs until TERM.
const standInScript = `#!/bin/sh
# stand-in for the pack's start script (see product_apim4_helpers_test.go)
if [ -n "$A4_RECORD" ]; then
  printf 'args=%s\nJAVA_OPTS=%s\nJVM_MEM_OPTS=%s\nNODE_IP=%s\npwd=%s\n' "$*" "$JAVA_OPTS" "$JVM_MEM_OPTS" "$NODE_IP" "$(pwd)" > "$A4_RECORD"
fi
if [ -n "$A4_WAIT" ]; then
  trap 'echo "stopped by TERM"; exit 0' TERM
  echo ready
  while :; do sleep 0.05; done
fi
exit "${A4_EXIT:-0}"
`

// a4Layout lays out a product home for c from its real fixture: the
// fixture's files, the 4.5 keystores where the fixture has none (every 4.5
// pack ships the same two stores: MANIFEST.md table K), and a stand-in
// start script.
func a4Layout(tb testing.TB, c a4Case) string {
	tb.Helper()
	home := filepath.Join(tb.TempDir(), "home")
	fxCopy(tb, filepath.Join(fixturesRoot, c.fixture), home)
	sec := filepath.Join(home, "repository", "resources", "security")
	if _, err := os.Stat(filepath.Join(sec, "client-truststore.jks")); err != nil {
		fxCopy(tb, filepath.Join(fixturesRoot, "wso2am-4.5.0", "repository", "resources", "security"), sec)
	}
	if err := os.MkdirAll(filepath.Join(home, "bin"), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "bin", c.script), []byte(standInScript), 0o755); err != nil {
		tb.Fatal(err)
	}
	return home
}

// a4BaseEnv is the smallest 4.x environment: the home, no volumes, the test
// certificates.
func a4BaseEnv(tb testing.TB, c a4Case, home string) map[string]string {
	tb.Helper()
	env := map[string]string{
		"WSO2_HOME":             home,
		"WSO2_CERTIFICATES_DIR": absTestdata(tb, "certs"),
		"WSO2_CONFIG_VOLUME":    filepath.Join(home, "..", "no-config-volume"),
		"WSO2_ARTIFACT_VOLUME":  filepath.Join(home, "..", "no-artifact-volume"),
	}
	if c.profile != "" {
		env["WSO2_PROFILE"] = c.profile
	}
	return env
}

// a4GoldenEnv is the fixed environment of the 4.x golden tests: what a
// pattern-3 Helm deployment gives each component.
func a4GoldenEnv(tb testing.TB, c a4Case, home string) map[string]string {
	tb.Helper()
	env := a4BaseEnv(tb, c, home)
	set := func(kv ...string) {
		for i := 0; i < len(kv); i += 2 {
			env[kv[i]] = kv[i+1]
		}
	}
	set("WSO2_ADMIN_USERNAME", "admin",
		"WSO2_ADMIN_PASSWORD", goldenAdminPW,
		"WSO2_SHARED_DB_URL", "jdbc:mysql://mysql:3306/shared_db?useSSL=false&amp;allowPublicKeyRetrieval=true",
		"WSO2_SHARED_DB_USERNAME", "apimadmin",
		"WSO2_SHARED_DB_PASSWORD", goldenDBPW,
		"WSO2_KEYSTORE_PASSWORD", "wso2carbon",
		"WSO2_USERSTORE_TYPE", "database_unique_id")
	role := apim4.RoleOf(c.profile)
	if c.profile == "" {
		role = apim4.RoleOf(map[string]string{"tm": apim4.TrafficManager, "universal-gw": apim4.UniversalGateway}[c.name])
	}
	if role != apim4.RoleGW {
		set("WSO2_APIM_DB_URL", "jdbc:mysql://mysql:3306/apim_db?useSSL=false&amp;allowPublicKeyRetrieval=true",
			"WSO2_APIM_DB_USERNAME", "apimadmin",
			"WSO2_APIM_DB_PASSWORD", goldenDBPW)
	}
	switch role {
	case apim4.RoleCP:
		set("WSO2_HOSTNAME", "am.example.com",
			"WSO2_PORT_OFFSET", "1",
			"WSO2_EVENTHUB_URLS", "wso2am-cp-1-service,wso2am-cp-2-service",
			"WSO2_THROTTLING_URLS", "wso2am-tm-1-service,wso2am-tm-2-service",
			"WSO2_THROTTLING_PORT_OFFSET", "2",
			"WSO2_GATEWAY_ENVIRONMENTS", `[{"name":"Default","type":"hybrid","gatewayType":"Regular","provider":"wso2","displayInApiConsole":true,"description":"This is a hybrid gateway that handles both production and sandbox token traffic.","showAsTokenEndpointUrl":true,"serviceName":"wso2am-gateway-service","servicePort":9443,"wsHostname":"websocket.wso2.com","httpHostname":"gw.wso2.com","websubHostname":"websub.wso2.com"}]`,
			"WSO2_OAUTH2_JWKS_URL", "wso2am-cp-service",
			"WSO2_DEPLOYMENT_TOML", "[database.apim_db.pool_options]\nmaxActive = \"100\"\nmaxWait = \"60000\"\n\n[apim.cors]\nallow_origins = \"https://portal.example.com\"\n")
	case apim4.RoleTM:
		set("WSO2_HOSTNAME", "tm.example.com",
			"WSO2_KM_SERVICE_URL", "wso2am-cp-service",
			"WSO2_EVENTHUB_SERVICE_URL", "wso2am-cp-service",
			"WSO2_EVENTHUB_URLS", "wso2am-cp-1-service,wso2am-cp-2-service")
	case apim4.RoleGW:
		set("WSO2_HOSTNAME", "gw.example.com",
			"WSO2_KM_SERVICE_URL", "wso2am-cp-service:9443",
			"WSO2_EVENTHUB_SERVICE_URL", "https://wso2am-cp-service:9443/services/",
			"WSO2_EVENTHUB_URLS", "wso2am-cp-1-service,wso2am-cp-2-service",
			"WSO2_THROTTLING_SERVICE_URL", "wso2am-tm-service",
			"WSO2_THROTTLING_URLS", "wso2am-tm-1-service,wso2am-tm-2-service",
			"WSO2_GATEWAY_LABELS", "Default",
			"WSO2_DEPLOYMENT_TOML", "[database.shared_db.pool_options]\nmaxActive = \"50\"\n")
	}
	return env
}

// a4Keystores puts into home's security folder a keystore for each
// [keystore.*] table that env configures (WSO2_KEYSTORE_PASSWORD or the
// table's own WSO2_KEYSTORE_<NAME>_*), with the file name, alias, password
// and key password the table will have after the setup (the stock file's
// values, then the variables'): the setup checks such keystores as the
// server reads them, and a test of what the variables write needs the
// keystores they describe. The key pair is the 4.5 packs' wso2carbon key.
func a4Keystores(tb testing.TB, home string, env map[string]string) {
	tb.Helper()
	src, err := os.ReadFile(filepath.Join(fixturesRoot, "wso2am-4.5.0", "repository", "resources", "security", "wso2carbon.jks"))
	if err != nil {
		tb.Fatal(err)
	}
	st, err := keystore.Load(src, "wso2carbon")
	if err != nil {
		tb.Fatal(err)
	}
	key, chain, err := st.PrivateKey("wso2carbon", "wso2carbon")
	if err != nil {
		tb.Fatal(err)
	}
	stock, err := os.ReadFile(filepath.Join(home, apim4.DeploymentTOML))
	if err != nil {
		tb.Fatal(err)
	}
	tables, _ := readTOML(tb, stock)["keystore"].(map[string]any)
	for _, ks := range []string{"PRIMARY", "TLS", "INTERNAL"} {
		_, inFile := tables[strings.ToLower(ks)].(map[string]any)
		// val is what the server reads: the variable, else the table's
		// own key, else (tls, internal) [keystore.primary]'s, else the
		// product's default.
		own := func(ks, key, name string) (string, bool) {
			if v, ok := env["WSO2_KEYSTORE_"+ks+"_"+name]; ok {
				return v, true
			}
			if name == "KEY_PASSWORD" { // the agent writes the table's password for it
				if v, ok := env["WSO2_KEYSTORE_"+ks+"_PASSWORD"]; ok {
					return v, true
				}
			}
			if name == "PASSWORD" || name == "KEY_PASSWORD" {
				if v, ok := env["WSO2_KEYSTORE_PASSWORD"]; ok {
					return v, true
				}
			}
			t, _ := tables[strings.ToLower(ks)].(map[string]any)
			s, ok := t[key].(string)
			return s, ok
		}
		val := func(key, name string) string {
			if v, ok := own(ks, key, name); ok {
				return v
			}
			if v, ok := own("PRIMARY", key, name); ok {
				return v
			}
			return map[string]string{"file_name": "wso2carbon.jks", "password": "wso2carbon", "alias": "wso2carbon", "key_password": "wso2carbon"}[key]
		}
		named := false
		for _, n := range []string{"NAME", "ALIAS", "PASSWORD", "KEY_PASSWORD"} {
			_, set := env["WSO2_KEYSTORE_"+ks+"_"+n]
			named = named || set
		}
		if _, common := env["WSO2_KEYSTORE_PASSWORD"]; !named && !(common && inFile) {
			continue
		}
		file, alias, pw, keyPW := val("file_name", "NAME"), val("alias", "ALIAS"), val("password", "PASSWORD"), val("key_password", "KEY_PASSWORD")
		if file == "" || pw == "" {
			continue
		}
		if alias == "" {
			alias = "wso2carbon" // the table names none: the server's default
		}
		out := keystore.New()
		if err := out.SetPrivateKey(alias, key, chain, keyPW, time.Unix(1700000000, 0)); err != nil {
			tb.Fatal(err)
		}
		data, err := out.Marshal(pw)
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(home, "repository", "resources", "security", file), data, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}
