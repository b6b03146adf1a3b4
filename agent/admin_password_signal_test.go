package agent

import (
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
)

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
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close() // nothing listens there: the job waits
	env := baseEnv("WSO2_MYSQL_SERVER=127.0.0.1", "WSO2_MYSQL_PORT="+port,
		"WSO2_MYSQL_PASSWORD=Db-S3cret-pw", "WSO2_NEW_ADMIN_PASSWORD=New-Adm1n-pw", "WSO2_AGENT_WAIT_TIMEOUT=10m")
	for _, c := range []struct {
		sig  syscall.Signal
		name string
	}{{syscall.SIGTERM, "SIGTERM"}, {syscall.SIGINT, "SIGINT"}} {
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
