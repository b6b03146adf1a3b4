package adminpw

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/internal/mariadbtest"
)

var mdb mariadbtest.Lazy

func TestMain(m *testing.M) {
	code := m.Run()
	mdb.Close()
	os.Exit(code)
}

const (
	sqlUser     = "apisqluser"
	sqlPassword = "Sq1-p@ss'word"
	oldPassword = "OldProdPassw0rd"
	oldChanged  = "2017-01-02 03:04:05"
)

// userStore is a database loaded with the product's real user-store schema
// and rows written the way Carbon writes them.
type userStore struct {
	srv      *mariadbtest.Server
	db       string
	oldSalt  string
	adminID  int64
	rootConn *sql.DB
}

// newUserStore creates a database with dbscripts/mysql.sql of API Manager
// 2.0.0, the SQL user apisqluser, the super tenant's admin (salted SHA-256
// per NOTES-password-hash.md, computed here with the standard library) and
// other users, roles, a tenant and registry rows.
func newUserStore(t *testing.T) *userStore {
	t.Helper()
	srv := mdb.Get(t)
	db := srv.NewDatabase(t, "userdb")
	srv.ExecFile(t, db, fixtureTree+"/wso2am-2.0.0/dbscripts/mysql.sql")
	srv.CreateUser(t, sqlUser, sqlPassword, db)
	us := &userStore{srv: srv, db: db, oldSalt: "c2FsdHNhbHRzYWx0c2FsdA=="}
	ins := "INSERT INTO UM_USER (UM_USER_NAME, UM_USER_PASSWORD, UM_SALT_VALUE, UM_REQUIRE_CHANGE, UM_CHANGED_TIME, UM_TENANT_ID) VALUES (?,?,?,?,?,?)"
	srv.Exec(t, db, ins, "admin", notesFormula(oldPassword, us.oldSalt), us.oldSalt, false, oldChanged, -1234)
	srv.Exec(t, db, ins, "alice", notesFormula("alicePw1", "QUxJQ0VBTElDRUFMSUNFQQ=="), "QUxJQ0VBTElDRUFMSUNFQQ==", false, oldChanged, -1234)
	srv.Exec(t, db, ins, "admin", notesFormula("tenantAdmin1", "VEVOQU5UVEVOQU5UVEVOQQ=="), "VEVOQU5UVEVOQU5UVEVOQQ==", false, oldChanged, 1)
	srv.Exec(t, db, ins, "bob", notesFormula("bobsecret", ""), "", true, oldChanged, -1234)
	srv.Exec(t, db, `
INSERT INTO UM_TENANT (UM_ID, UM_DOMAIN_NAME, UM_EMAIL, UM_ACTIVE, UM_CREATED_DATE, UM_USER_CONFIG) VALUES (1, 'example.com', 'ops@example.com', 1, '2017-01-01 00:00:00', NULL);
INSERT INTO UM_ROLE (UM_ROLE_NAME, UM_TENANT_ID, UM_SHARED_ROLE) VALUES ('admin', -1234, 0), ('Internal/subscriber', -1234, 0);
INSERT INTO UM_USER_ROLE (UM_ROLE_ID, UM_USER_ID, UM_TENANT_ID) SELECT r.UM_ID, u.UM_ID, -1234 FROM UM_ROLE r, UM_USER u WHERE r.UM_ROLE_NAME='admin' AND u.UM_USER_NAME='admin' AND u.UM_TENANT_ID=-1234;
INSERT INTO UM_USER_ATTRIBUTE (UM_ATTR_NAME, UM_ATTR_VALUE, UM_PROFILE_ID, UM_USER_ID, UM_TENANT_ID) SELECT 'mail', 'admin@wso2.com', 'default', UM_ID, -1234 FROM UM_USER WHERE UM_USER_NAME='admin' AND UM_TENANT_ID=-1234;
INSERT INTO REG_PATH (REG_PATH_VALUE, REG_PATH_PARENT_ID, REG_TENANT_ID) VALUES ('/', NULL, -1234), ('/_system', 1, -1234);`)
	var err error
	us.rootConn, err = srv.Root(db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { us.rootConn.Close() })
	if err := us.rootConn.QueryRow("SELECT UM_ID FROM UM_USER WHERE UM_USER_NAME='admin' AND UM_TENANT_ID=-1234").Scan(&us.adminID); err != nil {
		t.Fatal(err)
	}
	return us
}

// opts returns job options for this store with the shipped defaults.
func (us *userStore) opts(newPassword string) Options {
	return Options{
		Host: us.srv.Host, Port: us.srv.Port, User: sqlUser, Password: sqlPassword, Database: us.db,
		AdminUser: "admin", TenantID: SuperTenantID, NewPassword: newPassword, PasswordVar: "WSO2_NEW_ADMIN_PASSWORD",
		Names: InputNames{AdminUser: "WSO2_ADMIN_USERNAME", WaitTimeout: "WSO2_AGENT_WAIT_TIMEOUT",
			User: "WSO2_MYSQL_USER", Password: "WSO2_MYSQL_PASSWORD", Database: "WSO2_USERSTORE_DB"},
		Store: Defaults(), WaitTimeout: 5 * time.Second,
	}
}

// snapshot dumps every row of every table, sorted, keyed by table.
func (us *userStore) snapshot(t *testing.T) map[string][]string {
	t.Helper()
	rows, err := us.rootConn.Query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA=? ORDER BY TABLE_NAME", us.db)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	if len(tables) < 30 {
		t.Fatalf("only %d tables: schema not loaded?", len(tables))
	}
	out := map[string][]string{}
	for _, tb := range tables {
		rs, err := us.rootConn.Query("SELECT * FROM `" + tb + "`")
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rs.Columns()
		for rs.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rs.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for i, c := range cols {
				fmt.Fprintf(&b, "%s=%q/%t ", c, vals[i].String, vals[i].Valid)
			}
			out[tb] = append(out[tb], b.String())
		}
		rs.Close()
		sort.Strings(out[tb])
	}
	return out
}

// adminRow reads the admin row's mutable columns.
func (us *userStore) adminRow(t *testing.T) (hash, salt string, requireChange bool, changed time.Time) {
	t.Helper()
	err := us.rootConn.QueryRow("SELECT UM_USER_PASSWORD, UM_SALT_VALUE, UM_REQUIRE_CHANGE, UM_CHANGED_TIME FROM UM_USER WHERE UM_ID=? AND UM_TENANT_ID=-1234", us.adminID).
		Scan(&hash, &salt, &requireChange, &changed)
	if err != nil {
		t.Fatal(err)
	}
	return
}

// diffSnapshots returns the rows that differ, as "table: -row" / "+row".
func diffSnapshots(before, after map[string][]string) []string {
	var d []string
	for tb := range mergeKeys(before, after) {
		b, a := before[tb], after[tb]
		bs, as := map[string]bool{}, map[string]bool{}
		for _, r := range b {
			bs[r] = true
		}
		for _, r := range a {
			as[r] = true
		}
		for _, r := range b {
			if !as[r] {
				d = append(d, tb+": -"+r)
			}
		}
		for _, r := range a {
			if !bs[r] {
				d = append(d, tb+": +"+r)
			}
		}
		if len(a) != len(b) {
			d = append(d, fmt.Sprintf("%s: %d rows -> %d", tb, len(b), len(a)))
		}
	}
	sort.Strings(d)
	return d
}

func mergeKeys(a, b map[string][]string) map[string]bool {
	m := map[string]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return m
}

var saltShape = regexp.MustCompile(`^[A-Za-z0-9+/]{22}==$`)

// The acceptance test: after the job the stored hash is
// base64(sha256(password + salt)) for the stored salt, the salt is new, and
// nothing else in the database changed.
func TestRunChangesOnlyTheAdminRow(t *testing.T) {
	us := newUserStore(t)
	before := us.snapshot(t)
	const newPw = "N3w-Adm1n!pw"

	res, err := Run(context.Background(), us.opts(newPw))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Written || res.Unchanged || res.RowID != us.adminID || res.User != "admin" {
		t.Fatalf("result %+v", res)
	}

	hash, salt, requireChange, changed := us.adminRow(t)
	if want := notesFormula(newPw, salt); hash != want {
		t.Errorf("stored hash %q, want base64(sha256(pw+salt)) = %q", hash, want)
	}
	if salt == us.oldSalt || !saltShape.MatchString(salt) {
		t.Errorf("stored salt %q: want a new Base64 16-byte salt", salt)
	}
	if requireChange {
		t.Error("UM_REQUIRE_CHANGE still true")
	}
	if old, _ := time.Parse(time.DateTime, oldChanged); !changed.After(old) {
		t.Errorf("UM_CHANGED_TIME %v not updated", changed)
	}

	diff := diffSnapshots(before, us.snapshot(t))
	if len(diff) != 2 || !strings.HasPrefix(diff[0], "UM_USER: +UM_ID=\""+strconv.FormatInt(us.adminID, 10)+"\"") || !strings.HasPrefix(diff[1], "UM_USER: -UM_ID=\""+strconv.FormatInt(us.adminID, 10)+"\"") {
		t.Fatalf("want exactly the admin row of UM_USER changed, got:\n%s", strings.Join(diff, "\n"))
	}
	for _, d := range diff {
		if !strings.Contains(d, `UM_USER_NAME="admin"`) || !strings.Contains(d, `UM_TENANT_ID="-1234"`) {
			t.Errorf("unexpected change %s", d)
		}
	}
}

// Non-ASCII and special-character passwords are stored so that a Carbon
// JVM (getBytes() under -Dfile.encoding=UTF8) computes the same hash from
// the stored salt at login.
func TestRunNonASCIIPasswordsLogInAsCarbon(t *testing.T) {
	us := newUserStore(t)
	var lines, stored []string
	for _, pw := range hashPasswords {
		if CheckPassword(pw, DefaultPasswordRegex) != nil {
			continue // whitespace: refused by the default policy
		}
		if _, err := Run(context.Background(), us.opts(pw)); err != nil {
			t.Fatalf("password %q: %v", pw, err)
		}
		hash, salt, _, _ := us.adminRow(t)
		if hash != notesFormula(pw, salt) {
			t.Errorf("password %q: stored %q, want base64(sha256(utf8(pw+salt)))", pw, hash)
		}
		lines = append(lines, strings.Join([]string{"hash", b64("SHA-256"), b64(pw), b64(salt)}, "\t"))
		stored = append(stored, hash)
	}
	if len(stored) < 5 {
		t.Fatalf("only %d passwords tried", len(stored))
	}
	for i, java := range javaOracle(t, lines) {
		if java != stored[i] {
			t.Errorf("request %s: Carbon computes %q, stored %q", lines[i], java, stored[i])
		}
	}
}

func TestRunDryRunWritesNothing(t *testing.T) {
	us := newUserStore(t)
	before := us.snapshot(t)
	o := us.opts("N3w-Adm1n!pw")
	o.DryRun = true
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Written || res.Unchanged || !res.DryRun || res.RowID != us.adminID {
		t.Fatalf("result %+v", res)
	}
	if s := res.String(); !strings.HasPrefix(s, "dry run: would set a new password for user \"admin\"") || !strings.Contains(s, "nothing written") {
		t.Errorf("report %q", s)
	}
	if d := diffSnapshots(before, us.snapshot(t)); len(d) > 0 {
		t.Fatalf("dry run changed:\n%s", strings.Join(d, "\n"))
	}
}

// A retried job (same password) writes nothing; --force writes a new salt;
// UM_REQUIRE_CHANGE=true is not "unchanged" because the job clears it.
func TestRunIdempotent(t *testing.T) {
	us := newUserStore(t)
	before := us.snapshot(t)
	res, err := Run(context.Background(), us.opts(oldPassword))
	if err != nil || !res.Unchanged || res.Written {
		t.Fatalf("same password: %+v, %v; want unchanged", res, err)
	}
	if d := diffSnapshots(before, us.snapshot(t)); len(d) > 0 {
		t.Fatalf("unchanged run changed:\n%s", strings.Join(d, "\n"))
	}

	o := us.opts(oldPassword)
	o.Force = true
	if res, err = Run(context.Background(), o); err != nil || !res.Written {
		t.Fatalf("--force: %+v, %v", res, err)
	}
	hash, salt, _, _ := us.adminRow(t)
	if salt == us.oldSalt || hash != notesFormula(oldPassword, salt) {
		t.Fatalf("--force: salt %q hash %q", salt, hash)
	}

	us.srv.Exec(t, us.db, "UPDATE UM_USER SET UM_REQUIRE_CHANGE=TRUE WHERE UM_ID=?", us.adminID)
	if res, err = Run(context.Background(), us.opts(oldPassword)); err != nil || !res.Written || !res.RequireChangeWas {
		t.Fatalf("require-change row: %+v, %v; want written", res, err)
	}
	if _, _, rc, _ := us.adminRow(t); rc {
		t.Fatal("UM_REQUIRE_CHANGE still true")
	}
}

// user-mgt.xml settings drive the hash: unsalted SHA-512 writes "" as the
// salt, PLAIN_TEXT stores the password itself (Carbon's behaviour).
func TestRunStoreConfigs(t *testing.T) {
	for _, tc := range []struct {
		store StoreConfig
		want  func(pw string) (hash, salt string)
	}{
		{StoreConfig{Digest: "SHA-512", Salted: false, Source: "test"}, func(pw string) (string, string) {
			h, _ := Hash(pw, "", "SHA-512")
			return h, ""
		}},
		{StoreConfig{Digest: PlainText, Salted: false, Source: "test"}, func(pw string) (string, string) { return pw, "" }},
	} {
		t.Run(tc.store.Digest, func(t *testing.T) {
			us := newUserStore(t)
			o := us.opts("Plain-or-512")
			o.Store = tc.store
			if _, err := Run(context.Background(), o); err != nil {
				t.Fatal(err)
			}
			hash, salt, _, _ := us.adminRow(t)
			wh, ws := tc.want("Plain-or-512")
			if hash != wh || salt != ws {
				t.Fatalf("stored (%q, %q), want (%q, %q)", hash, salt, wh, ws)
			}
		})
	}
}

// closedPort returns a loopback port nobody listens on (at the moment).
func closedPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return p
}

// Bad input: a clear error with its exit code, and nothing written.
func TestRunErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, us *userStore, o *Options)
		code  int
		want  string
	}{
		{"wrong SQL password", func(t *testing.T, us *userStore, o *Options) { o.Password = "wrong" },
			exitcode.Unavailable, "authentication failed (check WSO2_MYSQL_USER and WSO2_MYSQL_PASSWORD)"},
		{"unknown SQL user", func(t *testing.T, us *userStore, o *Options) { o.User = "nosuchuser" },
			exitcode.Unavailable, "authentication failed"},
		{"missing database", func(t *testing.T, us *userStore, o *Options) {
			us.srv.Exec(t, "", "GRANT ALL ON `nodb_here`.* TO 'apisqluser'@'127.0.0.1'")
			o.Database = "nodb_here"
		}, exitcode.Unavailable, "database missing or not accessible (check WSO2_USERSTORE_DB)"},
		{"database not granted", func(t *testing.T, us *userStore, o *Options) { o.Database = "mysql" },
			exitcode.Unavailable, "database missing or not accessible"},
		{"missing table", func(t *testing.T, us *userStore, o *Options) {
			us.srv.Exec(t, us.db, "SET FOREIGN_KEY_CHECKS=0; DROP TABLE UM_USER_ROLE, UM_USER_ATTRIBUTE, UM_USER; SET FOREIGN_KEY_CHECKS=1")
		}, exitcode.Unavailable, "table missing"},
		{"admin absent", func(t *testing.T, us *userStore, o *Options) { o.AdminUser = "root" },
			exitcode.NoUser, `find user "root" in tenant -1234`},
		{"admin only in another tenant", func(t *testing.T, us *userStore, o *Options) {
			us.srv.Exec(t, us.db, "DELETE FROM UM_USER_ROLE; DELETE FROM UM_USER_ATTRIBUTE; DELETE FROM UM_USER WHERE UM_ID=?", us.adminID)
		}, exitcode.NoUser, "no such user"},
		{"two matching rows", func(t *testing.T, us *userStore, o *Options) {
			// UNIQUE(UM_USER_NAME, UM_TENANT_ID) forbids it: drop the
			// constraint to simulate a corrupted copy.
			us.srv.Exec(t, us.db, "ALTER TABLE UM_USER DROP INDEX UM_USER_NAME")
			us.srv.Exec(t, us.db, "INSERT INTO UM_USER (UM_USER_NAME, UM_USER_PASSWORD, UM_SALT_VALUE, UM_REQUIRE_CHANGE, UM_CHANGED_TIME, UM_TENANT_ID) VALUES ('admin','x','',0,?,-1234)", oldChanged)
		}, exitcode.DataErr, "2 rows match"},
		{"case variant matched by the collation", func(t *testing.T, us *userStore, o *Options) {
			us.srv.Exec(t, us.db, "ALTER TABLE UM_USER DROP INDEX UM_USER_NAME")
			us.srv.Exec(t, us.db, "INSERT INTO UM_USER (UM_USER_NAME, UM_USER_PASSWORD, UM_SALT_VALUE, UM_REQUIRE_CHANGE, UM_CHANGED_TIME, UM_TENANT_ID) VALUES ('Admin','x','',0,?,-1234)", oldChanged)
		}, exitcode.DataErr, "2 rows match"},
		{"read-only SQL user", func(t *testing.T, us *userStore, o *Options) {
			us.srv.CreateUser(t, "reader", "r3ader", "nothing")
			us.srv.Exec(t, "", "GRANT SELECT ON `"+us.db+"`.* TO 'reader'@'127.0.0.1'")
			o.User, o.Password = "reader", "r3ader"
		}, exitcode.Unavailable, "permission denied"},
		{"password refused by policy", func(t *testing.T, us *userStore, o *Options) { o.NewPassword = "abc" },
			exitcode.Config, "WSO2_NEW_ADMIN_PASSWORD does not match PasswordJavaRegEx ^[\\S]{5,30}$"},
		{"password with a space", func(t *testing.T, us *userStore, o *Options) { o.NewPassword = "two words" },
			exitcode.Config, "--skip-policy"},
		{"password too long", func(t *testing.T, us *userStore, o *Options) { o.NewPassword = strings.Repeat("p", 31) },
			exitcode.Config, "Carbon would refuse it at login"},
		{"policy not RE2", func(t *testing.T, us *userStore, o *Options) {
			o.Store.PasswordRegex = `^(?=.*\d).{8,}$`
			o.Store.Source = "user-mgt.xml"
		}, exitcode.Config, "not supported by Go's RE2 engine"},
		{"unsupported digest", func(t *testing.T, us *userStore, o *Options) { o.Store.Digest = "MD2" },
			exitcode.Config, `PasswordDigest "MD2" is not supported`},
		{"unreachable", func(t *testing.T, us *userStore, o *Options) {
			o.Port = closedPort(t)
			o.WaitTimeout = 700 * time.Millisecond
		}, exitcode.TempFail, "not reachable within 700ms (WSO2_AGENT_WAIT_TIMEOUT): dial tcp 127.0.0.1:|connection refused"},
		{"unknown host", func(t *testing.T, us *userStore, o *Options) {
			o.Host = "mysql.invalid"
			o.WaitTimeout = 300 * time.Millisecond
		}, exitcode.TempFail, "not reachable within|lookup mysql.invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			us := newUserStore(t)
			o := us.opts("Fresh-Passw0rd")
			tc.setup(t, us, &o)
			before := us.snapshot(t)
			var logs bytes.Buffer
			o.Log = slog.New(slog.NewTextHandler(&logs, nil))
			_, err := Run(context.Background(), o)
			if err == nil {
				t.Fatal("no error")
			}
			if exitcode.Of(err) != tc.code || !containsAll(err.Error(), strings.Split(tc.want, "|")) {
				t.Fatalf("got %q (exit %d), want exit %d and %q", err, exitcode.Of(err), tc.code, tc.want)
			}
			if strings.Contains(err.Error()+logs.String(), o.NewPassword) || strings.Contains(err.Error()+logs.String(), o.Password) {
				t.Fatalf("a password leaked:\nerror: %s\nlog: %s", err, logs.String())
			}
			if tc.code == exitcode.Unavailable && strings.Contains(logs.String(), "waiting for the user-store database") {
				t.Errorf("a permanent error was retried:\n%s", logs.String())
			}
			if d := diffSnapshots(before, us.snapshot(t)); len(d) > 0 {
				t.Fatalf("database changed:\n%s", strings.Join(d, "\n"))
			}
		})
	}
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// signalHandler is a slog handler that reports each message on a channel:
// the test's handshake with the job's retry loop.
type signalHandler struct {
	slog.Handler
	msgs chan string
}

func (h signalHandler) Handle(ctx context.Context, r slog.Record) error {
	select {
	case h.msgs <- r.Message:
	default:
	}
	return h.Handler.Handle(ctx, r)
}

// The job waits for a database that is not up yet: it retries until the
// server answers, then succeeds.
func TestRunWaitsForTheDatabase(t *testing.T) {
	us := newUserStore(t)
	port := closedPort(t)
	o := us.opts("After-Wait-1")
	o.Port = port
	o.WaitTimeout = 60 * time.Second
	msgs := make(chan string, 16)
	o.Log = slog.New(signalHandler{slog.NewTextHandler(io.Discard, nil), msgs})

	type outcome struct {
		res Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := Run(context.Background(), o)
		done <- outcome{res, err}
	}()
	for m := range msgs {
		if strings.HasPrefix(m, "waiting for the user-store database") {
			break
		}
	}
	// The database "comes up": a proxy on the job's port to the server.
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatalf("listen on the job's port: %v", err)
	}
	defer l.Close()
	var wg sync.WaitGroup
	defer wg.Wait()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", us.srv.Addr())
			if err != nil {
				c.Close()
				return
			}
			wg.Add(2)
			go func() { defer wg.Done(); io.Copy(s, c); s.Close() }()
			go func() { defer wg.Done(); io.Copy(c, s); c.Close() }()
		}
	}()
	out := <-done
	l.Close()
	if out.err != nil || !out.res.Written {
		t.Fatalf("after waiting: %+v, %v", out.res, out.err)
	}
	hash, salt, _, _ := us.adminRow(t)
	if hash != notesFormula("After-Wait-1", salt) {
		t.Fatal("stored hash does not match")
	}
}

func TestRunCancelled(t *testing.T) {
	us := newUserStore(t)
	o := us.opts("Cancelled-1")
	o.Port = closedPort(t)
	o.WaitTimeout = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	msgs := make(chan string, 4)
	o.Log = slog.New(signalHandler{slog.NewTextHandler(io.Discard, nil), msgs})
	go func() {
		<-msgs // the first retry: then the container is stopped
		cancel()
	}()
	_, err := Run(ctx, o)
	if err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Fatalf("got %v, want a cancellation error", err)
	}
}

func BenchmarkRunDryRun(b *testing.B) {
	srv := mdb.Get(b)
	db := srv.NewDatabase(b, "bench")
	srv.ExecFile(b, db, fixtureTree+"/wso2am-2.0.0/dbscripts/mysql.sql")
	srv.CreateUser(b, "benchuser", "benchpw", db)
	srv.Exec(b, db, "INSERT INTO UM_USER (UM_USER_NAME, UM_USER_PASSWORD, UM_SALT_VALUE, UM_REQUIRE_CHANGE, UM_CHANGED_TIME, UM_TENANT_ID) VALUES ('admin','x','',0,NOW(),-1234)")
	o := Options{Host: srv.Host, Port: srv.Port, User: "benchuser", Password: "benchpw", Database: db,
		AdminUser: "admin", TenantID: SuperTenantID, NewPassword: "Bench-Passw0rd", Store: Defaults(), WaitTimeout: time.Second}
	b.Run("dry-run", func(b *testing.B) {
		o := o
		o.DryRun = true
		for i := 0; i < b.N; i++ {
			if _, err := Run(context.Background(), o); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("change", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			o.NewPassword = fmt.Sprintf("Bench-Passw0rd%d", i)
			if _, err := Run(context.Background(), o); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestHintNamesOnlyWhatTheCallerNamed: the package knows no variable of its
// own; a hint appears only with the caller's names.
func TestHintNamesOnlyWhatTheCallerNamed(t *testing.T) {
	for _, tc := range []struct {
		names []string
		want  string
	}{
		{[]string{"DB_USER", "DB_PASSWORD"}, " (check DB_USER and DB_PASSWORD)"},
		{[]string{"DB_USER", ""}, ""},
		{[]string{"", ""}, ""},
	} {
		if got := hint("check %s and %s", tc.names...); got != tc.want {
			t.Errorf("hint(%q) = %q, want %q", tc.names, got, tc.want)
		}
	}
}
