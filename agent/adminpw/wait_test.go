package adminpw

import (
	"context"
	"fmt"
	"github.com/wso2-container/agent/internal/testnet"
	"io"
	"log"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/wso2-container/agent/agent/exitcode"
)

// recordHandler keeps every record at info level and above, and reports
// each message on a channel (the test's handshake with the retry loop).
type recordHandler struct {
	mu   *sync.Mutex
	recs *[]slog.Record
	msgs chan string
}

func (h recordHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }
func (h recordHandler) WithAttrs([]slog.Attr) slog.Handler           { return h }
func (h recordHandler) WithGroup(string) slog.Handler                { return h }
func (h recordHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	*h.recs = append(*h.recs, r)
	h.mu.Unlock()
	select {
	case h.msgs <- r.Message:
	default:
	}
	return nil
}

// proxyTo listens on port and forwards every connection to addr, until the
// test ends.
func proxyTo(t *testing.T, port int, addr string) {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatalf("listen on the job's port: %v", err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", addr)
			if err != nil {
				c.Close()
				return
			}
			wg.Add(2)
			go func() { defer wg.Done(); io.Copy(s, c); s.Close() }()
			go func() { defer wg.Done(); io.Copy(c, s); c.Close() }()
		}
	}()
}

// TestRunWaitIsVisibleNotNoisy: while the database is not up, the job logs
// one line when it starts waiting and then one progress line per
// progressEvery naming the missing address and the last error (not one per
// attempt), and a summary once connected.
func TestRunWaitIsVisibleNotNoisy(t *testing.T) {
	defer func(d time.Duration) { progressEvery = d }(progressEvery)
	progressEvery = 300 * time.Millisecond
	us := newUserStore(t)
	port := closedPort(t)
	o := us.opts("After-Wait-2")
	o.Port = port
	o.WaitTimeout = 60 * time.Second
	var (
		mu   sync.Mutex
		recs []slog.Record
	)
	msgs := make(chan string, 64)
	o.Log = slog.New(recordHandler{&mu, &recs, msgs})
	done := make(chan error, 1)
	go func() {
		_, err := Run(context.Background(), o)
		done <- err
	}()
	progress := 0
	for m := range msgs {
		if strings.HasPrefix(m, "still waiting") {
			if progress++; progress == 2 {
				break
			}
		}
	}
	proxyTo(t, port, us.srv.Addr())
	if err := <-done; err != nil {
		t.Fatalf("after waiting: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	var waiting, still, reachable int
	var last time.Time
	addr := net.JoinHostPort(o.Host, strconv.Itoa(port))
	for _, r := range recs {
		attrs := map[string]string{}
		r.Attrs(func(a slog.Attr) bool { attrs[a.Key] = a.Value.String(); return true })
		switch r.Message {
		case "waiting for the user-store database":
			waiting++
			last = r.Time
			if attrs["addr"] != addr || !strings.Contains(attrs["error"], "connection refused") {
				t.Errorf("the first line does not name the address and the error: %v", attrs)
			}
		case "still waiting for the user-store database":
			still++
			if attrs["missing"] != addr || attrs["database"] != us.db || attrs["error"] == "" || attrs["waited"] == "" {
				t.Errorf("a progress line does not name what is missing and why: %v", attrs)
			}
			if gap := r.Time.Sub(last); gap < progressEvery {
				t.Errorf("progress lines %v apart, want at least %v", gap, progressEvery)
			}
			last = r.Time
		case "user-store database reachable":
			reachable++
			if n, _ := strconv.Atoi(attrs["attempts"]); n < still+2 {
				t.Errorf("summary says %d attempts, fewer than the %d progress lines", n, still)
			}
		case "connected to the user-store database":
		default:
			t.Errorf("unexpected line while waiting: %s %v", r.Message, attrs)
		}
	}
	if waiting != 1 || still < 2 || reachable != 1 {
		t.Fatalf("%d waiting, %d progress and %d summary lines; want 1, at least 2, 1", waiting, still, reachable)
	}
}

// rawDriverLog records what the MySQL driver would print through its
// global (default) logger.
type rawDriverLog struct {
	mu    sync.Mutex
	lines []string
}

func (r *rawDriverLog) Print(v ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, fmt.Sprint(v...))
}

// TestDriverOutputThroughTheLogger: a port that accepts and closes
// connections (a database still starting) makes the MySQL driver complain;
// its messages go through the job's logger, never to the driver's own raw
// stderr logger.
func TestDriverOutputThroughTheLogger(t *testing.T) {
	raw := &rawDriverLog{}
	if err := mysql.SetLogger(raw); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mysql.SetLogger(log.New(os.Stderr, "[mysql] ", log.Ldate|log.Ltime)) })
	l := testnet.Accepting(t, "127.0.0.1:0")
	o := Options{
		Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, User: sqlUser, Password: sqlPassword, Database: "userdb",
		AdminUser: "admin", TenantID: SuperTenantID, NewPassword: "Fresh-Passw0rd", Store: Defaults(),
		WaitTimeout: 500 * time.Millisecond,
	}
	var (
		mu   sync.Mutex
		recs []slog.Record
	)
	o.Log = slog.New(recordHandler{&mu, &recs, make(chan string)})
	_, err := Run(context.Background(), o)
	if exitcode.Of(err) != exitcode.TempFail {
		t.Fatalf("got %v (exit %d), want exit 75", err, exitcode.Of(err))
	}
	mu.Lock()
	defer mu.Unlock()
	driver := 0
	for _, r := range recs {
		if strings.HasPrefix(r.Message, "mysql driver: ") && r.Level == slog.LevelWarn {
			driver++
		}
	}
	if driver == 0 {
		t.Errorf("no driver message reached the job's logger")
	}
	raw.mu.Lock()
	defer raw.mu.Unlock()
	if len(raw.lines) > 0 {
		t.Errorf("the driver printed through its own logger: %q", raw.lines)
	}
}
