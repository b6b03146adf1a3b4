package agent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInputMatrix: every bad input the agent must refuse (or warn about)
// with a documented exit code, one error line naming the variable, file or
// element, no secret in the output, and every file left as it was. One row
// per case; the harness is in badinput_harness_test.go.
func TestBadInputMatrix(t *testing.T) {
	runBadMatrix(t, []badCase{
		{name: "mysql port out of range", env: map[string]string{"WSO2_MYSQL_PORT": "70000"},
			code: 78, msg: []string{"WSO2_MYSQL_PORT", "1-65535"}},
		{name: "mysql server with a query", env: map[string]string{"WSO2_MYSQL_SERVER": "db?user=x"},
			code: 78, msg: []string{"WSO2_MYSQL_SERVER"}},
		{name: "unknown profile", env: map[string]string{"WSO2_PROFILE": "gatewy"},
			code: 78, msg: []string{"WSO2_PROFILE", "gatewy"}},
		{name: "no profile, and the home is not a 4.x pack", env: map[string]string{"WSO2_PROFILE": unset},
			code: 78, msg: []string{"WSO2_PROFILE: not set, and WSO2_HOME ", " is not an API Manager 4.x home", "(one of: "}},
		{name: "home missing", env: map[string]string{"WSO2_HOME": "/nonexistent/wso2am"},
			code: 66, msg: []string{"WSO2_HOME: product home /nonexistent/wso2am: no such file or directory"}, notMsg: []string{"default home"}},
		{name: "home is a file", env: map[string]string{"WSO2_HOME": "/etc/hostname"},
			code: 66, msg: []string{"WSO2_HOME: product home /etc/hostname: not a folder"}},
		{name: "profile's default home missing", env: map[string]string{"WSO2_HOME": unset},
			code: 66, msg: []string{"WSO2_HOME: product home /wso2am: no such file or directory (the gateway profile's default home; set WSO2_HOME"}},
		{name: "WSO2_SERVER_HOME of WSO2's images is read, not warned about", env: map[string]string{"WSO2_SERVER_HOME": "/home/wso2carbon/wso2am-4.5.0"},
			args: []string{"render", "--dry-run"}, code: 0, notMsg: []string{"is not a variable the agent reads"}},

		// 3. Empty and missing values.
		{name: "admin password set but empty", env: map[string]string{"WSO2_ADMIN_PASSWORD": ""},
			code: 78, msg: []string{"WSO2_ADMIN_PASSWORD: set but empty"}},
		{name: "admin password file empty", env: map[string]string{"WSO2_ADMIN_PASSWORD": unset},
			setup: func(t *testing.T, b *badEnv) { b.Env["WSO2_ADMIN_PASSWORD_FILE"] = emptySecretFile(t, b, "\n") },
			code:  78, msg: []string{"WSO2_ADMIN_PASSWORD_FILE", "is empty"}},
		{name: "mysql password file empty", env: map[string]string{"WSO2_MYSQL_PASSWORD": unset},
			setup: func(t *testing.T, b *badEnv) { b.Env["WSO2_MYSQL_PASSWORD_FILE"] = emptySecretFile(t, b, "") },
			code:  78, msg: []string{"WSO2_MYSQL_PASSWORD_FILE", "is empty"}},
		{name: "new admin password set but empty", env: map[string]string{"WSO2_NEW_ADMIN_PASSWORD": ""},
			code: 78, msg: []string{"WSO2_NEW_ADMIN_PASSWORD: set but empty"}},
		{name: "admin user empty", env: map[string]string{"WSO2_ADMIN_USERNAME": ""},
			code: 78, msg: []string{"WSO2_ADMIN_USERNAME: set but empty"}},
		{name: "mysql user empty", env: map[string]string{"WSO2_MYSQL_USER": ""},
			code: 78, msg: []string{"WSO2_MYSQL_USER: set but empty"}},
		{name: "mysql password unset (gateway)", env: map[string]string{"WSO2_MYSQL_PASSWORD": unset},
			code: 78, msg: []string{"WSO2_MYSQL_PASSWORD: not set"}},
		{name: "mysql password unset (identityserver)", profile: "identityserver", env: map[string]string{"WSO2_MYSQL_PASSWORD": unset},
			code: 78, msg: []string{"WSO2_MYSQL_PASSWORD: not set"}},
		{name: "mysql password unset (analytics)", profile: "analytics", env: map[string]string{"WSO2_MYSQL_PASSWORD": unset},
			code: 78, msg: []string{"WSO2_MYSQL_PASSWORD: not set"}},
		{name: "mysql password set but empty", env: map[string]string{"WSO2_MYSQL_PASSWORD": ""},
			code: 78, msg: []string{"WSO2_MYSQL_PASSWORD: set but empty"}},

		// 1. Credentials that a target cannot express.
		{name: "admin user with a colon in the AMQP URL", env: map[string]string{"WSO2_ADMIN_USERNAME": "ad:min"},
			code: 78, msg: []string{"WSO2_ADMIN_USERNAME", "':'", "jndi.properties"}},
		{name: "admin password not UTF-8", env: map[string]string{"WSO2_ADMIN_PASSWORD": "p\xffw"},
			code: 78, msg: []string{"WSO2_ADMIN_PASSWORD", "UTF-8"}, secrets: []string{"p\xffw"}},
		{name: "admin password with a control character", profile: "identityserver", env: map[string]string{"WSO2_ADMIN_PASSWORD": "pass\x01word"},
			code: 78, msg: []string{"WSO2_ADMIN_PASSWORD", "U+0001", "XML"}, secrets: []string{"pass\x01word"}},
		{name: "mysql password with a control character", profile: "analytics", env: map[string]string{"WSO2_MYSQL_PASSWORD": "db\x1bpw"},
			code: 78, msg: []string{"WSO2_MYSQL_PASSWORD", "U+001B"}, secrets: []string{"db\x1bpw"}},
		{name: "mysql user with a control character", env: map[string]string{"WSO2_MYSQL_USER": "db\x02user"},
			code: 78, msg: []string{"WSO2_MYSQL_USER", "U+0002"}},
		{name: "admin user not UTF-8", profile: "keymanager", env: map[string]string{"WSO2_ADMIN_USERNAME": "adm\xc3in"},
			code: 78, msg: []string{"WSO2_ADMIN_USERNAME", "UTF-8"}},
		{name: "cluster domain with a control character", env: map[string]string{"WSO2_CLUSTER_DOMAIN": "wso2\x7f.x\x07"},
			code: 78, msg: []string{"WSO2_CLUSTER_DOMAIN", "U+0007"}},

		// 8. Secrets never printed, wherever they hide.
		{name: "secret in a patch key (dry run)", args: []string{"render", "--dry-run"}, code: 0, changes: false,
			setup: withPatch("file repository/conf/jndi.properties\nprop topic.${WSO2_ADMIN_PASSWORD} on\n"),
			check: outputHas("topic.[secret ")},
		{name: "secret in a patch key (json)", args: []string{"render", "--dry-run", "--output", "json"}, code: 0,
			setup: withPatch("file repository/conf/jndi.properties\nprop topic.${WSO2_ADMIN_PASSWORD} on\n"),
			check: outputHas(`"target": "topic.[secret `)},
		{name: "secret in a patch key (applied)", code: 0, changes: true,
			setup: withPatch("file repository/conf/jndi.properties\nprop topic.${WSO2_MYSQL_PASSWORD} on\n"),
			check: outputHas("topic.[secret ")},
		{name: "secret of another variable in an XML path", args: []string{"render", "--dry-run", "--output", "json"}, code: 0,
			env:     map[string]string{"MY_API_TOKEN": "Tok3n-S3cret-v4lue"},
			setup:   withPatch("file repository/conf/carbon.xml\nensure /Server/Token-${MY_API_TOKEN} <Token-${MY_API_TOKEN}/>\n"),
			secrets: []string{"Tok3n-S3cret-v4lue"}, check: outputHas("Token-[secret ")},
		{name: "secret in a patch's file name (diff header)", args: []string{"render", "--dry-run"}, code: 0,
			setup: func(t *testing.T, b *badEnv) {
				src := filepath.Join(b.Home, "repository", "conf", "jndi.properties")
				dst := filepath.Join(b.Home, "repository", "conf", "x-"+goldenAdminPW+".properties")
				if err := os.WriteFile(dst, []byte(readFile(t, src)), 0o644); err != nil {
					t.Fatal(err)
				}
				withPatch("file repository/conf/x-${WSO2_ADMIN_PASSWORD}.properties\nprop topic.x on\n")(t, b)
			},
			check: outputHas("repository/conf/x-[secret ")},
		{name: "secret in a missing patch target", code: 66,
			setup: withPatch("file repository/conf/${WSO2_MYSQL_PASSWORD}.xml\nset /a b\n"),
			msg:   []string{"[secret "}},
		{name: "secret in an XML path that matches nothing", code: 78,
			setup: withPatch("file repository/conf/carbon.xml\nset /Server/Missing[@name='${WSO2_KEYSTORE_PASSWORD}'] x\n"),
			msg:   []string{"patch.txt:2: set /Server/Missing[@name='[secret ", "in repository/conf/carbon.xml"}},
		{name: "secret in a job command that is not found", code: 78,
			env: map[string]string{"WSO2_AGENT_JOB_BACKUP": "@daily /opt/" + goldenDBPW + "/backup.sh"},
			msg: []string{"WSO2_AGENT_JOB_BACKUP", "[secret "}},
		{name: "secret file's value in a job command that is not found", code: 78,
			env: map[string]string{"WSO2_ADMIN_PASSWORD": unset, "WSO2_AGENT_JOB_BACKUP": "@daily /opt/File-S3cret-pw/backup.sh"},
			setup: func(t *testing.T, b *badEnv) {
				b.Env["WSO2_ADMIN_PASSWORD_FILE"] = emptySecretFile(t, b, "File-S3cret-pw\n")
			},
			secrets: []string{"File-S3cret-pw"}, msg: []string{"WSO2_AGENT_JOB_BACKUP", "[secret "}},
		{name: "secret in a job command that is not found (json log)", code: 78,
			env: map[string]string{"WSO2_AGENT_LOG_FORMAT": "json", "WSO2_AGENT_JOB_BACKUP": "@daily /opt/" + goldenAdminPW + "/backup.sh"},
			msg: []string{"WSO2_AGENT_JOB_BACKUP", "[secret "}},
		{name: "secret of another variable in a job command", code: 78,
			env:     map[string]string{"BACKUP_TOKEN": "T0ken-for-backups", "WSO2_AGENT_JOB_BACKUP": "@daily /opt/bin/T0ken-for-backups"},
			secrets: []string{"T0ken-for-backups"}, msg: []string{"WSO2_AGENT_JOB_BACKUP", "[secret "}},
		{name: "a secret from a file in a patch value", code: 0, changes: true,
			env: map[string]string{"WSO2_MYSQL_PASSWORD": unset},
			setup: func(t *testing.T, b *badEnv) {
				b.Env["WSO2_MYSQL_PASSWORD_FILE"] = emptySecretFile(t, b, "From-File-pw\n")
				withPatch("file repository/conf/jndi.properties\nprop db.password ${WSO2_MYSQL_PASSWORD}\n")(t, b)
			},
			secrets: []string{"From-File-pw"},
			check: func(t *testing.T, b *badEnv, r runResult) {
				if got := props(t, filepath.Join(b.Home, "repository", "conf", "jndi.properties"))["db.password"]; got != "From-File-pw" {
					t.Errorf("db.password = %q, want the file's value", got)
				}
			}},

		// 11. Misspelt variables: a warning naming the closest one, once.
		{name: "misspelt admin password", env: map[string]string{"WSO2_ADMIN_PASWORD": "Typo-S3cret-value"},
			args: []string{"render", "--dry-run"}, code: 0, secrets: []string{"Typo-S3cret-value"},
			msg:   []string{"WSO2_ADMIN_PASWORD", "did you mean WSO2_ADMIN_PASSWORD?"},
			check: warnedOnce("WSO2_ADMIN_PASWORD")},
		{name: "misspelt secret file", env: map[string]string{"WSO2_MYSQL_PASSWORD_FLIE": "/run/secrets/db"},
			args: []string{"render", "--dry-run"}, code: 0,
			msg: []string{"WSO2_MYSQL_PASSWORD_FLIE", "did you mean WSO2_MYSQL_PASSWORD_FILE?"}},
		{name: "variable in lower case", env: map[string]string{"wso2_mysql_server": "db"},
			args: []string{"render", "--dry-run"}, code: 0,
			msg: []string{"wso2_mysql_server", "did you mean WSO2_MYSQL_SERVER?"}},
		{name: "misspelt job variable", env: map[string]string{"WSO2_AGENT_JOBS_PURGE": "@daily /bin/true"},
			args: []string{"render", "--dry-run"}, code: 0,
			msg: []string{"WSO2_AGENT_JOBS_PURGE", "did you mean WSO2_AGENT_JOB_<NAME>?"}},
		{name: "job variable without a name: the load's error, not also a warning that it is ignored", env: map[string]string{"WSO2_AGENT_JOB_": "@daily /bin/true"},
			args: []string{"render", "--dry-run"}, code: 78,
			msg: []string{"WSO2_AGENT_JOB_: empty job name"}, notMsg: []string{"is not a variable the agent reads"}},
		{name: "the words of a variable in another order (a Helm chart's name)", env: map[string]string{"WSO2_PRIMARY_KEYSTORE_PASSWORD": "Chart-S3cret-value"},
			args: []string{"render", "--dry-run"}, code: 0, secrets: []string{"Chart-S3cret-value"},
			msg: []string{"WSO2_PRIMARY_KEYSTORE_PASSWORD is not a variable the agent reads, so the agent ignores it; did you mean WSO2_KEYSTORE_PRIMARY_PASSWORD?"}},
		{name: "the words of another variable in another order", env: map[string]string{"WSO2_TLS_KEYSTORE_PASSWORD": "Chart-S3cret-value"},
			args: []string{"render", "--dry-run"}, code: 0, secrets: []string{"Chart-S3cret-value"},
			msg: []string{"WSO2_TLS_KEYSTORE_PASSWORD is not a variable the agent reads, so the agent ignores it; did you mean WSO2_KEYSTORE_TLS_PASSWORD?"}},
		{name: "unknown variable far from any", env: map[string]string{"WSO2_FOO": "x"},
			args: []string{"render", "--dry-run"}, code: 0,
			msg: []string{"WSO2_FOO is not a variable the agent reads"}, notMsg: []string{"did you mean"}},
		{name: "misspelt variable named even when the load fails", env: map[string]string{"WSO2_MYSQL_PASWORD": "x", "WSO2_MYSQL_PASSWORD": unset},
			code: 78, msg: []string{"WSO2_MYSQL_PASSWORD: not set"},
			check: warnedOnce("WSO2_MYSQL_PASWORD is not a variable the agent reads, so the agent ignores it; did you mean WSO2_MYSQL_PASSWORD?")},
		{name: "HAProxy and JVM variables stay silent", args: []string{"render", "--dry-run"}, code: 0,
			env: map[string]string{"SERVICE_PORTS": "9443", "EXTRA_ROUTE_SETTINGS": "x", "EXTRA_ROUTE_SETTING": "x", "COOKIE": "SRV insert",
				"VIRTUAL_HOST": "https://gw.example.com", "JAVA_OPTS": "-Dx=1", "JVM_MEM_OPTS": "-Xmx1g", "WSO2_AGENT_JOB_NOOP": "@daily /bin/true"},
			notMsg: []string{"is not a variable the agent reads"}},
		{name: "misspelt variable under agent run warned once", profile: "none", home: "gateway",
			env:  map[string]string{"WSO2_ADMIN_PASWORD": "Typo-S3cret-value"},
			args: []string{"run", "--", "/bin/true"}, code: 0, secrets: []string{"Typo-S3cret-value"},
			msg:   []string{"did you mean WSO2_ADMIN_PASSWORD?"},
			check: warnedOnce("WSO2_ADMIN_PASWORD")},

		// 12. A profile of another product than the home holds.
		{name: "identityserver on an API Manager home", profile: "identityserver", home: "gateway",
			code: 78, msg: []string{"WSO2_PROFILE", "identityserver", "Identity Server 5.2.0", "holds API Manager 2.0.0", "api-manager.xml"}},
		{name: "analytics on an API Manager home", profile: "analytics", home: "apim",
			code: 78, msg: []string{"WSO2_PROFILE", "holds API Manager 2.0.0"}},
		{name: "gateway on an Identity Server home", profile: "gateway", home: "identityserver",
			code: 78, msg: []string{"WSO2_PROFILE", "configures API Manager 2.0.0", "holds Identity Server 5.2.0", "identityserver"}},
		{name: "analytics on an Identity Server home", profile: "analytics", home: "identityserver",
			code: 78, msg: []string{"WSO2_PROFILE", "holds Identity Server 5.2.0"}},
		{name: "store on an Analytics home", profile: "store", home: "analytics",
			code: 78, msg: []string{"WSO2_PROFILE", "holds API Manager Analytics 2.0.0", "analytics"}},
		{name: "identityserver on an Analytics home", profile: "identityserver", home: "analytics",
			code: 78, msg: []string{"WSO2_PROFILE", "holds API Manager Analytics 2.0.0"}},
		{name: "gateway on an API Manager 4.5 home", setup: func(t *testing.T, b *badEnv) {
			if err := os.RemoveAll(b.Home); err != nil {
				t.Fatal(err)
			}
			fxCopy(t, filepath.Join(fixturesRoot, "wso2am-4.5.0"), b.Home)
		}, code: 78, msg: []string{"WSO2_PROFILE", "Carbon 4.9+", "deployment.toml"}},
		{name: "gateway on a 4.5 universal gateway pack, no MySQL password: the profile is named first",
			env: map[string]string{"WSO2_MYSQL_PASSWORD": unset}, setup: func(t *testing.T, b *badEnv) {
				if err := os.RemoveAll(b.Home); err != nil {
					t.Fatal(err)
				}
				fxCopy(t, filepath.Join(fixturesRoot, "wso2am-universal-gw-4.5.0"), b.Home)
				if err := os.MkdirAll(filepath.Join(b.Home, "bin"), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(b.Home, "bin", "gateway.sh"), []byte(standInScript), 0o755); err != nil {
					t.Fatal(err)
				}
			}, code: 78, msg: []string{"WSO2_PROFILE: gateway is an API Manager 2.0.0/IS 5.2.0 profile, but ", "universal gateway pack (bin/gateway.sh) (it runs: universal-gateway)"},
			notMsg: []string{"WSO2_MYSQL_PASSWORD"}},
		{name: "gateway on a home without any product", setup: func(t *testing.T, b *badEnv) {
			if err := os.RemoveAll(filepath.Join(b.Home, "repository")); err != nil {
				t.Fatal(err)
			}
		}, code: 66, msg: []string{"WSO2_HOME", "holds no API Manager 2.0.0"}},

		// 13. A DAS schedule that can never fire, refused at load.
		{name: "das schedule on 30 February", profile: "analytics", env: map[string]string{"WSO2_DAS_APIM_STAT_SCRIPT": "0 0 12 30 2 ?"},
			code: 78, msg: []string{"WSO2_DAS_APIM_STAT_SCRIPT", "never fires"}},
		{name: "das schedule in a year that is over", profile: "analytics", env: map[string]string{"WSO2_DAS_APIM_USER_AGENT_STATS": "0 0 12 * * ? 2020"},
			code: 78, msg: []string{"WSO2_DAS_APIM_USER_AGENT_STATS", "never fires"}},
		{name: "das schedule that does not parse", profile: "analytics", env: map[string]string{"WSO2_DAS_APIM_LATENCY_BREAKDOWN_STATS": "0 0 25 * * ?"},
			code: 78, msg: []string{"WSO2_DAS_APIM_LATENCY_BREAKDOWN_STATS", "Quartz"}},

		// 7. Host, service, domain and URL values.
		{name: "traffic manager host injects a failover option", env: map[string]string{"WSO2_TRAFFICMANAGER_HOST": "tm',failover='x"},
			code: 78, msg: []string{"WSO2_TRAFFICMANAGER_HOST", "is not a host name"}},
		{name: "key manager host with a space", env: map[string]string{"WSO2_KEYMANAGER_HOST": "key manager"},
			code: 78, msg: []string{"WSO2_KEYMANAGER_HOST", "a space"}},
		{name: "analytics host with a newline", env: map[string]string{"WSO2_ANALYTICS_HOST": "das\nx"},
			code: 78, msg: []string{"WSO2_ANALYTICS_HOST", "U+000A"}},
		{name: "gateway manager host with a quote", env: map[string]string{"WSO2_GATEWAYMANAGER_HOST": `gm"x`},
			code: 78, msg: []string{"WSO2_GATEWAYMANAGER_HOST"}},
		{name: "gateway host empty", profile: "store", env: map[string]string{"WSO2_GATEWAY_HOST": ""},
			code: 78, msg: []string{"WSO2_GATEWAY_HOST", "empty"}},
		{name: "store host with a slash", profile: "publisher", env: map[string]string{"WSO2_STORE_HOST": "store/x"},
			code: 78, msg: []string{"WSO2_STORE_HOST"}},
		{name: "mysql server with a trailing dot", env: map[string]string{"WSO2_MYSQL_SERVER": "mysql."},
			code: 78, msg: []string{"WSO2_MYSQL_SERVER", "empty"}},
		{name: "mysql server label starts with a hyphen", env: map[string]string{"WSO2_MYSQL_SERVER": "-mysql"},
			code: 78, msg: []string{"WSO2_MYSQL_SERVER", "'-'"}},
		{name: "mysql server label too long", env: map[string]string{"WSO2_MYSQL_SERVER": strings.Repeat("a", 64)},
			code: 78, msg: []string{"WSO2_MYSQL_SERVER", "63"}},
		{name: "mysql server bad IPv4", env: map[string]string{"WSO2_MYSQL_SERVER": "10.0.0.256", "WSO2_DOMAIN": ""},
			code: 78, msg: []string{"WSO2_MYSQL_SERVER", "IPv4"}},
		{name: "mysql server IPv6 in a JDBC URL", env: map[string]string{"WSO2_MYSQL_SERVER": "::1"},
			code: 78, msg: []string{"WSO2_MYSQL_SERVER", "IPv6"}},
		{name: "domain with a double dot", env: map[string]string{"WSO2_DOMAIN": "wso2..local"},
			code: 78, msg: []string{"WSO2_DOMAIN"}},
		{name: "domain is an IP address", env: map[string]string{"WSO2_DOMAIN": "10.0.0.1"},
			code: 78, msg: []string{"WSO2_DOMAIN", "IP address"}},
		{name: "host name with a quote", env: map[string]string{"WSO2_HOST_NAME": "gw'x"},
			code: 78, msg: []string{"WSO2_HOST_NAME"}},
		{name: "local member host with a space", env: map[string]string{"WSO2_LOCAL_MEMBER_HOST": "10.0.0.5 x"},
			code: 78, msg: []string{"WSO2_LOCAL_MEMBER_HOST"}},
		{name: "cluster member with a port", env: map[string]string{"WSO2_CLUSTER_MEMBERS": "10.0.1.1,tasks.gateway:4000"},
			code: 78, msg: []string{"WSO2_CLUSTER_MEMBERS", "tasks.gateway:4000"}},
		{name: "wait target with a bad host", env: map[string]string{"WSO2_AGENT_WAIT_FOR": "tcp://my db:3306"},
			code: 78, msg: []string{"WSO2_AGENT_WAIT_FOR"}},
		{name: "keystore password that does not open the own keystore", env: map[string]string{"WSO2_KEYSTORE_PASSWORD": "Wrong-ks-pw9"},
			code: 65, msg: []string{"load own keystore ", "wrong password, or the keystore was modified (the password is WSO2_KEYSTORE_PASSWORD)"}, secrets: []string{"Wrong-ks-pw9"}},
		{name: "certificates folder that is a file", env: map[string]string{"WSO2_CERTIFICATES_DIR": "/etc/hostname"},
			code: 66, msg: []string{"read certificates folder /etc/hostname (WSO2_CERTIFICATES_DIR): not a directory"}},
		{name: "wait target with a trailing slash", env: map[string]string{"WSO2_AGENT_WAIT_FOR": "tcp://mysql:3306/"},
			code: 78, msg: []string{`WSO2_AGENT_WAIT_FOR: "tcp://mysql:3306/": a wait target is tcp://host:port, without a path or a trailing '/'`}},
		{name: "wait target port out of range", env: map[string]string{"WSO2_AGENT_WAIT_FOR": "tcp://mysql:65536"},
			code: 78, msg: []string{"WSO2_AGENT_WAIT_FOR", "port"}},
		{name: "gateway endpoint with a quote", profile: "store", env: map[string]string{"WSO2_GATEWAY_ENDPOINT": "https://gw.example.com:8243/'x"},
			code: 78, msg: []string{"WSO2_GATEWAY_ENDPOINT"}},
		{name: "gateway endpoint with a bad scheme", profile: "store", env: map[string]string{"WSO2_GATEWAY_ENDPOINT": "http://gw:8280,ftp://gw:21"},
			code: 78, msg: []string{"WSO2_GATEWAY_ENDPOINT", "ftp://gw:21"}},
		{name: "gateway endpoint port out of range", profile: "store", env: map[string]string{"WSO2_GATEWAY_ENDPOINT": "https://gw:99999"},
			code: 78, msg: []string{"WSO2_GATEWAY_ENDPOINT", "1-65535"}},
		{name: "virtual host port out of range", profile: "identityserver", env: map[string]string{"VIRTUAL_HOST": "https://id.example.com:70000"},
			code: 78, msg: []string{"VIRTUAL_HOST", "1-65535"}},
		{name: "virtual host with a bad host", profile: "identityserver", env: map[string]string{"VIRTUAL_HOST": "https://id_-.example.com/"},
			code: 78, msg: []string{"VIRTUAL_HOST"}},
	})
}

// emptySecretFile writes a secret file holding content outside the home
// (in a new snapshot root) and returns its path.
func emptySecretFile(t *testing.T, b *badEnv, content string) string {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "secret")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	b.Roots = append(b.Roots, dir)
	return p
}

// warnedOnce asserts that the output mentions s exactly once.
func warnedOnce(s string) func(t *testing.T, b *badEnv, r runResult) {
	return func(t *testing.T, b *badEnv, r runResult) {
		// In render's report (stdout) when it prints one, else logged.
		if n := strings.Count(r.Stdout+r.Stderr, s); n != 1 {
			t.Errorf("%q is mentioned %d times, want once:\nstdout:\n%s\nstderr:\n%s", s, n, r.Stdout, r.Stderr)
		}
	}
}

// withPatch writes a patch file outside the home (a new snapshot root) and
// names it in WSO2_AGENT_PATCHES.
func withPatch(src string) func(t *testing.T, b *badEnv) {
	return func(t *testing.T, b *badEnv) {
		t.Helper()
		dir := t.TempDir()
		p := filepath.Join(dir, "patch.txt")
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		b.Roots = append(b.Roots, dir)
		b.Env["WSO2_AGENT_PATCHES"] = p
	}
}

// outputHas asserts that stdout or stderr contains s.
func outputHas(s string) func(t *testing.T, b *badEnv, r runResult) {
	return func(t *testing.T, b *badEnv, r runResult) {
		if !strings.Contains(r.Stdout+r.Stderr, s) {
			t.Errorf("the output lacks %q:\n%s%s", s, r.Stdout, r.Stderr)
		}
	}
}
