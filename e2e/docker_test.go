//go:build e2e

package e2e

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The Docker end-to-end test (`make e2e`, which builds the images first):
// a certificates job, a gateway manager and two gateways built from
// Dockerfile.base and images/, FROM the local debootstrap test base, run on a
// user-defined network. The product is the Carbon stand-in (see
// standin_test.go), so what is checked is what a JVM makes of the agent's
// output: keystores, truststore, carbon.xml, axis2.xml, process handling.

const (
	home      = "/wso2am"
	stopLimit = 10 * time.Second // docker stop's default grace period
)

// step prints a numbered progress line (visible with -v and in CI logs).
func step(t *testing.T, format string, args ...any) {
	t.Helper()
	t.Logf("e2e: "+format, args...)
}

// docker runs the docker CLI and returns its stdout; on failure the test
// fails with stderr.
func docker(t *testing.T, args ...string) string {
	t.Helper()
	out, err := dockerErr(args...)
	if err != nil {
		t.Fatalf("docker %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func dockerErr(args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("docker", args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%w: %s%s", err, stderr.String(), stdout.String())
	}
	return stdout.String(), nil
}

// poll calls f until it returns true or timeout passes; f's last message
// explains a timeout.
func poll(t *testing.T, what string, timeout time.Duration, f func() (bool, string)) {
	t.Helper()
	pollEvery(t, what, timeout, 250*time.Millisecond, f)
}

type node struct {
	name, image, alias, ip, cert string
}

func TestDocker(t *testing.T) {
	if _, err := dockerErr("info"); err != nil {
		fmt.Println("e2e: SKIPPED: no Docker engine answers")
		t.Skip("no Docker engine answers")
	}
	prefix := os.Getenv("E2E_IMAGE_PREFIX")
	if prefix == "" {
		prefix = "wso2-agent-e2e/"
	}
	for _, img := range []string{"agent-base", "gateway", "gatewaymanager", "certificates"} {
		if _, err := dockerErr("image", "inspect", prefix+img); err != nil {
			t.Fatalf("image %s%s not found: run `make e2e` (it builds the images first)", prefix, img)
		}
	}
	rnd := make([]byte, 3)
	rand.Read(rnd)
	id := hex.EncodeToString(rnd)

	t.Run("agent binary", func(t *testing.T) { checkBinary(t, prefix) })

	// A network with a fixed subnet: the containers keep their addresses
	// across `docker restart`, so a restart has no reason to change a file.
	network := "wso2e2e" + id
	var subnet string
	for i := 0; i < 20; i++ {
		subnet = fmt.Sprintf("172.%d.%d.0/24", 24+int(rnd[0])%7, (int(rnd[1])+i*37)%256)
		if _, err := dockerErr("network", "create", "--subnet", subnet, network); err == nil {
			break
		}
		subnet = ""
	}
	if subnet == "" {
		t.Fatal("docker network create: no free 172.24-30.x.0/24 subnet")
	}
	net := strings.TrimSuffix(subnet, "0/24")
	volume := "wso2e2e-certs-" + id
	nodes := []node{
		{"gatewaymanager-" + id, "gatewaymanager", "gatewaymanager", net + "10", "gatewaymanager"},
		{"gateway1-" + id, "gateway", "gateway", net + "11", "gateway"},
		{"gateway2-" + id, "gateway", "gateway", net + "12", "gateway"},
	}
	gate := "gate-" + id
	t.Cleanup(func() {
		if t.Failed() {
			for _, n := range nodes {
				out, _ := exec.Command("docker", "logs", "--tail", "60", n.name).CombinedOutput()
				t.Logf("--- docker logs %s (last 60 lines)\n%s", n.name, out)
			}
		}
		args := []string{"rm", "-f", "-v", gate}
		for _, n := range nodes {
			args = append(args, n.name)
		}
		exec.Command("docker", args...).Run()
		exec.Command("docker", "network", "rm", network).Run()
		exec.Command("docker", "volume", "rm", "-f", volume).Run()
	})
	step(t, "network %s (%s), volume %s", network, subnet, volume)

	// 1. The certificates job fills the shared volume; a second run keeps it.
	step(t, "certificates job")
	docker(t, "run", "--rm", "-v", volume+":/certificates", prefix+"certificates")
	list := func() string {
		return docker(t, "run", "--rm", "--entrypoint", "/bin/sh", "-v", volume+":/certificates:ro", prefix+"agent-base",
			"-c", "cd /certificates && sha256sum wso2*")
	}
	first := list()
	for _, f := range []string{"wso2gateway.jks", "wso2gateway.pem", "wso2gatewaymanager.jks", "wso2gatewaymanager.pem"} {
		if !strings.Contains(first, "  "+f+"\n") {
			t.Fatalf("certificates volume lacks %s:\n%s", f, first)
		}
	}
	docker(t, "run", "--rm", "-v", volume+":/certificates", prefix+"certificates")
	if again := list(); again != first {
		t.Errorf("a second certificates run changed the volume (B30):\n%s\nthen\n%s", first, again)
	}

	envArgs := []string{
		"-e", "WSO2_DOMAIN=",
		"-e", "WSO2_CLUSTER_MEMBERS=gatewaymanager,gateway",
		"-e", "WSO2_AGENT_WAIT_FOR=", // no MySQL in this test
		"-e", "WSO2_MYSQL_PASSWORD=e2e-db-pw", // required by every Carbon 4.4 profile
		"-e", "JVM_MEM_OPTS=-Xms32m -Xmx128m",
		"-e", "JAVA_OPTS=-Dstandin.peerTimeoutSec=120",
	}

	// 2. render --dry-run prints the plan.
	t.Run("render --dry-run", func(t *testing.T) {
		step(t, "docker run --rm gateway render --dry-run")
		args := append([]string{"run", "--rm", "--network", network, "-v", volume + ":/certificates:ro"}, envArgs...)
		out := docker(t, append(args, prefix+"gateway", "render", "--dry-run")...)
		for _, want := range []string{"repository/conf/axis2/axis2.xml", "repository/conf/carbon.xml", "wso2server.sh", "-Dprofile=gateway-worker"} {
			if !strings.Contains(out, want) {
				t.Errorf("render --dry-run output lacks %q:\n%s", want, out)
			}
		}
	})

	// 3. The cluster. Each agent resolves its members once, at start: a gate
	// (the agent is exec'd once e2e-gate resolves, i.e. once every node
	// runs) makes every node see all the others, as after a swarm converges.
	step(t, "start gatewaymanager and 2 gateways")
	for _, n := range nodes {
		args := []string{"run", "-d", "--name", n.name, "--hostname", n.name, "--network", network, "--ip", n.ip,
			"--network-alias", n.alias, "-v", volume + ":/certificates:ro", "--health-interval", "2s",
			"--entrypoint", "/bin/bash"}
		args = append(args, envArgs...)
		args = append(args, prefix+n.image, "-c",
			`until getent hosts e2e-gate >/dev/null; do sleep 0.2; done; exec /usr/local/bin/agent run "$@"`, "agent")
		docker(t, args...)
	}
	docker(t, "run", "-d", "--name", gate, "--network", network, "--network-alias", "e2e-gate", "--no-healthcheck",
		"--entrypoint", "sleep", prefix+"agent-base", "infinity")

	others := func(self node) []node {
		var out []node
		for _, n := range nodes {
			if n.name != self.name {
				out = append(out, n)
			}
		}
		return out
	}
	waitPeers := func(t *testing.T) {
		for _, n := range nodes {
			want := len(others(n))
			poll(t, n.name+": TLS handshakes with its peers", 120*time.Second, func() (bool, string) {
				out, err := dockerErr("exec", n.name, "cat", home+"/repository/logs/standin-peers")
				lines := strings.Split(strings.TrimSpace(out), "\n")
				return err == nil && len(lines) == want, fmt.Sprintf("standin-peers: %q %v", out, err)
			})
		}
	}
	waitPeers(t)

	for _, n := range nodes {
		n := n
		t.Run("node "+n.image+" "+n.ip, func(t *testing.T) {
			// Every peer answered a TLS handshake, trusted through the
			// truststore the agent filled, with the peer's own certificate.
			peers := docker(t, "exec", n.name, "cat", home+"/repository/logs/standin-peers")
			got := strings.Split(strings.TrimSpace(peers), "\n")
			var want []string
			for _, o := range others(n) {
				want = append(want, fmt.Sprintf("ok %s:9443 CN=%s.wso2", o.ip, o.cert))
			}
			sort.Strings(got)
			sort.Strings(want)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("peer handshakes:\n got %q\nwant %q", got, want)
			}
			// Its own HTTPS key is its component's, named by the patched carbon.xml.
			started := docker(t, "exec", n.name, "cat", home+"/repository/logs/standin-started")
			for _, w := range []string{"subject=CN=" + n.cert + ".wso2\n", "user=wso2carbon\n"} {
				if !strings.Contains(started, w) {
					t.Errorf("standin-started lacks %q:\n%s", w, started)
				}
			}
			profile := map[string]string{"gateway": "gateway-worker", "gatewaymanager": "gateway-manager"}[n.image]
			if !strings.Contains(started, "profile="+profile+"\n") {
				t.Errorf("the JVM did not get -Dprofile=%s:\n%s", profile, started)
			}

			// axis2.xml: the other nodes' addresses, resolved by DNS.
			axis2 := docker(t, "exec", n.name, "cat", home+"/repository/conf/axis2/axis2.xml")
			members := regexp.MustCompile(`(?s)<members>(.*?)</members>`).FindStringSubmatch(axis2)
			if members == nil {
				t.Fatal("axis2.xml has no <members>")
			}
			var hosts, wantHosts []string
			for _, m := range regexp.MustCompile(`<hostName>([^<]*)</hostName>`).FindAllStringSubmatch(members[1], -1) {
				hosts = append(hosts, m[1])
			}
			for _, o := range others(n) {
				wantHosts = append(wantHosts, inspectIP(t, o.name, network))
			}
			sort.Strings(hosts)
			sort.Strings(wantHosts)
			if strings.Join(hosts, ",") != strings.Join(wantHosts, ",") {
				t.Errorf("axis2.xml members %v, want the other nodes %v", hosts, wantHosts)
			}
			for _, w := range []string{
				`<parameter name="membershipScheme">wka</parameter>`,
				`<parameter name="localMemberHost">` + inspectIP(t, n.name, network) + `</parameter>`,
			} {
				if !strings.Contains(axis2, w) {
					t.Errorf("axis2.xml lacks %s", w)
				}
			}

			// PID 1 is the agent; the server runs as wso2carbon.
			ps := docker(t, "exec", n.name, "ps", "-eo", "pid=,user:32=,args=")
			var sawJava, sawShell bool
			for _, l := range strings.Split(ps, "\n") {
				f := strings.Fields(l)
				if len(f) < 3 {
					continue
				}
				switch {
				case f[0] == "1" && f[2] != "/usr/local/bin/agent":
					t.Errorf("PID 1 is %q, want the agent", strings.Join(f[2:], " "))
				case strings.Contains(l, "org.wso2.carbon.bootstrap.Bootstrap"):
					sawJava = true
					if f[1] != "wso2carbon" {
						t.Errorf("java runs as %s, want wso2carbon", f[1])
					}
				case strings.Contains(l, "wso2server.sh"):
					sawShell = true
					if f[1] != "wso2carbon" {
						t.Errorf("wso2server.sh runs as %s, want wso2carbon", f[1])
					}
				}
			}
			if !sawJava || !sawShell {
				t.Errorf("no java under wso2server.sh in:\n%s", ps)
			}

			// The image's HEALTHCHECK (at --health-interval 2s) turns healthy.
			poll(t, n.name+" healthy", 60*time.Second, func() (bool, string) {
				s := strings.TrimSpace(docker(t, "inspect", "-f", "{{.State.Health.Status}}", n.name))
				return s == "healthy", s
			})
			// ... through `agent health`: the TLS handshake with the node's
			// own key and GET /services/Version, as its one line says.
			hlog := docker(t, "inspect", "-f", "{{range .State.Health.Log}}{{.ExitCode}} {{.Output}}{{end}}", n.name)
			if want := "0 healthy: TLS 127.0.0.1:9443 ok (CN=" + n.cert + ".wso2), GET http://127.0.0.1:9763/services/Version 200 OK\n"; !strings.Contains(hlog, want) {
				t.Errorf("health log lacks %q:\n%s", want, hlog)
			}
		})
	}

	// 4. docker restart: a second start on the same container changes no file.
	t.Run("docker restart keeps configuration", func(t *testing.T) {
		n := nodes[1]
		snapshot := func() string {
			return docker(t, "exec", n.name, "sh", "-c",
				"cd "+home+" && find repository/conf repository/resources/security -type f -printf '%p %s %T@\\n' -exec sha256sum {} \\; | sort")
		}
		before := snapshot()
		startedAt := regexp.MustCompile(`(?m)^startedAt=\d+$`)
		oldStart := startedAt.FindString(docker(t, "exec", n.name, "cat", home+"/repository/logs/standin-started"))
		step(t, "docker restart %s", n.name)
		docker(t, "restart", n.name)
		// The JVM of the second start (its pid may well be the same number:
		// a new PID namespace replays the same start) has written its file.
		poll(t, n.name+" restarted", 120*time.Second, func() (bool, string) {
			out, err := dockerErr("exec", n.name, "cat", home+"/repository/logs/standin-started")
			s := startedAt.FindString(out)
			return err == nil && s != "" && s != oldStart, fmt.Sprintf("%s (before: %s) %v", s, oldStart, err)
		})
		waitPeers(t)
		if after := snapshot(); after != before {
			t.Errorf("configuration changed across docker restart:\nbefore:\n%s\nafter:\n%s", before, after)
		}
		logs, _ := exec.Command("docker", "logs", n.name).CombinedOutput()
		if c := strings.Count(string(logs), "STANDIN: shutdown hook: done"); c != 1 {
			t.Errorf("the restart's stop ran the shutdown hook %d times, want 1", c)
		}
	})

	// 5. Other users: started as root, the agent runs the server as
	// wso2carbon; under an arbitrary UID with GID 0 (OpenShift's restricted
	// SCC) the group-writable home is enough for the setup and the server.
	for _, c := range []struct{ name, user, want string }{
		{"root", "0", "wso2carbon"},
		{"arbitrary UID, GID 0", "1000650000:0", "1000650000"},
	} {
		c := c
		t.Run("docker run --user "+c.user, func(t *testing.T) {
			name := "user-" + strings.NewReplacer(":", "-").Replace(c.user) + "-" + id
			t.Cleanup(func() { exec.Command("docker", "rm", "-f", name).Run() })
			args := append([]string{"run", "-d", "--name", name, "--network", network, "--user", c.user,
				"-v", volume + ":/certificates:ro"}, envArgs...)
			docker(t, append(args, "-e", "WSO2_CLUSTER_MEMBERS=", prefix+"gateway")...)
			poll(t, name+" server started", 120*time.Second, func() (bool, string) {
				out, err := dockerErr("exec", name, "cat", home+"/repository/logs/standin-started")
				return err == nil && strings.Contains(out, "subject=CN=gateway.wso2\n"), out
			})
			ps := docker(t, "exec", name, "ps", "-eo", "user:32=,args=")
			for _, l := range strings.Split(ps, "\n") {
				if f := strings.Fields(l); len(f) > 1 && strings.Contains(l, "org.wso2.carbon.bootstrap.Bootstrap") && f[0] != c.want {
					t.Errorf("java runs as %s, want %s", f[0], c.want)
				}
			}
			docker(t, "stop", name)
			if code := strings.TrimSpace(docker(t, "inspect", "-f", "{{.State.ExitCode}}", name)); code != "143" {
				t.Errorf("exit code %s after docker stop, want 143", code)
			}
		})
	}

	// 6. docker stop: SIGTERM reaches java through the agent and the shell
	// loop; the shutdown hook completes; exit status 143 (128+SIGTERM).
	for _, n := range nodes {
		n := n
		t.Run("docker stop "+n.name, func(t *testing.T) {
			docker(t, "exec", n.name, "rm", "-f", home+"/repository/logs/standin-shutdown")
			began := time.Now()
			docker(t, "stop", n.name)
			took := time.Since(began)
			step(t, "docker stop %s took %v", n.name, took.Round(time.Millisecond))
			state := docker(t, "inspect", "-f", "{{.State.ExitCode}} {{.State.OOMKilled}}", n.name)
			if strings.TrimSpace(state) != "143 false" {
				t.Errorf("exit code, OOM: %q, want 143 (the server's status after SIGTERM) false", state)
			}
			marker := docker(t, "cp", n.name+":"+home+"/repository/logs/standin-shutdown", "-")
			if !strings.Contains(marker, "graceful shutdown of ") {
				t.Errorf("no shutdown marker: the JVM's shutdown hook did not finish")
			}
			if took >= stopLimit {
				t.Errorf("docker stop took %v: Docker's SIGKILL, not the server, ended it", took)
			}
		})
	}
}

// inspectIP is a container's address on network.
func inspectIP(t *testing.T, name, network string) string {
	t.Helper()
	return strings.TrimSpace(docker(t, "inspect", "-f", `{{(index .NetworkSettings.Networks "`+network+`").IPAddress}}`, name))
}

// checkBinary: the agent is static, under 10 MB, and is the one in the images.
func checkBinary(t *testing.T, prefix string) {
	bin := os.Getenv("E2E_AGENT_BIN")
	if bin == "" {
		bin = filepath.Join(repoRoot, "bin", "agent")
	}
	st, err := os.Stat(bin)
	if err != nil {
		t.Fatalf("agent binary: %v (make build)", err)
	}
	step(t, "agent binary %s: %d bytes", bin, st.Size())
	if st.Size() >= 10<<20 {
		t.Errorf("agent binary is %d bytes, want under 10 MB", st.Size())
	}
	out, err := exec.Command("file", bin).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "statically linked") {
		t.Errorf("file %s: %s (%v): want statically linked", bin, out, err)
	}
	out, _ = exec.Command("ldd", bin).CombinedOutput()
	if !strings.Contains(string(out), "not a dynamic executable") && !strings.Contains(string(out), "statically linked") {
		t.Errorf("ldd %s: %s: want not a dynamic executable", bin, out)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	for _, img := range []string{"agent-base", "gateway"} {
		got := strings.Fields(docker(t, "run", "--rm", "--entrypoint", "sha256sum", prefix+img, "/usr/local/bin/agent"))
		if len(got) == 0 || got[0] != hex.EncodeToString(sum[:]) {
			t.Errorf("%s%s: /usr/local/bin/agent is not %s (rebuild: make e2e)", prefix, img, bin)
		}
	}
	// The job image is the agent alone on an empty root file system.
	size := strings.TrimSpace(docker(t, "image", "inspect", "-f", "{{.Size}}", prefix+"certificates"))
	if n, _ := strconv.ParseInt(size, 10, 64); n > st.Size()+1<<20 {
		t.Errorf("certificates image is %s bytes: want the agent alone", size)
	}
}
