package supervise

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wso2-container/agent/agent/exitcode"
)

// The tests run real children (/bin/sh). Only one Reaper may exist at a
// time, and while one runs nothing else in the process may wait for
// children: so these tests are not parallel, and outside tools (id) run
// before a Reaper is created.

func newReaper(t *testing.T) *Reaper {
	t.Helper()
	r := NewReaper(nil)
	t.Cleanup(r.Stop)
	return r
}

// shell returns sh -c script with stdout on a pipe, and a reader of it.
func shell(t *testing.T, script string, args ...string) (*exec.Cmd, *bufio.Reader) {
	t.Helper()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pr.Close(); pw.Close() })
	cmd := exec.Command("/bin/sh", append([]string{"-c", script, "sh"}, args...)...)
	cmd.Stdout = pw
	return cmd, bufio.NewReader(pr)
}

func readLine(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	l, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("read child output: %v", err)
	}
	return strings.TrimSuffix(l, "\n")
}

func TestStatusOfRealChildren(t *testing.T) {
	r := newReaper(t)
	tests := []struct {
		script string
		code   int
		sig    syscall.Signal
		text   string
	}{
		{"exit 0", 0, 0, "exit status 0"},
		{"exit 3", 3, 0, "exit status 3"},
		{"exit 77", 77, 0, "exit status 77"},
		{"kill -TERM $$", 128 + 15, syscall.SIGTERM, "killed by SIGTERM"},
		{"kill -KILL $$", 128 + 9, syscall.SIGKILL, "killed by SIGKILL"},
	}
	for _, tt := range tests {
		t.Run(tt.script, func(t *testing.T) {
			cmd := exec.Command("/bin/sh", "-c", tt.script)
			st, err := r.Run(cmd)
			if err != nil {
				t.Fatal(err)
			}
			if st.PID != cmd.Process.Pid {
				t.Errorf("status of pid %d, want %d", st.PID, cmd.Process.Pid)
			}
			if st.ExitCode() != tt.code || st.Signal() != tt.sig || st.String() != tt.text {
				t.Errorf("ExitCode %d, Signal %v, String %q; want %d, %v, %q", st.ExitCode(), st.Signal(), st.String(), tt.code, tt.sig, tt.text)
			}
		})
	}
}

// Children that exit at once, started from several goroutines: every status
// reaches the channel of its own pid (registration cannot lose the race
// against the reaper).
func TestReaperManyFastChildren(t *testing.T) {
	r := newReaper(t)
	const workers, each = 4, 50
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				want := (w*each + i) % 256
				cmd := exec.Command("/bin/sh", "-c", "exit "+strconv.Itoa(want))
				ch, err := r.Start(cmd)
				if err != nil {
					errs <- err
					return
				}
				select {
				case st := <-ch:
					if st.ExitCode() != want || st.PID != cmd.Process.Pid {
						errs <- fmt.Errorf("pid %d: got pid %d code %d, want code %d", cmd.Process.Pid, st.PID, st.ExitCode(), want)
					}
				case <-time.After(10 * time.Second):
					errs <- fmt.Errorf("pid %d: no status after 10s", cmd.Process.Pid)
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestReaperRejects(t *testing.T) {
	r := newReaper(t)
	var buf bytes.Buffer
	withWriter := exec.Command("/bin/true")
	withWriter.Stdout = &buf
	if _, err := r.Start(withWriter); err == nil || !strings.Contains(err.Error(), "stdout must be nil or an *os.File") {
		t.Errorf("Start with a bytes.Buffer stdout: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := r.Start(exec.CommandContext(ctx, "/bin/true")); err == nil || !strings.Contains(err.Error(), "exec.CommandContext") {
		t.Errorf("Start of a CommandContext: %v", err)
	}
	r.Stop()
	if _, err := r.Start(exec.Command("/bin/true")); err == nil || !strings.Contains(err.Error(), "reaper is stopped") {
		t.Errorf("Start after Stop: %v", err)
	}
}

// A grandchild orphaned by its parent is re-parented to this process (a
// subreaper) and reaped by the Reaper although nobody registered it.
func TestReaperReapsOrphans(t *testing.T) {
	r := newReaper(t)
	cmd, out := shell(t, `sleep 0.2 & echo $!`)
	ch, err := r.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	orphan, _ := strconv.Atoi(readLine(t, out))
	<-ch
	if ppid := statusField(orphan, "PPid"); ppid != strconv.Itoa(os.Getpid()) {
		t.Fatalf("orphan %d has parent %q, want this process %d (subreaper)", orphan, ppid, os.Getpid())
	}
	deadline := time.Now().Add(5 * time.Second)
	for statusField(orphan, "State") != "" {
		if time.Now().After(deadline) {
			t.Fatalf("orphan %d not reaped: state %q", orphan, statusField(orphan, "State"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// statusField returns a field of /proc/pid/status ("" when the process is
// gone).
func statusField(pid int, name string) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, name+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func TestSuperviseContextStopsTheGroup(t *testing.T) {
	r := newReaper(t)
	// The grandchild (sleep) is in the child's group: TERM reaches it too.
	cmd, out := shell(t, `sleep 600 & echo $!; wait`)
	ctx, cancel := context.WithCancel(context.Background())
	var grandchild int
	done := make(chan struct{})
	var code int
	var err error
	go func() {
		defer close(done)
		code, err = Supervise(ctx, r, cmd, Options{StopTimeout: 10 * time.Second, Forward: []os.Signal{}})
	}()
	grandchild, _ = strconv.Atoi(readLine(t, out))
	cancel()
	<-done
	if err != nil {
		t.Fatal(err)
	}
	if code != 128+int(syscall.SIGTERM) {
		t.Errorf("exit code %d, want %d", code, 128+int(syscall.SIGTERM))
	}
	if s := statusField(grandchild, "State"); s != "" {
		t.Errorf("grandchild %d still there after Supervise returned: %s", grandchild, s)
	}
}

func TestSuperviseKillsAfterTheStopTimeout(t *testing.T) {
	r := newReaper(t)
	cmd, out := shell(t, `trap "" TERM; echo ready; exec sleep 600`)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		code, err := Supervise(ctx, r, cmd, Options{StopTimeout: 200 * time.Millisecond, Forward: []os.Signal{}})
		if err != nil {
			t.Error(err)
		}
		done <- code
	}()
	readLine(t, out)
	cancel()
	if code := <-done; code != 128+int(syscall.SIGKILL) {
		t.Errorf("exit code %d, want %d", code, 128+int(syscall.SIGKILL))
	}
}

// When the main child exits on its own, what is left of its group gets TERM
// and Supervise returns the main child's code once the group is empty.
func TestSuperviseStopsLeftoversOfTheGroup(t *testing.T) {
	r := newReaper(t)
	cmd, out := shell(t, `sleep 600 & echo $!; exit 5`)
	done := make(chan int)
	go func() {
		code, err := Supervise(context.Background(), r, cmd, Options{StopTimeout: 10 * time.Second, Forward: []os.Signal{}})
		if err != nil {
			t.Error(err)
		}
		done <- code
	}()
	left, _ := strconv.Atoi(readLine(t, out))
	if code := <-done; code != 5 {
		t.Errorf("exit code %d, want the main child's 5", code)
	}
	if s := statusField(left, "State"); s != "" {
		t.Errorf("group member %d still there: %s", left, s)
	}
}

func TestSuperviseForwardsSignals(t *testing.T) {
	r := newReaper(t)
	cmd, out := shell(t, `trap 'echo USR2' USR2; trap 'echo TERM; exit 0' TERM; echo ready; while :; do sleep 0.01; done`)
	done := make(chan int)
	go func() {
		code, err := Supervise(context.Background(), r, cmd, Options{StopTimeout: 10 * time.Second, Forward: []os.Signal{syscall.SIGUSR2, syscall.SIGTERM}})
		if err != nil {
			t.Error(err)
		}
		done <- code
	}()
	if l := readLine(t, out); l != "ready" {
		t.Fatalf("child: %q", l)
	}
	for _, sig := range []syscall.Signal{syscall.SIGUSR2, syscall.SIGTERM} {
		if err := syscall.Kill(os.Getpid(), sig); err != nil {
			t.Fatal(err)
		}
		if l, want := readLine(t, out), strings.TrimPrefix(SignalName(sig), "SIG"); l != want {
			t.Fatalf("child reported %q, want %q", l, want)
		}
	}
	if code := <-done; code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
}

// A Forwarded value (a signal an Intake has already sent and logged) is
// neither sent nor logged again, but a Forwarded TERM begins the stop: the
// child, which would report a TERM it received, is killed when the stop
// timeout ends and reports nothing.
func TestSuperviseDoesNotResendForwarded(t *testing.T) {
	r := newReaper(t)
	cmd, out := shell(t, `trap 'echo TERM' TERM; echo ready; while :; do sleep 0.01; done`)
	sigc := make(chan os.Signal, 1)
	done := make(chan int)
	var logb bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logb, nil))
	go func() {
		code, err := Supervise(context.Background(), r, cmd, Options{StopTimeout: 300 * time.Millisecond, Signals: sigc, Log: log})
		if err != nil {
			t.Error(err)
		}
		done <- code
	}()
	if l := readLine(t, out); l != "ready" {
		t.Fatalf("child: %q", l)
	}
	sigc <- Forwarded(syscall.SIGTERM)
	if code := <-done; code != 128+int(syscall.SIGKILL) {
		t.Errorf("exit code %d, want %d (killed at the stop timeout)", code, 128+int(syscall.SIGKILL))
	}
	cmd.Stdout.(*os.File).Close() // the child is gone: read to the end
	if l, err := out.ReadString('\n'); err == nil {
		t.Errorf("child received the signal again: %q", l)
	}
	if strings.Contains(logb.String(), "forwarded signal") {
		t.Errorf("Supervise logged the Forwarded signal again:\n%s", logb.String())
	}
}

func TestSignalOf(t *testing.T) {
	for _, tt := range []struct {
		s         os.Signal
		sig       syscall.Signal
		forwarded bool
		ok        bool
	}{
		{syscall.SIGHUP, syscall.SIGHUP, false, true},
		{Forwarded(syscall.SIGTERM), syscall.SIGTERM, true, true},
		{os.Interrupt, syscall.SIGINT, false, true},
		{fakeSignal{}, 0, false, false},
	} {
		sig, fwd, ok := SignalOf(tt.s)
		if sig != tt.sig || fwd != tt.forwarded || ok != tt.ok {
			t.Errorf("SignalOf(%v) = %v, %v, %v; want %v, %v, %v", tt.s, sig, fwd, ok, tt.sig, tt.forwarded, tt.ok)
		}
	}
	if got := Forwarded(syscall.SIGTERM).String(); got != "terminated" {
		t.Errorf("Forwarded(SIGTERM).String() = %q", got)
	}
}

type fakeSignal struct{}

func (fakeSignal) String() string { return "fake" }
func (fakeSignal) Signal()        {}

func TestSuperviseStartErrors(t *testing.T) {
	r := newReaper(t)
	dir := t.TempDir()
	notExec := filepath.Join(dir, "script")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		code int
	}{
		{filepath.Join(dir, "missing"), exitcode.NotFound},
		{notExec, exitcode.NotExec},
		{dir, exitcode.NotExec},
	}
	for _, tt := range tests {
		code, err := Supervise(context.Background(), r, &exec.Cmd{Path: tt.path, Args: []string{tt.path}}, Options{})
		if err == nil || exitcode.Of(err) != tt.code || code != 0 {
			t.Errorf("%s: code %d, err %v (exit code %d), want exit code %d", tt.path, code, err, exitcode.Of(err), tt.code)
		}
		if err != nil && !strings.Contains(err.Error(), tt.path) {
			t.Errorf("error %q does not name the command", err)
		}
	}
}

func TestStopGroup(t *testing.T) {
	r := newReaper(t)
	tests := []struct {
		name, script string
		code         int
	}{
		{"stops on TERM", `echo ready; exec sleep 600`, 128 + int(syscall.SIGTERM)},
		{"killed after the timeout", `trap "" TERM; echo ready; exec sleep 600`, 128 + int(syscall.SIGKILL)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd, out := shell(t, tt.script)
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			ch, err := r.Start(cmd)
			if err != nil {
				t.Fatal(err)
			}
			readLine(t, out)
			st := StopGroup(cmd.Process.Pid, ch, 200*time.Millisecond)
			if st.ExitCode() != tt.code {
				t.Errorf("exit code %d, want %d", st.ExitCode(), tt.code)
			}
			if GroupAlive(cmd.Process.Pid) {
				t.Error("group still alive")
			}
		})
	}
}

func TestCredential(t *testing.T) {
	id := func(args ...string) string {
		out, err := exec.Command("id", args...).Output()
		if err != nil {
			t.Fatalf("id %v: %v", args, err)
		}
		return strings.TrimSpace(string(out))
	}
	for _, name := range []string{"root", "nobody", id("-u", "nobody")} {
		t.Run(name, func(t *testing.T) {
			cred, u, err := Credential(name)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := strconv.Itoa(int(cred.Uid)), id("-u", name); got != want {
				t.Errorf("uid %s, want %s", got, want)
			}
			if got, want := strconv.Itoa(int(cred.Gid)), id("-g", name); got != want {
				t.Errorf("gid %s, want %s", got, want)
			}
			var groups []string
			for _, g := range cred.Groups {
				groups = append(groups, strconv.Itoa(int(g)))
			}
			if got, want := strings.Join(groups, " "), id("-G", name); got != want {
				t.Errorf("groups %q, want %q", got, want)
			}
			if u.Uid != id("-u", name) {
				t.Errorf("user %+v", u)
			}
		})
	}
	if _, _, err := Credential("no-such-user-xyz"); exitcode.Of(err) != exitcode.NoUser || !strings.Contains(err.Error(), `"no-such-user-xyz"`) {
		t.Errorf("unknown user: %v (exit code %d), want exit code %d naming the user", err, exitcode.Of(err), exitcode.NoUser)
	}
}

func TestRaiseNoFileReachesChildren(t *testing.T) {
	_, after, err := RaiseNoFile()
	if err != nil {
		t.Fatal(err)
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if after != lim.Max || lim.Cur != lim.Max {
		t.Fatalf("after %d, limit now %+v: want soft = hard", after, lim)
	}
	r := newReaper(t)
	cmd, out := shell(t, `ulimit -Sn`)
	if _, err := r.Run(cmd); err != nil {
		t.Fatal(err)
	}
	if got := readLine(t, out); got != strconv.FormatUint(after, 10) {
		t.Errorf("child soft RLIMIT_NOFILE %s, want %d", got, after)
	}
}
