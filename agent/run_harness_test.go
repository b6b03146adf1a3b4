package agent

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// agentProc is one `agent run` started as PID 1 of a fresh PID namespace
// (unshare --pid --fork --mount-proc), or directly when pid1 is false.
type agentProc struct {
	t      testing.TB
	cmd    *exec.Cmd
	pid    int // host pid of the agent
	stdout chan string
	stderr chan string

	mu     sync.Mutex
	errBuf bytes.Buffer // the agent's stderr so far

	exited chan struct{}
	code   int
}

// baseEnv is the environment of every agent under test: no variable of the
// test's own environment leaks in.
func baseEnv(extra ...string) []string {
	return append([]string{"PATH=" + os.Getenv("PATH"), "WSO2_PROFILE=none"}, extra...)
}

// startAgent starts `agent run ARGS` with env. With pid1 the agent runs as
// PID 1 of a new PID namespace; its host pid is found as the child of
// unshare.
func startAgent(t testing.TB, pid1 bool, env []string, args ...string) *agentProc {
	t.Helper()
	buildBinaries(t)
	argv := append([]string{agentBin, "run"}, args...)
	if pid1 {
		argv = append([]string{"unshare", "--pid", "--fork", "--mount-proc"}, argv...)
	}
	return startArgv(t, env, argv...)
}

func startArgv(t testing.TB, env []string, argv ...string) *agentProc {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	outR, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	errR, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %v: %v", argv, err)
	}
	a := &agentProc{t: t, cmd: cmd, stdout: make(chan string, 4096), stderr: make(chan string, 4096), exited: make(chan struct{})}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			a.stdout <- sc.Text()
		}
		close(a.stdout)
	}()
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(errR)
		for sc.Scan() {
			a.mu.Lock()
			a.errBuf.WriteString(sc.Text() + "\n")
			a.mu.Unlock()
			select {
			case a.stderr <- sc.Text():
			default:
			}
		}
	}()
	go func() {
		wg.Wait() // all output read before Wait closes the pipes
		err := cmd.Wait()
		a.code = cmd.ProcessState.ExitCode()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			a.code = -1
		}
		close(a.exited)
	}()
	a.pid = cmd.Process.Pid
	if argv[0] == "unshare" {
		a.pid = a.childOf(cmd.Process.Pid)
	}
	t.Cleanup(func() {
		select {
		case <-a.exited:
		default:
			_ = syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
			_ = syscall.Kill(a.pid, syscall.SIGKILL)
			<-a.exited
		}
	})
	return a
}

// childOf returns the only child of pid (unshare's forked agent).
func (a *agentProc) childOf(pid int) int {
	a.t.Helper()
	path := "/proc/" + strconv.Itoa(pid) + "/task/" + strconv.Itoa(pid) + "/children"
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(path)
		if err != nil {
			a.t.Fatalf("find the agent: %v", err)
		}
		if f := strings.Fields(string(b)); len(f) > 0 {
			n, _ := strconv.Atoi(f[0])
			return n
		}
		time.Sleep(time.Millisecond)
	}
	a.t.Fatalf("unshare %d has no child after 10s", pid)
	return 0
}

// stderrText is the agent's stderr so far.
func (a *agentProc) stderrText() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.errBuf.String()
}

// waitLine reads stdout lines until one equals want.
func (a *agentProc) waitLine(want string) {
	a.t.Helper()
	a.waitIn(a.stdout, "stdout", func(l string) bool { return l == want }, want)
}

// waitLines reads stdout lines until each of wants has been seen, in any
// order.
func (a *agentProc) waitLines(wants ...string) {
	a.t.Helper()
	left := map[string]bool{}
	for _, w := range wants {
		left[w] = true
	}
	a.waitIn(a.stdout, "stdout", func(l string) bool {
		delete(left, l)
		return len(left) == 0
	}, strings.Join(wants, " and "))
}

// waitLog reads stderr lines until one contains want.
func (a *agentProc) waitLog(want string) {
	a.t.Helper()
	a.waitIn(a.stderr, "stderr", func(l string) bool { return strings.Contains(l, want) }, want)
}

func (a *agentProc) waitIn(c chan string, name string, ok func(string) bool, want string) {
	a.t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case l, open := <-c:
			if !open {
				a.t.Fatalf("%s closed before %q; stderr:\n%s", name, want, a.stderrText())
			}
			if ok(l) {
				return
			}
		case <-timeout:
			a.t.Fatalf("no %q on %s after 30s; stderr:\n%s", want, name, a.stderrText())
		}
	}
}

func (a *agentProc) signal(sig syscall.Signal) {
	a.t.Helper()
	if err := syscall.Kill(a.pid, sig); err != nil {
		a.t.Fatalf("kill -%d %d: %v", sig, a.pid, err)
	}
}

// wait returns the exit code of the agent (as passed through by unshare).
func (a *agentProc) wait() int {
	a.t.Helper()
	select {
	case <-a.exited:
		return a.code
	case <-time.After(60 * time.Second):
		a.t.Fatalf("agent still running after 60s; stderr:\n%s", a.stderrText())
	}
	return -1
}

// runAgent runs `agent run ARGS` to the end and returns its exit code,
// stdout and stderr.
func runAgent(t testing.TB, pid1 bool, env []string, args ...string) (int, []byte, string) {
	t.Helper()
	buildBinaries(t)
	argv := append([]string{agentBin, "run"}, args...)
	if pid1 {
		argv = append([]string{"unshare", "--pid", "--fork", "--mount-proc"}, argv...)
	}
	return runArgv(t, env, argv...)
}

// runArgv runs argv to the end with env and returns its exit code, stdout
// and stderr.
func runArgv(t testing.TB, env []string, argv ...string) (int, []byte, string) {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("run %v: %v", argv, err)
	}
	return cmd.ProcessState.ExitCode(), out.Bytes(), errb.String()
}
