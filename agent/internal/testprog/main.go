// Command testprog is the child that the supervision tests run under the
// agent. Each mode exercises one PID-1 duty; all report on stdout with one
// write per line, so the tests synchronise on lines instead of sleeping.
//
//	testprog exit N             exit with status N
//	testprog signals            report every forwardable signal, in this process and in a
//	                            grandchild of the same process group; exit 0 on TERM/INT
//	testprog orphans N          let N grandchildren (/bin/true) become orphans, print
//	                            "orphaned N", then wait for TERM
//	testprog ignoreterm         print "ready" and ignore TERM (handled, not SIG_IGN)
//	testprog ack SIG            write one byte to stdout per SIG received; "ready" first
//	testprog dirty-exec CMD...  block and ignore most signals, then exec CMD
//
// It must not know the agent: it imports no package of the module and
// meets the agent only as any server does, through its signals, its
// process group, its parent and its exit status.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"
	"unsafe"
)

var forwardable = []os.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGTERM}

var names = map[os.Signal]string{
	syscall.SIGHUP: "SIGHUP", syscall.SIGINT: "SIGINT", syscall.SIGQUIT: "SIGQUIT",
	syscall.SIGUSR1: "SIGUSR1", syscall.SIGUSR2: "SIGUSR2", syscall.SIGTERM: "SIGTERM",
}

func say(format string, a ...any) {
	// One write per line: atomic on a pipe shared by several processes.
	_, _ = os.Stdout.Write([]byte(fmt.Sprintf(format, a...) + "\n"))
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: testprog MODE [ARGS]")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "exit":
		n, _ := strconv.Atoi(os.Args[2])
		os.Exit(n)
	case "signals":
		signals("child")
	case "signals-grandchild":
		signals("grandchild")
	case "orphans":
		n, _ := strconv.Atoi(os.Args[2])
		orphans(n)
	case "spawn":
		n, _ := strconv.Atoi(os.Args[2])
		for i := 0; i < n; i++ {
			c := exec.Command("/bin/true")
			if err := c.Start(); err != nil {
				fmt.Fprintln(os.Stderr, "spawn:", err)
				os.Exit(1)
			}
		}
		os.Exit(0) // without waiting: the children become orphans
	case "ignoreterm":
		c := make(chan os.Signal, 1)
		signal.Notify(c, syscall.SIGTERM)
		say("ready")
		for range c {
			say("ignored SIGTERM")
		}
	case "ack":
		n, _ := strconv.Atoi(os.Args[2])
		c := make(chan os.Signal, 64)
		signal.Notify(c, syscall.Signal(n))
		term := make(chan os.Signal, 1)
		signal.Notify(term, syscall.SIGTERM)
		say("ready")
		b := []byte{'!'}
		for {
			select {
			case <-c:
				_, _ = os.Stdout.Write(b)
			case <-term:
				os.Exit(0)
			}
		}
	case "dirty-exec":
		dirtyExec(os.Args[2:])
	default:
		fmt.Fprintln(os.Stderr, "testprog: unknown mode", os.Args[1])
		os.Exit(2)
	}
}

// signals reports each forwardable signal as "<who> <SIGNAME>". The child
// starts a grandchild (same process group) and says "ready child" once the
// grandchild is ready too.
func signals(who string) {
	c := make(chan os.Signal, 16)
	signal.Notify(c, forwardable...)
	var gc *exec.Cmd
	if who == "child" {
		gc = exec.Command(os.Args[0], "signals-grandchild")
		gc.Stdout = os.Stdout
		gc.Stderr = os.Stderr
		pr, pw, err := os.Pipe()
		if err != nil {
			panic(err)
		}
		gc.ExtraFiles = []*os.File{pw} // fd 3: the grandchild closes it when ready
		if err := gc.Start(); err != nil {
			panic(err)
		}
		pw.Close()
		var b [1]byte
		_, _ = pr.Read(b[:]) // EOF once the grandchild has subscribed
	} else {
		os.NewFile(3, "ready").Close()
	}
	say("ready %s", who)
	for s := range c {
		say("%s %s", who, names[s])
		if s == syscall.SIGTERM || s == syscall.SIGINT {
			if gc != nil {
				_ = gc.Wait()
			}
			os.Exit(0)
		}
	}
}

func orphans(n int) {
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	sp := exec.Command(os.Args[0], "spawn", strconv.Itoa(n))
	sp.Stderr = os.Stderr
	if err := sp.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "orphans:", err)
		os.Exit(1)
	}
	say("orphaned %d", n)
	<-term
	os.Exit(0)
}

// dirtyExec leaves the signal state a careless parent would: SIGHUP, SIGINT,
// SIGPIPE, SIGUSR1 and SIGTERM ignored, and SIGUSR2, SIGTERM, SIGALRM and
// SIGWINCH blocked, then execs args (the agent under test).
func dirtyExec(args []string) {
	signal.Ignore(syscall.SIGHUP, syscall.SIGINT, syscall.SIGPIPE, syscall.SIGUSR1, syscall.SIGTERM)
	// Signals 32 and 33, which a Go program never handles (the agent must
	// still not pass their SIG_IGN on), and a real-time signal.
	for _, sig := range []int{32, 33, 40} {
		act := [4]uint64{1 /* SIG_IGN */}
		if _, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&act[0])), 0, 8, 0, 0); e != 0 {
			panic(e)
		}
	}
	runtime.LockOSThread()
	var set uint64
	for _, s := range []syscall.Signal{syscall.SIGUSR2, syscall.SIGTERM, syscall.SIGALRM, syscall.SIGWINCH} {
		set |= 1 << (uint(s) - 1)
	}
	if _, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 0 /* SIG_BLOCK */, uintptr(unsafe.Pointer(&set)), 0, 8, 0, 0); e != 0 {
		panic(e)
	}
	path, err := exec.LookPath(args[0])
	if err != nil {
		panic(err)
	}
	panic(syscall.Exec(path, args, os.Environ()))
}
