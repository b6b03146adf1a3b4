package agent

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// BenchmarkProcess: `agent render` as a whole process (Go start-up
// included), the way a container start runs it: "first" on a fresh copy of
// the image (every change written and made durable), "restart" on a tree it
// has already configured (nothing to write). Besides the wall time it
// reports the CPU time of the process (user + system, cpu-ms/op) and its
// peak resident memory (maxrss-MB, the largest of the runs), from the
// kernel's accounting of the child (wait4's rusage).
func BenchmarkProcess(b *testing.B) {
	bin := buildPipeBin(b)
	for _, prof := range []string{"gateway", "analytics"} {
		for _, mode := range []string{"first", "restart"} {
			b.Run(prof+"/"+mode, func(b *testing.B) {
				root := b.TempDir()
				fixture := fixtureFor(b, prof)
				var cpu time.Duration
				var maxrss int64
				run := func(home string) {
					cmd := exec.Command(bin, "render")
					cmd.Env = envList(processEnv(b, prof, home))
					if out, err := cmd.CombinedOutput(); err != nil {
						b.Fatalf("agent render: %v\n%s", err, out)
					}
					ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
					cpu += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
					maxrss = max(maxrss, ru.Maxrss)
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
