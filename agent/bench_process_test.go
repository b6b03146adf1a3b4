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
