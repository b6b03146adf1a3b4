package agent

import (
	"github.com/wso2-container/agent/internal/testnet"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/wso2-container/agent/agent/exitcode"
)

// Tests of `agent run` as a command: environment, user switching, bad input
// and the setup before the start. They run the real binary.

func TestRunSecretsStayOutOfTheServerEnvironment(t *testing.T) {
	const dbPW, adminPW = "db-S3cret-value", "admin-S3cret-value"
	secretFile := filepath.Join(t.TempDir(), "admin")
	if err := os.WriteFile(secretFile, []byte(adminPW+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := baseEnv("WSO2_MYSQL_PASSWORD="+dbPW, "WSO2_ADMIN_PASSWORD_FILE="+secretFile, "JAVA_OPTS=-Dx=1", "JVM_MEM_OPTS=-Xmx64m")
	tests := []struct {
		keep     string
		wantSeen bool
	}{{"", false}, {"false", false}, {"true", true}}
	for _, tt := range tests {
		t.Run("keep="+tt.keep, func(t *testing.T) {
			e := env
			if tt.keep != "" {
				e = append(append([]string(nil), env...), "WSO2_AGENT_KEEP_SECRETS_ENV="+tt.keep)
			}
			code, out, stderr := runAgent(t, true, e, "--", "/usr/bin/env")
			if code != 0 {
				t.Fatalf("exit %d; stderr:\n%s", code, stderr)
			}
			childEnv := "\n" + string(out)
			for _, name := range []string{"WSO2_MYSQL_PASSWORD=" + dbPW, "WSO2_ADMIN_PASSWORD_FILE=" + secretFile} {
				if got := strings.Contains(childEnv, "\n"+name+"\n"); got != tt.wantSeen {
					t.Errorf("%s in the child's environment: %v, want %v", strings.SplitN(name, "=", 2)[0], got, tt.wantSeen)
				}
			}
			for _, kept := range []string{"JAVA_OPTS=-Dx=1", "JVM_MEM_OPTS=-Xmx64m", "WSO2_PROFILE=none"} {
				if !strings.Contains(childEnv, "\n"+kept+"\n") {
					t.Errorf("%s did not reach the child", kept)
				}
			}
			for _, s := range []string{dbPW, adminPW} {
				if strings.Contains(stderr, s) {
					t.Errorf("the agent logged a secret value; stderr:\n%s", stderr)
				}
			}
		})
	}
}

func TestRunSwitchesUser(t *testing.T) {
	buildBinaries(t)
	want, err := exec.Command("id", "nobody").Output()
	if err != nil {
		t.Fatalf("id nobody: %v", err)
	}
	nobodyHome := ""
	if out, err := exec.Command("getent", "passwd", "nobody").Output(); err == nil {
		if f := strings.Split(strings.TrimSpace(string(out)), ":"); len(f) == 7 {
			nobodyHome = f[5]
		}
	}
	rootID, err := exec.Command("id").Output()
	if err != nil {
		t.Fatalf("id: %v", err)
	}
	tests := []struct {
		name     string
		env      []string
		wantID   string
		wantHome string
	}{
		{"nobody", []string{"WSO2_AGENT_USER=nobody"}, string(want), nobodyHome},
		{"root means no switch", []string{"WSO2_AGENT_USER=root", "HOME=/root"}, string(rootID), "/root"},
		{"empty means no switch", []string{"WSO2_AGENT_USER=", "HOME=/root"}, string(rootID), "/root"},
		{"profile none: unset means no switch", []string{"HOME=/root"}, string(rootID), "/root"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := runAgent(t, true, baseEnv(tt.env...), "--", "/bin/sh", "-c", `id; echo "HOME=$HOME"`)
			if code != 0 {
				t.Fatalf("exit %d; stderr:\n%s", code, stderr)
			}
			got := string(out)
			if !strings.HasPrefix(got, tt.wantID) {
				t.Errorf("child identity:\n%s\nwant (from id):\n%s", got, tt.wantID)
			}
			if !strings.Contains(got, "HOME="+tt.wantHome+"\n") {
				t.Errorf("child HOME: %q, want %q", got, tt.wantHome)
			}
		})
	}
}

// closedPort returns a 127.0.0.1 address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestRunBadInput(t *testing.T) {
	buildBinaries(t)
	dir := t.TempDir()
	marker := filepath.Join(dir, "started")
	touch := []string{"/bin/sh", "-c", "touch " + marker}
	notExec := filepath.Join(dir, "notexec")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		env     []string
		args    []string
		code    int
		message string // in the one error line
	}{
		{"unknown profile", []string{"WSO2_PROFILE=nosuch"}, touch, exitcode.Config, `WSO2_PROFILE: unknown profile "nosuch"`},
		{"unknown user", []string{"WSO2_AGENT_USER=nosuchuser"}, touch, exitcode.NoUser, `WSO2_AGENT_USER: look up user "nosuchuser"`},
		{"wait timeout", []string{"WSO2_AGENT_WAIT_FOR=tcp://" + closedPort(t), "WSO2_AGENT_WAIT_TIMEOUT=300ms"}, touch, exitcode.TempFail, "not reachable within 300ms: " + "127.0.0.1:"},
		{"wait timeout names its variables", []string{"WSO2_AGENT_WAIT_FOR=tcp://" + closedPort(t), "WSO2_AGENT_WAIT_TIMEOUT=300ms"}, touch, exitcode.TempFail, "(the addresses of WSO2_AGENT_WAIT_FOR; WSO2_AGENT_WAIT_TIMEOUT sets how long)"},
		{"bad stop timeout", []string{"WSO2_AGENT_STOP_TIMEOUT=soon"}, touch, exitcode.Config, "WSO2_AGENT_STOP_TIMEOUT"},
		{"missing command", nil, []string{"no-such-command-xyz"}, exitcode.NotFound, "no-such-command-xyz not found"},
		{"missing path", nil, []string{filepath.Join(dir, "nope")}, exitcode.NotFound, filepath.Join(dir, "nope") + " not found"},
		{"not executable", nil, []string{notExec}, exitcode.NotExec, notExec + " is not executable"},
		{"directory", nil, []string{dir}, exitcode.NotExec, dir + " is a directory"},
		{"no command (profile none)", nil, nil, exitcode.Usage, "WSO2_PROFILE=none needs a command"},
		{"nothing after --", nil, []string{"--"}, exitcode.Usage, "no command after --"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := runAgent(t, false, baseEnv(tt.env...), tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			errs := errorLines(stderr)
			if len(errs) != 1 || !strings.Contains(unescape(errs[0]), tt.message) {
				t.Fatalf("want one error line containing %q; stderr:\n%s", tt.message, stderr)
			}
			if len(out) != 0 {
				t.Errorf("stdout: %q, want nothing", out)
			}
			if _, err := os.Stat(marker); err == nil {
				t.Fatalf("the command was started")
			}
		})
	}
}

func TestRunWaitsForDependencies(t *testing.T) {
	l := testnet.Accepting(t, "127.0.0.1:0")
	code, out, stderr := runAgent(t, false, baseEnv("WSO2_AGENT_WAIT_FOR=tcp://"+l.Addr().String(), "WSO2_AGENT_WAIT_TIMEOUT=10s"), "--", "/bin/echo", "started")
	if code != 0 || string(out) != "started\n" {
		t.Fatalf("exit %d, stdout %q; stderr:\n%s", code, out, stderr)
	}
	if !strings.Contains(stderr, "dependency ready") {
		t.Errorf("no 'dependency ready' line; stderr:\n%s", stderr)
	}
}

func TestRunTermWhileWaitingStopsBeforeTheStart(t *testing.T) {
	buildBinaries(t)
	marker := filepath.Join(t.TempDir(), "started")
	a := startAgent(t, true, baseEnv("WSO2_AGENT_WAIT_FOR=tcp://"+closedPort(t), "WSO2_AGENT_WAIT_TIMEOUT=60s"), "--", "/bin/sh", "-c", "touch "+marker)
	a.waitLog("waiting for dependencies")
	a.signal(syscall.SIGTERM)
	if code, want := a.wait(), 128+int(syscall.SIGTERM); code != want {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, want, a.stderrText())
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the command was started after TERM")
	}
	if !strings.Contains(a.stderrText(), "stopped before the server started") {
		t.Errorf("stderr:\n%s", a.stderrText())
	}
}

// profileEnv is a working environment for the gateway profile on a fresh
// copy of the API Manager fixture: no waiting, no cluster DNS.
func profileEnv(t *testing.T) (home string, env map[string]string) {
	home = freshHome(t, "gateway")
	env = goldenEnv(t, "gateway", home)
	env["WSO2_AGENT_WAIT_FOR"] = ""
	env["WSO2_CLUSTER_MEMBERS"] = ""
	return home, env
}

func TestRunWithProfile(t *testing.T) {
	buildBinaries(t)
	t.Run("setup then the given command", func(t *testing.T) {
		home, env := profileEnv(t)
		env["WSO2_AGENT_USER"] = "root"
		before := snapshot(t, home)
		code, out, stderr := runArgv(t, envList(env), agentBin, "run", "--", "/bin/echo", "started")
		if code != 0 || string(out) != "started\n" {
			t.Fatalf("exit %d, stdout %q; stderr:\n%s", code, out, stderr)
		}
		if len(diffSnapshots(before, snapshot(t, home))) == 0 {
			t.Fatal("the setup wrote nothing")
		}
	})
	t.Run("created files belong to the server's user, replaced ones keep their owner", func(t *testing.T) {
		home, env := profileEnv(t)
		env["WSO2_AGENT_USER"] = "nobody"
		before := snapshot(t, home)
		code, _, stderr := runArgv(t, envList(env), agentBin, "run", "--", "/bin/true")
		if code != 0 {
			t.Fatalf("exit %d; stderr:\n%s", code, stderr)
		}
		uid := lookupUID(t, "nobody")
		created, replaced := 0, 0
		for p, st := range snapshot(t, home) {
			old, existed := before[p]
			if existed && old.Hash == st.Hash || st.Mode.IsDir() {
				continue
			}
			want := uid // created by the setup
			if existed {
				want = 0 // replaced: kept as the fixture copy had it (root)
				replaced++
			} else {
				created++
			}
			var s syscall.Stat_t
			if err := syscall.Lstat(p, &s); err != nil {
				t.Fatal(err)
			}
			if s.Uid != want {
				t.Errorf("%s (existed before: %v): owner %d, want %d", p, existed, s.Uid, want)
			}
		}
		if created == 0 || replaced == 0 {
			t.Fatalf("the setup created %d and replaced %d files, want some of each", created, replaced)
		}
	})
	tests := []struct {
		name    string
		prepare func(home string, env map[string]string)
		code    int
		message string
	}{
		{"server command missing", func(home string, env map[string]string) {
			env["WSO2_AGENT_USER"] = "root"
			os.Remove(filepath.Join(home, "bin", "wso2server.sh"))
		}, exitcode.NotFound, "wso2server.sh not found"},
		{"server command not executable", func(home string, env map[string]string) {
			env["WSO2_AGENT_USER"] = "root"
			os.Chmod(filepath.Join(home, "bin", "wso2server.sh"), 0o644)
		}, exitcode.NotExec, "wso2server.sh is not executable"},
		{"default user missing: nothing written", func(home string, env map[string]string) {
			if exec.Command("id", "wso2carbon").Run() == nil {
				t.Fatal("this test needs a host without the user wso2carbon")
			}
			delete(env, "WSO2_AGENT_USER") // wso2carbon: not on this host
		}, exitcode.NoUser, `WSO2_AGENT_USER: look up user "wso2carbon"`},
		{"setup failure: nothing started", func(home string, env map[string]string) {
			env["WSO2_AGENT_USER"] = "root"
			env["WSO2_KEYSTORE_PASSWORD"] = "wrong-password"
		}, exitcode.DataErr, "wso2gateway.jks: wrong password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home, env := profileEnv(t)
			tt.prepare(home, env)
			before := snapshot(t, home)
			marker := filepath.Join(t.TempDir(), "started")
			args := []string{"run"}
			if tt.code == exitcode.NoUser || tt.code == exitcode.DataErr {
				args = append(args, "--", "/bin/sh", "-c", "touch "+marker)
			}
			code, _, stderr := runArgv(t, envList(env), append([]string{agentBin}, args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			if errs := errorLines(stderr); len(errs) != 1 || !strings.Contains(unescape(errs[0]), tt.message) {
				t.Fatalf("want an error line containing %q; stderr:\n%s", tt.message, stderr)
			}
			if _, err := os.Stat(marker); err == nil {
				t.Fatal("the command was started")
			}
			if tt.code != exitcode.NotFound && tt.code != exitcode.NotExec {
				if d := diffSnapshots(before, snapshot(t, home)); len(d) != 0 {
					t.Fatalf("files touched:\n%s", strings.Join(d, "\n"))
				}
			}
		})
	}
}

func lookupUID(t *testing.T, name string) uint32 {
	t.Helper()
	out, err := exec.Command("id", "-u", name).Output()
	if err != nil {
		t.Fatalf("id -u %s: %v", name, err)
	}
	var uid uint32
	for _, c := range strings.TrimSpace(string(out)) {
		uid = uid*10 + uint32(c-'0')
	}
	return uid
}

// unescape undoes the text handler's quoting of msg values.
func unescape(l string) string { return strings.ReplaceAll(l, `\"`, `"`) }

// TestRunWaitTimeoutNamesTheDatabaseVariables: with WSO2_AGENT_WAIT_FOR
// unset, a profile waits for its database server; when that does not
// answer in time, the one error line says that it came from the database
// variables and which variables change what is awaited and for how long.
func TestRunWaitTimeoutNamesTheDatabaseVariables(t *testing.T) {
	home := freshHome(t, "gateway")
	env := processEnv(t, "gateway", home)
	host, port, _ := net.SplitHostPort(closedPort(t))
	env["WSO2_MYSQL_SERVER"], env["WSO2_MYSQL_PORT"] = host, port
	env["WSO2_AGENT_USER"] = ""
	env["WSO2_AGENT_WAIT_TIMEOUT"] = "300ms"
	delete(env, "WSO2_AGENT_WAIT_FOR")
	r := runPipe(t, env, "run", "--", "/bin/true")
	if r.Code != exitcode.TempFail {
		t.Fatalf("exit %d, want %d\n%s", r.Code, exitcode.TempFail, r.Stderr)
	}
	errs := errorLines(r.Stderr)
	want := "not reachable within 300ms: " + net.JoinHostPort(host, port)
	hint := "(the profile's database servers, from its database variables; WSO2_AGENT_WAIT_FOR sets what is awaited, WSO2_AGENT_WAIT_TIMEOUT how long)"
	if len(errs) != 1 || !strings.Contains(errs[0], want) || !strings.HasSuffix(errs[0], hint) {
		t.Fatalf("want one error line with %q ending in %q; stderr:\n%s", want, hint, r.Stderr)
	}
}
