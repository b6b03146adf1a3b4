package agent

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkProcess: `agent render` as a whole process (Go start-up
// included), the way a container start runs it: "first" on a fresh copy of
// the image (every change written and made durable), "restart" on a tree it
// has already configured (nothing to write). Besides the wall time it
// reports the CPU time of the process (user + system, cpu-ms/op, from wait4's
// rusage) and its peak resident memory (maxrss-MB, the largest of the runs).
//
// The peak comes from GNU time (/usr/bin/time -f %M), not from wait4: Go
// starts a child with vfork, so the child's ru_maxrss includes the memory
// of the mm it shared before exec, i.e. this test binary's (15 MB and more),
// whatever the agent used. GNU time forks, and its own mm is small. The CPU
// figure includes GNU time's, well under a millisecond.
func BenchmarkProcess(b *testing.B) {
	bin := buildPipeBin(b)
	gnuTime := "/usr/bin/time"
	if _, err := os.Stat(gnuTime); err != nil {
		b.Fatalf("GNU time is required for the peak RSS (scripts/install-deps.sh installs it): %v", err)
	}
	for _, prof := range []string{"gateway", "analytics"} {
		for _, mode := range []string{"first", "restart"} {
			b.Run(prof+"/"+mode, func(b *testing.B) {
				root := b.TempDir()
				fixture := fixtureFor(b, prof)
				var cpu time.Duration
				var maxrss int64
				rssFile := filepath.Join(root, "maxrss")
				run := func(home string) {
					cmd := exec.Command(gnuTime, "-f", "%M", "-o", rssFile, bin, "render")
					cmd.Env = envList(processEnv(b, prof, home))
					if out, err := cmd.CombinedOutput(); err != nil {
						b.Fatalf("agent render: %v\n%s", err, out)
					}
					ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
					cpu += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
					kb, err := os.ReadFile(rssFile)
					if err != nil {
						b.Fatal(err)
					}
					n, err := strconv.ParseInt(strings.TrimSpace(string(kb)), 10, 64)
					if err != nil {
						b.Fatalf("GNU time's %%M: %q: %v", kb, err)
					}
					maxrss = max(maxrss, n)
				}
				home := filepath.Join(root, "configured")
				if mode == "restart" {
					home = freshHome(b, prof)
					run(home)
				}
				cpu, maxrss = 0, 0
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if mode == "first" {
						b.StopTimer()
						home = filepath.Join(root, strconv.Itoa(i))
						fxCopy(b, fixture, home)
						syscall.Sync() // the image is on disk before the container starts
						b.StartTimer()
					}
					run(home)
				}
				b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
				b.ReportMetric(float64(maxrss)/1024, "maxrss-MB")
			})
		}
	}
}

// BenchmarkSupervising: the agent's resident memory while it supervises,
// after the setup of a profile ("none": no setup at all). Each run starts
// `agent run -- sleep` as PID 1 of a new PID namespace on a fresh copy of the
// image, waits for the "server started" line (logged once the setup's heap
// has been handed back) and reads the agent's /proc status: rss-MB is the
// largest VmRSS of the runs, anon-MB and file-MB its anonymous and
// file-backed parts (the binary's own pages are file-backed), and
// hwm-MB the largest peak (VmHWM) up to then, the setup's included.
func BenchmarkSupervising(b *testing.B) {
	buildBinaries(b)
	for _, prof := range []string{"none", "gateway", "analytics"} {
		b.Run(prof, func(b *testing.B) {
			var rss, anon, file, hwm int
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				env := baseEnv()
				if prof != "none" {
					env = envList(processEnv(b, prof, freshHome(b, prof)))
				}
				env = append(env, "WSO2_AGENT_WAIT_FOR=", "WSO2_AGENT_USER=root")
				b.StartTimer()
				a := startArgv(b, env, "unshare", "--pid", "--fork", "--mount-proc", agentBin, "run", "--", "sleep", "600")
				a.waitLog(`msg="server started"`)
				st := procStatus(b, a.pid)
				if st["VmRSS"] > rss {
					rss, anon, file = st["VmRSS"], st["RssAnon"], st["RssFile"]
				}
				hwm = max(hwm, st["VmHWM"])
				a.signal(syscall.SIGTERM)
				if code := a.wait(); code != 128+int(syscall.SIGTERM) {
					b.Fatalf("agent exited %d, want 143; stderr:\n%s", code, a.stderrText())
				}
			}
			b.ReportMetric(float64(rss)/1024, "rss-MB")
			b.ReportMetric(float64(anon)/1024, "anon-MB")
			b.ReportMetric(float64(file)/1024, "file-MB")
			b.ReportMetric(float64(hwm)/1024, "hwm-MB")
		})
	}
}

// procStatus reads the kB figures of /proc/PID/status (VmRSS, RssAnon...).
func procStatus(tb testing.TB, pid int) map[string]int {
	tb.Helper()
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]int{}
	for _, l := range strings.Split(string(raw), "\n") {
		k, v, ok := strings.Cut(l, ":")
		if f := strings.Fields(v); ok && len(f) == 2 && f[1] == "kB" {
			if n, err := strconv.Atoi(f[0]); err == nil {
				out[k] = n
			}
		}
	}
	for _, k := range []string{"VmRSS", "RssAnon", "RssFile", "VmHWM"} {
		if _, ok := out[k]; !ok {
			tb.Fatalf("no %s in /proc/%d/status", k, pid)
		}
	}
	return out
}
