package agent

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"github.com/wso2-container/agent/internal/fixtures"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/internal/mariadbtest"
)

// isolateEnv unsets every WSO2_* variable for the test (restored after).
func isolateEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "WSO2_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
}

// `agent admin-password` end to end through the environment contract,
// against a real MariaDB with the product's schema: variables, _FILE
// secrets, user-mgt.xml from WSO2_HOME, exit codes, and no password in any
// output.
func TestCmdAdminPassword(t *testing.T) {
	srv := mariadbtest.StartT(t)
	const (
		dbPassword = "Db-S3cret!x"
		newPw      = "Brand-N3w#pw"
		fallbackPw = "Fallb4ck-pw"
	)
	tmp := t.TempDir()
	writeFile := func(name, content string) string {
		p := filepath.Join(tmp, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	um, err := os.ReadFile(fixtures.Path("wso2-fixtures/wso2am-2.0.0/repository/conf/user-mgt.xml"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile("home/repository/conf/user-mgt.xml", string(um))

	var outputs []string // every stdout/stderr, checked for leaks at the end
	run := func(t *testing.T, env map[string]string, args ...string) (int, string, string) {
		t.Helper()
		isolateEnv(t)
		for k, v := range env {
			t.Setenv(k, v)
		}
		var stdout, stderr bytes.Buffer
		io := IO{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Log: NewLogger(&stderr, "text")}
		code := Main(append([]string{"admin-password"}, args...), io)
		outputs = append(outputs, stdout.String(), stderr.String())
		t.Logf("exit %d\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
		return code, stdout.String(), stderr.String()
	}
	newDB := func(t *testing.T) (string, map[string]string) {
		db := srv.NewDatabase(t, "userdb")
		srv.ExecFile(t, db, fixtures.Path("wso2-fixtures/wso2am-2.0.0/dbscripts/mysql.sql"))
		srv.CreateUser(t, "apisqluser", dbPassword, db)
		srv.Exec(t, db, "INSERT INTO UM_USER (UM_USER_NAME, UM_USER_PASSWORD, UM_SALT_VALUE, UM_REQUIRE_CHANGE, UM_CHANGED_TIME, UM_TENANT_ID) VALUES ('admin','jGl25bVBBBW96Qi9Te4V37Fnqchz/Eu4qB9vKrRIqRg=','',0,NOW(),-1234)")
		env := map[string]string{
			// host = server + "." + domain: 127.0.0 + . + 1
			"WSO2_MYSQL_SERVER":            "127.0.0",
			"WSO2_DOMAIN":                  "1",
			"WSO2_MYSQL_PORT":              strconv.Itoa(srv.Port),
			"WSO2_MYSQL_USER":              "apisqluser",
			"WSO2_MYSQL_PASSWORD_FILE":     writeFile("secrets/db", dbPassword+"\n"),
			"WSO2_NEW_ADMIN_PASSWORD_FILE": writeFile("secrets/admin", newPw+"\n"),
			"WSO2_USERSTORE_DB":            db,
			"WSO2_HOME":                    filepath.Join(tmp, "home"),
			"WSO2_AGENT_WAIT_TIMEOUT":      "5s",
		}
		return db, env
	}
	stored := func(t *testing.T, db string) (hash, salt string) {
		t.Helper()
		c, err := srv.Root(db)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.QueryRow("SELECT UM_USER_PASSWORD, UM_SALT_VALUE FROM UM_USER WHERE UM_USER_NAME='admin' AND UM_TENANT_ID=-1234").Scan(&hash, &salt); err != nil {
			t.Fatal(err)
		}
		return
	}
	carbon := func(pw, salt string) string {
		s := sha256.Sum256([]byte(pw + salt))
		return base64.StdEncoding.EncodeToString(s[:])
	}

	t.Run("changes the password", func(t *testing.T) {
		db, env := newDB(t)
		code, stdout, stderr := run(t, env)
		if code != exitcode.OK {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		if !strings.Contains(stdout, `password of user "admin"`) || !strings.Contains(stdout, "SHA-256 with a new random salt") {
			t.Errorf("stdout %q", stdout)
		}
		if !strings.Contains(stderr, "127.0.0.1") || !strings.Contains(stderr, filepath.Join(tmp, "home", "repository/conf/user-mgt.xml")) {
			t.Errorf("log does not name the host and the hashing source:\n%s", stderr)
		}
		hash, salt := stored(t, db)
		if salt == "" || hash != carbon(newPw, salt) {
			t.Fatalf("stored (%q, %q) is not Carbon's hash of the new password", hash, salt)
		}
		// The same job again changes nothing.
		code, stdout, _ = run(t, env)
		if h2, s2 := stored(t, db); code != 0 || h2 != hash || s2 != salt || !strings.Contains(stdout, "already has this password") {
			t.Fatalf("second run: exit %d, %q", code, stdout)
		}
	})

	t.Run("dry run", func(t *testing.T) {
		db, env := newDB(t)
		code, stdout, stderr := run(t, env, "--dry-run")
		if code != exitcode.OK || !strings.HasPrefix(stdout, "dry run: would set a new password") {
			t.Fatalf("exit %d, stdout %q\n%s", code, stdout, stderr)
		}
		if hash, salt := stored(t, db); hash != carbon("admin", "") || salt != "" {
			t.Fatal("dry run wrote")
		}
	})

	t.Run("falls back to WSO2_ADMIN_PASSWORD", func(t *testing.T) {
		db, env := newDB(t)
		delete(env, "WSO2_NEW_ADMIN_PASSWORD_FILE")
		env["WSO2_ADMIN_PASSWORD"] = fallbackPw
		if code, _, stderr := run(t, env); code != 0 {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		if hash, salt := stored(t, db); hash != carbon(fallbackPw, salt) {
			t.Fatal("stored hash is not that of WSO2_ADMIN_PASSWORD")
		}
	})

	for _, tc := range []struct {
		name string
		edit func(env map[string]string)
		args []string
		code int
		want string
	}{
		{"no password variable", func(env map[string]string) { delete(env, "WSO2_NEW_ADMIN_PASSWORD_FILE") }, nil,
			exitcode.Config, "set WSO2_NEW_ADMIN_PASSWORD or WSO2_ADMIN_PASSWORD"},
		{"password on the command line", nil, []string{newPw},
			exitcode.Usage, "takes no arguments"},
		{"unknown flag", nil, []string{"--password=" + newPw},
			exitcode.Usage, "unknown flag --password"},
		{"refused password", func(env map[string]string) {
			delete(env, "WSO2_NEW_ADMIN_PASSWORD_FILE")
			env["WSO2_NEW_ADMIN_PASSWORD"] = "abc"
		}, nil, exitcode.Config, "WSO2_NEW_ADMIN_PASSWORD does not match PasswordJavaRegEx"},
		{"wrong database password", func(env map[string]string) {
			env["WSO2_MYSQL_PASSWORD_FILE"] = writeFile("secrets/wrong", "Not-"+dbPassword)
		}, nil, exitcode.Unavailable, "authentication failed (check WSO2_MYSQL_USER and WSO2_MYSQL_PASSWORD)"},
		{"unreachable host", func(env map[string]string) {
			env["WSO2_MYSQL_SERVER"], env["WSO2_DOMAIN"] = "mysql", "invalid"
			env["WSO2_AGENT_WAIT_TIMEOUT"] = "300ms"
		}, nil, exitcode.TempFail, "mysql.invalid:"},
		{"bad port", func(env map[string]string) { env["WSO2_MYSQL_PORT"] = "70000" }, nil,
			exitcode.Config, "WSO2_MYSQL_PORT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, env := newDB(t)
			if tc.edit != nil {
				tc.edit(env)
			}
			code, _, stderr := run(t, env, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d (want %d), stderr lacks %q:\n%s", code, tc.code, tc.want, stderr)
			}
			if hash, salt := stored(t, db); hash != carbon("admin", "") || salt != "" {
				t.Fatal("the row was written")
			}
		})
	}

	for _, secret := range []string{newPw, fallbackPw, dbPassword} {
		for _, o := range outputs {
			if strings.Contains(o, secret) {
				t.Fatalf("a password appears in the output:\n%s", o)
			}
		}
	}
	if len(outputs) < 20 {
		t.Fatalf("only %d outputs checked", len(outputs))
	}
}
