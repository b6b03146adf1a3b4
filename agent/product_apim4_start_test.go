package agent

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bstoml "github.com/BurntSushi/toml"

	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/product/apim4"
)

// TestAPIM4WaitsForTheDatabaseServer: the start waits for the server a 4.x
// JDBC URL names, in each driver's own URL form; a URL whose server the
// agent does not read is a warning that says how to wait (and none for
// H2, which is embedded, or when WSO2_AGENT_WAIT_FOR is set); a host or
// port that is wrong stops the start at load (exit 78), naming the
// variable, before anything is written.
func TestAPIM4WaitsForTheDatabaseServer(t *testing.T) {
	c := a4Cases[3] // universal gateway: shared_db only
	for _, tc := range []struct {
		name, url, waitFor string
		want               []string // the plan's WaitFor
		warn, err          string
	}{
		{"mysql", "jdbc:mysql://mysql:3306/shared_db", "", []string{"mysql:3306"}, "", ""},
		{"sql server, properties after ';'", "jdbc:sqlserver://mssql;databaseName=shared_db", "", []string{"mssql:1433"}, "", ""},
		{"sql server, port and properties", "jdbc:sqlserver://mssql:1533;databaseName=shared_db", "", []string{"mssql:1533"}, "", ""},
		{"mysql failover list: the first", "jdbc:mysql://mysql:3306,mysql2:3306/shared_db", "", []string{"mysql:3306"}, "", ""},
		{"postgresql, default port", "jdbc:postgresql://pg/shared_db", "", []string{"pg:5432"}, "", ""},
		{"oracle: not read, a warning", "jdbc:oracle:thin:@oracle:1521/ORCL", "", nil, "WSO2_SHARED_DB_URL: the agent does not read the database server", ""},
		{"oracle with WSO2_AGENT_WAIT_FOR", "jdbc:oracle:thin:@oracle:1521/ORCL", "tcp://oracle:1521", []string{"oracle:1521"}, "", ""},
		{"h2: embedded, no warning", "jdbc:h2:./repository/database/WSO2SHARED_DB", "", nil, "", ""},
		{"bad port", "jdbc:mysql://mysql:33o6/shared_db", "", nil, "", `WSO2_SHARED_DB_URL: the database port "33o6" (host mysql) is not a port (1-65535)`},
		{"port out of range, the URL (with a password) not quoted", "jdbc:mysql://apim:ab/cd@mysql:99999/shared_db", "", nil, "", `WSO2_SHARED_DB_URL: the database port "99999" (host mysql) is not a port (1-65535)`},
		{"not a host: not read, a warning", "jdbc:mysql://my sql:3306/shared_db", "", nil, "WSO2_SHARED_DB_URL: the agent does not read the database server", ""},
		{"Connector/J's bracketed list", "jdbc:mysql://apim:pw@[mysql-0:3306,mysql-1:3306]/shared_db", "", []string{"mysql-0:3306"}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := a4Layout(t, c)
			env := with(a4GoldenEnv(t, c, home), "WSO2_SHARED_DB_URL", tc.url)
			if tc.waitFor != "" {
				env["WSO2_AGENT_WAIT_FOR"] = tc.waitFor
			}
			before := snapshot(t, home)
			p, err := planFor(t, env, goldenDNS)
			if tc.err != "" {
				var ce *contract.ConfigError
				if !errors.As(err, &ce) || exitcode.Of(err) != exitcode.Config || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v (exit %d), want a configuration error (exit 78) with %q", err, exitcode.Of(err), tc.err)
				}
				if strings.Contains(err.Error(), "ab/cd") {
					t.Errorf("the error shows the URL's password: %v", err)
				}
				if d := diffSnapshots(before, snapshot(t, home)); len(d) != 0 {
					t.Errorf("files changed: %v", d)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(p.WaitFor, tc.want) {
				t.Errorf("wait for %q, want %q", p.WaitFor, tc.want)
			}
			warned := slices.ContainsFunc(p.Warnings, func(w string) bool { return strings.Contains(w, "does not read the database server") })
			if tc.warn == "" && warned || tc.warn != "" && !slices.ContainsFunc(p.Warnings, func(w string) bool { return strings.HasPrefix(w, tc.warn) }) {
				t.Errorf("warnings %q, want one starting %q", p.Warnings, tc.warn)
			}
		})
	}
}

// TestAPIM4CertificatesFolderOptional: on 4.x the certificates folder is
// optional (the charts mount none), so its default, /certificates, missing
// is not worth a warning at every start; a folder named in
// WSO2_CERTIFICATES_DIR and missing still is.
func TestAPIM4CertificatesFolderOptional(t *testing.T) {
	if _, err := os.Stat("/certificates"); err == nil {
		t.Fatal("this test needs the default certificates folder, /certificates, to be absent on the test machine")
	}
	c := a4Cases[3]
	missing := filepath.Join(t.TempDir(), "no-certificates")
	for _, tc := range []struct {
		dir  string // "": unset
		want string // the warning; "": none about the folder
	}{
		{"", ""},
		{missing, "certificates folder " + missing + " does not exist: nothing to import"},
	} {
		home := a4Layout(t, c)
		env := a4GoldenEnv(t, c, home)
		delete(env, "WSO2_CERTIFICATES_DIR")
		if tc.dir != "" {
			env["WSO2_CERTIFICATES_DIR"] = tc.dir
		}
		p, err := planFor(t, env, goldenDNS)
		if err != nil {
			t.Fatal(err)
		}
		got := slices.DeleteFunc(slices.Clone(p.Warnings), func(w string) bool { return !strings.HasPrefix(w, "certificates folder") })
		if want := []string{tc.want}; tc.want == "" && len(got) != 0 || tc.want != "" && !slices.Equal(got, want) {
			t.Errorf("WSO2_CERTIFICATES_DIR=%q: folder warnings %q, want %q", tc.dir, got, tc.want)
		}
	}
}

// TestAPIM4PasswordInAURLIsMasked: a password written into a URL (a JDBC
// URL's user info or password= parameter, a service URL's user info) is a
// secret wherever the agent shows it — the dry run's diff and JSON, the
// applied start's log, an error line — and a database URL holding one is
// a warning that names the password variable to use instead.
func TestAPIM4PasswordInAURLIsMasked(t *testing.T) {
	c := a4Cases[3]
	const pw1, pw2, pw3 = "Leaky9Pw-url", "Leaky8Pw-param", "Leaky7Pw-km"
	dbURL := "jdbc:mysql://apimadmin:" + pw1 + "@mysql:3306/shared_db?useSSL=false&password=" + pw2
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string // in the output
	}{
		{"dry run", map[string]string{"WSO2_SHARED_DB_URL": dbURL}, []string{"render", "--dry-run"}, 0,
			"WSO2_SHARED_DB_URL holds a password: the agent masks it in its output, but deployment.toml and the server's logs show the URL as it is; give it in WSO2_SHARED_DB_PASSWORD (or its _FILE) instead"},
		{"dry run, JSON", map[string]string{"WSO2_SHARED_DB_URL": dbURL}, []string{"render", "--dry-run", "--output", "json"}, 0, `"target": "database.shared_db.url"`},
		{"applied", map[string]string{"WSO2_SHARED_DB_URL": dbURL}, []string{"render"}, 0, "WSO2_SHARED_DB_URL holds a password"},
		{"error line", map[string]string{"WSO2_KM_SERVICE_URL": "https://admin:" + pw3 + "@cp:94433/services/"}, []string{"render", "--dry-run"}, 78,
			`WSO2_KM_SERVICE_URL: "https://admin:[secret`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := a4Layout(t, c)
			env := a4GoldenEnv(t, c, home)
			for k, v := range tc.env {
				env[k] = v
			}
			r := runPipe(t, env, tc.args...)
			out := r.Stdout + r.Stderr
			if r.Code != tc.code || !strings.Contains(out, tc.want) {
				t.Fatalf("exit %d, want %d with %q; output:\n%s", r.Code, tc.code, tc.want, out)
			}
			for _, pw := range []string{pw1, pw2, pw3} {
				if strings.Contains(out, pw) {
					t.Errorf("output shows %q:\n%s", pw, out)
				}
			}
		})
	}
}

// TestAPIM4FragmentOverrideWarned: a WSO2_DEPLOYMENT_TOML fragment that sets
// a key to another value than a variable does is written (it comes last),
// with a warning naming the key; the same value, or a key no variable sets,
// is no warning.
func TestAPIM4FragmentOverrideWarned(t *testing.T) {
	c := a4Cases[3]
	for _, tc := range []struct {
		name, frag string
		want       []string
	}{
		{"another host name", "[server]\nhostname = \"other.example.com\"\n",
			[]string{"WSO2_DEPLOYMENT_TOML sets server.hostname, which the agent also sets from its variables (set server.hostname): the fragment's value is written"}},
		{"the same host name", "[server]\nhostname = \"gw.example.com\"\n", nil},
		{"a key no variable sets", "[server]\nforce_local_cache = true\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := a4Layout(t, c)
			env := with(a4GoldenEnv(t, c, home), "WSO2_HOSTNAME", "gw.example.com", "WSO2_DEPLOYMENT_TOML", tc.frag)
			p, err := planFor(t, env, goldenDNS)
			if err != nil {
				t.Fatal(err)
			}
			got := slices.DeleteFunc(slices.Clone(p.Warnings), func(w string) bool { return !strings.HasPrefix(w, "WSO2_DEPLOYMENT_TOML sets") })
			if !slices.Equal(got, tc.want) {
				t.Errorf("warnings %q, want %q", got, tc.want)
			}
			// What is written, read back by a real TOML parser.
			var doc struct {
				Server struct {
					Hostname string `toml:"hostname"`
				} `toml:"server"`
			}
			if _, err := bstoml.Decode(string(p.FindFile(filepath.Join(home, "repository", "conf", "deployment.toml")).New), &doc); err != nil {
				t.Fatal(err)
			}
			if want := map[bool]string{true: "other.example.com", false: "gw.example.com"}[tc.want != nil]; doc.Server.Hostname != want {
				t.Errorf("hostname %q, want %q", doc.Server.Hostname, want)
			}
		})
	}
}

// TestAPIM4KeystoresChecked: a keystore setting given through a variable
// (WSO2_KEYSTORE_PASSWORD, WSO2_KEYSTORE_<NAME>_*) is checked against the
// keystore as the server will read it — the file exists, opens, holds the
// private key under the alias, and the key opens with its key password —
// so that the mistake stops the start with one line naming the table and
// variable (exit 66 or 65), not later with the server's stack trace, and
// nothing is written. A restart that leaves deployment.toml as it is
// checks a keystore only when it is newer than the file: one replaced
// since (a rotated secret) is checked again.
func TestAPIM4KeystoresChecked(t *testing.T) {
	c := a4Cases[3] // universal gateway: [keystore.tls], wso2carbon.jks (PKCS12), alias wso2carbon
	const tls = "[keystore.tls] "
	for _, tc := range []struct {
		name string
		env  map[string]string
		code int
		want string
	}{
		{"the right password", map[string]string{"WSO2_KEYSTORE_PASSWORD": "wso2carbon"}, 0, ""},
		{"a wrong password", map[string]string{"WSO2_KEYSTORE_PASSWORD": "WrongKsPw1"}, exitcode.DataErr,
			tls + `(WSO2_KEYSTORE_PASSWORD): the private key "wso2carbon" of keystore repository/resources/security/wso2carbon.jks does not open with its key password`},
		{"a wrong key password", map[string]string{"WSO2_KEYSTORE_PASSWORD": "wso2carbon", "WSO2_KEYSTORE_TLS_KEY_PASSWORD": "WrongKeyPw2"}, exitcode.DataErr,
			tls + `(WSO2_KEYSTORE_TLS_KEY_PASSWORD, WSO2_KEYSTORE_PASSWORD): the private key "wso2carbon"`},
		{"a file that is not there", map[string]string{"WSO2_KEYSTORE_TLS_NAME": "wso2carbon.p12"}, exitcode.NoInput,
			tls + "(WSO2_KEYSTORE_TLS_NAME): keystore repository/resources/security/wso2carbon.p12: no such file or directory"},
		{"an alias that is not there", map[string]string{"WSO2_KEYSTORE_TLS_ALIAS": "wso2carbn"}, exitcode.DataErr,
			tls + `(WSO2_KEYSTORE_TLS_ALIAS): keystore repository/resources/security/wso2carbon.jks has no private key "wso2carbn" (its private keys: wso2carbon)`},
		// The stock 4.5 file has no [keystore.primary] or .internal: a
		// variable that sets one key of them leaves the rest to the
		// server's defaults (wso2carbon.jks, wso2carbon, for .internal
		// through [keystore.primary]), which are what is checked.
		{"an alias of a table the file lacks", map[string]string{"WSO2_KEYSTORE_PRIMARY_ALIAS": "wso2carbn"}, exitcode.DataErr,
			`[keystore.primary] (WSO2_KEYSTORE_PRIMARY_ALIAS): keystore repository/resources/security/wso2carbon.jks has no private key "wso2carbn" (its private keys: wso2carbon)`},
		{"a file of a table the file lacks", map[string]string{"WSO2_KEYSTORE_INTERNAL_NAME": "wso2carbon.p12"}, exitcode.NoInput,
			"[keystore.internal] (WSO2_KEYSTORE_INTERNAL_NAME): keystore repository/resources/security/wso2carbon.p12: no such file or directory"},
		{"a password of a table the file lacks", map[string]string{"WSO2_KEYSTORE_PRIMARY_PASSWORD": "WrongKsPw1"}, exitcode.DataErr,
			`[keystore.primary] (WSO2_KEYSTORE_PRIMARY_PASSWORD): the private key "wso2carbon" of keystore repository/resources/security/wso2carbon.jks does not open`},
		{"an alias of a table the file lacks, right", map[string]string{"WSO2_KEYSTORE_PRIMARY_ALIAS": "wso2carbon", "WSO2_KEYSTORE_INTERNAL_ALIAS": "wso2carbon"}, 0, ""},
		// A password with a $ in it is a password, not a placeholder of the
		// server's ($env{...}, $secret{...}): it is checked like any other.
		{"a wrong password with a $", map[string]string{"WSO2_KEYSTORE_PASSWORD": "Wr$ngKsPw1"}, exitcode.DataErr,
			tls + `(WSO2_KEYSTORE_PASSWORD): the private key "wso2carbon" of keystore repository/resources/security/wso2carbon.jks does not open with its key password`},
		{"the right password with a $, an alias that is not there", map[string]string{"WSO2_KEYSTORE_PASSWORD": "S3cr3t/pa$$", "WSO2_KEYSTORE_TLS_ALIAS": "wso2carbn"}, exitcode.DataErr,
			tls + `(WSO2_KEYSTORE_TLS_ALIAS, WSO2_KEYSTORE_PASSWORD): keystore repository/resources/security/wso2carbon.jks`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := a4Layout(t, c)
			env := a4GoldenEnv(t, c, home)
			delete(env, "WSO2_KEYSTORE_PASSWORD")
			for k, v := range tc.env {
				env[k] = v
			}
			before := snapshot(t, home)
			r := runPipe(t, env, "render")
			if r.Code != tc.code || tc.want != "" && !strings.Contains(r.Stderr, tc.want) {
				t.Fatalf("exit %d, want %d with %q; stderr:\n%s", r.Code, tc.code, tc.want, r.Stderr)
			}
			if tc.code == 0 {
				return
			}
			if d := diffSnapshots(before, snapshot(t, home)); len(d) != 0 {
				t.Errorf("files changed: %v", d)
			}
			for _, pw := range []string{"WrongKsPw1", "WrongKeyPw2", "Wr$ngKsPw1", "S3cr3t/pa$$"} {
				if strings.Contains(r.Stderr, pw) {
					t.Errorf("stderr shows a password: %s", r.Stderr)
				}
			}
		})
	}
	t.Run("a keystore from the config volume", func(t *testing.T) {
		home := a4Layout(t, c)
		env := a4GoldenEnv(t, c, home)
		rel := filepath.Join("repository", "resources", "security", "wso2carbon.jks")
		vol := env["WSO2_CONFIG_VOLUME"]
		must(t, os.MkdirAll(filepath.Join(vol, filepath.Dir(rel)), 0o755))
		must(t, os.Rename(filepath.Join(home, rel), filepath.Join(vol, rel))) // only the volume has it
		for _, tc := range []struct {
			pw   string
			code int
		}{{"wso2carbon", 0}, {"WrongKsPw1", exitcode.DataErr}} {
			r := runPipe(t, with(env, "WSO2_KEYSTORE_PASSWORD", tc.pw), "render", "--dry-run")
			if r.Code != tc.code || tc.code != 0 && !strings.Contains(r.Stderr, tls+`(WSO2_KEYSTORE_PASSWORD): the private key "wso2carbon" of keystore `+rel) {
				t.Errorf("password %s: exit %d, want %d\n%s", tc.pw, r.Code, tc.code, r.Stderr)
			}
		}
	})
	t.Run("a keystore the agent cannot read (JCEKS): a warning, not a refusal", func(t *testing.T) {
		home := a4Layout(t, c)
		ks := filepath.Join(home, "repository", "resources", "security", "jceks.jks")
		if out, err := exec.Command("keytool", "-J-XX:TieredStopAtLevel=1", "-genkeypair", "-storetype", "JCEKS", "-keystore", ks,
			"-storepass", "Jceks-pw1", "-keypass", "Jceks-pw1", "-alias", "wso2carbon", "-keyalg", "EC", "-dname", "CN=gw").CombinedOutput(); err != nil {
			t.Fatalf("keytool: %v\n%s", err, out)
		}
		env := with(a4GoldenEnv(t, c, home), "WSO2_KEYSTORE_TLS_NAME", "jceks.jks", "WSO2_KEYSTORE_TLS_PASSWORD", "Jceks-pw1", "WSO2_KEYSTORE_TLS_KEY_PASSWORD", "Jceks-pw1")
		delete(env, "WSO2_KEYSTORE_PASSWORD")
		r := runPipe(t, env, "render", "--dry-run")
		if want := "# warning: " + tls + "(WSO2_KEYSTORE_TLS_NAME, WSO2_KEYSTORE_TLS_PASSWORD, WSO2_KEYSTORE_TLS_KEY_PASSWORD): keystore repository/resources/security/jceks.jks not checked: "; r.Code != 0 || !strings.Contains(r.Stdout, want) {
			t.Fatalf("exit %d, want 0 with %q\n%s%s", r.Code, want, r.Stdout, r.Stderr)
		}
	})
	t.Run("a restart after the keystore was replaced", func(t *testing.T) {
		home := a4Layout(t, c)
		env := with(a4GoldenEnv(t, c, home), "WSO2_KEYSTORE_PASSWORD", "wso2carbon")
		if r := runPipe(t, env, "render"); r.Code != 0 {
			t.Fatalf("first start: exit %d\n%s", r.Code, r.Stderr)
		}
		if r := runPipe(t, env, "render"); r.Code != 0 {
			t.Fatalf("restart: exit %d\n%s", r.Code, r.Stderr)
		}
		// Another keystore (another password) put in its place, newer than
		// deployment.toml: checked again, and refused.
		ks := filepath.Join(home, "repository", "resources", "security", "wso2carbon.jks")
		data, err := os.ReadFile(absTestdata(t, "certs/wso2gateway.jks"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(ks, data, 0o644); err != nil {
			t.Fatal(err)
		}
		later := time.Now().Add(time.Minute)
		if err := os.Chtimes(ks, later, later); err != nil {
			t.Fatal(err)
		}
		r := runPipe(t, env, "render")
		if want := "keystore repository/resources/security/wso2carbon.jks does not open with its password"; r.Code != exitcode.DataErr || !strings.Contains(r.Stderr, want) {
			t.Fatalf("restart after the keystore was replaced: exit %d, want %d with %q\n%s", r.Code, exitcode.DataErr, want, r.Stderr)
		}
	})
	t.Run("a restart after the keystore was replaced keeping its old modification time (cp -p)", func(t *testing.T) {
		home := a4Layout(t, c)
		env := with(a4GoldenEnv(t, c, home), "WSO2_KEYSTORE_PASSWORD", "wso2carbon")
		if r := runPipe(t, env, "render"); r.Code != 0 {
			t.Fatalf("first start: exit %d\n%s", r.Code, r.Stderr)
		}
		ks := filepath.Join(home, "repository", "resources", "security", "wso2carbon.jks")
		data, err := os.ReadFile(absTestdata(t, "certs/wso2gateway.jks"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(ks, data, 0o644); err != nil {
			t.Fatal(err)
		}
		earlier := time.Now().Add(-time.Hour)
		if err := os.Chtimes(ks, earlier, earlier); err != nil {
			t.Fatal(err)
		}
		r := runPipe(t, env, "render")
		if want := "keystore repository/resources/security/wso2carbon.jks does not open with its password"; r.Code != exitcode.DataErr || !strings.Contains(r.Stderr, want) {
			t.Fatalf("exit %d, want %d with %q\n%s", r.Code, exitcode.DataErr, want, r.Stderr)
		}
	})
}

// TestAPIM4FragmentOffset: a [server] offset in WSO2_DEPLOYMENT_TOML is the
// component's offset: with WSO2_PORT_OFFSET unset, the ports the agent
// derives (a control plane's peers, the event copies) follow it, as agent
// health does (it reads the file then); one that contradicts
// WSO2_PORT_OFFSET is refused at load (exit 78, naming both, nothing
// written), so that the file, the derived URLs and the probe never
// disagree.
func TestAPIM4FragmentOffset(t *testing.T) {
	c := a4Cases[0] // the 4.5 control plane
	frag := "[server]\noffset = 5\n"
	t.Run("the fragment's offset, WSO2_PORT_OFFSET unset", func(t *testing.T) {
		home := a4Layout(t, c)
		env := with(a4BaseEnv(t, c, home), "WSO2_DEPLOYMENT_TOML", frag,
			"WSO2_EVENTHUB_URLS", "acp-1,acp-2", "WSO2_EVENT_DUPLICATE_URLS", "acp-2")
		delete(env, "WSO2_PORT_OFFSET")
		a4Keystores(t, home, env)
		p := mustApply(t, env, goldenDNS)
		for _, w := range p.Warnings {
			if strings.Contains(w, "offset") {
				t.Errorf("warning %q", w)
			}
		}
		data, err := os.ReadFile(filepath.Join(home, apim4.DeploymentTOML))
		if err != nil {
			t.Fatal(err)
		}
		m := readTOML(t, data)
		for _, ck := range []struct {
			path []any
			want string
		}{
			{[]any{"server", "offset"}, "5"},
			{[]any{"apim", "event_hub", "publish", "url_group", 0, "urls"}, "[tcp://acp-1:9616]"},
			{[]any{"apim", "event_hub", "publish", "url_group", 1, "auth_urls"}, "[ssl://acp-2:9716]"},
			{[]any{"apim", "event_hub", "event_duplicate_url"}, "[tcp://acp-2:5677]"},
		} {
			if got := fmt.Sprint(tomlAt(t, m, ck.path...)); got != ck.want {
				t.Errorf("%v = %s, want %s", ck.path, got, ck.want)
			}
		}
	})
	t.Run("the image's offset, WSO2_PORT_OFFSET unset: a warning where the agent derives ports", func(t *testing.T) {
		const warn = "deployment.toml: [server] offset is 5, but WSO2_PORT_OFFSET is unset, so the ports the agent derives for this component (its peers, its event copies, a bare host of its role) assume offset 0: set WSO2_PORT_OFFSET=5"
		for _, tc := range []struct {
			env  []string
			want bool
		}{
			{[]string{"WSO2_EVENTHUB_URLS", "acp-1,acp-2"}, true},              // the peers' ports
			{[]string{"WSO2_EVENT_DUPLICATE_URLS", "acp-2"}, true},             // a bare host: this component's offset
			{[]string{"WSO2_EVENT_DUPLICATE_URLS", "tcp://acp-2:5677"}, false}, // a full URL: as given
			{nil, false},
		} {
			for _, off := range []string{"5", `"$env{A4_TEST_OFFSET}"`} {
				home := a4Layout(t, c)
				toml := filepath.Join(home, apim4.DeploymentTOML)
				b, err := os.ReadFile(toml)
				if err != nil {
					t.Fatal(err)
				}
				must(t, os.WriteFile(toml, []byte(strings.Replace(string(b), "#offset=0", "offset = "+off, 1)), 0o644))
				env := with(a4BaseEnv(t, c, home), append(tc.env, "A4_TEST_OFFSET", "5")...)
				delete(env, "WSO2_PORT_OFFSET")
				p, err := planFor(t, env, goldenDNS)
				if err != nil {
					t.Fatal(err)
				}
				want := warn
				if off != "5" {
					want = `deployment.toml: [server] offset is "$env{A4_TEST_OFFSET}", which the server resolves, but WSO2_PORT_OFFSET is unset, so the ports the agent derives for this component (its peers, its event copies, a bare host of its role) assume offset 0: set WSO2_PORT_OFFSET to the same value`
				}
				if got := slices.Contains(p.Warnings, want); got != tc.want {
					t.Errorf("offset %s, %v: warned %v, want %v; warnings %q", off, tc.env, got, tc.want, p.Warnings)
				}
			}
		}
	})
	t.Run("the same offset in both", func(t *testing.T) {
		home := a4Layout(t, c)
		env := with(a4BaseEnv(t, c, home), "WSO2_DEPLOYMENT_TOML", frag, "WSO2_PORT_OFFSET", "5")
		if _, err := planFor(t, env, goldenDNS); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("an offset that contradicts WSO2_PORT_OFFSET", func(t *testing.T) {
		home := a4Layout(t, c)
		env := with(a4BaseEnv(t, c, home), "WSO2_DEPLOYMENT_TOML", frag, "WSO2_PORT_OFFSET", "0")
		before := snapshot(t, home)
		r := runPipe(t, env, "render")
		want := "WSO2_DEPLOYMENT_TOML: [server] offset = 5 differs from WSO2_PORT_OFFSET (0)"
		if r.Code != exitcode.Config || !strings.Contains(r.Stderr, want) {
			t.Fatalf("exit %d, want %d with %q; stderr:\n%s", r.Code, exitcode.Config, want, r.Stderr)
		}
		if d := diffSnapshots(before, snapshot(t, home)); len(d) != 0 {
			t.Errorf("files changed: %v", d)
		}
	})
}

// TestAPIM4FragmentThatDoesNotFit: a WSO2_DEPLOYMENT_TOML whose edit does
// not fit the file (a value where the file has a table; an array of tables
// with sub-tables, which a fragment cannot describe) is the variable's
// error, as a patch line's is: exit 78, one line naming the variable and
// the file, nothing written.
func TestAPIM4FragmentThatDoesNotFit(t *testing.T) {
	c := a4Cases[0]
	for _, tc := range []struct{ name, frag, want string }{
		{"a value for a table", "server = 5\n", "WSO2_DEPLOYMENT_TOML: does not fit repository/conf/deployment.toml: "},
		{"an array of tables with sub-tables", "[[event_listener]]\nid = \"token_revocation\"\n[event_listener.properties]\nnotification_endpoint = \"https://cp:9443/internal/data/v1/notify\"\n",
			"WSO2_DEPLOYMENT_TOML: does not fit repository/conf/deployment.toml: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := a4Layout(t, c)
			env := with(a4BaseEnv(t, c, home), "WSO2_DEPLOYMENT_TOML", tc.frag)
			before := snapshot(t, home)
			r := runPipe(t, env, "render")
			if r.Code != exitcode.Config || !strings.Contains(r.Stderr, tc.want) {
				t.Fatalf("exit %d, want %d with %q; stderr:\n%s", r.Code, exitcode.Config, tc.want, r.Stderr)
			}
			if d := diffSnapshots(before, snapshot(t, home)); len(d) != 0 {
				t.Errorf("files changed: %v", d)
			}
		})
	}
}

// TestAPIM4KeyPasswordIsNotThePassword: the server gives a [keystore.*]
// key_password that the file leaves out carbon-kernel's default,
// wso2carbon, never the table's password (default.json:
// keystore.primary.key_password = "wso2carbon", .tls and .internal through
// $ref{keystore.primary.key_password}). So a file that sets a table's
// password and leaves key_password out, for a keystore whose key has that
// password, would fail at the server's start: the check refuses it at load
// the same way. A table's password variable without its key password
// variable writes both, so that the common keystore (one password for the
// store and its key) works with one variable, as WSO2_KEYSTORE_PASSWORD
// does for every table.
func TestAPIM4KeyPasswordIsNotThePassword(t *testing.T) {
	c := a4Cases[3] // universal gateway: [keystore.tls] with key_password
	const pw = "Other-Ks-Pw1"
	layout := func(t *testing.T) (string, map[string]string) {
		home := a4Layout(t, c)
		env := a4GoldenEnv(t, c, home)
		delete(env, "WSO2_KEYSTORE_PASSWORD")
		// The keystore: store and key on pw.
		a4Keystores(t, home, map[string]string{"WSO2_KEYSTORE_TLS_PASSWORD": pw, "WSO2_KEYSTORE_TLS_KEY_PASSWORD": pw})
		return home, env
	}
	t.Run("a file without key_password", func(t *testing.T) {
		home, env := layout(t)
		path := filepath.Join(home, apim4.DeploymentTOML)
		b, err := os.ReadFile(path)
		must(t, err)
		s := strings.Replace(string(b), `key_password =  "wso2carbon"`+"\n", "", 1)
		if s == string(b) {
			t.Fatal("the fixture's [keystore.tls] has no key_password line to remove")
		}
		must(t, os.WriteFile(path, []byte(s), 0o644))
		// The image's file sets the password; a variable names the table,
		// so it is checked.
		env["WSO2_DEPLOYMENT_TOML"] = "[keystore.tls]\npassword = \"" + pw + "\"\n"
		env["WSO2_KEYSTORE_TLS_ALIAS"] = "wso2carbon"
		before := snapshot(t, home)
		r := runPipe(t, env, "render")
		if r.Code != exitcode.DataErr || !strings.Contains(r.Stderr, `the private key "wso2carbon" of keystore repository/resources/security/wso2carbon.jks does not open with its key password (key_password, else [keystore.primary] key_password, else wso2carbon`) {
			t.Fatalf("exit %d, want %d naming the key password the server uses; stderr:\n%s", r.Code, exitcode.DataErr, r.Stderr)
		}
		if d := diffSnapshots(before, snapshot(t, home)); len(d) != 0 {
			t.Errorf("files changed: %v", d)
		}
	})
	t.Run("the table's password variable alone", func(t *testing.T) {
		home, env := layout(t)
		env["WSO2_KEYSTORE_TLS_PASSWORD"] = pw
		r := runPipe(t, env, "render")
		if r.Code != 0 {
			t.Fatalf("exit %d; stderr:\n%s", r.Code, r.Stderr)
		}
		got, err := os.ReadFile(filepath.Join(home, apim4.DeploymentTOML))
		must(t, err)
		tls, _ := readTOML(t, got)["keystore"].(map[string]any)["tls"].(map[string]any)
		if tls["password"] != pw || tls["key_password"] != pw {
			t.Errorf("[keystore.tls] password %v, key_password %v; want both the variable's", tls["password"], tls["key_password"])
		}
	})
}
