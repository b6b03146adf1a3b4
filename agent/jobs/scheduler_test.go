package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wso2-container/agent/agent/supervise"
)

// lines is an io.Writer that keeps every complete line and lets a test wait
// for one: the handshake of the scheduler tests.
type lines struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	all  []string
	cond *sync.Cond
}

func newLines() *lines {
	l := &lines{}
	l.cond = sync.NewCond(&l.mu)
	return l
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	for {
		i := bytes.IndexByte(l.buf.Bytes(), '\n')
		if i < 0 {
			break
		}
		l.all = append(l.all, string(l.buf.Next(i + 1)[:i]))
	}
	l.cond.Broadcast()
	return len(p), nil
}

func (l *lines) snapshot() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.all...)
}

// count returns how many lines contain sub.
func (l *lines) count(sub string) int {
	n := 0
	for _, s := range l.snapshot() {
		if strings.Contains(s, sub) {
			n++
		}
	}
	return n
}

// waitFor blocks until n lines contain sub (or fails after 20s).
func (l *lines) waitFor(t *testing.T, sub string, n int) {
	t.Helper()
	deadline := time.AfterFunc(20*time.Second, func() { l.mu.Lock(); l.cond.Broadcast(); l.mu.Unlock() })
	defer deadline.Stop()
	start := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		c := 0
		for _, s := range l.all {
			if strings.Contains(s, sub) {
				c++
			}
		}
		if c >= n {
			return
		}
		if time.Since(start) > 20*time.Second {
			t.Fatalf("waited 20s for %d lines with %q; have:\n%s", n, sub, strings.Join(l.all, "\n"))
		}
		l.cond.Wait()
	}
}

// harness is a scheduler over a real reaper, logging JSON into log and
// writing job output into out.
type harness struct {
	reaper *supervise.Reaper
	log    *lines
	out    *lines
}

func newHarness(t *testing.T) *harness {
	h := &harness{log: newLines(), out: newLines()}
	h.reaper = supervise.NewReaper(nil)
	t.Cleanup(h.reaper.Stop)
	return h
}

func (h *harness) start(t *testing.T, timeout time.Duration, decls ...string) *Scheduler {
	t.Helper()
	list, errs := FromEnv(decls)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if errs := Resolve(list, []string{"PATH=" + os.Getenv("PATH")}, ""); len(errs) > 0 {
		t.Fatal(errs)
	}
	logger := slog.New(slog.NewJSONHandler(h.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := Start(list, Options{Reaper: h.reaper, Log: logger, Output: h.out, Env: []string{"PATH=" + os.Getenv("PATH")}, StopTimeout: timeout})
	t.Cleanup(s.Stop)
	return s
}

// records returns the JSON log records whose msg is msg.
func (h *harness) records(t *testing.T, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range h.log.snapshot() {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

func TestSchedulerRunsPrefixesAndLogs(t *testing.T) {
	h := newHarness(t)
	s := h.start(t, 5*time.Second,
		`WSO2_AGENT_JOB_HELLO=* * * * * * sh -c 'echo "out $0"; echo err >&2; printf partial; exit 3' arg`)
	h.log.waitFor(t, `"msg":"job failed"`, 2)
	s.Stop()
	out := h.out.snapshot()
	for _, want := range []string{"job=hello | out arg", "job=hello | err", "job=hello | partial"} {
		if n := h.out.count(want); n < 2 {
			t.Errorf("%d output lines %q, want at least 2; output:\n%s", n, want, strings.Join(out, "\n"))
		}
	}
	for _, l := range out {
		if !strings.HasPrefix(l, "job=hello | ") {
			t.Errorf("unprefixed output line %q", l)
		}
	}
	for _, r := range h.records(t, "job failed") {
		if r["job"] != "hello" || r["exit_code"] != float64(3) || r["status"] != "exit status 3" || r["duration"] == "" {
			t.Errorf("run record = %v", r)
		}
	}
	if n := len(h.records(t, "job started")); n < 2 {
		t.Errorf("%d debug records of started runs, want at least 2", n)
	}
	if r := h.records(t, "job scheduled"); len(r) != 1 || r[0]["schedule"] != "* * * * * *" {
		t.Errorf("scheduled records = %v", r)
	}
}

// A run still going when the job is due again is skipped, never doubled.
func TestSchedulerSkipsOverlap(t *testing.T) {
	h := newHarness(t)
	dir := t.TempDir()
	runs, release := filepath.Join(dir, "runs"), filepath.Join(dir, "release")
	s := h.start(t, 5*time.Second,
		`WSO2_AGENT_JOB_SLOW=* * * * * * sh -c 'echo run >> "$0"; while [ ! -e "$1" ]; do sleep 0.02; done' `+runs+` `+release)
	h.log.waitFor(t, `"msg":"job skipped: its previous run is still going"`, 2)
	b, _ := os.ReadFile(runs)
	if n := strings.Count(string(b), "run\n"); n != 1 {
		t.Fatalf("%d runs while the first was still going, want 1", n)
	}
	if err := os.WriteFile(release, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	h.log.waitFor(t, `"msg":"job finished"`, 1)
	s.Stop()
	for _, r := range h.records(t, "job skipped: its previous run is still going") {
		if r["job"] != "slow" || r["level"] != "WARN" || r["running_for"] == "" {
			t.Errorf("skip record = %v", r)
		}
	}
}

// Stop sends TERM to the job's whole process group and waits for it.
func TestSchedulerStopTermsGroup(t *testing.T) {
	h := newHarness(t)
	s := h.start(t, 10*time.Second,
		`WSO2_AGENT_JOB_TREE=* * * * * * sh -c 'sleep 300 & echo "child $!"; wait'`)
	h.out.waitFor(t, "job=tree | child ", 1)
	var child int
	for _, l := range h.out.snapshot() {
		if v, ok := strings.CutPrefix(l, "job=tree | child "); ok {
			child, _ = strconv.Atoi(v)
		}
	}
	s.Stop()
	// The reaper (a subreaper in tests) has collected the grandchild once
	// the group is empty; StopGroup waited for that.
	if err := syscall.Kill(child, 0); err != syscall.ESRCH {
		t.Fatalf("grandchild %d still exists after Stop (kill 0: %v)", child, err)
	}
	r := h.records(t, "job failed")
	if len(r) != 1 || r[0]["status"] != "killed by SIGTERM" || r[0]["exit_code"] != float64(143) {
		t.Fatalf("run records = %v", r)
	}
	if len(h.records(t, "stopping job")) != 1 {
		t.Fatalf("no 'stopping job' record")
	}
}

// A job that ignores TERM is killed after the stop timeout.
func TestSchedulerStopKillsAfterTimeout(t *testing.T) {
	h := newHarness(t)
	s := h.start(t, 300*time.Millisecond,
		`WSO2_AGENT_JOB_STUBBORN=* * * * * * sh -c 'trap "" TERM; echo ready; while :; do sleep 0.05; done'`)
	h.out.waitFor(t, "job=stubborn | ready", 1)
	s.Stop()
	r := h.records(t, "job failed")
	if len(r) != 1 || r[0]["exit_code"] != float64(137) {
		t.Fatalf("run records = %v", r)
	}
}

func TestSchedulerFuncJobAndJSONOutput(t *testing.T) {
	h := newHarness(t)
	calls := make(chan struct{}, 16)
	var ctxSeen context.Context
	var mu sync.Mutex
	fn, err := NewFunc("sync", "WSO2_AGENT_CERT_SYNC", "* * * * * *", func(ctx context.Context, log *slog.Logger) error {
		mu.Lock()
		ctxSeen = ctx
		mu.Unlock()
		log.Info("synced")
		calls <- struct{}{}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cmd, _ := FromEnv([]string{`WSO2_AGENT_JOB_J=* * * * * * echo json line`})
	if errs := Resolve(cmd, []string{"PATH=" + os.Getenv("PATH")}, ""); len(errs) > 0 {
		t.Fatal(errs)
	}
	logger := slog.New(slog.NewJSONHandler(h.log, nil))
	s := Start(append(cmd, fn), Options{Reaper: h.reaper, Log: logger, JSONOutput: true, Env: []string{"PATH=" + os.Getenv("PATH")}, StopTimeout: time.Second})
	<-calls
	h.log.waitFor(t, `"msg":"json line"`, 1)
	s.Stop()
	mu.Lock()
	if ctxSeen.Err() == nil {
		t.Error("built-in job's context not cancelled by Stop")
	}
	mu.Unlock()
	r := h.records(t, "json line")
	if r[0]["job"] != "j" || r[0]["stream"] != "output" {
		t.Errorf("output record = %v", r[0])
	}
	if r := h.records(t, "synced"); len(r) == 0 || r[0]["job"] != "sync" {
		t.Errorf("built-in job's log = %v", r)
	}
}
