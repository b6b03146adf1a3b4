package agent

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/wso2-container/agent/agent/product"
	"github.com/wso2-container/agent/internal/fixtures"
)

// stopSignals are the signals that stop a subcommand: docker stop's TERM
// and Ctrl-C's INT, with their names as the stop line gives them.
var stopSignals = []struct {
	sig  syscall.Signal
	name string
}{{syscall.SIGTERM, "SIGTERM"}, {syscall.SIGINT, "SIGINT"}}

// TestRenderStoppedWhileWaitingForTheLock: a TERM or INT to `agent render`
// as PID 1 (`docker run --rm IMAGE render` through the images' `agent run`
// entrypoint; `docker stop`, Ctrl-C) while it waits for another agent's
// lock ends it at once with 128+N and one line saying so, and nothing is
// written. Before, render did not handle the signal: Go's default action,
// which a namespace's PID 1 cannot carry out, made it exit 2, an
// undocumented code, without a word.
func TestRenderStoppedWhileWaitingForTheLock(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the agent runs as PID 1 of a new PID namespace (unshare --pid)")
	}
	for _, c := range stopSignals {
		t.Run(c.name, func(t *testing.T) {
			home := apim4Home4Health(t, "wso2am-universal-gw-4.5.0", "gateway.sh", "")
			sec := filepath.Join(home, "repository", "resources", "security")
			fxCopy(t, filepath.Join(fixtures.WSO2("wso2am-4.5.0"), "repository", "resources", "security"), sec)
			// Another agent holds the home's lock.
			lock, err := os.OpenFile(filepath.Join(home, ".agent.lock"), os.O_RDWR|os.O_CREATE, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			defer lock.Close()
			if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
				t.Fatal(err)
			}
			before := snapshot(t, home)
			env := []string{"PATH=" + os.Getenv("PATH"), "WSO2_HOME=" + home, "WSO2_HOSTNAME=gw.example.com", "WSO2_AGENT_USER=", "WSO2_AGENT_LOCK_TIMEOUT=10m"}
			a := startAgent(t, true, env, "render")
			a.waitLog("home is busy: waiting for the agent holding its lock")
			a.signal(c.sig)
			if code := a.wait(); code != 128+int(c.sig) {
				t.Errorf("exit %d after %s, want %d; stderr:\n%s", code, c.name, 128+int(c.sig), a.stderrText())
			}
			if s := a.stderrText(); !strings.Contains(s, "agent: render: stopped by "+c.name) {
				t.Errorf("stderr lacks the stop line:\n%s", s)
			}
			if d := diffSnapshots(before, snapshot(t, home)); len(d) > 0 {
				t.Errorf("the home changed although render was stopped before it took the lock:\n%s", strings.Join(d, "\n"))
			}
		})
	}
}

// TestCertsGenerateStopped: a TERM to `agent certs generate` as PID 1 (the
// certificates Job deleted while it generates) ends it with 143 and one
// line saying so, and the folder holds no file: the keys being generated
// are finished, nothing is written. Before, it exited 2 without a word.
func TestCertsGenerateStopped(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the agent runs as PID 1 of a new PID namespace (unshare --pid)")
	}
	out := filepath.Join(t.TempDir(), "certificates")
	// Eight RSA-4096 keys take seconds: the TERM comes while they are made.
	a := startAgent(t, true, []string{"PATH=" + os.Getenv("PATH")}, "certs", "generate", "--out", out, "--key", "rsa4096")
	a.waitLog("generating certificates")
	a.signal(syscall.SIGTERM)
	code := a.wait()
	if code == 0 {
		t.Skip("the generation finished before the TERM arrived")
	}
	if code != 143 {
		t.Errorf("exit %d after SIGTERM, want 143; stderr:\n%s", code, a.stderrText())
	}
	if s := a.stderrText(); !strings.Contains(s, "agent: certs generate: stopped by SIGTERM") {
		t.Errorf("stderr lacks the stop line:\n%s", s)
	}
	if ents, _ := os.ReadDir(out); len(ents) > 0 {
		t.Errorf("%s holds %d entries after the stop, want none", out, len(ents))
	}
}

// TestHealthStoppedWhileProbing: a TERM to `agent health` as PID 1 (`docker
// run IMAGE health` stopped) while its probe waits for a server that
// accepted the connection and never answers ends it at once with 143 and
// one line saying so, not at its --timeout, and not with Go's exit 2.
func TestHealthStoppedWhileProbing(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the agent runs as PID 1 of a new PID namespace (unshare --pid)")
	}
	var l net.Listener
	off := 0
	for o := 21000 + os.Getpid()%9000; o < 40000; o += 137 {
		var err error
		if l, err = net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", product.HTTPSPort+o)); err == nil {
			off = o
			break
		}
	}
	if l == nil {
		t.Fatal("no free port 9443+N")
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := l.Accept(); err == nil {
			accepted <- c // held open, never answered
		}
	}()
	home := apim4Home4Health(t, "wso2am-universal-gw-4.5.0", "gateway.sh", strconv.Itoa(off))
	env := []string{"PATH=" + os.Getenv("PATH"), "WSO2_HOME=" + home}
	a := startAgent(t, true, env, "health", "--timeout", "10m")
	c := <-accepted // the probe is waiting for the TLS handshake
	defer c.Close()
	a.signal(syscall.SIGTERM)
	if code := a.wait(); code != 143 {
		t.Errorf("exit %d after SIGTERM, want 143; stderr:\n%s", code, a.stderrText())
	}
	if s := a.stderrText(); !strings.Contains(s, "unhealthy: stopped by SIGTERM before the probe ended") {
		t.Errorf("stderr lacks the stop line:\n%s", s)
	}
}

// TestAdminPasswordStoppedWhileWaiting: a TERM or INT while admin-password
// waits for its database (a Kubernetes Job deleted, Ctrl-C) ends it with
// 128+N and one line saying so, also as PID 1 through the images' `agent
// run` entrypoint. Before, it did not handle the signal: Go's default
// action, which a namespace's PID 1 cannot carry out, made it exit 2,
// an undocumented code, without a word.
func TestAdminPasswordStoppedWhileWaiting(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the agent runs as PID 1 of a new PID namespace (unshare --pid)")
	}
	_, port, _ := net.SplitHostPort(closedPort(t)) // nothing listens there: the job waits
	env := baseEnv("WSO2_MYSQL_SERVER=127.0.0.1", "WSO2_MYSQL_PORT="+port,
		"WSO2_MYSQL_PASSWORD=Db-S3cret-pw", "WSO2_NEW_ADMIN_PASSWORD=New-Adm1n-pw", "WSO2_AGENT_WAIT_TIMEOUT=10m")
	for _, c := range stopSignals {
		t.Run(c.name, func(t *testing.T) {
			a := startAgent(t, true, env, "admin-password")
			a.waitLog("waiting for the user-store database")
			a.signal(c.sig)
			if code := a.wait(); code != 128+int(c.sig) {
				t.Errorf("exit %d after %s, want %d; stderr:\n%s", code, c.name, 128+int(c.sig), a.stderrText())
			}
			if s := a.stderrText(); !strings.Contains(s, "agent: admin-password: stopped by "+c.name) || strings.Contains(s, "S3cret") || strings.Contains(s, "Adm1n") {
				t.Errorf("stderr lacks the stop line or shows a secret:\n%s", s)
			}
		})
	}
}
