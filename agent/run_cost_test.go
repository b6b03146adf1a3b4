package agent

import (
	"bufio"
	"io"
	"os/exec"
	"sort"
	"strconv"
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
	return procStatus(t, pid)["VmRSS"]
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

// signalPeer is a PID 1 (the agent or tini) in its own PID namespace with
// the acknowledging child under it, for BenchmarkSignalForwardVsTini.
type signalPeer struct {
	cmd *exec.Cmd
	out *bufio.Reader
	pid int // the PID 1, as seen from here
}

func startSignalPeer(b *testing.B, init ...string) *signalPeer {
	b.Helper()
	args := append([]string{"--pid", "--fork", "--mount-proc"}, init...)
	args = append(args, testprogBin, "ack", strconv.Itoa(int(syscall.SIGUSR1)))
	cmd := exec.Command("unshare", args...)
	cmd.Env = baseEnv()
	cmd.Stderr = io.Discard
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	p := &signalPeer{cmd: cmd}
	// Killing the namespace's PID 1 ends every process in it, so that
	// nothing holds the output pipes that Wait drains.
	b.Cleanup(func() {
		if p.pid > 0 {
			_ = syscall.Kill(p.pid, syscall.SIGKILL)
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	p.out = bufio.NewReader(out)
	if l, err := p.out.ReadString('\n'); err != nil || l != "ready\n" {
		b.Fatalf("%s: child: %q, %v", init[0], l, err)
	}
	a := &agentProc{t: b}
	p.pid = a.childOf(cmd.Process.Pid)
	return p
}

// roundTrip sends SIGUSR1 to the PID 1 and waits for the child's byte.
func (p *signalPeer) roundTrip(b *testing.B) time.Duration {
	t0 := time.Now()
	if err := syscall.Kill(p.pid, syscall.SIGUSR1); err != nil {
		b.Fatal(err)
	}
	if _, err := p.out.ReadByte(); err != nil {
		b.Fatal(err)
	}
	return time.Since(t0)
}

// BenchmarkSignalForwardVsTini (issue 18): the same forwarded-signal round
// trip as BenchmarkSignalForward, through the agent and through tini -g
// (Debian's tini, which forwards to the child's process group as the agent
// does), alternating one signal each per iteration in the same run, so that
// the machine's load affects both alike. ns/op covers both round trips; it
// reports each median and the ratio agent/tini.
func BenchmarkSignalForwardVsTini(b *testing.B) {
	buildBinaries(b)
	tini, err := exec.LookPath("tini")
	if err != nil {
		b.Fatalf("tini is required for this benchmark (scripts/install-deps.sh installs it): %v", err)
	}
	agent := startSignalPeer(b, agentBin, "run", "--")
	tiniPeer := startSignalPeer(b, tini, "-g", "--")
	la := make([]time.Duration, 0, b.N)
	lt := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%2 == 0 {
			la = append(la, agent.roundTrip(b))
			lt = append(lt, tiniPeer.roundTrip(b))
		} else {
			lt = append(lt, tiniPeer.roundTrip(b))
			la = append(la, agent.roundTrip(b))
		}
	}
	b.StopTimer()
	median := func(l []time.Duration) float64 {
		sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
		return float64(l[len(l)/2].Nanoseconds())
	}
	ma, mt := median(la), median(lt)
	b.ReportMetric(ma, "agent-median-ns")
	b.ReportMetric(mt, "tini-median-ns")
	b.ReportMetric(ma/mt, "agent/tini")
}
