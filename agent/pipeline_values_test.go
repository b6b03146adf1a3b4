package agent

// Any value is safe: secrets with every XML, properties, URL and shell
// metacharacter and non-ASCII letters round-trip exactly, read back with
// etree and with a real JVM (DOM + XPath, java.util.Properties).

import (
	"bytes"
	"encoding/hex"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wso2-container/agent/agent/certs"
	"github.com/wso2-container/agent/agent/product/carbon44"
	"github.com/wso2-container/agent/keystore"
)

// javaReadBack compiles testdata/java/ReadBack.java and answers the queries
// ("xml\tfile\txpath" or "prop\tfile\tkey") in one JVM.
func javaReadBack(t *testing.T, queries []string) []string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("javac", "-d", dir, "testdata/java/ReadBack.java").CombinedOutput(); err != nil {
		t.Fatalf("javac (a JDK is required): %v\n%s", err, out)
	}
	cmd := exec.Command("java", "-cp", dir, "ReadBack")
	cmd.Stdin = strings.NewReader(strings.Join(queries, "\n") + "\n")
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	if err := cmd.Run(); err != nil {
		t.Fatalf("java ReadBack: %v\n%s", err, se.String())
	}
	lines := strings.Split(strings.TrimSuffix(so.String(), "\n"), "\n")
	if len(lines) != len(queries) {
		t.Fatalf("java answered %d of %d queries:\n%s", len(lines), len(queries), se.String())
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		if l == "-" {
			out[i] = "\x00absent"
			continue
		}
		b, err := hex.DecodeString(l)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = string(b)
	}
	return out
}

func TestAnyValueRoundTrips(t *testing.T) {
	const (
		adminPW = `p&<>"'/\%$ü€ x!#=:`
		admin   = `öps&<"'>`
		dbPW    = `d"b'&<pw>\%$ñ日本 ${x}`
		ksPW    = `K&<>"'/\%$é ks`     // JKS passwords: Latin-1 only
		tsPW    = `T&<>"'/\%$ø ts#=:!` // the truststore is re-encrypted with it
		dbUser  = `us&er<"'>`
	)
	home := freshHome(t, "gateway")
	certDir := filepath.Join(t.TempDir(), "certs")
	if _, err := certs.Generate(certs.GenerateOptions{Out: certDir, Components: certsComponents, Domain: "wso2", Key: "ecdsa-p256", Password: ksPW, Now: goldenNow}); err != nil {
		t.Fatal(err)
	}
	ts := filepath.Join(home, "repository/resources/security/client-truststore.jks")
	st, err := keystore.Load([]byte(readFile(t, ts)), "wso2carbon")
	if err != nil {
		t.Fatal(err)
	}
	data, err := st.Marshal(tsPW)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ts, data, 0o644); err != nil {
		t.Fatal(err)
	}
	env := with(goldenEnv(t, "gateway", home),
		"WSO2_ADMIN_USERNAME", admin, "WSO2_ADMIN_PASSWORD", adminPW, "WSO2_MYSQL_PASSWORD", dbPW, "WSO2_MYSQL_USER", dbUser,
		"WSO2_KEYSTORE_PASSWORD", ksPW, "WSO2_TRUSTSTORE_PASSWORD", tsPW, "WSO2_CERTIFICATES_DIR", certDir)
	mustApply(t, env, goldenDNS)

	type q struct{ kind, rel, expr, want string }
	qs := []q{
		{"xml", "user-mgt.xml", "/UserManager/Realm/Configuration/AdminUser/Password", adminPW},
		{"xml", "user-mgt.xml", "/UserManager/Realm/Configuration/AdminUser/UserName", admin},
		{"prop", "log4j.properties", "log4j.appender.LOGEVENT.password", adminPW},
		{"prop", "log4j.properties", "log4j.appender.DAS_AGENT.password", adminPW},
		{"prop", "log4j.properties", "log4j.appender.LOGEVENT.userName", admin},
		{"prop", "log4j.properties", "log4j.appender.DAS_AGENT.userName", admin},
		{"xml", "datasources/metrics-datasources.xml", "//datasource[name='WSO2_METRICS_DB']/definition/configuration/password", dbPW},
		{"xml", "datasources/metrics-datasources.xml", "//datasource[name='WSO2_METRICS_DB']/definition/configuration/username", dbUser},
		{"xml", "carbon.xml", "/Server/Security/KeyStore/Password", ksPW},
		{"xml", "carbon.xml", "/Server/Security/KeyStore/KeyPassword", ksPW},
		{"xml", "carbon.xml", "/Server/Security/TrustStore/Password", tsPW},
		{"xml", "tomcat/catalina-server.xml", "/Server/Service/Connector[@port='9443']/@keystorePass", ksPW},
		{"xml", "axis2/axis2.xml", "(//parameter[@name='keystore']/KeyStore/Password)[1]", ksPW},
		{"xml", "axis2/axis2.xml", "(//parameter[@name='keystore']/KeyStore/KeyPassword)[2]", ksPW},
		{"xml", "axis2/axis2.xml", "(//parameter[@name='truststore']/TrustStore/Password)[1]", tsPW},
		{"xml", "broker.xml", "(//sslConnection/keyStore/password)[1]", ksPW},
		{"xml", "broker.xml", "(//sslConnection/trustStore/password)[2]", tsPW},
		{"xml", "identity/identity.xml", "//ThirftBasedEntitlementConfig/KeyStore/Password", ksPW},
		{"prop", "identity/EndpointConfig.properties", "Carbon.Security.KeyStore.Password", ksPW},
		{"prop", "identity/EndpointConfig.properties", "Carbon.Security.TrustStore.Password", tsPW},
	}
	for _, ds := range carbon44.AMDatasources {
		qs = append(qs,
			q{"xml", "datasources/master-datasources.xml", "//datasource[name='" + ds.Name + "']/definition/configuration/password", dbPW},
			q{"xml", "datasources/master-datasources.xml", "//datasource[name='" + ds.Name + "']/definition/configuration/username", dbUser})
	}
	var lines []string
	for _, c := range qs {
		lines = append(lines, c.kind+"\t"+conf(home, c.rel)+"\t"+c.expr)
	}
	lines = append(lines, "prop\t"+conf(home, "jndi.properties")+"\tconnectionfactory.TopicConnectionFactory")
	got := javaReadBack(t, lines)
	for i, c := range qs {
		if got[i] != c.want {
			t.Errorf("JVM reads %s %s = %q, want %q", c.rel, c.expr, got[i], c.want)
		}
	}
	// The AMQP URL carries user and password percent-encoded.
	u := got[len(qs)]
	userinfo := strings.TrimPrefix(u[:strings.Index(u, "@clientid")], "amqp://")
	user, pw, _ := strings.Cut(userinfo, ":")
	duser, uerr := url.PathUnescape(user)
	if dpw, err := url.PathUnescape(pw); err != nil || uerr != nil || duser != admin || dpw != adminPW {
		t.Errorf("jndi TopicConnectionFactory credentials %q:%q (decoded %q:%q, %v, %v)", user, pw, duser, dpw, uerr, err)
	}

	// etree reads the same (Go consumers, and the agent's own re-read).
	for _, c := range qs {
		if c.kind != "xml" || strings.Contains(c.expr, "@keystorePass") || strings.HasPrefix(c.expr, "(") {
			continue
		}
		if v := xmlText(t, conf(home, c.rel), c.expr); v != c.want {
			t.Errorf("etree reads %s %s = %q, want %q", c.rel, c.expr, v, c.want)
		}
	}
	if v := xmlAttr(t, conf(home, "tomcat/catalina-server.xml"), "/Server/Service/Connector[@port='9443']", "keystorePass"); v != ksPW {
		t.Errorf("etree keystorePass %q", v)
	}

	// keytool opens the stores with the passwords written into the files.
	for _, s := range []struct{ path, pw string }{{ts, tsPW}, {filepath.Join(home, "repository/resources/security/wso2gateway.jks"), ksPW}} {
		if out, err := exec.Command("keytool", "-list", "-keystore", s.path, "-storepass", s.pw).CombinedOutput(); err != nil {
			t.Errorf("keytool -list %s: %v\n%s", s.path, err, out)
		}
	}

	// And a second run with the same values changes nothing.
	p, err := planFor(t, env, goldenDNS)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range p.Changed() {
		t.Errorf("second plan with tricky values would change %s", f.Display())
	}
}
