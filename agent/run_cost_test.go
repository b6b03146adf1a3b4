package agent

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRunAgentMemory reads the agent's resident memory while it supervises
// a sleeping child (as PID 1). The figure is logged; the bound is a sanity
// check only.
func TestRunAgentMemory(t *testing.T) {
	a := startAgent(t, true, baseEnv(), "--", "/bin/sh", "-c", "echo ready; exec sleep 600")
	a.waitLine("ready")
	rss := vmRSS(t, a.pid)
	t.Logf("agent VmRSS while supervising: %d kB", rss)
	if rss > 30*1024 {
		t.Errorf("agent VmRSS %d kB, want < 30 MB", rss)
	}
	a.signal(syscall.SIGTERM)
	if code, want := a.wait(), 128+int(syscall.SIGTERM); code != want {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, want, a.stderrText())
	}
}

// vmRSS returns VmRSS of pid in kB.
func vmRSS(t testing.TB, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// BenchmarkSignalForward measures one forwarded signal end to end: SIGUSR1
// to the agent (PID 1 of its namespace) → forwarded to the child's process
// group → the child acknowledges with one byte on stdout (a pipe to the
// benchmark). It reports the mean (ns/op) and the median, and the agent's
// VmRSS after the run.
func BenchmarkSignalForward(b *testing.B) {
	buildBinaries(b)
	cmd := exec.Command("unshare", "--pid", "--fork", "--mount-proc", agentBin, "run", "--", testprogBin, "ack", strconv.Itoa(int(syscall.SIGUSR1)))
	cmd.Env = baseEnv()
	cmd.Stderr = io.Discard // one log line per forwarded signal
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	r := bufio.NewReader(out)
	if l, err := r.ReadString('\n'); err != nil || l != "ready\n" {
		b.Fatalf("child: %q, %v", l, err)
	}
	a := &agentProc{t: b}
	pid := a.childOf(cmd.Process.Pid)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if err := syscall.Kill(pid, syscall.SIGUSR1); err != nil {
			b.Fatal(err)
		}
		if _, err := r.ReadByte(); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "median-ns")
	b.ReportMetric(float64(vmRSS(b, pid)), "agent-rss-kB")
	_ = syscall.Kill(pid, syscall.SIGTERM)
}
