package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/wso2-container/agent/agent/health"
	"github.com/wso2-container/agent/internal/fixtures"
)

// fixturesDir is the bundled WSO2 configuration fixtures' folder.
func fixturesDir(t *testing.T) string {
	t.Helper()
	d := fixtures.WSO2("")
	if _, err := os.Stat(filepath.Join(d, "wso2am-2.0.0", "bin", "wso2server.sh")); err != nil {
		t.Fatalf("WSO2 fixtures: %v (set WSO2_FIXTURES_ROOT to the testdata folder)", err)
	}
	return d
}

func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: install openjdk-17-jdk-headless (scripts/install-deps.sh)", tool)
		}
	}
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// assembleStandIn builds a stand-in product home from the fixtures with
// images/testbase/assemble-product.sh, as the e2e images do.
func assembleStandIn(t *testing.T) string {
	t.Helper()
	home := filepath.Join(t.TempDir(), "wso2am")
	run(t, filepath.Join(repoRoot, "images", "testbase", "assemble-product.sh"),
		filepath.Join(fixturesDir(t), "wso2am-2.0.0"), home)
	return home
}

// replaceOnce replaces old by new in the first block of s between the
// markers start and end, failing when old is not there.
func replaceOnce(t *testing.T, s, start, end, old, new string) string {
	t.Helper()
	i := strings.Index(s, start)
	j := strings.Index(s[i+1:], end)
	if i < 0 || j < 0 {
		t.Fatalf("block %s...%s not found", start, end)
	}
	block := s[i : i+1+j]
	if !strings.Contains(block, old) {
		t.Fatalf("%q not found in %s block", old, start)
	}
	return s[:i] + strings.Replace(block, old, new, 1) + s[i+1+j:]
}

func editFile(t *testing.T, path string, edit func(string) string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(edit(string(b))), 0o644); err != nil {
		t.Fatal(err)
	}
}

// freeOffset returns a carbon.xml Ports/Offset whose 9443+offset is free.
func freeOffset(t *testing.T) int {
	t.Helper()
	for off := 20000 + os.Getpid()%20000; off < 50000; off += 97 {
		l, err := net.Listen("tcp", fmt.Sprintf(":%d", 9443+off))
		if err == nil {
			l.Close()
			return off
		}
	}
	t.Fatal("no free port above 29443")
	return 0
}

// standIn is a running bin/wso2server.sh of a stand-in home.
type standIn struct {
	cmd   *exec.Cmd
	lines chan string
	out   []string
}

// startStandIn runs the home's bin/wso2server.sh in its own process group.
func startStandIn(t *testing.T, home string, javaOpts string, args ...string) *standIn {
	t.Helper()
	java, err := exec.LookPath("java")
	if err != nil {
		t.Fatal("java not found")
	}
	java, _ = filepath.EvalSymlinks(java)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", append([]string{filepath.Join(home, "bin", "wso2server.sh")}, args...)...)
	cmd.Env = append(os.Environ(), "JAVA_HOME="+filepath.Dir(filepath.Dir(java)),
		"JVM_MEM_OPTS=-Xms16m -Xmx64m", "JAVA_OPTS="+javaOpts)
	cmd.Stdout, cmd.Stderr = w, w
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	s := &standIn{cmd: cmd, lines: make(chan string, 1000)}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		close(s.lines)
		r.Close()
	}()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	})
	return s
}

// waitLine reads output until a line matches re (or the output ends).
func (s *standIn) waitLine(t *testing.T, re string, timeout time.Duration) string {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.After(timeout)
	for {
		select {
		case l, ok := <-s.lines:
			if !ok {
				t.Fatalf("stand-in output ended without a line matching %q:\n%s", re, strings.Join(s.out, "\n"))
			}
			s.out = append(s.out, l)
			if rx.MatchString(l) {
				return l
			}
		case <-deadline:
			t.Fatalf("no line matching %q after %v:\n%s", re, timeout, strings.Join(s.out, "\n"))
		}
	}
}

// drain reads the rest of the output and waits for the shell.
func (s *standIn) drain() (*os.ProcessState, []string) {
	for l := range s.lines {
		s.out = append(s.out, l)
	}
	s.cmd.Wait()
	return s.cmd.ProcessState, s.out
}

// newKeystore makes a JKS with one RSA key pair (alias, CN) and returns the
// PEM certificate's path.
func newKeystore(t *testing.T, path, alias, cn, pass string) string {
	t.Helper()
	run(t, "keytool", "-genkeypair", "-alias", alias, "-dname", "CN="+cn, "-keyalg", "RSA", "-keysize", "2048",
		"-validity", "2", "-storetype", "JKS", "-keystore", path, "-storepass", pass, "-keypass", pass)
	pem := path + ".pem"
	run(t, "keytool", "-exportcert", "-rfc", "-alias", alias, "-keystore", path, "-storepass", pass, "-file", pem)
	return pem
}

// pointCarbonAt edits carbon.xml's Security section (keeping ${carbon.home})
// and the HTTPS offset, and points the axis2 member at 127.0.0.2: a loopback
// address that is not this node's localMemberHost, so the stand-in's one peer
// is itself, reached over TLS with the truststore.
func pointCarbonAt(t *testing.T, home, ks, alias, pass, ts string, offset int) {
	t.Helper()
	conf := filepath.Join(home, "repository", "conf")
	editFile(t, filepath.Join(conf, "carbon.xml"), func(s string) string {
		s = replaceOnce(t, s, "<KeyStore>", "</KeyStore>", "${carbon.home}/repository/resources/security/wso2carbon.jks", "${carbon.home}/"+ks)
		s = replaceOnce(t, s, "<KeyStore>", "</KeyStore>", "<Password>wso2carbon</Password>", "<Password>"+pass+"</Password>")
		s = replaceOnce(t, s, "<KeyStore>", "</KeyStore>", "<KeyAlias>wso2carbon</KeyAlias>", "<KeyAlias>"+alias+"</KeyAlias>")
		s = replaceOnce(t, s, "<KeyStore>", "</KeyStore>", "<KeyPassword>wso2carbon</KeyPassword>", "<KeyPassword>"+pass+"</KeyPassword>")
		s = replaceOnce(t, s, "<TrustStore>", "</TrustStore>", "${carbon.home}/repository/resources/security/client-truststore.jks", "${carbon.home}/"+ts)
		return replaceOnce(t, s, "<Ports>", "</Ports>", "<Offset>0</Offset>", fmt.Sprintf("<Offset>%d</Offset>", offset))
	})
	editFile(t, filepath.Join(conf, "axis2", "axis2.xml"), func(s string) string {
		return replaceOnce(t, s, "<members>", "</members>", "<hostName>127.0.0.1</hostName>", "<hostName>127.0.0.2</hostName>")
	})
}

// TestStandInLocal proves the Docker test's observer on a real JVM: started
// by the real wso2server.sh loop (java a child of the shell), it reads the
// keystore and truststore carbon.xml names, completes a TLS handshake with
// its axis2 member using only the truststore, refuses one it does not trust,
// and runs its shutdown hook when the process group gets SIGTERM.
func TestStandInLocal(t *testing.T) {
	needTools(t, "java", "javac", "jar", "keytool")
	home := assembleStandIn(t)
	sec := filepath.Join(home, "repository", "resources", "security")
	cn := fmt.Sprintf("standin-%d.test", os.Getpid())
	pem := newKeystore(t, filepath.Join(sec, "node.jks"), "nodecert", cn, "n0de-pass")
	run(t, "keytool", "-importcert", "-noprompt", "-alias", "nodecert", "-file", pem,
		"-keystore", filepath.Join(sec, "trust.jks"), "-storepass", "tru5t-pass", "-storetype", "JKS")
	// A truststore without the node's certificate (only an unrelated one).
	other := newKeystore(t, filepath.Join(sec, "other.jks"), "othercert", "other.test", "0ther-pass")
	run(t, "keytool", "-importcert", "-noprompt", "-alias", "othercert", "-file", other,
		"-keystore", filepath.Join(sec, "untrusting.jks"), "-storepass", "tru5t-pass", "-storetype", "JKS")
	offset := freeOffset(t)
	port := 9443 + offset
	pointCarbonAt(t, home, "repository/resources/security/node.jks", "nodecert", "n0de-pass",
		"repository/resources/security/trust.jks", offset)
	editFile(t, filepath.Join(home, "repository", "conf", "carbon.xml"), func(s string) string {
		return replaceOnce(t, s, "<TrustStore>", "</TrustStore>", "<Password>wso2carbon</Password>", "<Password>tru5t-pass</Password>")
	})
	logs := filepath.Join(home, "repository", "logs")

	t.Run("trusted peer, graceful stop", func(t *testing.T) {
		s := startStandIn(t, home, "-Dstandin.peerTimeoutSec=60 -Dstandin.shutdownDelayMs=300", "-Dprofile=gateway-worker")
		l := s.waitLine(t, `^STANDIN: peer 127\.0\.0\.2:\d+ `, 60*time.Second)
		want := fmt.Sprintf("STANDIN: peer 127.0.0.2:%d TLS handshake ok, certificate CN=%s, answered HTTP/1.1 200 OK", port, cn)
		if l != want {
			t.Fatalf("peer line\n got %q\nwant %q", l, want)
		}
		peers, _ := os.ReadFile(filepath.Join(logs, "standin-peers"))
		if got, w := string(peers), fmt.Sprintf("ok 127.0.0.2:%d CN=%s\n", port, cn); got != w {
			t.Errorf("standin-peers %q, want %q", got, w)
		}
		started, _ := os.ReadFile(filepath.Join(logs, "standin-started"))
		for _, w := range []string{
			"profile=gateway-worker\n", // the server flag reached the JVM's program arguments
			"keystore=" + filepath.Join(home, "repository/resources/security/node.jks") + "\n", // ${carbon.home} resolved
			"keyAlias=nodecert\n", "subject=CN=" + cn + "\n", "port=" + strconv.Itoa(port) + "\n",
			"truststore=" + filepath.Join(home, "repository/resources/security/trust.jks") + "\n",
			"trustedEntries=1\n", "peers=127.0.0.2\n",
		} {
			if !strings.Contains(string(started), w) {
				t.Errorf("standin-started lacks %q:\n%s", w, started)
			}
		}
		// What `agent health` probes on Carbon 4.4: the handshake and
		// GET /services/Version on 9763+offset.
		hctx, hcancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer hcancel()
		if msg, err := health.Probe(hctx, health.Check{TLSPort: port, Endpoint: "/services/Version", EndpointPort: 9763 + offset}); err != nil ||
			!strings.Contains(msg, "CN="+cn) || !strings.Contains(msg, "/services/Version 200 OK") {
			t.Errorf("health probe: %q %v", msg, err)
		}
		// java runs as a child of the shell loop, not exec'd: its parent is the shell.
		pid, err := os.ReadFile(filepath.Join(home, "wso2carbon.pid"))
		if err != nil {
			t.Fatal(err)
		}
		stat, err := os.ReadFile("/proc/" + strings.TrimSpace(string(pid)) + "/stat")
		if err != nil {
			t.Fatal(err)
		}
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if fields[1] != strconv.Itoa(s.cmd.Process.Pid) {
			t.Errorf("java's parent is %s, want the wso2server.sh shell %d", fields[1], s.cmd.Process.Pid)
		}

		if err := syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		s.waitLine(t, `^STANDIN: shutdown hook: done$`, 30*time.Second)
		st, out := s.drain()
		marker, err := os.ReadFile(filepath.Join(logs, "standin-shutdown"))
		if err != nil || !strings.HasPrefix(string(marker), "graceful shutdown of gateway-worker completed at ") {
			t.Errorf("shutdown marker %q (%v)\n%s", marker, err, strings.Join(out, "\n"))
		}
		t.Logf("wso2server.sh after SIGTERM to its group: %v", st)
	})

	t.Run("untrusted peer", func(t *testing.T) {
		editFile(t, filepath.Join(home, "repository", "conf", "carbon.xml"), func(s string) string {
			return replaceOnce(t, s, "<TrustStore>", "</TrustStore>", "/trust.jks", "/untrusting.jks")
		})
		s := startStandIn(t, home, "-Dstandin.peerTimeoutSec=2", "-Dprofile=gateway-worker")
		l := s.waitLine(t, `^STANDIN: peer 127\.0\.0\.2:\d+ `, 60*time.Second)
		if !strings.Contains(l, "failed: javax.net.ssl.SSLHandshakeException") {
			t.Errorf("peer line %q: want a failed handshake", l)
		}
		peers, _ := os.ReadFile(filepath.Join(logs, "standin-peers"))
		if !strings.HasPrefix(string(peers), fmt.Sprintf("fail 127.0.0.2:%d javax.net.ssl.SSLHandshakeException", port)) {
			t.Errorf("standin-peers %q: want a fail line", peers)
		}
	})

	t.Run("wrong keystore password", func(t *testing.T) {
		editFile(t, filepath.Join(home, "repository", "conf", "carbon.xml"), func(s string) string {
			return replaceOnce(t, s, "<KeyStore>", "</KeyStore>", "<Password>n0de-pass</Password>", "<Password>wrong</Password>")
		})
		s := startStandIn(t, home, "", "-Dprofile=gateway-worker")
		l := s.waitLine(t, `^STANDIN: error: `, 60*time.Second)
		if !strings.Contains(l, "carbon.xml Security/KeyStore: cannot load JKS "+filepath.Join(home, "repository/resources/security/node.jks")) {
			t.Errorf("error line %q", l)
		}
		st, _ := s.drain()
		t.Logf("wso2server.sh after the JVM failed: %v", st)
	})
}

// assembleAPIM4 builds a 4.x stand-in home of kind from the fixtures with
// images/testbase/assemble-apim4.sh, as the e2e images do.
func assembleAPIM4(t *testing.T, fixture, kind string) string {
	t.Helper()
	home := filepath.Join(t.TempDir(), fixture)
	run(t, filepath.Join(repoRoot, "images", "testbase", "assemble-apim4.sh"),
		filepath.Join(fixturesDir(t), fixture), kind, home)
	return home
}

// standInJar is the stand-in's jar inside an assembled home.
func standInJar(home string) string {
	return filepath.Join(home, "bin", "org.wso2.carbon.bootstrap-standin.jar")
}

// TestStandInToml: the stand-in's TOML reader (Toml.java) reads every 4.x
// fixture deployment.toml, and a document with the syntax those files do
// not use, exactly as BurntSushi/toml does.
func TestStandInToml(t *testing.T) {
	needTools(t, "java", "javac", "jar", "keytool")
	home := assembleAPIM4(t, "wso2am-tm-4.5.0", "tm")
	files, _ := filepath.Glob(filepath.Join(fixturesDir(t), "wso2am-*4.*", "repository", "conf", "deployment.toml"))
	if len(files) < 4 {
		t.Fatalf("want the 4.x fixtures' deployment.toml files, found %v", files)
	}
	tricky := filepath.Join(t.TempDir(), "tricky.toml")
	os.WriteFile(tricky, []byte(`# comment
title = "a \"quoted\" \\ \t tab \u00e9 \U0001F600"
lit = 'C:\no\escapes'
multi = """
first line
second \
    joined"""
multilit = '''
raw \n '''
hex = 0xff
oct = 0o17
bin = 0b101
under = 1_000
neg = -42
half = 0.5
yes = true
arr = [ 1, 2,
  3, # comment
]
nested = [["a", 'b'], []]
inline = { x = 1, "y z" = "w", deep.er = false }
"quoted key" = 1
dotted.key.here = "v"
[server]
offset = 3
[a."b.c"]
d = "e"
[[apim.gateway.environment]]
name = "one"
[[apim.gateway.environment]]
name = "two"
[apim.gateway.environment.extra]
k = "after an array of tables"
`), 0o644)
	files = append(files, tricky)
	out := run(t, "java", "-cp", standInJar(home), "org.wso2.carbon.bootstrap.Toml")
	if out != "" {
		t.Fatalf("no files, output %q", out)
	}
	for _, f := range files {
		javaOut, err := exec.Command("java", "-cp", standInJar(home), "org.wso2.carbon.bootstrap.Toml", f).CombinedOutput()
		if err != nil {
			t.Fatalf("Toml.java %s: %v\n%s", f, err, javaOut)
		}
		var doc map[string]any
		if _, err := toml.DecodeFile(f, &doc); err != nil {
			t.Fatalf("BurntSushi/toml %s: %v", f, err)
		}
		want, _ := json.Marshal(doc)
		var got any
		if err := json.Unmarshal(javaOut, &got); err != nil {
			t.Fatalf("Toml.java output for %s is not JSON: %v\n%s", f, err, javaOut)
		}
		gotJSON, _ := json.Marshal(got)
		var wantAny any
		json.Unmarshal(want, &wantAny)
		wantJSON, _ := json.Marshal(wantAny)
		if string(gotJSON) != string(wantJSON) {
			t.Errorf("%s: Toml.java reads\n%s\nBurntSushi/toml reads\n%s", f, gotJSON, wantJSON)
		}
	}
	// Bad TOML is refused with the line.
	bad := filepath.Join(t.TempDir(), "bad.toml")
	os.WriteFile(bad, []byte("[server]\noffset = 1\noffset = 2\n"), 0o644)
	if out, err := exec.Command("java", "-cp", standInJar(home), "org.wso2.carbon.bootstrap.Toml", bad).CombinedOutput(); err == nil ||
		!strings.Contains(string(out), "deployment.toml line 3: key offset is defined twice") {
		t.Errorf("duplicate key: %v\n%s", err, out)
	}
}

// TestStandInAPIM4Local proves the 4.x stand-in on a real JVM: started by
// its pack's script, it reads deployment.toml (offset, [keystore.tls],
// [truststore], $env{} and $ref{} placeholders), serves TLS with the named
// key, answers both health endpoints (probed here by agent/health, as
// `agent health` does), completes a TLS handshake with the key manager URL's
// host using only the truststore, and runs its shutdown hook on SIGTERM.
func TestStandInAPIM4Local(t *testing.T) {
	needTools(t, "java", "javac", "jar", "keytool")
	home := assembleAPIM4(t, "wso2am-universal-gw-4.5.0", "universal-gw")
	sec := filepath.Join(home, "repository", "resources", "security")
	cn := fmt.Sprintf("gw-%d.test", os.Getpid())
	pem := newKeystore(t, filepath.Join(sec, "gw.jks"), "gwkey", cn, "gw-Pass1")
	run(t, "keytool", "-importcert", "-noprompt", "-alias", "gwkey", "-file", pem,
		"-keystore", filepath.Join(sec, "trust.p12"), "-storepass", "tru5t-pass", "-storetype", "PKCS12")
	offset := freeOffset(t)
	port := 9443 + offset
	conf := filepath.Join(home, "repository", "conf", "deployment.toml")
	editFile(t, conf, func(s string) string {
		s = strings.Replace(s, "[server]\n", fmt.Sprintf("[server]\noffset = \"%d\"\n", offset), 1)
		s = replaceOnce(t, s, "[keystore.tls]", "[truststore]", `file_name =  "wso2carbon.jks"`, `file_name =  "gw.jks"`)
		s = replaceOnce(t, s, "[keystore.tls]", "[truststore]", `password =  "wso2carbon"`, `password =  "$env{GW_KS_PASSWORD}"`)
		s = replaceOnce(t, s, "[keystore.tls]", "[truststore]", `alias =  "wso2carbon"`, `alias =  "gwkey"`)
		s = replaceOnce(t, s, "[keystore.tls]", "[truststore]", `key_password =  "wso2carbon"`, `key_password =  "$ref{keystore.tls.password}"`)
		s = replaceOnce(t, s, "[truststore]", "#", `file_name = "client-truststore.jks"`, `file_name = "trust.p12"`)
		s = replaceOnce(t, s, "[truststore]", "#", `password = "wso2carbon"`, `password = "tru5t-pass"`)
		return s + fmt.Sprintf("\n[apim.key_manager]\nservice_url = \"https://127.0.0.2:%d/services/\"\n", port)
	})
	t.Setenv("GW_KS_PASSWORD", "gw-Pass1")
	logs := filepath.Join(home, "repository", "logs")

	s := startScript(t, filepath.Join(home, "bin", "gateway.sh"), "-Dstandin.peerTimeoutSec=60 -Dstandin.shutdownDelayMs=300")
	l := s.waitLine(t, `^STANDIN: peer 127\.0\.0\.2:\d+ `, 60*time.Second)
	if want := fmt.Sprintf("STANDIN: peer 127.0.0.2:%d TLS handshake ok, certificate CN=%s, answered HTTP/1.1 200 OK", port, cn); l != want {
		t.Fatalf("peer line\n got %q\nwant %q", l, want)
	}
	started, _ := os.ReadFile(filepath.Join(logs, "standin-started"))
	for _, w := range []string{"profile=universal-gw\n", "port=" + strconv.Itoa(port) + "\n", "keystore=" + filepath.Join(sec, "gw.jks") + "\n",
		"keyAlias=gwkey\n", "subject=CN=" + cn + "\n", "truststore=" + filepath.Join(sec, "trust.p12") + "\n", "trustedEntries=1\n"} {
		if !strings.Contains(string(started), w) {
			t.Errorf("standin-started lacks %q:\n%s", w, started)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, c := range []health.Check{
		{TLSPort: port, Endpoint: "/api/am/gateway/v2/server-startup-healthcheck", EndpointPort: port, EndpointTLS: true},
		{TLSPort: port, Endpoint: "/services/Version", EndpointPort: 9763 + offset},
	} {
		msg, err := health.Probe(ctx, c)
		if err != nil || !strings.Contains(msg, "CN="+cn) {
			t.Errorf("health probe %+v: %q %v", c, msg, err)
		}
	}
	if _, err := health.Probe(ctx, health.Check{Endpoint: "/nothing", EndpointPort: 9763 + offset}); err == nil {
		t.Error("GET /nothing on the HTTP port answered 2xx: want 404")
	}
	if err := syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	s.waitLine(t, `^STANDIN: shutdown hook: done$`, 30*time.Second)
	st, _ := s.drain()
	// The shell gets the group's SIGTERM too (as the real launchers do);
	// the agent reports either as 143.
	if ws := st.Sys().(syscall.WaitStatus); st.ExitCode() != 143 && !(ws.Signaled() && ws.Signal() == syscall.SIGTERM) {
		t.Errorf("gateway.sh ended with %v after SIGTERM, want SIGTERM or 143", st)
	}
	if marker, err := os.ReadFile(filepath.Join(logs, "standin-shutdown")); err != nil || !strings.HasPrefix(string(marker), "graceful shutdown of universal-gw") {
		t.Errorf("shutdown marker %q %v", marker, err)
	}

	// An unset $env{} is a start failure naming it, as the config mapper's.
	t.Setenv("GW_KS_PASSWORD", "")
	os.Unsetenv("GW_KS_PASSWORD")
	s = startScript(t, filepath.Join(home, "bin", "gateway.sh"), "")
	if l := s.waitLine(t, `^STANDIN: error: `, 60*time.Second); !strings.Contains(l, "$env{GW_KS_PASSWORD} is not defined") {
		t.Errorf("error line %q", l)
	}
}

// startScript runs a start script in its own process group (as startStandIn).
func startScript(t *testing.T, script, javaOpts string) *standIn {
	t.Helper()
	java, err := exec.LookPath("java")
	if err != nil {
		t.Fatal("java not found")
	}
	java, _ = filepath.EvalSymlinks(java)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", script)
	cmd.Env = append(os.Environ(), "JAVA_HOME="+filepath.Dir(filepath.Dir(java)), "JVM_MEM_OPTS=-Xms16m -Xmx64m", "JAVA_OPTS="+javaOpts)
	cmd.Stdout, cmd.Stderr = w, w
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	s := &standIn{cmd: cmd, lines: make(chan string, 1000)}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		close(s.lines)
		r.Close()
	}()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	})
	return s
}
