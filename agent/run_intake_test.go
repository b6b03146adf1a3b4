package agent

import (
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRunMainThreadForwardsSignals (issue 18): once the server has started,
// the agent's main thread (PID 1's thread-group leader) waits in
// rt_sigtimedwait for the forwarded signals, as tini does
// (supervise.Intake); every signal of a long run reaches the server's
// process group exactly once, whichever path it took; and a child started
// after that (a job) still starts with no signal blocked.
func TestRunMainThreadForwardsSignals(t *testing.T) {
	buildBinaries(t) // before testprogBin is read
	a := startAgent(t, true, baseEnv(`WSO2_AGENT_JOB_MASK=* * * * * * grep -E "^SigBlk:" /proc/self/status`),
		"--", testprogBin, "signals")
	a.waitLine("ready child")

	// The main thread's state, read from /proc while it waits.
	task := fmt.Sprintf("/proc/%d/task/%d/", a.pid, a.pid)
	forwarded := uint64(0)
	for _, s := range []syscall.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGTERM} {
		forwarded |= 1 << (s - 1)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		nr, set := mainThreadWait(t, task)
		if nr == syscall.SYS_RT_SIGTIMEDWAIT && set&forwarded == forwarded {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("agent main thread: syscall %d, waiting for %x; want rt_sigtimedwait (%d) for %x", nr, set, syscall.SYS_RT_SIGTIMEDWAIT, forwarded)
		}
		time.Sleep(time.Millisecond)
	}

	// A job started now: its mask is the one the agent gives every child.
	a.waitLog("job=mask | SigBlk:")
	if got := a.stderrText(); !strings.Contains(got, "job=mask | SigBlk:\t0000000000000000") {
		t.Errorf("a job started while the main thread waits has signals blocked:\n%s", got)
	}

	const n = 300
	for i := 0; i < n; i++ {
		sig := []syscall.Signal{syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGHUP}[i%3]
		a.signal(sig)
		a.waitLines("child "+signalNames[sig], "grandchild "+signalNames[sig])
	}
	a.signal(syscall.SIGTERM)
	// The rest of stdout, to its end: no signal arrived twice.
	for l := range a.stdout {
		if l != "child SIGTERM" && l != "grandchild SIGTERM" {
			t.Errorf("unexpected line after the run: %q", l)
		}
	}
	if code := a.wait(); code != 0 {
		t.Fatalf("agent exited %d, want the child's 0; stderr:\n%s", code, a.stderrText())
	}
	if logged := strings.Count(a.stderrText(), `msg="forwarded signal to the process group"`); logged != n+1 {
		t.Errorf("%d signals logged as forwarded, want %d (each once)", logged, n+1)
	}
}

// mainThreadWait returns the system call the thread task is blocked in (-1
// when running) and, for rt_sigtimedwait, the set of signals it waits for
// (read from the agent's memory at the call's first argument).
func mainThreadWait(t *testing.T, task string) (int, uint64) {
	t.Helper()
	b, err := os.ReadFile(task + "syscall")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b))
	nr, err := strconv.Atoi(f[0])
	if err != nil || nr != syscall.SYS_RT_SIGTIMEDWAIT || len(f) < 2 {
		return -1, 0 // "running", or another call
	}
	addr, err := strconv.ParseUint(strings.TrimPrefix(f[1], "0x"), 16, 64)
	if err != nil {
		t.Fatalf("%ssyscall: %q: %v", task, b, err)
	}
	mem, err := os.Open(task + "mem")
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	var set [8]byte
	if _, err := mem.ReadAt(set[:], int64(addr)); err != nil {
		t.Fatalf("read the waited set: %v", err)
	}
	return nr, binary.LittleEndian.Uint64(set[:])
}
