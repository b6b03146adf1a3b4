package depwait

import (
	"context"
	"errors"
	"github.com/wso2-container/agent/internal/testnet"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wso2-container/agent/agent/exitcode"
)

// recorder is a slog handler that keeps every record (debug included) and
// calls on for each.
type recorder struct {
	mu   sync.Mutex
	recs []slog.Record
	on   func(slog.Record)
}

func (h *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (h *recorder) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.recs = append(h.recs, r)
	h.mu.Unlock()
	if h.on != nil {
		h.on(r)
	}
	return nil
}
func (h *recorder) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recorder) WithGroup(string) slog.Handler      { return h }

func attr(r slog.Record, key string) string {
	v := ""
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v = a.Value.String()
			return false
		}
		return true
	})
	return v
}

func (h *recorder) messages(msg string) []slog.Record {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []slog.Record
	for _, r := range h.recs {
		if r.Message == msg {
			out = append(out, r)
		}
	}
	return out
}

// freeAddr returns a 127.0.0.1 address nothing listens on (yet).
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := l.Addr().String()
	l.Close()
	return a
}

func listen(t *testing.T, addr string) net.Listener { return testnet.Accepting(t, addr) }

func TestWaitForALateListener(t *testing.T) {
	ready := listen(t, "127.0.0.1:0").Addr().String()
	late := freeAddr(t)
	failed := make(chan struct{})
	var once sync.Once
	h := &recorder{on: func(r slog.Record) {
		if r.Message == "dependency not ready" && attr(r, "addr") == late {
			once.Do(func() { close(failed) })
		}
	}}
	done := make(chan error, 1)
	go func() { done <- Wait(context.Background(), []string{ready, late}, 20*time.Second, slog.New(h)) }()
	<-failed // the first dial was refused: now the dependency appears
	listen(t, late)
	if err := <-done; err != nil {
		t.Fatalf("Wait: %v", err)
	}
	var readyAddrs []string
	for _, r := range h.messages("dependency ready") {
		readyAddrs = append(readyAddrs, attr(r, "addr"))
	}
	if strings.Join(readyAddrs, ",") != ready+","+late {
		t.Errorf("ready lines for %v, want %s then %s", readyAddrs, ready, late)
	}
}

func TestWaitTimeout(t *testing.T) {
	old := progressEvery
	progressEvery = 50 * time.Millisecond
	defer func() { progressEvery = old }()
	closed := freeAddr(t)
	unknown := "no-such-host.invalid:3306"
	h := &recorder{}
	const timeout = 400 * time.Millisecond
	start := time.Now()
	err := Wait(context.Background(), []string{closed, unknown}, timeout, slog.New(h))
	if elapsed := time.Since(start); elapsed < timeout {
		t.Errorf("gave up after %v, before the timeout %v", elapsed, timeout)
	}
	if exitcode.Of(err) != exitcode.TempFail {
		t.Fatalf("err %v: exit code %d, want %d", err, exitcode.Of(err), exitcode.TempFail)
	}
	for _, want := range []string{closed + " (", unknown + " (", "within 400ms", "connection refused"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	progress := h.messages("still waiting for dependencies")
	if len(progress) == 0 {
		t.Fatal("no progress line")
	}
	if got := attr(progress[0], "missing"); got != closed+","+unknown {
		t.Errorf("progress names %q, want both addresses", got)
	}
	// The progress line says why, as the final error does: a name that does
	// not resolve and a port nothing listens on are different fixes.
	if got := attr(progress[0], "last_errors"); !strings.HasPrefix(got, closed+" (") || !strings.Contains(got, "connection refused") || !strings.Contains(got, unknown+" (") {
		t.Errorf("progress last_errors %q, want each address with its error", got)
	}
}

func TestWaitCancelled(t *testing.T) {
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	h := &recorder{on: func(r slog.Record) {
		if r.Message == "dependency not ready" {
			cancel()
		}
	}}
	err := Wait(ctx, []string{addr}, time.Minute, slog.New(h))
	if !errors.Is(err, context.Canceled) || exitcode.Of(err) == exitcode.TempFail {
		t.Fatalf("err %v, want context.Canceled", err)
	}
}

func TestWaitNothing(t *testing.T) {
	h := &recorder{}
	if err := Wait(context.Background(), nil, 0, slog.New(h)); err != nil {
		t.Fatal(err)
	}
	if len(h.recs) != 0 {
		t.Errorf("logged %d lines for nothing to wait for", len(h.recs))
	}
}

// Addresses that never answer (a firewall dropping SYNs) must not push the
// end of the wait past WSO2_AGENT_WAIT_TIMEOUT: each dial is bounded by the
// wait's deadline. Dialled one after the other, the first used the time up
// to the deadline and each further one got maxDial more (4 such addresses
// and a 3s timeout gave up after 7s). Nor may a round that the backoff
// starts at the deadline itself (the previous round ended just before it)
// dial for maxDial more: the wait is over then.
func TestWaitTimeoutBoundsEveryDial(t *testing.T) {
	const timeout = 200 * time.Millisecond
	tests := []struct {
		name   string
		answer func(ctx context.Context) error // one dial's outcome
		last   string                          // the error named for each address
	}{
		{"no answer (SYNs dropped)", func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }, "context deadline exceeded"},
		// Refused at once: the backoff (an hour here) is cut to the
		// deadline, and the round after it would begin there.
		{"refused, the backoff ending at the deadline", func(context.Context) error { return errors.New("connection refused") }, "connection refused"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			oldDial, oldMax, oldBackoff := dialContext, maxDial, firstBackoff
			maxDial = time.Hour // a dial not bounded by the deadline would be seen at once
			firstBackoff = time.Hour
			defer func() { dialContext, maxDial, firstBackoff = oldDial, oldMax, oldBackoff }()
			var (
				mu    sync.Mutex
				first time.Time // the wait's deadline is at most first+timeout
				late  []string
			)
			dialContext = func(ctx context.Context, addr string) (net.Conn, error) {
				mu.Lock()
				if first.IsZero() {
					first = time.Now()
				}
				dl, ok := ctx.Deadline()
				over := !ok || dl.After(first.Add(timeout))
				if over {
					late = append(late, addr)
				}
				mu.Unlock()
				if over {
					return nil, errors.New("dialled with a deadline past the wait's")
				}
				return nil, tc.answer(ctx)
			}
			addrs := []string{"db1.invalid:3306", "db2.invalid:3306", "db3.invalid:3306"}
			err := Wait(context.Background(), addrs, timeout, nil)
			if exitcode.Of(err) != exitcode.TempFail {
				t.Fatalf("err %v: exit code %d, want %d", err, exitcode.Of(err), exitcode.TempFail)
			}
			if len(late) > 0 {
				t.Errorf("dialled %v with a deadline after the wait's own (timeout %v)", late, timeout)
			}
			for _, a := range addrs {
				if !strings.Contains(err.Error(), a+" ("+tc.last+")") {
					t.Errorf("error %q does not name %s with its last error %q", err, a, tc.last)
				}
			}
		})
	}
}
