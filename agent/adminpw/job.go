package adminpw

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/wso2-container/agent/agent/exitcode"
)

// SuperTenantID is UM_TENANT_ID of the super tenant (carbon.super).
const SuperTenantID = -1234

// Options is one run of the job. Password and NewPassword are secrets: they
// are never logged nor put into an error.
type Options struct {
	Host     string // database host
	Port     int    // database port
	User     string // SQL user
	Password string // SQL password
	Database string // user-store database (userdb)

	AdminUser   string // UM_USER_NAME of the user to change
	TenantID    int    // UM_TENANT_ID (SuperTenantID)
	NewPassword string // the new password, in clear
	// PasswordVar names the variable NewPassword came from, for messages.
	PasswordVar string
	// Names are what the caller calls the other inputs, for the hints of
	// error messages: the package knows no variable of its own.
	Names InputNames

	Store      StoreConfig // how to hash and which policy to check
	SkipPolicy bool        // do not check Store.PasswordRegex
	DryRun     bool        // connect, find the user, report; write nothing
	Force      bool        // write a new hash even if the password already works

	// WaitTimeout bounds the connection retries: connection errors (refused,
	// unreachable, DNS, reset) are retried with backoff until it has passed;
	// authentication and missing-database errors are not retried.
	WaitTimeout time.Duration

	Log  *slog.Logger // nil: discard
	Rand io.Reader    // salt source; nil: crypto/rand
}

// InputNames name the job's inputs as the caller's configuration does
// (its variables), so that an error can say what to change; an empty name
// gives no hint.
type InputNames struct {
	AdminUser   string // of AdminUser
	WaitTimeout string // of WaitTimeout
	User        string // of User
	Password    string // of Password
	Database    string // of Database
}

// hint returns " (format with names)" when every name is set, else "".
func hint(format string, names ...string) string {
	args := make([]any, len(names))
	for i, n := range names {
		if n == "" {
			return ""
		}
		args[i] = n
	}
	return " (" + fmt.Sprintf(format, args...) + ")"
}

// Result is what the job did or, with DryRun, would do.
type Result struct {
	Addr      string // host:port
	Database  string
	User      string // the admin user name as stored
	TenantID  int
	RowID     int64  // UM_ID of the row
	Digest    string // PasswordDigest used
	Salted    bool
	DryRun    bool
	Unchanged bool // the new password already logs in: nothing written (or to write)
	Written   bool // the row was updated and committed
	// RequireChangeWas is UM_REQUIRE_CHANGE before the change (reset to false).
	RequireChangeWas bool
}

// String is the one-line report printed by `agent admin-password`.
func (r Result) String() string {
	who := fmt.Sprintf("user %q (UM_ID %d, tenant %d) in %s at %s", r.User, r.RowID, r.TenantID, r.Database, r.Addr)
	how := describeHash(r.Digest, r.Salted)
	switch {
	case r.Unchanged && r.DryRun:
		return fmt.Sprintf("dry run: %s already has this password; nothing to change", who)
	case r.Unchanged:
		return fmt.Sprintf("%s already has this password; nothing written (--force writes a new salt)", who)
	case r.DryRun:
		return fmt.Sprintf("dry run: would set a new password for %s: %s; UM_REQUIRE_CHANGE %t -> false, UM_CHANGED_TIME -> now; nothing written", who, how, r.RequireChangeWas)
	default:
		return fmt.Sprintf("password of %s changed: %s", who, how)
	}
}

func describeHash(digest string, salted bool) string {
	switch {
	case digest == "" || digest == PlainText:
		return "stored in clear text (PasswordDigest " + orAbsent(digest) + ")"
	case salted:
		return digest + " with a new random salt"
	default:
		return digest + " without salt"
	}
}

func orAbsent(s string) string {
	if s == "" {
		return "absent"
	}
	return s
}

// Validate checks everything that can be checked without the database:
// the options, the digest and the password policy. Its errors carry
// exitcode.Config (or exitcode.Usage) and never the password.
func (o *Options) Validate() error {
	var p []string
	if o.Host == "" {
		p = append(p, "database host is empty")
	}
	if o.Port < 1 || o.Port > 65535 {
		p = append(p, fmt.Sprintf("database port %d is out of range", o.Port))
	}
	if o.Database == "" {
		p = append(p, "database name is empty")
	}
	if o.User == "" {
		p = append(p, "SQL user is empty")
	}
	if o.AdminUser == "" {
		p = append(p, "admin user name is empty")
	}
	if err := CheckDigest(o.Store.Digest); err != nil {
		p = append(p, err.Error())
	}
	if len(p) > 0 {
		return exitcode.Errorf(exitcode.Config, "check admin-password options: %s", strings.Join(p, "; "))
	}
	v := o.PasswordVar
	if v == "" {
		v = "the new admin password"
	}
	regex := o.Store.PasswordRegex
	if o.SkipPolicy {
		regex = ""
	}
	if err := CheckPassword(o.NewPassword, regex); err != nil {
		msg := fmt.Sprintf("%s %v", v, err)
		if !o.SkipPolicy && o.Store.PasswordRegex != "" && !errors.Is(err, ErrRegexUnsupported) {
			msg += fmt.Sprintf(" (policy from %s; choose another password, or pass --skip-policy if the server's policy differs)", o.Store.Source)
		}
		return exitcode.Wrap(exitcode.Config, errors.New(msg))
	}
	return nil
}

// Run changes the password of Options.AdminUser in Options.TenantID, or with
// DryRun reports what it would change. In one transaction it locks the
// user's rows (SELECT ... FOR UPDATE, Carbon's lookup: UM_USER_NAME=? AND
// UM_TENANT_ID=?), requires exactly one, writes the new hash and salt with
// UM_REQUIRE_CHANGE=false and UM_CHANGED_TIME=now (as Carbon's own
// admin password update does), checks that exactly one row was affected,
// reads the row back, and commits; any failure rolls back.
//
// When the new password already logs in (same hash for the stored salt and
// UM_REQUIRE_CHANGE false) nothing is written unless Force is set, so a
// retried job changes nothing.
//
// Exit codes carried by the error: exitcode.Config (bad options or
// password), exitcode.TempFail (database not reachable within WaitTimeout),
// exitcode.Unavailable (authentication failed, database or UM_USER missing,
// connection lost, permission denied, row locked), exitcode.NoUser (no such
// user), exitcode.DataErr (several rows match, or the row read back differs).
func Run(ctx context.Context, o Options) (Result, error) {
	if err := o.Validate(); err != nil {
		return Result{}, err
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	random := o.Rand
	if random == nil {
		random = rand.Reader
	}
	res := Result{
		Addr: net.JoinHostPort(o.Host, strconv.Itoa(o.Port)), Database: o.Database, TenantID: o.TenantID,
		Digest: o.Store.Digest, Salted: o.Store.Salted, DryRun: o.DryRun,
	}
	if o.Store.Digest == "" || o.Store.Digest == PlainText {
		log.Warn("the user store keeps passwords in clear text", "PasswordDigest", orAbsent(o.Store.Digest), "source", o.Store.Source)
	}

	o.Log = log
	db, err := openDB(o)
	if err != nil {
		return res, err
	}
	defer db.Close()
	conn, err := connect(ctx, db, o, res.Addr, log)
	if err != nil {
		return res, err
	}
	defer conn.Close()
	log.Info("connected to the user-store database", "addr", res.Addr, "database", o.Database, "sql_user", o.User)

	tx, err := conn.BeginTx(ctx, &sql.TxOptions{ReadOnly: o.DryRun})
	if err != nil {
		return res, sqlErr(err, o.Names, "begin transaction on "+o.Database)
	}
	defer tx.Rollback() // no-op after Commit

	q := "SELECT * FROM UM_USER WHERE UM_USER_NAME=? AND UM_TENANT_ID=?"
	if !o.DryRun {
		q += " FOR UPDATE"
	}
	rows, err := readRows(ctx, tx, q, o.AdminUser, o.TenantID)
	if err != nil {
		return res, sqlErr(err, o.Names, "read "+o.Database+".UM_USER")
	}
	switch len(rows) {
	case 0:
		return res, exitcode.Errorf(exitcode.NoUser, "find user %q in tenant %d of %s.UM_USER: no such user%s; nothing written", o.AdminUser, o.TenantID, o.Database, hint("set %s", o.Names.AdminUser))
	case 1:
	default:
		ids := make([]string, len(rows))
		for i, r := range rows {
			ids[i] = r["UM_ID"].String
		}
		return res, exitcode.Errorf(exitcode.DataErr, "find user %q in tenant %d of %s.UM_USER: %d rows match (UM_ID %s); refusing to guess, nothing written", o.AdminUser, o.TenantID, o.Database, len(rows), strings.Join(ids, ", "))
	}
	row := rows[0]
	for _, col := range []string{"UM_ID", "UM_USER_NAME", "UM_USER_PASSWORD", "UM_SALT_VALUE"} {
		if _, ok := row[col]; !ok {
			return res, exitcode.Errorf(exitcode.DataErr, "read %s.UM_USER: column %s is missing: not a Carbon 4.4 user store; nothing written", o.Database, col)
		}
	}
	res.RowID, err = strconv.ParseInt(row["UM_ID"].String, 10, 64)
	if err != nil {
		return res, exitcode.Errorf(exitcode.DataErr, "read %s.UM_USER: UM_ID %q is not a number", o.Database, row["UM_ID"].String)
	}
	res.User = row["UM_USER_NAME"].String
	rc, hasRequireChange := row["UM_REQUIRE_CHANGE"]
	res.RequireChangeWas = hasRequireChange && rc.Valid && rc.String != "0" && !strings.EqualFold(rc.String, "false")
	_, hasChangedTime := row["UM_CHANGED_TIME"]

	// Does the new password already log in? Carbon reads the salt only
	// when StoreSaltedPassword is true.
	effSalt := ""
	if o.Store.Salted {
		effSalt = row["UM_SALT_VALUE"].String
	}
	cur, err := Hash(o.NewPassword, effSalt, o.Store.Digest)
	if err != nil {
		return res, exitcode.Wrap(exitcode.Config, err)
	}
	if cur == row["UM_USER_PASSWORD"].String && !res.RequireChangeWas && !o.Force {
		res.Unchanged = true
		return res, nil
	}
	if o.DryRun {
		return res, nil
	}

	salt := ""
	if o.Store.Salted {
		if salt, err = NewSalt(random); err != nil {
			return res, err
		}
	}
	stored, err := Hash(o.NewPassword, salt, o.Store.Digest)
	if err != nil {
		return res, exitcode.Wrap(exitcode.Config, err)
	}
	set := "UM_USER_PASSWORD=?, UM_SALT_VALUE=?"
	if hasRequireChange {
		set += ", UM_REQUIRE_CHANGE=FALSE"
	}
	if hasChangedTime {
		set += ", UM_CHANGED_TIME=CURRENT_TIMESTAMP"
	}
	r, err := tx.ExecContext(ctx, "UPDATE UM_USER SET "+set+" WHERE UM_ID=? AND UM_TENANT_ID=?", stored, salt, res.RowID, o.TenantID)
	if err != nil {
		return res, sqlErr(err, o.Names, "update "+o.Database+".UM_USER")
	}
	n, err := r.RowsAffected()
	if err != nil {
		return res, sqlErr(err, o.Names, "update "+o.Database+".UM_USER")
	}
	if n != 1 {
		return res, exitcode.Errorf(exitcode.DataErr, "update %s.UM_USER UM_ID %d: %d rows affected, want 1; rolled back", o.Database, res.RowID, n)
	}
	var gotHash, gotSalt sql.NullString
	err = tx.QueryRowContext(ctx, "SELECT UM_USER_PASSWORD, UM_SALT_VALUE FROM UM_USER WHERE UM_ID=? AND UM_TENANT_ID=?", res.RowID, o.TenantID).Scan(&gotHash, &gotSalt)
	if err != nil {
		return res, sqlErr(err, o.Names, "read back "+o.Database+".UM_USER")
	}
	if gotHash.String != stored || gotSalt.String != salt {
		return res, exitcode.Errorf(exitcode.DataErr, "verify %s.UM_USER UM_ID %d: the row read back differs from what was written (column too short?); rolled back", o.Database, res.RowID)
	}
	if err := tx.Commit(); err != nil {
		return res, exitcode.Wrap(exitcode.Unavailable, fmt.Errorf("commit the password change: %w (the outcome is unknown: run the job again)", err))
	}
	res.Written = true
	return res, nil
}

// readRows runs q and returns every row as column name -> text value.
func readRows(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]map[string]sql.NullString, error) {
	rs, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	cols, err := rs.Columns()
	if err != nil {
		return nil, err
	}
	var out []map[string]sql.NullString
	for rs.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			return nil, err
		}
		m := make(map[string]sql.NullString, len(cols))
		for i, c := range cols {
			m[strings.ToUpper(c)] = vals[i]
		}
		out = append(out, m)
	}
	return out, rs.Err()
}

func openDB(o Options) (*sql.DB, error) {
	cfg := mysql.NewConfig()
	cfg.User = o.User
	cfg.Passwd = o.Password
	cfg.Net = "tcp"
	cfg.Addr = net.JoinHostPort(o.Host, strconv.Itoa(o.Port))
	cfg.DBName = o.Database
	cfg.Timeout = 5 * time.Second
	cfg.ReadTimeout = 60 * time.Second
	cfg.WriteTimeout = 60 * time.Second
	// RowsAffected counts matched rows, so the "exactly one row" check
	// holds even if a value happens not to change.
	cfg.ClientFoundRows = true
	cfg.Logger = driverLogger{o.Log}
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, exitcode.Wrap(exitcode.Config, fmt.Errorf("configure database connection: %w", err))
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(1)
	return db, nil
}

// progressEvery is how often connect says what it is still waiting for; a
// variable so that tests can shorten it.
var progressEvery = 5 * time.Second

// connect opens one connection, retrying connection-level errors with
// backoff (100 ms doubling to 2 s) until o.WaitTimeout has passed. Like
// `agent run`'s wait for its dependencies, it logs one line when it starts
// waiting, one line every progressEvery naming what is missing and the last
// error, and a summary once connected; each failed attempt is logged at
// debug level only.
func connect(ctx context.Context, db *sql.DB, o Options, addr string, log *slog.Logger) (*sql.Conn, error) {
	start := time.Now()
	deadline := start.Add(o.WaitTimeout)
	wctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	backoff := 100 * time.Millisecond
	nextProgress := start.Add(progressEvery)
	var last error // the last informative connection error
	for attempt := 1; ; attempt++ {
		conn, err := db.Conn(wctx)
		if err == nil {
			if err = conn.PingContext(wctx); err == nil {
				if attempt > 1 {
					log.Info("user-store database reachable", "addr", addr, "database", o.Database,
						"after", time.Since(start).Round(time.Millisecond).String(), "attempts", attempt)
				}
				return conn, nil
			}
			conn.Close()
		}
		if last == nil || !errors.Is(err, context.DeadlineExceeded) {
			last = err
		}
		if ctx.Err() != nil {
			return nil, exitcode.Wrap(exitcode.Unavailable, fmt.Errorf("connect to %s at %s: %w", o.Database, addr, ctx.Err()))
		}
		if !retryable(err) {
			return nil, sqlErr(err, o.Names, fmt.Sprintf("connect to %s at %s as %s", o.Database, addr, o.User))
		}
		if time.Until(deadline) <= 0 {
			return nil, exitcode.Errorf(exitcode.TempFail, "connect to %s at %s: not reachable within %s%s: %v", o.Database, addr, o.WaitTimeout, hint("%s", o.Names.WaitTimeout), last)
		}
		switch now := time.Now(); {
		case attempt == 1:
			log.Info("waiting for the user-store database", "addr", addr, "database", o.Database,
				"timeout", o.WaitTimeout.String(), "error", err.Error())
		case !now.Before(nextProgress):
			log.Info("still waiting for the user-store database", "missing", addr, "database", o.Database,
				"waited", now.Sub(start).Round(time.Second).String(), "timeout", o.WaitTimeout.String(), "error", last.Error())
			nextProgress = now.Add(progressEvery)
		default:
			log.Debug("database not reachable yet", "addr", addr, "attempt", attempt, "error", err.Error())
		}
		wait := min(backoff, time.Until(deadline))
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, exitcode.Wrap(exitcode.Unavailable, fmt.Errorf("connect to %s at %s: %w", o.Database, addr, ctx.Err()))
		}
		backoff = min(backoff*2, 2*time.Second)
	}
}

// driverLogger passes the MySQL driver's own messages (a connection closed
// during the handshake, a bad idle connection) to the job's logger, at
// warning level, instead of the driver's default raw lines on stderr.
type driverLogger struct{ log *slog.Logger }

func (d driverLogger) Print(v ...any) {
	d.log.Warn("mysql driver: " + strings.TrimSpace(fmt.Sprintln(v...)))
}

// retryable reports whether a connection error may go away by waiting:
// refused, unreachable, DNS failure, reset, a server starting or stopping,
// too many connections, or a per-attempt timeout.
func retryable(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1040, 1053: // too many connections; server shutdown in progress
			return true
		}
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, context.DeadlineExceeded)
}

// sqlErr gives a database error its exit code and a hint. MySQL error
// messages name users and databases, never passwords.
func sqlErr(err error, n InputNames, doing string) error {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1045:
			return exitcode.Wrap(exitcode.Unavailable, fmt.Errorf("%s: authentication failed%s: %w", doing, hint("check %s and %s", n.User, n.Password), err))
		case 1044, 1049:
			return exitcode.Wrap(exitcode.Unavailable, fmt.Errorf("%s: database missing or not accessible%s: %w", doing, hint("check %s", n.Database), err))
		case 1146:
			return exitcode.Wrap(exitcode.Unavailable, fmt.Errorf("%s: table missing%s: %w", doing, hint("is %s the user-store database?", n.Database), err))
		case 1142, 1143:
			return exitcode.Wrap(exitcode.Unavailable, fmt.Errorf("%s: permission denied to the SQL user: %w", doing, err))
		case 1205, 1213:
			return exitcode.Wrap(exitcode.Unavailable, fmt.Errorf("%s: the row is locked by another transaction (stop the servers using this user store and retry): %w", doing, err))
		case 1054:
			return exitcode.Wrap(exitcode.DataErr, fmt.Errorf("%s: unexpected schema: %w", doing, err))
		}
	}
	return exitcode.Wrap(exitcode.Unavailable, fmt.Errorf("%s: %w", doing, err))
}
