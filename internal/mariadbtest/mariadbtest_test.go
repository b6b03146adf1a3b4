package mariadbtest

import (
	"bufio"
	"database/sql"
	"errors"
	"fmt"
	"github.com/wso2-container/agent/internal/fixtures"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

var srv *Server

func TestMain(m *testing.M) {
	if os.Getenv("MARIADBTEST_PANIC_HELPER") == "1" {
		panicHelper()
		return
	}
	os.Exit(Main(m, &srv))
}

// panicHelper starts a server, reports its pid and folder on stdout, then
// panics without any cleanup: the server must die with this process.
func panicHelper() {
	s, err := Start()
	if err != nil {
		fmt.Println("error", err)
		os.Exit(3)
	}
	fmt.Printf("%d %s\n", s.cmd.Process.Pid, s.Dir)
	os.Stdout.Sync()
	panic("test process dies without closing the server")
}

func tcpDB(t *testing.T, user, password, db string) *sql.DB {
	t.Helper()
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName = user, password, "tcp", srv.Addr(), db
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	d := sql.OpenDB(c)
	t.Cleanup(func() { d.Close() })
	return d
}

func TestDatabaseAndUserOverTCP(t *testing.T) {
	db := srv.NewDatabase(t, t.Name())
	srv.CreateUser(t, "u_tcp", "s3cr'et\"pw", db)
	srv.Exec(t, db, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO t VALUES (1,'a'),(2,'b')")

	var n int
	if err := tcpDB(t, "u_tcp", "s3cr'et\"pw", db).QueryRow("SELECT COUNT(*) FROM t").Scan(&n); err != nil {
		t.Fatalf("query over TCP as the created user: %v", err)
	}
	if n != 2 {
		t.Fatalf("rows = %d, want 2", n)
	}

	err := tcpDB(t, "u_tcp", "wrong", db).Ping()
	var me *mysql.MySQLError
	if !errors.As(err, &me) || me.Number != 1045 {
		t.Fatalf("wrong password: got %v, want MySQL error 1045", err)
	}
}

func TestNewDatabaseIsUniqueAndDropped(t *testing.T) {
	var first string
	t.Run("a", func(t *testing.T) { first = srv.NewDatabase(t, "same") })
	second := srv.NewDatabase(t, "same")
	if first == second {
		t.Fatalf("two databases named %q", first)
	}
	root, err := srv.Root("")
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	var name string
	err = root.QueryRow("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME=?", first).Scan(&name)
	if !errors.Is(err, sql.ErrNoRows) {
		t.Fatalf("database %q still exists after its test ended (err=%v)", first, err)
	}
}

func TestCloseStopsServerAndRemovesFolder(t *testing.T) {
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	pid := s.cmd.Process.Pid
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if _, err := os.Stat(s.Dir); !os.IsNotExist(err) {
		t.Fatalf("folder %s still there after Close (stat err=%v)", s.Dir, err)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("mariadbd pid %d still exists after Close (kill 0: %v)", pid, err)
	}
	if !strings.Contains(s.Log(), "Shutdown complete") {
		t.Fatalf("server was not shut down cleanly:\n%s", s.Log())
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
}

func TestServerDiesWithPanickingTestProcess(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "MARIADBTEST_PANIC_HELPER=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = nil
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, rerr := bufio.NewReader(out).ReadString('\n')
	werr := cmd.Wait()
	if rerr != nil {
		t.Fatalf("helper printed no pid (%v); exit: %v", rerr, werr)
	}
	var pid int
	var dir string
	if _, err := fmt.Sscanf(line, "%d %s", &pid, &dir); err != nil {
		t.Fatalf("helper said %q: %v", line, err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if ee, ok := werr.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
		t.Fatalf("helper should have died of its panic (exit 2), got %v", werr)
	}
	// The kernel delivers the death signal asynchronously; the process is
	// our grandchild, reaped by init (or by us if we are the subreaper).
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil || strings.Contains(string(b), ") Z ") {
			return // gone or a zombie: no longer serving
		}
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("mariadbd pid %d survived its test process", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestLazy(t *testing.T) {
	var unused Lazy
	if err := unused.Close(); err != nil {
		t.Fatalf("closing a never-started Lazy: %v", err)
	}
	var l Lazy
	a, b := l.Get(t), l.Get(t)
	if a != b {
		t.Fatal("Get started two servers")
	}
	db := a.NewDatabase(t, "lazy")
	a.ExecFile(t, db, fixtures.Path("wso2-fixtures/wso2am-2.0.0/dbscripts/mysql.sql"))
	root, err := a.Root(db)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	var n int
	if err := root.QueryRow("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA=?", db).Scan(&n); err != nil || n != 39 {
		t.Fatalf("tables after ExecFile of mysql.sql: %d, %v; want its 39", n, err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(a.Dir); !os.IsNotExist(err) {
		t.Fatalf("Lazy.Close left %s", a.Dir)
	}
}
