package agent

// Regression tests named after the old scripts' bugs (reference
// seed-behaviour.md, B1…B31): each proves the agent does not have it.

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/wso2-container/agent/agent/carbonapp"
	"github.com/wso2-container/agent/agent/certs"
	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/product/carbon44"
	"github.com/wso2-container/agent/keystore"
	"github.com/wso2-container/agent/xmlconf"
)

// xmlTexts returns the text of every element path selects in file.
func xmlTexts(tb testing.TB, file, path string) []string {
	tb.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromFile(file); err != nil {
		tb.Fatalf("parse %s: %v", file, err)
	}
	var out []string
	for _, e := range doc.FindElements(path) {
		out = append(out, e.Text())
	}
	return out
}

// xmlText returns the text of the one element path selects.
func xmlText(tb testing.TB, file, path string) string {
	tb.Helper()
	v := xmlTexts(tb, file, path)
	if len(v) != 1 {
		tb.Fatalf("%s: %s matches %d elements, want 1", filepath.Base(file), path, len(v))
	}
	return v[0]
}

func xmlAttr(tb testing.TB, file, path, attr string) string {
	tb.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromFile(file); err != nil {
		tb.Fatalf("parse %s: %v", file, err)
	}
	es := doc.FindElements(path)
	if len(es) != 1 {
		tb.Fatalf("%s: %s matches %d elements, want 1", filepath.Base(file), path, len(es))
	}
	return es[0].SelectAttrValue(attr, "\x00absent")
}

func props(tb testing.TB, file string) map[string]string {
	tb.Helper()
	m, err := xmlconf.ReadProperties([]byte(readFile(tb, file)))
	if err != nil {
		tb.Fatalf("read %s: %v", file, err)
	}
	return m
}

func conf(home, rel string) string { return filepath.Join(home, "repository", "conf", rel) }

// noMembersDNS: explicit IP members only.
var noDNS = map[string][]string{}

func TestB1_MembersReplacedNotAppended(t *testing.T) {
	home := freshHome(t, "gateway")
	env := goldenEnv(t, "gateway", home)
	axis2 := conf(home, "axis2/axis2.xml")
	members := func() []string { return xmlTexts(t, axis2, "/axisconfig/clustering/members/member/hostName") }
	ports := func() []string { return xmlTexts(t, axis2, "/axisconfig/clustering/members/member/port") }

	steps := []struct {
		name string
		dns  map[string][]string
		want []string
	}{
		// own address (10.0.0.5) excluded; names in order, addresses sorted
		{"first start", map[string][]string{"tasks.gatewaymanager": {"10.0.1.1"}, "tasks.gateway": {"10.0.2.2", "10.0.0.5"}}, []string{"10.0.1.1", "10.0.2.2"}},
		{"restart, same peers", map[string][]string{"tasks.gatewaymanager": {"10.0.1.1"}, "tasks.gateway": {"10.0.0.5", "10.0.2.2"}}, []string{"10.0.1.1", "10.0.2.2"}},
		{"peers rescheduled", map[string][]string{"tasks.gatewaymanager": {"10.0.1.9"}, "tasks.gateway": {"10.0.2.3", "10.0.2.4"}}, []string{"10.0.1.9", "10.0.2.3", "10.0.2.4"}},
		{"duplicate answers", map[string][]string{"tasks.gatewaymanager": {"10.0.1.9"}, "tasks.gateway": {"10.0.1.9"}}, []string{"10.0.1.9"}},
	}
	for i, s := range steps {
		before := snapshot(t, axis2)
		mustApply(t, env, s.dns)
		if got := members(); strings.Join(got, ",") != strings.Join(s.want, ",") {
			t.Fatalf("%s: members %v, want %v", s.name, got, s.want)
		}
		for _, p := range ports() {
			if p != "4000" {
				t.Fatalf("%s: member port %q, want 4000", s.name, p)
			}
		}
		if n := strings.Count(readFile(t, axis2), "<member>"); n != len(s.want) {
			t.Fatalf("%s: %d <member> in the file, want %d", s.name, n, len(s.want))
		}
		if i == 1 {
			if d := diffSnapshots(before, snapshot(t, axis2)); len(d) > 0 {
				t.Fatalf("restart with the same peers rewrote axis2.xml: %v", d)
			}
		}
	}
	// Explicit literal members (the variable) replace the DNS ones too.
	mustApply(t, with(env, "WSO2_CLUSTER_MEMBERS", "10.9.9.9, 10.0.0.5 ,10.9.9.9"), noDNS)
	if got := members(); strings.Join(got, ",") != "10.9.9.9" {
		t.Fatalf("literal members: %v, want [10.9.9.9]", got)
	}
}

// keytoolFingerprint returns keytool's SHA-256 fingerprint of alias.
func keytoolFingerprint(tb testing.TB, store, pw, alias string) string {
	tb.Helper()
	out, err := exec.Command("keytool", "-list", "-keystore", store, "-storepass", pw, "-alias", alias).CombinedOutput()
	if err != nil {
		tb.Fatalf("keytool -list %s: %v\n%s", alias, err, out)
	}
	m := regexp.MustCompile(`SHA-256\): ([0-9A-F:]+)`).FindStringSubmatch(string(out))
	if m == nil {
		tb.Fatalf("keytool printed no fingerprint:\n%s", out)
	}
	return m[1]
}

func TestB2_TruststoreRestartWritesNothingRotationReplaces(t *testing.T) {
	home := freshHome(t, "gateway")
	certDir := filepath.Join(t.TempDir(), "certs")
	fxCopy(t, absTestdata(t, "certs"), certDir)
	env := with(goldenEnv(t, "gateway", home), "WSO2_CERTIFICATES_DIR", certDir)
	ts := filepath.Join(home, "repository/resources/security/client-truststore.jks")

	mustApply(t, env, goldenDNS)
	st, err := keystore.Load([]byte(readFile(t, ts)), "wso2carbon")
	if err != nil {
		t.Fatal(err)
	}
	entries := st.Len()

	// Restart: the import plans nothing and writes nothing.
	before := snapshot(t, ts)
	p := mustApply(t, env, goldenDNS)
	for _, f := range p.Changed() {
		if f.Kind == "keystore" {
			t.Fatalf("restart would rewrite %s: %+v", f.Display(), f.Changes)
		}
	}
	if d := diffSnapshots(before, snapshot(t, ts)); len(d) > 0 {
		t.Fatalf("restart touched the truststore: %v", d)
	}

	// Rotation: a new store certificate under the same alias replaces the old.
	if _, err := certs.Generate(certs.GenerateOptions{Out: certDir, Components: []string{"store"}, Domain: "wso2",
		Key: "ecdsa-p256", Password: goldenKSPW, Force: true, Now: goldenNow}); err != nil {
		t.Fatal(err)
	}
	p = mustApply(t, env, goldenDNS)
	var ops []string
	for _, f := range p.Changed() {
		for _, c := range f.Changes {
			if f.Kind == "keystore" {
				ops = append(ops, c.Op+" "+c.Target)
			}
		}
	}
	if strings.Join(ops, ";") != "replace wso2storecert" {
		t.Fatalf("rotation planned %v, want [replace wso2storecert]", ops)
	}
	pemCerts, _, err := certs.ParseCerts([]byte(readFile(t, filepath.Join(certDir, "wso2store.pem"))))
	if err != nil || len(pemCerts) != 1 {
		t.Fatalf("parse rotated pem: %v", err)
	}
	want := keystore.Fingerprint(pemCerts[0].Raw)
	if got := keytoolFingerprint(t, ts, "wso2carbon", "wso2storecert"); got != want {
		t.Fatalf("keytool sees %s under wso2storecert, want the rotated %s", got, want)
	}
	st, err = keystore.Load([]byte(readFile(t, ts)), "wso2carbon")
	if err != nil {
		t.Fatal(err)
	}
	if st.Len() != entries {
		t.Fatalf("truststore has %d entries after rotation, want %d (aliases multiplied)", st.Len(), entries)
	}
}

func TestB4_ISDatabaseHostChangeApplied(t *testing.T) {
	home := freshHome(t, "identityserver")
	env := goldenEnv(t, "identityserver", home)
	master := conf(home, "datasources/master-datasources.xml")
	urls := func() []string {
		return xmlTexts(t, master, "//datasource[name='WSO2UM_DB']/definition/configuration/url")
	}
	for _, c := range []struct{ server, domain, want string }{
		{"db1", "wso2", "jdbc:mysql://db1.wso2:3306/userdb?autoReconnect=true&useSSL=false"},
		{"newdb", "wso2", "jdbc:mysql://newdb.wso2:3306/userdb?autoReconnect=true&useSSL=false"},
		{"newdb", "", "jdbc:mysql://newdb:3306/userdb?autoReconnect=true&useSSL=false"},
		{"db3", "wso2", "jdbc:mysql://db3.wso2:3306/userdb?autoReconnect=true&useSSL=false"},
	} {
		mustApply(t, with(env, "WSO2_MYSQL_SERVER", c.server, "WSO2_DOMAIN", c.domain), goldenDNS)
		if got := urls(); len(got) != 1 || got[0] != c.want {
			t.Fatalf("server %q domain %q: url %v, want %q", c.server, c.domain, got, c.want)
		}
	}
	if s := readFile(t, master); strings.Contains(s, "db1") || strings.Contains(s, "newdb") {
		t.Fatal("an old database host is still in master-datasources.xml")
	}
}

func TestB5_StoreGatewayEndpointReplaced(t *testing.T) {
	home := freshHome(t, "store")
	env := goldenEnv(t, "store", home)
	api := conf(home, "api-manager.xml")
	path := "/APIManager/APIGateway/Environments/Environment/GatewayEndpoint"
	for _, c := range []struct{ value, want string }{
		{"https://a.example.com:8243", "https://a.example.com:8243"},
		{"http://b.example.com:8280,https://b.example.com:8243", "http://b.example.com:8280,https://b.example.com:8243"},
		{unset, "http://gateway.wso2:8280,https://gateway.wso2:8243"},
		{"https://c.example.com", "https://c.example.com"},
	} {
		mustApply(t, with(env, "WSO2_GATEWAY_ENDPOINT", c.value), goldenDNS)
		if got := xmlText(t, api, path); got != c.want {
			t.Fatalf("WSO2_GATEWAY_ENDPOINT=%q: GatewayEndpoint %q, want %q", c.value, got, c.want)
		}
	}
	if s := readFile(t, api); strings.Contains(s, "a.example.com") || strings.Contains(s, "b.example.com") {
		t.Fatal("an old gateway endpoint is still in api-manager.xml")
	}
}

func TestB5_ISVirtualHostReplaced(t *testing.T) {
	home := freshHome(t, "identityserver")
	env := goldenEnv(t, "identityserver", home)
	identity := conf(home, "identity/identity.xml")
	auth := conf(home, "security/authenticators.xml")
	fixture := fixtureFor(t, "identityserver")
	check := func(base, samlBase string) {
		t.Helper()
		for _, u := range carbon44.ISURLs {
			if got := xmlText(t, identity, u.Path); got != base+u.Suffix {
				t.Fatalf("%s = %q, want %q", u.Path, got, base+u.Suffix)
			}
		}
		p := "//Authenticator[@name='SAML2SSOAuthenticator']/Config/Parameter[@name='IdentityProviderSSOServiceURL']"
		if got := xmlText(t, auth, p); got != samlBase+"/samlsso" {
			t.Fatalf("authenticators.xml IdentityProviderSSOServiceURL %q, want %q", got, samlBase+"/samlsso")
		}
	}
	// The stock files say exactly what an unset VIRTUAL_HOST restores.
	for _, u := range carbon44.ISURLs {
		if got := xmlText(t, filepath.Join(fixture, "repository/conf/identity/identity.xml"), u.Path); got != carbon44.ISStockBase+u.Suffix {
			t.Fatalf("fixture %s = %q: isURLs does not match the stock file", u.Path, got)
		}
	}
	mustApply(t, with(env, "VIRTUAL_HOST", "https://a.example.com"), goldenDNS)
	check("https://a.example.com", "https://a.example.com")
	mustApply(t, with(env, "VIRTUAL_HOST", "https://b.example.com:8443/"), goldenDNS)
	check("https://b.example.com:8443", "https://b.example.com:8443")
	for _, f := range []string{identity, auth} {
		if strings.Contains(readFile(t, f), "a.example.com") {
			t.Fatalf("%s still holds the previous VIRTUAL_HOST", f)
		}
	}
	mustApply(t, with(env, "VIRTUAL_HOST", unset), goldenDNS)
	check(carbon44.ISStockBase, "https://localhost:9443")
	if got, want := readFile(t, auth), readFile(t, filepath.Join(fixture, "repository/conf/security/authenticators.xml")); got != want {
		t.Fatal("unset VIRTUAL_HOST did not restore authenticators.xml byte for byte")
	}
}

func TestB6_AnalyticsBothWays(t *testing.T) {
	home := freshHome(t, "gateway")
	env := goldenEnv(t, "gateway", home)
	api := conf(home, "api-manager.xml")
	for _, c := range []struct{ value, want string }{
		{"true", "true"}, {"false", "false"}, {"TRUE", "true"}, {unset, "false"},
		{"1", "true"}, {"no", "false"}, {" yes ", "true"}, {"off", "false"},
	} {
		mustApply(t, with(env, "WSO2_CARBON_ANALYTICS", c.value), goldenDNS)
		if got := xmlText(t, api, "/APIManager/Analytics/Enabled"); got != c.want {
			t.Fatalf("WSO2_CARBON_ANALYTICS=%q: Enabled %q, want %q", c.value, got, c.want)
		}
	}
	_, err := loadConfig(t, with(env, "WSO2_CARBON_ANALYTICS", "maybe"))
	if exitcode.Of(err) != exitcode.Config || !strings.Contains(fmtErr(err), `WSO2_CARBON_ANALYTICS: "maybe" is not a boolean`) {
		t.Fatalf("bad boolean: %v (code %d)", err, exitcode.Of(err))
	}
}

func fmtErr(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func TestB8_AdminPasswordAnyCharacter(t *testing.T) {
	fixtureLog4j := readFile(t, filepath.Join(fixtureFor(t, "gateway"), "repository/conf/log4j.properties"))
	for _, pw := range []string{"a/b", "p&ss", `back\slash`, `x=y:z #!`, " lead and trail ", "ünï€ode", `%$1\n&amp;`} {
		home := freshHome(t, "gateway")
		mustApply(t, with(goldenEnv(t, "gateway", home), "WSO2_ADMIN_PASSWORD", pw), goldenDNS)
		if got := xmlText(t, conf(home, "user-mgt.xml"), "/UserManager/Realm/Configuration/AdminUser/Password"); got != pw {
			t.Fatalf("user-mgt.xml password %q, want %q", got, pw)
		}
		log4j := conf(home, "log4j.properties")
		m := props(t, log4j)
		for _, k := range []string{"log4j.appender.LOGEVENT.password", "log4j.appender.DAS_AGENT.password"} {
			if m[k] != pw {
				t.Fatalf("%s = %q, want %q", k, m[k], pw)
			}
		}
		// Both LOGEVENT definitions replaced in place, nothing appended.
		if got, want := strings.Count(readFile(t, log4j), "\n"), strings.Count(fixtureLog4j, "\n"); got != want {
			t.Fatalf("log4j.properties has %d lines, the stock file %d", got, want)
		}
	}
	// Identity Server: only LOGEVENT exists, nothing else is appended.
	home := freshHome(t, "identityserver")
	mustApply(t, goldenEnv(t, "identityserver", home), goldenDNS)
	got := readFile(t, conf(home, "log4j.properties"))
	if strings.Contains(got, "DAS_AGENT") || props(t, conf(home, "log4j.properties"))["log4j.appender.LOGEVENT.password"] != goldenAdminPW {
		t.Fatal("identityserver log4j.properties: LOGEVENT not set or DAS_AGENT appended")
	}
}

func TestB9_MySQLServerIsAHostNotARegex(t *testing.T) {
	home := freshHome(t, "gateway")
	env := goldenEnv(t, "gateway", home)
	for _, bad := range []string{"db&x", "db%x", "a/b", "db x", "db:1", "db?x", "db\\1"} {
		_, err := loadConfig(t, with(env, "WSO2_MYSQL_SERVER", bad))
		if exitcode.Of(err) != exitcode.Config || !strings.Contains(fmtErr(err), "WSO2_MYSQL_SERVER:") {
			t.Errorf("WSO2_MYSQL_SERVER=%q: %v (code %d), want a config error naming the variable", bad, err, exitcode.Of(err))
		}
	}
	_, err := loadConfig(t, with(env, "WSO2_DOMAIN", "wso2&x"))
	if exitcode.Of(err) != exitcode.Config || !strings.Contains(fmtErr(err), "WSO2_DOMAIN:") {
		t.Errorf("WSO2_DOMAIN=wso2&x: %v", err)
	}
	master := conf(home, "datasources/master-datasources.xml")
	for _, c := range []struct{ server, domain, port, want string }{
		{"db-1_x.internal", "", "3307", "jdbc:mysql://db-1_x.internal:3307/apimgtdb?autoReconnect=true&useSSL=false"},
		{"mysql", "wso2", "3306", "jdbc:mysql://mysql.wso2:3306/apimgtdb?autoReconnect=true&useSSL=false"},
		{"10.1.2.3", "", "3306", "jdbc:mysql://10.1.2.3:3306/apimgtdb?autoReconnect=true&useSSL=false"},
	} {
		mustApply(t, with(env, "WSO2_MYSQL_SERVER", c.server, "WSO2_DOMAIN", c.domain, "WSO2_MYSQL_PORT", c.port), goldenDNS)
		if got := xmlText(t, master, "//datasource[name='WSO2AM_DB']/definition/configuration/url"); got != c.want {
			t.Fatalf("url %q, want %q", got, c.want)
		}
	}
}

func TestB13_OnlyOwnKeystoreCopied(t *testing.T) {
	home := freshHome(t, "gateway")
	mustApply(t, goldenEnv(t, "gateway", home), goldenDNS)
	sec := filepath.Join(home, "repository/resources/security")
	ents, err := os.ReadDir(sec)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if got := strings.Join(names, " "); got != "client-truststore.jks wso2carbon.jks wso2gateway.jks" {
		t.Fatalf("security folder holds %s; want only the stock stores and the gateway's own keystore", got)
	}
	if readFile(t, filepath.Join(sec, "wso2gateway.jks")) != readFile(t, filepath.Join(absTestdata(t, "certs"), "wso2gateway.jks")) {
		t.Fatal("wso2gateway.jks is not a copy of the certificates folder's")
	}
}

// datasourceCheck asserts host, user and password of named datasources.
func datasourceCheck(t *testing.T, file string, names []string, host, user, pw string) {
	t.Helper()
	for _, n := range names {
		// (etree: datasources in comments, like the metrics file's examples, do not count)
		if c := len(xmlTexts(t, file, "//datasource[name='"+n+"']")); c != 1 {
			t.Fatalf("%s: datasource %s appears %d times", filepath.Base(file), n, c)
		}
		base := "//datasource[name='" + n + "']/definition/configuration/"
		if u := xmlText(t, file, base+"url"); !strings.HasPrefix(u, "jdbc:mysql://"+host+":3306/") {
			t.Fatalf("%s %s url %q, want host %s", filepath.Base(file), n, u, host)
		}
		if got := xmlText(t, file, base+"username"); got != user {
			t.Fatalf("%s %s username %q, want %q", filepath.Base(file), n, got, user)
		}
		if got := xmlText(t, file, base+"password"); got != pw {
			t.Fatalf("%s %s password %q, want %q", filepath.Base(file), n, got, pw)
		}
	}
}

func TestB17_EveryDatasourceGetsHostUserPassword(t *testing.T) {
	pw, user := `n3w&<pw>"'`, "dbuser"
	cases := map[string]map[string][]string{
		"gateway": {
			"master-datasources.xml":  {"WSO2AM_DB", "WSO2UM_DB", "WSO2REG_DB", "WSO2AM_STATS_DB", "WSO2_MB_STORE_DB"},
			"metrics-datasources.xml": {"WSO2_METRICS_DB"},
		},
		"identityserver": {
			"master-datasources.xml":  {"WSO2AM_DB", "WSO2UM_DB", "WSO2REG_DB"},
			"metrics-datasources.xml": {"WSO2_METRICS_DB"},
		},
		"analytics": {
			"master-datasources.xml":    {"WSO2UM_DB", "WSO2REG_DB"},
			"analytics-datasources.xml": {"WSO2_ANALYTICS_EVENT_STORE_DB", "WSO2_ANALYTICS_PROCESSED_DATA_STORE_DB", "WSO2_ANALYTICS_FS_DB"},
			"stats-datasources.xml":     {"WSO2AM_STATS_DB"},
			"metrics-datasources.xml":   {"WSO2_METRICS_DB"},
		},
	}
	for prof, files := range cases {
		t.Run(prof, func(t *testing.T) {
			home := freshHome(t, prof)
			env := goldenEnv(t, prof, home)
			mustApply(t, with(env, "WSO2_MYSQL_PASSWORD", "old-pw", "WSO2_MYSQL_SERVER", "olddb"), goldenDNS)
			mustApply(t, with(env, "WSO2_MYSQL_PASSWORD", pw, "WSO2_MYSQL_USER", user, "WSO2_MYSQL_SERVER", "newdb"), goldenDNS)
			for f, names := range files {
				datasourceCheck(t, conf(home, "datasources/"+f), names, "newdb.wso2", user, pw)
				if s := readFile(t, conf(home, "datasources/"+f)); strings.Contains(s, "old-pw") || strings.Contains(s, "olddb") {
					t.Fatalf("%s keeps the previous password or host", f)
				}
			}
		})
	}
}

func TestB18_EmptyMySQLServerIsAConfigError(t *testing.T) {
	for _, prof := range []string{"identityserver", "analytics", "gateway"} {
		home := freshHome(t, prof)
		env := goldenEnv(t, prof, home)
		_, err := loadConfig(t, with(env, "WSO2_MYSQL_SERVER", ""))
		if exitcode.Of(err) != exitcode.Config || !strings.Contains(fmtErr(err), `WSO2_MYSQL_SERVER: "" is not a host name`) {
			t.Fatalf("%s, empty WSO2_MYSQL_SERVER: %v (code %d)", prof, err, exitcode.Of(err))
		}
		// Unset: the documented default, never an empty host.
		mustApply(t, with(env, "WSO2_MYSQL_SERVER", unset), goldenDNS)
		for _, u := range xmlTexts(t, conf(home, "datasources/master-datasources.xml"), "//datasource/definition/configuration/url") {
			if strings.HasPrefix(u, "jdbc:mysql://") && !strings.HasPrefix(u, "jdbc:mysql://mysql.wso2:3306/") {
				t.Fatalf("%s: url %q with WSO2_MYSQL_SERVER unset", prof, u)
			}
		}
	}
}

func TestB21_GatewayUsesItsOwnKeystore(t *testing.T) {
	home := freshHome(t, "gateway")
	mustApply(t, goldenEnv(t, "gateway", home), goldenDNS)
	err := filepath.Walk(filepath.Join(home, "repository/conf"), func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && strings.Contains(readFile(t, p), "wso2gatewaymanager.jks") {
			t.Errorf("%s points at the gateway manager's keystore", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	own := "${carbon.home}/repository/resources/security/wso2gateway.jks"
	if got := xmlAttr(t, conf(home, "tomcat/catalina-server.xml"), "/Server/Service/Connector[@port='9443']", "keystoreFile"); got != own {
		t.Fatalf("catalina 9443 keystoreFile %q", got)
	}
	carbon := conf(home, "carbon.xml")
	if xmlText(t, carbon, "/Server/Security/KeyStore/Location") != own || xmlText(t, carbon, "/Server/Security/KeyStore/KeyAlias") != "wso2gatewaycert" {
		t.Fatal("carbon.xml KeyStore is not the gateway's own")
	}
	for _, l := range xmlTexts(t, conf(home, "axis2/axis2.xml"), "//parameter[@name='keystore']/KeyStore/Location") {
		if l != "repository/resources/security/wso2gateway.jks" {
			t.Fatalf("axis2.xml keystore %q", l)
		}
	}
	if got := props(t, conf(home, "identity/EndpointConfig.properties"))["client.keyStore"]; got != "./repository/resources/security/wso2gateway.jks" {
		t.Fatalf("EndpointConfig client.keyStore %q", got)
	}
}

func TestB22_HostNameOnceAndReplaced(t *testing.T) {
	home := freshHome(t, "gateway")
	env := goldenEnv(t, "gateway", home)
	carbon := conf(home, "carbon.xml")
	// What the old Dockerfiles left behind: HostName and MgtHostName appended
	// twice, with ports and the wrong component.
	s := readFile(t, carbon)
	dup := "    <HostName>store.wso2:9443</HostName>\n    <MgtHostName>store.wso2:9443</MgtHostName>\n    <HostName>gateway.wso2</HostName>\n    <MgtHostName>gateway.wso2</MgtHostName>\n"
	s = strings.Replace(s, "</Server>", dup+"</Server>", 1)
	if err := os.WriteFile(carbon, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ host, want string }{{unset, "gateway.wso2"}, {"gw.example.com", "gw.example.com"}, {unset, "gateway.wso2"}} {
		mustApply(t, with(env, "WSO2_HOST_NAME", c.host), goldenDNS)
		for _, el := range []string{"HostName", "MgtHostName"} {
			if got := xmlTexts(t, carbon, "/Server/"+el); len(got) != 1 || got[0] != c.want {
				t.Fatalf("WSO2_HOST_NAME=%q: %s = %v, want exactly [%s]", c.host, el, got, c.want)
			}
		}
	}
}

func TestB23_AccessLogValveRemoved(t *testing.T) {
	for _, prof := range []string{"gateway", "identityserver", "analytics"} {
		home := freshHome(t, prof)
		mustApply(t, goldenEnv(t, prof, home), goldenDNS)
		cat := conf(home, "tomcat/catalina-server.xml")
		var valves []string
		doc := etree.NewDocument()
		if err := doc.ReadFromFile(cat); err != nil {
			t.Fatal(err)
		}
		for _, v := range doc.FindElements("//Valve") {
			valves = append(valves, v.SelectAttrValue("className", ""))
		}
		want := "org.wso2.carbon.tomcat.ext.valves.CarbonContextCreatorValve org.wso2.carbon.tomcat.ext.valves.CarbonStuckThreadDetectionValve org.wso2.carbon.tomcat.ext.valves.CompositeValve"
		if got := strings.Join(valves, " "); got != want {
			t.Fatalf("%s valves: %s", prof, got)
		}
	}
}

func TestB24_NoDuplicateDatasource(t *testing.T) {
	home := freshHome(t, "analytics")
	file := conf(home, "datasources/analytics-datasources.xml")
	// The old image's result: the FS datasource appended twice.
	block := `        <datasource>
            <name>WSO2_ANALYTICS_FS_DB</name>
            <jndiConfig><name>jdbc/WSO2_ANALYTICS_FS_DB</name></jndiConfig>
            <definition type="RDBMS"><configuration>
                <url>jdbc:mysql://.wso2:3306/analytics_fs</url>
                <username>apisqluser</username><password>old</password>
                <driverClassName>com.mysql.jdbc.Driver</driverClassName>
            </configuration></definition>
        </datasource>
`
	s := strings.Replace(readFile(t, file), "    </datasources>", block+block+"    </datasources>", 1)
	if err := os.WriteFile(file, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	env := goldenEnv(t, "analytics", home)
	mustApply(t, env, goldenDNS)
	datasourceCheck(t, file, []string{"WSO2_ANALYTICS_EVENT_STORE_DB", "WSO2_ANALYTICS_PROCESSED_DATA_STORE_DB", "WSO2_ANALYTICS_FS_DB"}, "mysql.wso2", "apisqluser", goldenDBPW)
	// And on a stock file every datasource exists exactly once after two runs.
	home2 := freshHome(t, "analytics")
	env2 := goldenEnv(t, "analytics", home2)
	mustApply(t, env2, goldenDNS)
	mustApply(t, env2, goldenDNS)
	datasourceCheck(t, conf(home2, "datasources/analytics-datasources.xml"), []string{"WSO2_ANALYTICS_EVENT_STORE_DB", "WSO2_ANALYTICS_PROCESSED_DATA_STORE_DB", "WSO2_ANALYTICS_FS_DB"}, "mysql.wso2", "apisqluser", goldenDBPW)
}

func TestB26_MediatorJarsMirrored(t *testing.T) {
	home := freshHome(t, "gateway")
	share := filepath.Join(t.TempDir(), "mediator")
	lib := filepath.Join(home, "repository/components/lib")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(share, 0o755))
	must(os.MkdirAll(lib, 0o755))
	must(os.WriteFile(filepath.Join(lib, "image-own.jar"), []byte("image"), 0o644))
	env := with(goldenEnv(t, "gateway", home), "WSO2_MEDIATOR_DIR", share)
	libJars := func() string {
		ents, _ := os.ReadDir(lib)
		var n []string
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), ".jar") {
				n = append(n, e.Name())
			}
		}
		return strings.Join(n, " ")
	}
	// An empty share (the old unmatched glob) is not an error.
	mustApply(t, env, goldenDNS)
	if got := libJars(); got != "image-own.jar" {
		t.Fatalf("empty share: lib %s", got)
	}
	must(os.WriteFile(filepath.Join(share, "a.jar"), []byte("a1"), 0o644))
	must(os.WriteFile(filepath.Join(share, "b.jar"), []byte("b1"), 0o644))
	must(os.WriteFile(filepath.Join(share, "notes.txt"), []byte("x"), 0o644))
	mustApply(t, env, goldenDNS)
	if got := libJars(); got != "a.jar b.jar image-own.jar" {
		t.Fatalf("lib %s", got)
	}
	must(os.Remove(filepath.Join(share, "b.jar")))
	must(os.WriteFile(filepath.Join(share, "a.jar"), []byte("a2"), 0o644))
	must(os.WriteFile(filepath.Join(share, "c.jar"), []byte("c1"), 0o644))
	mustApply(t, env, goldenDNS)
	if got := libJars(); got != "a.jar c.jar image-own.jar" {
		t.Fatalf("after removing b.jar from the share: lib %s", got)
	}
	if readFile(t, filepath.Join(lib, "a.jar")) != "a2" {
		t.Fatal("a changed jar was not replaced")
	}
	before := snapshot(t, lib)
	mustApply(t, env, goldenDNS)
	if d := diffSnapshots(before, snapshot(t, lib)); len(d) > 0 {
		t.Fatalf("restart touched lib: %v", d)
	}
	for _, f := range []string{"a.jar", "c.jar"} {
		must(os.Remove(filepath.Join(share, f)))
	}
	mustApply(t, env, goldenDNS)
	if got := libJars(); got != "image-own.jar" {
		t.Fatalf("emptied share: lib %s (the image's own jar must stay)", got)
	}
	// A missing share: nothing planned, no error.
	must(os.RemoveAll(share))
	p := mustApply(t, env, goldenDNS)
	for _, f := range p.Changed() {
		t.Errorf("missing share planned %s", f.Display())
	}
}

func TestB30_CertsGenerateKeepsExisting(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "certificates")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"WSO2_KEYSTORE_PASSWORD": "wso2carbon"}
	r := runPipe(t, env, "certs", "generate", "--out", dir, "--key", "ecdsa-p256")
	if r.Code != 0 {
		t.Fatalf("first generate on an empty folder: code %d\n%s", r.Code, r.Stderr)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) == 0 {
		t.Fatal("nothing generated")
	}
	before := snapshot(t, dir)
	r = runPipe(t, env, "certs", "generate", "--out", dir, "--key", "ecdsa-p256")
	if r.Code != 0 {
		t.Fatalf("second generate: code %d\n%s", r.Code, r.Stderr)
	}
	if d := diffSnapshots(before, snapshot(t, dir)); len(d) > 0 {
		t.Fatalf("second generate rewrote keys: %v", d)
	}
}

// errors is used by the bad-input tests in this package too.
var _ = errors.Is

func TestB7_CarbonAppSchedulesPatchedInPlace(t *testing.T) {
	home := freshHome(t, "analytics")
	env := goldenEnv(t, "analytics", home)
	cars := []string{}
	for _, d := range carbon44.CarbonAppDirs {
		cars = append(cars, filepath.Join(home, d, carbon44.CarbonApp))
	}
	entriesOf := func(car string) map[string]string { // name -> CRC line, scripts excluded
		out := map[string]string{}
		for _, l := range strings.Split(carListing(t, []byte(readFile(t, car))), "\n") {
			if f := strings.Fields(l); len(f) == 3 && !strings.HasPrefix(f[0], "APIM_") {
				out[f[0]] = l
			}
		}
		return out
	}
	orig := entriesOf(cars[0])
	dirsBefore := dirListing(t, home)
	cronsOf := func(car string) map[string]string {
		var entries []string
		for _, s := range carbon44.DASScripts(&contract.Config{}) {
			entries = append(entries, s.Entry)
		}
		m, err := carbonapp.ReadCrons([]byte(readFile(t, car)), entries)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	for _, sched := range []string{"0 0/10 * 1/1 * ? *", "0 15 3 * * ?"} {
		mustApply(t, with(env, "WSO2_DAS_APIM_STAT_SCRIPT", sched), goldenDNS)
		for _, car := range cars {
			if got := cronsOf(car)["APIM_STAT_SCRIPT_1.0.0/APIM_STAT_SCRIPT.xml"]; got != sched {
				t.Fatalf("%s: APIM_STAT_SCRIPT schedule %q, want %q", car, got, sched)
			}
			if got := entriesOf(car); len(got) != len(orig) {
				t.Fatalf("%s: %d non-script entries, want %d", car, len(got), len(orig))
			} else {
				for k, v := range orig {
					if got[k] != v {
						t.Fatalf("%s: entry changed: %q -> %q", car, v, got[k])
					}
				}
			}
			if out, err := exec.Command("unzip", "-tq", car).CombinedOutput(); err != nil {
				t.Fatalf("unzip -t %s: %v\n%s", car, err, out)
			}
		}
	}
	// Restart with the same schedules: archives untouched; no extraction
	// folders anywhere (the old /tempcar).
	before := snapshot(t, cars...)
	mustApply(t, with(env, "WSO2_DAS_APIM_STAT_SCRIPT", "0 15 3 * * ?"), goldenDNS)
	if d := diffSnapshots(before, snapshot(t, cars...)); len(d) > 0 {
		t.Fatalf("restart rewrote the carbon app: %v", d)
	}
	if got := dirListing(t, home); got != dirsBefore {
		t.Fatal("the setup created or removed folders in the product home")
	}
	// An invalid schedule is refused before anything is written.
	before = snapshot(t, home)
	_, err := planFor(t, with(env, "WSO2_DAS_APIM_USER_AGENT_STATS", "0 0/5 * * * * *"), goldenDNS)
	if exitcode.Of(err) != exitcode.Config || !strings.Contains(fmtErr(err), "WSO2_DAS_APIM_USER_AGENT_STATS") || !strings.Contains(fmtErr(err), "0 0/5 * * * * *") {
		t.Fatalf("invalid schedule: %v (code %d)", err, exitcode.Of(err))
	}
	if d := diffSnapshots(before, snapshot(t, home)); len(d) > 0 {
		t.Fatalf("an invalid schedule touched files: %v", d)
	}
}

// dirListing lists the folders under root.
func dirListing(t *testing.T, root string) string {
	var dirs []string
	for p, st := range snapshot(t, root) {
		if st.Mode.IsDir() {
			dirs = append(dirs, p)
		}
	}
	sort.Strings(dirs)
	return strings.Join(dirs, "\n")
}

// A schedule variable set on an analytics home that has no copy of the
// carbon app holding the Spark scripts cannot be applied: the dry run and
// the start say so instead of listing the schedule as if it were set. With
// no schedule variable set, a home without the app gets no warning.
func TestDASScheduleWithoutTheCarbonAppWarns(t *testing.T) {
	home := freshHome(t, "analytics")
	for _, d := range carbon44.CarbonAppDirs {
		if err := os.Remove(filepath.Join(home, d, carbon44.CarbonApp)); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	env := goldenEnv(t, "analytics", home)
	for _, s := range carbon44.DASScripts(&contract.Config{}) {
		delete(env, s.Variable)
	}
	want := "# warning: WSO2_DAS_APIM_STAT_SCRIPT: not applied: the carbon app " + carbon44.CarbonApp + " that holds the schedules is in none of " + strings.Join(carbon44.CarbonAppDirs, ", ")
	r := runPipe(t, with(env, "WSO2_DAS_APIM_STAT_SCRIPT", "0 0/7 * * * ?"), "render", "--dry-run")
	if r.Code != 0 || !strings.Contains(r.Stdout, want) || strings.Contains(r.Stdout, "# schedule ") {
		t.Fatalf("exit %d, want 0 and %q, and no schedule listed:\n%s%s", r.Code, want, r.Stdout, r.Stderr)
	}
	if r := runPipe(t, env, "render", "--dry-run"); r.Code != 0 || strings.Contains(r.Stdout, "not applied") {
		t.Fatalf("no schedule set: exit %d, output:\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
}

// API Manager 4.x variables set for a Carbon 4.4 profile are a warning
// naming them, and the Carbon 4.4 name of one that has it (as the Carbon
// 4.4 variables set for a 4.x setup are, the other way round): nothing
// there reads them, and WSO2_HOSTNAME for WSO2_HOST_NAME is an easy slip.
func TestCarbonWarnsOf4xVariables(t *testing.T) {
	home := freshHome(t, "gateway")
	secret := filepath.Join(t.TempDir(), "db")
	must(t, os.WriteFile(secret, []byte("Db-pw-1\n"), 0o600))
	env := with(goldenEnv(t, "gateway", home), "WSO2_HOSTNAME", "gw.example.com", "WSO2_PORT_OFFSET", "3", "WSO2_APIM_DB_PASSWORD_FILE", secret)
	want := "# warning: WSO2_HOSTNAME, WSO2_PORT_OFFSET, WSO2_APIM_DB_PASSWORD_FILE: set, but nothing in a Carbon 4.4 setup reads them (they configure API Manager 4.x); on Carbon 4.4 use WSO2_HOST_NAME instead of WSO2_HOSTNAME"
	if r := runPipe(t, env, "render", "--dry-run"); r.Code != 0 || !strings.Contains(r.Stdout, want) {
		t.Fatalf("exit %d, want 0 and %q:\n%s%s", r.Code, want, r.Stdout, r.Stderr)
	}
	if r := runPipe(t, goldenEnv(t, "gateway", home), "render", "--dry-run"); r.Code != 0 || strings.Contains(r.Stdout, "API Manager 4.x)") {
		t.Fatalf("no 4.x variable: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
}

// render --dry-run is the preflight of a start: a WSO2_AGENT_USER that does
// not exist, on which `agent run` as root stops with exit 67, is a warning
// of its report (render itself switches no user and goes on).
func TestRenderWarnsOfAMissingServerUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("the user is only switched by root (make test runs as root)")
	}
	home := freshHome(t, "gateway")
	want := `# warning: WSO2_AGENT_USER: no such user in /etc/passwd: agent run as root would stop with exit 67 before writing anything`
	r := runPipe(t, with(goldenEnv(t, "gateway", home), "WSO2_AGENT_USER", "no-such-user-x"), "render", "--dry-run")
	if r.Code != 0 || !strings.Contains(r.Stdout, want) {
		t.Fatalf("exit %d, want 0 and %q:\n%s%s", r.Code, want, r.Stdout, r.Stderr)
	}
	if r := runPipe(t, with(goldenEnv(t, "gateway", home), "WSO2_AGENT_USER", "root"), "render", "--dry-run"); r.Code != 0 || strings.Contains(r.Stdout, "WSO2_AGENT_USER") {
		t.Fatalf("root: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
}

// A mediator share that is gone (a mount lost, a typo in
// WSO2_MEDIATOR_DIR) leaves the jars an earlier start mirrored from it in
// place, as before, and the report now says so, naming them.
func TestMediatorShareGoneWarns(t *testing.T) {
	home := freshHome(t, "gateway")
	share := filepath.Join(t.TempDir(), "mediator")
	must(t, os.MkdirAll(share, 0o755))
	must(t, os.WriteFile(filepath.Join(share, "a.jar"), []byte("a1"), 0o644))
	env := with(goldenEnv(t, "gateway", home), "WSO2_MEDIATOR_DIR", share)
	mustApply(t, env, goldenDNS)
	must(t, os.RemoveAll(share))
	r := runPipe(t, env, "render", "--dry-run")
	want := "# warning: WSO2_MEDIATOR_DIR: " + share + " does not exist: the jars an earlier start mirrored from it stay in repository/components/lib (a.jar); an empty share removes them"
	if r.Code != 0 || !strings.Contains(r.Stdout, want) {
		t.Fatalf("exit %d, want 0 and %q:\n%s%s", r.Code, want, r.Stdout, r.Stderr)
	}
	if _, err := os.Stat(filepath.Join(home, "repository/components/lib/a.jar")); err != nil {
		t.Fatal(err)
	}
}

// A mediator share the operator named and that is not there (a volume not
// mounted) is a warning even when no earlier start mirrored from it; the
// default share, missing in every image without mediators, is not, nor is
// the variable set empty.
func TestMediatorShareNamedAndMissingWarns(t *testing.T) {
	home := freshHome(t, "gateway")
	share := filepath.Join(t.TempDir(), "mediator")
	r := runPipe(t, with(goldenEnv(t, "gateway", home), "WSO2_MEDIATOR_DIR", share), "render", "--dry-run")
	want := "# warning: WSO2_MEDIATOR_DIR: " + share + " does not exist: no mediator jars are mirrored"
	if r.Code != 0 || !strings.Contains(r.Stdout, want) {
		t.Fatalf("exit %d, want 0 and %q:\n%s%s", r.Code, want, r.Stdout, r.Stderr)
	}
	// Set empty (compose's ${X:-}): the default, not named.
	r = runPipe(t, with(goldenEnv(t, "gateway", home), "WSO2_MEDIATOR_DIR", ""), "render", "--dry-run")
	if r.Code != 0 || strings.Contains(r.Stdout, "WSO2_MEDIATOR_DIR") {
		t.Fatalf("empty: exit %d, want 0 and no word of WSO2_MEDIATOR_DIR:\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	if _, err := os.Stat("/wso2amserver/mediator"); err == nil {
		t.Skip("SKIPPED (the default share's half): this machine has /wso2amserver/mediator, so a missing default share cannot be made here")
	}
	env := goldenEnv(t, "gateway", home)
	delete(env, "WSO2_MEDIATOR_DIR")
	r = runPipe(t, env, "render", "--dry-run")
	if r.Code != 0 || strings.Contains(r.Stdout, "WSO2_MEDIATOR_DIR") {
		t.Fatalf("default share: exit %d, want 0 and no word of WSO2_MEDIATOR_DIR:\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
}
