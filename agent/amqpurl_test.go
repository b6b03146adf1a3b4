package agent

import (
	"encoding/hex"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestAMQPURLCredentialsRoundTrip: whatever characters the admin user name
// and password hold, the AMQP connection URLs the agent writes into
// jndi.properties give back exactly that user and password, and nothing
// else (no extra option, the same broker, client and virtual host), when
// read the way the server reads them: java.util.Properties, then the WSO2
// Andes client's URL parsing on java.net.URI (testdata/amqpurl, run on a
// real JVM).
func TestAMQPURLCredentialsRoundTrip(t *testing.T) {
	if _, err := exec.LookPath("java"); err != nil {
		t.Fatal("java is needed to read the URLs back (scripts/install-deps.sh installs it)")
	}
	creds := []struct{ user, pass string }{
		{"admin", "p@ss:w/rd?#%'\" x"},
		{"ad@min", "a@b"},
		{"a/b?c#d", "100%"},
		{"user name", "%41%zz%"},
		{"admin", "{secretAlias:Foo}"},
		{"admin", "'brokerlist='tcp://evil:1',x='"},
		{"admin", ";,&=+$!*()[]\\|^`~"},
		{"üser", "pässwörd€😀"},
		{"admin", "tab\there\nline"},
	}
	var files []string
	want := map[string]struct{ user, pass string }{}
	for _, c := range creds {
		home := freshHome(t, "gateway")
		env := with(goldenEnv(t, "gateway", home), "WSO2_ADMIN_USERNAME", c.user, "WSO2_ADMIN_PASSWORD", c.pass)
		mustApply(t, env, goldenDNS)
		f := filepath.Join(home, "repository", "conf", "jndi.properties")
		files = append(files, f)
		want[f] = c
	}
	cmd := exec.Command("java", append([]string{filepath.Join("testdata", "amqpurl", "AMQPURLCheck.java")}, files...)...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("java AMQPURLCheck: %v\n%s", err, out)
	}
	seen := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "\t")
		if len(f) < 3 {
			t.Fatalf("unexpected line %q", line)
		}
		c, ok := want[f[0]]
		if !ok {
			t.Fatalf("unexpected file in %q", line)
		}
		seen[f[0]]++
		if len(f) != 7 {
			t.Errorf("user %q password %q: %s does not parse: %s", c.user, c.pass, f[1], strings.Join(f[2:], " "))
			continue
		}
		user, _ := hex.DecodeString(f[2])
		pass, _ := hex.DecodeString(f[3])
		client, vhost := "clientid", "/carbon"
		if f[1] == "connectionfactory.QueueConnectionFactory" {
			client, vhost = "clientID", "/test"
		}
		if string(user) != c.user || string(pass) != c.pass {
			t.Errorf("%s: wrote user %q password %q, the client reads user %q password %q", f[1], c.user, c.pass, user, pass)
		}
		if f[4] != client || f[5] != vhost || f[6] != "{brokerlist=tcp://trafficmanager.wso2:5672}" {
			t.Errorf("%s with user %q password %q: client %q, virtual host %q, options %s", f[1], c.user, c.pass, f[4], f[5], f[6])
		}
	}
	for _, f := range files {
		if seen[f] != 2 {
			t.Errorf("%s: %d connection factories read back, want 2", f, seen[f])
		}
	}
}

// TestDatasourceCredentialsAnyCharacter: the MySQL user and password are
// never part of a JDBC URL (which holds only host, port and database); they
// are the datasources' <username> and <password> elements, which an XML
// parser gives back exactly, whatever characters they hold.
func TestDatasourceCredentialsAnyCharacter(t *testing.T) {
	user, pw := `db@us:er/x?y#z%'" `, `p@ss:w/rd?#%'"<&> x`
	home := freshHome(t, "gateway")
	mustApply(t, with(goldenEnv(t, "gateway", home), "WSO2_MYSQL_USER", user, "WSO2_MYSQL_PASSWORD", pw), goldenDNS)
	master := conf(home, "datasources/master-datasources.xml")
	datasourceCheck(t, master, []string{"WSO2AM_DB", "WSO2UM_DB", "WSO2REG_DB", "WSO2AM_STATS_DB", "WSO2_MB_STORE_DB"}, "mysql.wso2", user, pw)
	for _, u := range xmlTexts(t, master, "//datasource/definition/configuration/url") {
		if strings.HasPrefix(u, "jdbc:mysql:") && (strings.Contains(u, "db@us") || strings.Contains(u, "p@ss")) {
			t.Errorf("a JDBC URL holds a credential: %q", u)
		}
	}
}
