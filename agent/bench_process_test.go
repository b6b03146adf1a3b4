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

	"golang.org/x/sys/unix"
)

// BenchmarkProcess: `agent render` as a whole process (Go start-up
// included), the way a container start runs it, for the Carbon 4.4
// gateway and analytics profiles and the API Manager 4.5 control plane
// (pattern-3 environment): "first" on a fresh copy of
// the image (every change written and made durable), "restart" on a tree it
// has already configured (nothing to write). Besides the wall time it
// reports the CPU time of the process (user + system, cpu-ms/op, from wait4's
// rusage) and its peak resident memory (maxrss-MB, the largest of the runs).
// "floor" is `agent version`: the start-up and exit of the process alone
// (the Go runtime, package initialisation, the binary's pages), which every
// start pays before and after its work.
//
// The wall and CPU times are those of the agent started directly. The peak
// comes from a second run of the same start (on a second fresh copy for
// "first"), outside the timer, under GNU time (/usr/bin/time -f %M): Go
// starts a child with vfork, so the child's ru_maxrss includes the memory
// of the mm it shared before exec, i.e. this test binary's (15 MB and more),
// whatever the agent used. GNU time forks, and its own mm is small; its CPU
// time, which wait4 adds to the agent's (3–5 ms on a slow machine), is left
// out that way.
func BenchmarkProcess(b *testing.B) {
	bin := buildPipeBin(b)
	gnuTime := "/usr/bin/time"
	if _, err := os.Stat(gnuTime); err != nil {
		b.Fatalf("GNU time is required for the peak RSS (scripts/install-deps.sh installs it): %v", err)
	}
	report := func(b *testing.B, cpu time.Duration, maxrss int64) {
		b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
		b.ReportMetric(float64(maxrss)/1024, "maxrss-MB")
	}
	b.Run("floor", func(b *testing.B) {
		rssFile := filepath.Join(b.TempDir(), "maxrss")
		var cpu time.Duration
		var maxrss int64
		for i := 0; i < b.N; i++ {
			cpu += cpuTime(b, nil, bin, "version")
			b.StopTimer()
			maxrss = max(maxrss, peakRSS(b, gnuTime, rssFile, nil, bin, "version"))
			b.StartTimer()
		}
		report(b, cpu, maxrss)
	})
	// Each setup: fresh gives a fresh copy of its image, env the
	// environment of a start on home.
	type setup struct {
		name  string
		fresh func(b *testing.B) string
		env   func(b *testing.B, home string) []string
	}
	carbon := func(prof string) setup {
		return setup{prof,
			func(b *testing.B) string { return freshHome(b, prof) },
			func(b *testing.B, home string) []string { return envList(processEnv(b, prof, home)) }}
	}
	cp := a4Cases[0] // the 4.5 control plane with the pattern-3 environment
	setups := []setup{carbon("gateway"), carbon("analytics"), {"apim4.5-control-plane",
		func(b *testing.B) string { return a4Layout(b, cp) },
		func(b *testing.B, home string) []string { return envList(a4GoldenEnv(b, cp, home)) }}}
	for _, s := range setups {
		for _, mode := range []string{"first", "restart"} {
			b.Run(s.name+"/"+mode, func(b *testing.B) {
				var cpu time.Duration
				var maxrss int64
				rssFile := filepath.Join(b.TempDir(), "maxrss")
				var home string
				if mode == "restart" {
					home = s.fresh(b)
					cpuTime(b, s.env(b, home), bin, "render")
				}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					peakHome := home
					if mode == "first" {
						b.StopTimer()
						home, peakHome = s.fresh(b), s.fresh(b)
						syscall.Sync() // the image is on disk before the container starts
						b.StartTimer()
					}
					cpu += cpuTime(b, s.env(b, home), bin, "render")
					b.StopTimer()
					maxrss = max(maxrss, peakRSS(b, gnuTime, rssFile, s.env(b, peakHome), bin, "render"))
					b.StartTimer()
				}
				report(b, cpu, maxrss)
			})
		}
	}
}

// cpuTime runs argv with env (nil: this process's) and returns its CPU
// time: user + system, from wait4's rusage.
func cpuTime(b *testing.B, env []string, argv ...string) time.Duration {
	b.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS runs argv under GNU time with env (nil: this process's) and
// returns its peak RSS in KiB (GNU time's %M, written to rssFile).
func peakRSS(b *testing.B, gnuTime, rssFile string, env []string, argv ...string) int64 {
	b.Helper()
	cmd := exec.Command(gnuTime, append([]string{"-f", "%M", "-o", rssFile}, argv...)...)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	kb, err := os.ReadFile(rssFile)
	if err != nil {
		b.Fatal(err)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(kb)), 10, 64)
	if err != nil {
		b.Fatalf("GNU time's %%M: %q: %v", kb, err)
	}
	return n
}

// BenchmarkMachine measures what memory costs a process on this machine,
// to read the other figures by (they follow it more than anything the
// agent does): fresh-page-µs is the first write to a page of a fresh
// anonymous mapping (as a new page of the Go heap), file-page-µs the first
// read of a page of a file mapping whose pages are all in the page cache
// (as the agent binary's own code and data), both per 4 KiB page, over
// 64 MiB (advised against huge pages, so that each page is one fault
// whatever the machine's transparent-huge-page setting) and the agent
// binary (where the kernel maps several pages per fault, its fault-around:
// the figure is the cost of a mapped page, fault included). On an ordinary
// host both are well under a microsecond; on this project's VM the first
// was 1.7 to 14 µs from one session to the next (docs/benchmarks.md).
func BenchmarkMachine(b *testing.B) {
	bin := buildPipeBin(b)
	b.Run("pages", func(b *testing.B) {
		const fresh = 64 << 20
		page := os.Getpagesize()
		f, err := os.Open(bin)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			b.Fatal(err)
		}
		size := int(fi.Size()) &^ (page - 1)
		if _, err := os.ReadFile(bin); err != nil { // in the page cache
			b.Fatal(err)
		}
		var anon, file time.Duration
		var sum byte
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			m, err := syscall.Mmap(-1, 0, fresh, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS)
			if err != nil {
				b.Fatal(err)
			}
			if err := syscall.Madvise(m, unix.MADV_NOHUGEPAGE); err != nil {
				b.Fatal(err)
			}
			t0 := time.Now()
			for off := 0; off < fresh; off += page {
				m[off] = 1
			}
			anon += time.Since(t0)
			if err := syscall.Munmap(m); err != nil {
				b.Fatal(err)
			}
			m, err = syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ, syscall.MAP_PRIVATE)
			if err != nil {
				b.Fatal(err)
			}
			t0 = time.Now()
			for off := 0; off < size; off += page {
				sum += m[off]
			}
			file += time.Since(t0)
			if err := syscall.Munmap(m); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(anon.Nanoseconds())/1000/float64(b.N*fresh/page), "fresh-page-µs")
		b.ReportMetric(float64(file.Nanoseconds())/1000/float64(b.N*size/page), "file-page-µs")
		if sum == 255 {
			b.Log(sum) // keeps the reads
		}
	})
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
