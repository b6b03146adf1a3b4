// Package mariadbtest starts a throw-away MariaDB server for tests: a fresh
// data directory in a temporary folder (on /dev/shm when available), listening on a free loopback port and
// a Unix socket, root without a password (socket and TCP from 127.0.0.1).
//
// One server per test package is the intended use (start it in TestMain with
// Main), each test creating its own database with NewDatabase. The server
// process gets SIGKILL when the test process dies (Pdeathsig), so it does not
// outlive a panicking test; Close shuts it down cleanly and removes its files.
//
// The binaries are looked up on PATH and then in /usr/sbin and /usr/bin
// (Debian's mariadb-server package: mariadbd in /usr/sbin, mariadb-install-db
// in /usr/bin). A missing binary is an error, never a skip.
//
// It must not know the agent or WSO2's databases: no user-store schema, no
// product's tables; a test creates its database and what it needs in it.
package mariadbtest

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// StartTimeout bounds data-directory initialisation and server start-up.
const StartTimeout = 60 * time.Second

// Server is a running MariaDB server owned by the test process.
type Server struct {
	Host   string // always 127.0.0.1
	Port   int    // the TCP port on Host
	Socket string // the Unix socket path
	Dir    string // the temporary folder holding data, socket and logs

	cmd     *exec.Cmd
	exited  chan struct{} // closed when the process has been waited for
	waitErr error
	logMu   sync.Mutex
	log     strings.Builder // the server's stderr, for failure messages
	closed  atomic.Bool
	dbSeq   atomic.Int64
}

// Addr returns "127.0.0.1:port".
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Log returns what the server wrote to stderr so far.
func (s *Server) Log() string {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return s.log.String()
}

// findBinary looks name up on PATH, then in the Debian locations.
func findBinary(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, d := range []string{"/usr/sbin", "/usr/bin"} {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("find %s: not on PATH nor in /usr/sbin or /usr/bin (install mariadb-server: scripts/install-deps.sh)", name)
}

// Start initialises a data directory in a new temporary folder and starts
// mariadbd on a free loopback port. It returns once the server has logged
// "ready for connections" and answered a ping, or fails within StartTimeout.
func Start() (*Server, error) {
	mariadbd, err := findBinary("mariadbd")
	if err != nil {
		return nil, err
	}
	installDB, err := findBinary("mariadb-install-db")
	if err != nil {
		return nil, err
	}
	base := baseDir()
	sweepStale(base)
	// A short path: the socket path must fit in sun_path (108 bytes).
	dir, err := os.MkdirTemp(base, "mdbt-")
	if err != nil {
		return nil, fmt.Errorf("create temporary folder: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), StartTimeout)
	defer cancel()
	data := filepath.Join(dir, "data")
	install := exec.CommandContext(ctx, installDB, "--no-defaults", "--datadir="+data,
		"--auth-root-authentication-method=normal", "--user=root", "--skip-test-db",
		"--skip-name-resolve")
	install.Dir = dir
	if out, err := install.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initialise data directory with %s: %w\n%s", installDB, err, out)
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		s, err := launch(ctx, mariadbd, dir, port)
		if err == nil {
			return s, nil
		}
		lastErr = err
		if !errors.Is(err, errPortInUse) {
			break
		}
	}
	os.RemoveAll(dir)
	return nil, lastErr
}

var errPortInUse = errors.New("port in use")

// sweepStale removes the folders of servers whose test process was killed
// (SIGKILL leaves no chance to clean up; Pdeathsig still stops the server):
// an mdbt-* folder whose mariadbd.pid names a process that no longer
// exists, or that has no pid file and is more than an hour old.
func sweepStale(base string) {
	dirs, _ := filepath.Glob(filepath.Join(base, "mdbt-*"))
	for _, d := range dirs {
		fi, err := os.Stat(d)
		if err != nil || !fi.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(d, "mariadbd.pid"))
		if err != nil {
			if time.Since(fi.ModTime()) > time.Hour {
				os.RemoveAll(d)
			}
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err == nil && pid > 0 && errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
			os.RemoveAll(d)
		}
	}
}

// baseDir is where server folders are created: /dev/shm when it is a
// writable folder (a memory file system: InnoDB's fsyncs cost nothing, which
// makes loading a schema tens of times faster), else the default temporary
// folder.
func baseDir() string {
	const shm = "/dev/shm"
	if fi, err := os.Stat(shm); err == nil && fi.IsDir() {
		if f, err := os.CreateTemp(shm, "mdbt-probe-"); err == nil {
			f.Close()
			os.Remove(f.Name())
			return shm
		}
	}
	return os.TempDir()
}

// freePort asks the kernel for a free loopback port. Another process may
// take it before mariadbd binds it; Start retries in that case.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func launch(ctx context.Context, mariadbd, dir string, port int) (*Server, error) {
	s := &Server{Host: "127.0.0.1", Port: port, Socket: filepath.Join(dir, "s.sock"), Dir: dir, exited: make(chan struct{})}
	cmd := exec.Command(mariadbd, "--no-defaults",
		"--datadir="+filepath.Join(dir, "data"),
		"--socket="+s.Socket,
		"--port="+strconv.Itoa(port),
		"--bind-address=127.0.0.1",
		"--user=root",
		"--pid-file="+filepath.Join(dir, "mariadbd.pid"),
		"--tmpdir="+dir,
		"--skip-name-resolve",
		"--skip-log-bin",
		"--innodb-buffer-pool-size=32M",
		"--innodb-log-file-size=16M",
		"--innodb-flush-log-at-trx-commit=0",
		"--innodb-doublewrite=0",
		"--max-connections=200",
	)
	cmd.Dir = dir
	// Own process group (killed as a whole by Close) and SIGKILL when the
	// test process dies, so a panicking test leaves no server behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("start mariadbd: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", mariadbd, err)
	}
	s.cmd = cmd
	ready := make(chan struct{})
	go func() {
		// The handshake: mariadbd logs "ready for connections" once it
		// accepts clients. Everything is kept for failure messages.
		sc := bufio.NewScanner(stderr)
		signalled := false
		for sc.Scan() {
			line := sc.Text()
			s.logMu.Lock()
			s.log.WriteString(line + "\n")
			s.logMu.Unlock()
			if !signalled && strings.Contains(line, "ready for connections") {
				signalled = true
				close(ready)
			}
		}
		io.Copy(io.Discard, stderr)
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	select {
	case <-ready:
	case <-s.exited:
		log := s.Log()
		if strings.Contains(log, "Address already in use") || strings.Contains(log, "Can't start server: Bind") {
			return nil, fmt.Errorf("start mariadbd on port %d: %w", port, errPortInUse)
		}
		return nil, fmt.Errorf("start mariadbd: exited before ready (%v)\n%s", s.waitErr, log)
	case <-ctx.Done():
		s.kill()
		return nil, fmt.Errorf("start mariadbd: not ready within %s\n%s", StartTimeout, s.Log())
	}
	db, err := s.Root("")
	if err != nil {
		s.kill()
		return nil, err
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		s.kill()
		return nil, fmt.Errorf("ping mariadbd: %w\n%s", err, s.Log())
	}
	return s, nil
}

// kill sends SIGKILL to the server's process group and waits for it.
func (s *Server) kill() {
	if s.cmd != nil && s.cmd.Process != nil {
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.exited
	}
}

// Close shuts the server down (SIGTERM, then SIGKILL of its process group
// after 15 s) and removes its folder. It is safe to call more than once.
func (s *Server) Close() error {
	if s == nil || !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(15 * time.Second):
		}
		// Whatever is left in the group (nothing, normally) goes too.
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.exited
	}
	return os.RemoveAll(s.Dir)
}

// Root opens a connection pool as root over the Unix socket, on database db
// ("" for none). Multi-statement scripts are allowed.
func (s *Server) Root(db string) (*sql.DB, error) {
	cfg := mysql.NewConfig()
	cfg.User = "root"
	cfg.Net = "unix"
	cfg.Addr = s.Socket
	cfg.DBName = db
	cfg.MultiStatements = true
	cfg.InterpolateParams = true // placeholders in DDL (CREATE USER ... IDENTIFIED BY ?)
	cfg.ParseTime = true
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("configure root connection: %w", err)
	}
	return sql.OpenDB(c), nil
}

// Main starts a server, stores it in *srv, runs the package's tests and
// shuts the server down. Use it from TestMain:
//
//	var srv *mariadbtest.Server
//	func TestMain(m *testing.M) { os.Exit(mariadbtest.Main(m, &srv)) }
//
// A server that cannot start fails the whole package with exit code 1 and
// the reason on stderr.
func Main(m *testing.M, srv **Server) int {
	s, err := Start()
	if err != nil {
		fmt.Fprintf(os.Stderr, "mariadbtest: %v\n", err)
		return 1
	}
	*srv = s
	defer s.Close()
	return m.Run()
}

// NewDatabase creates a database with a unique name derived from prefix and
// drops it when the test ends. It returns the name.
func (s *Server) NewDatabase(t testing.TB, prefix string) string {
	t.Helper()
	name := fmt.Sprintf("%s_%d", sanitize(prefix), s.dbSeq.Add(1))
	s.Exec(t, "", "CREATE DATABASE `"+name+"`")
	t.Cleanup(func() {
		if s.closed.Load() {
			return
		}
		db, err := s.Root("")
		if err != nil {
			return
		}
		defer db.Close()
		db.Exec("DROP DATABASE IF EXISTS `" + name + "`")
	})
	return name
}

// sanitize keeps [A-Za-z0-9_] of a database name prefix, at most 40 bytes.
func sanitize(p string) string {
	var b strings.Builder
	for _, r := range p {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
		if b.Len() >= 40 {
			break
		}
	}
	if b.Len() == 0 {
		return "db"
	}
	return b.String()
}

// Exec runs SQL (one statement or a script of several) as root on database
// db ("" for none) and fails the test on error.
func (s *Server) Exec(t testing.TB, db, query string, args ...any) {
	t.Helper()
	conn, err := s.Root(db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Exec(query, args...); err != nil {
		t.Fatalf("mariadbtest: exec on %q: %v\nquery: %.300s", db, err, query)
	}
}

// CreateUser creates a SQL user that may connect from 127.0.0.1 and from
// localhost with password, granted ALL on database db. Dropped when the test ends.
func (s *Server) CreateUser(t testing.TB, user, password, db string) {
	t.Helper()
	for _, host := range []string{"127.0.0.1", "localhost"} {
		s.Exec(t, "", fmt.Sprintf("CREATE USER '%s'@'%s' IDENTIFIED BY ?", user, host), password)
		s.Exec(t, "", fmt.Sprintf("GRANT ALL PRIVILEGES ON `%s`.* TO '%s'@'%s'", db, user, host))
	}
	t.Cleanup(func() {
		if s.closed.Load() {
			return
		}
		conn, err := s.Root("")
		if err != nil {
			return
		}
		defer conn.Close()
		for _, host := range []string{"127.0.0.1", "localhost"} {
			conn.Exec(fmt.Sprintf("DROP USER IF EXISTS '%s'@'%s'", user, host))
		}
	})
}

// StartT starts a server for one test (and its subtests) and shuts it down
// when the test ends. It fails the test if the server cannot start.
func StartT(t testing.TB) *Server {
	t.Helper()
	s, err := Start()
	if err != nil {
		t.Fatalf("mariadbtest: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Lazy is one server shared by a package's tests, started on first use
// (so that fuzzing and benchmark-only runs start none). Close it at the end
// of TestMain:
//
//	var db mariadbtest.Lazy
//	func TestMain(m *testing.M) { code := m.Run(); db.Close(); os.Exit(code) }
type Lazy struct {
	once sync.Once
	s    *Server
	err  error
}

// Get returns the shared server, starting it on the first call; it fails
// the test if the server cannot start.
func (l *Lazy) Get(t testing.TB) *Server {
	t.Helper()
	l.once.Do(func() { l.s, l.err = Start() })
	if l.err != nil {
		t.Fatalf("mariadbtest: %v", l.err)
	}
	return l.s
}

// Close shuts the server down if it was started.
func (l *Lazy) Close() error {
	l.once.Do(func() {}) // no start after Close
	return l.s.Close()
}

// ExecFile runs the SQL script in file (statements separated by ';', no
// DELIMITER commands) as root on database db.
func (s *Server) ExecFile(t testing.TB, db, file string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("mariadbtest: %v", err)
	}
	s.Exec(t, db, string(b))
}
