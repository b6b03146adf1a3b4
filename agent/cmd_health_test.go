package agent

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/product"
	"github.com/wso2-container/agent/agent/product/apim4"
	"github.com/wso2-container/agent/agent/product/carbon44"
	"github.com/wso2-container/agent/internal/fixtures"
)

func healthRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	io := IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Log: NewLogger(&errb, "text")}
	code := cmdHealth(context.Background(), args, io)
	return code, out.String(), errb.String()
}

// fakeServer listens like a Carbon server with port offset off: a real TLS
// server on 9443+off (answering the gateway's health check) and plain HTTP
// on 9763+off (answering /services/Version). It returns the offset.
func fakeServer(t *testing.T) int {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/services/Version", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<ns:getVersionResponse/>") })
	mux.HandleFunc("/api/am/gateway/v2/server-startup-healthcheck", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{}`) })
	for off := 20000 + os.Getpid()%9000; off < 40000; off += 131 {
		lt, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", product.HTTPSPort+off))
		if err != nil {
			continue
		}
		lh, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", product.HTTPPort+off))
		if err != nil {
			lt.Close()
			continue
		}
		s := httptest.NewUnstartedServer(mux)
		s.Listener.Close()
		s.Listener = lt
		s.StartTLS()
		h := httptest.NewUnstartedServer(mux)
		h.Listener.Close()
		h.Listener = lh
		h.Start()
		t.Cleanup(func() { s.Close(); h.Close() })
		return off
	}
	t.Fatal("no free pair of ports 9443+N, 9763+N")
	return 0
}

// carbonHome copies the fixture carbon.xml of product into a home with the
// given Ports/Offset.
func carbonHome(t *testing.T, productDir string, off int) string {
	t.Helper()
	home := t.TempDir()
	b, err := os.ReadFile(filepath.Join(fixtures.WSO2(productDir), "repository", "conf", "carbon.xml"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "<Ports>")
	j := strings.Index(s[i:], "</Offset>")
	k := strings.LastIndex(s[:i+j], "<Offset>")
	s = s[:k] + fmt.Sprintf("<Offset>%d", off) + s[i+j:]
	os.MkdirAll(filepath.Join(home, "repository", "conf"), 0o755)
	if err := os.WriteFile(filepath.Join(home, "repository", "conf", "carbon.xml"), []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return home
}

// apim4Home4Health is a 4.x split home: the start script and the fixture's
// deployment.toml with [server] offset set (offset < 0: left as shipped).
func apim4Home4Health(t *testing.T, pack, script string, offset string) string {
	t.Helper()
	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, "bin"), 0o755)
	os.WriteFile(filepath.Join(home, "bin", script), []byte("#!/bin/sh\n"), 0o755)
	b, err := os.ReadFile(filepath.Join(fixtures.WSO2(pack), "repository", "conf", "deployment.toml"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if offset != "" {
		s = strings.Replace(s, "[server]\n", "[server]\noffset = "+offset+"\n", 1)
	}
	os.MkdirAll(filepath.Join(home, "repository", "conf"), 0o755)
	os.WriteFile(filepath.Join(home, "repository", "conf", "deployment.toml"), []byte(s), 0o644)
	return home
}

func TestCmdHealth(t *testing.T) {
	off := fakeServer(t)
	https, http := product.HTTPSPort+off, product.HTTPPort+off
	for _, tc := range []struct {
		name    string
		env     map[string]string
		args    []string
		code    int
		out     []string // stdout on success, stderr otherwise
		noWrite bool
	}{
		{"2.0.0 gateway: carbon.xml offset, /services/Version",
			map[string]string{"WSO2_PROFILE": "gateway", "WSO2_HOME": carbonHome(t, "wso2am-2.0.0", off)}, nil, exitcode.OK,
			[]string{fmt.Sprintf("healthy: TLS 127.0.0.1:%d ok (O=Acme Co), GET http://127.0.0.1:%d/services/Version 200 OK\n", https, http)}, false},
		{"4.5 universal gateway: deployment.toml offset, the startup health check over HTTPS",
			map[string]string{"WSO2_HOME": apim4Home4Health(t, "wso2am-universal-gw-4.5.0", "gateway.sh", fmt.Sprint(off))}, nil, exitcode.OK,
			[]string{fmt.Sprintf("GET https://127.0.0.1:%d/api/am/gateway/v2/server-startup-healthcheck 200 OK", https)}, false},
		// The all-in-one chart's readiness probe is its gateway's
		// (all-in-one-4.5.0-10: /api/am/gateway/v2/server-startup-healthcheck,
		// HTTPS 9443), not /services/Version, which answers before the
		// gateway has deployed its APIs.
		{"4.5 all-in-one: the gateway's startup health check, as its chart",
			map[string]string{"WSO2_HOME": apim4Home4Health(t, "wso2am-4.5.0", "api-manager.sh", fmt.Sprint(off))}, nil, exitcode.OK,
			[]string{fmt.Sprintf("GET https://127.0.0.1:%d/api/am/gateway/v2/server-startup-healthcheck 200 OK", https)}, false},
		{"4.5 control plane via WSO2_SERVER_HOME, offset from WSO2_PORT_OFFSET (over a quoted TOML one)",
			map[string]string{"WSO2_SERVER_HOME": apim4Home4Health(t, "wso2am-acp-4.5.0", "api-cp.sh", `"3"`), "WSO2_PORT_OFFSET": fmt.Sprint(off)}, nil, exitcode.OK,
			[]string{fmt.Sprintf("GET http://127.0.0.1:%d/services/Version 200 OK", http)}, false},
		{"4.5 traffic manager, string offset in the TOML",
			map[string]string{"WSO2_PROFILE": "traffic-manager", "WSO2_HOME": apim4Home4Health(t, "wso2am-tm-4.5.0", "traffic-manager.sh", fmt.Sprintf("%q", fmt.Sprint(off)))}, nil, exitcode.OK,
			[]string{fmt.Sprintf("TLS 127.0.0.1:%d ok", https)}, false},
		// render accepts a placeholder offset (the server's to resolve, with
		// the container's environment): health resolves $env{} from the same.
		{"4.5 control plane, offset $env{APIM_OFFSET} resolved from the environment",
			map[string]string{"WSO2_HOME": apim4Home4Health(t, "wso2am-acp-4.5.0", "api-cp.sh", `"$env{APIM_OFFSET}"`), "APIM_OFFSET": fmt.Sprint(off)}, nil, exitcode.OK,
			[]string{fmt.Sprintf("GET http://127.0.0.1:%d/services/Version 200 OK", http)}, false},
		{"$env{} offset whose variable is unset",
			map[string]string{"WSO2_HOME": apim4Home4Health(t, "wso2am-acp-4.5.0", "api-cp.sh", `"$env{APIM_OFFSET}"`)}, nil, exitcode.Config,
			[]string{"[server] offset: $env{APIM_OFFSET}: APIM_OFFSET is not set here; set it, or WSO2_PORT_OFFSET"}, false},
		{"$sys{} offset: WSO2_PORT_OFFSET named",
			map[string]string{"WSO2_HOME": apim4Home4Health(t, "wso2am-acp-4.5.0", "api-cp.sh", `"$sys{portOffset}"`)}, nil, exitcode.Config,
			[]string{`[server] offset: "$sys{portOffset}" is the server's to resolve, which agent health cannot: set WSO2_PORT_OFFSET`}, false},
		{"server down: stock offset 0 on another address",
			map[string]string{"WSO2_PROFILE": "gateway", "WSO2_HOME": carbonHome(t, "wso2am-2.0.0", off)}, []string{"--host", "127.0.0.3", "--timeout", "2s"}, exitcode.Unavailable,
			[]string{fmt.Sprintf("unhealthy: TLS handshake with 127.0.0.3:%d: ", https), "connection refused"}, false},
		{"no profile, not a 4.x home",
			map[string]string{"WSO2_HOME": t.TempDir()}, nil, exitcode.Config,
			[]string{"unhealthy: WSO2_PROFILE: not set, and WSO2_HOME/WSO2_SERVER_HOME is not an API Manager 4.x home\n"}, false},
		{"unknown profile", map[string]string{"WSO2_PROFILE": "gatway"}, nil, exitcode.Config, []string{`WSO2_PROFILE: unknown profile "gatway"`}, false},
		{"profile none", map[string]string{"WSO2_PROFILE": "none"}, nil, exitcode.Config, []string{"nothing to probe"}, false},
		{"carbon.xml missing", map[string]string{"WSO2_PROFILE": "store", "WSO2_HOME": "/nonexistent/wso2am"}, nil, exitcode.NoInput,
			[]string{"unhealthy: read /nonexistent/wso2am/repository/conf/carbon.xml: no such file or directory\n"}, false},
		{"bad TOML offset", map[string]string{"WSO2_HOME": apim4Home4Health(t, "wso2am-tm-4.5.0", "traffic-manager.sh", `"ten"`)}, nil, exitcode.Config,
			[]string{`[server] offset: "ten" is not an integer`}, false},
		{"bad WSO2_PORT_OFFSET", map[string]string{"WSO2_HOME": apim4Home4Health(t, "wso2am-tm-4.5.0", "traffic-manager.sh", ""), "WSO2_PORT_OFFSET": "-1"}, nil, exitcode.Config,
			[]string{"WSO2_PORT_OFFSET: -1 is not between 0 and 55000"}, false},
		{"bad flag", map[string]string{"WSO2_PROFILE": "gateway"}, []string{"--timeout", "soon"}, exitcode.Usage, []string{"agent: health: ", "--timeout \"soon\": not a duration"}, false},
		{"argument", map[string]string{"WSO2_PROFILE": "gateway"}, []string{"now"}, exitcode.Usage, []string{`agent: health: unexpected argument "now"`}, false},
		{"zero timeout", map[string]string{"WSO2_PROFILE": "gateway"}, []string{"--timeout=0s"}, exitcode.Usage, []string{"agent: health: --timeout must be positive, not 0s"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, v := range []string{"WSO2_PROFILE", "WSO2_HOME", "WSO2_SERVER_HOME", "WSO2_PORT_OFFSET", "APIM_OFFSET"} {
				t.Setenv(v, tc.env[v])
				if _, ok := tc.env[v]; !ok {
					os.Unsetenv(v)
				}
			}
			code, stdout, stderr := healthRun(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout, stderr)
			}
			text := stderr
			if code == exitcode.OK {
				text = stdout
				if stderr != "" {
					t.Errorf("stderr on success: %q", stderr)
				}
			} else if tc.code != exitcode.Usage && strings.Count(stderr, "\n") != 1 {
				t.Errorf("want one line on stderr, got %q", stderr)
			}
			for _, w := range tc.out {
				if !strings.Contains(text, w) {
					t.Errorf("output %q lacks %q", text, w)
				}
			}
		})
	}
}

// Every product's ports: DAS 2.0.0 ships carbon.xml with offset 1, so its
// probe is 9444/9764; every registered profile has a health check.
func TestHealthOfProfiles(t *testing.T) {
	c, err := carbon44.Health(fixtures.WSO2("wso2am-analytics-2.0.0"))
	if err != nil || c.TLSPort != 9444 || c.EndpointPort != 9764 || c.Endpoint != "/services/Version" {
		t.Errorf("analytics: %+v %v, want TLS 9444 and /services/Version on 9764", c, err)
	}
	c, err = carbon44.Health(fixtures.WSO2("wso2is-5.2.0"))
	if err != nil || c.TLSPort != 9443 || c.EndpointPort != 9763 {
		t.Errorf("identityserver: %+v %v, want 9443/9763", c, err)
	}
	homes := map[string]string{"am": fixtures.WSO2("wso2am-2.0.0"), "is": fixtures.WSO2("wso2is-5.2.0"), "das": fixtures.WSO2("wso2am-analytics-2.0.0"),
		apim4.Name: fixtures.WSO2("wso2am-4.5.0")}
	for _, n := range product.ProfileNames() {
		p, _ := product.LookupProfile(n)
		if n == product.ProfileNone {
			continue
		}
		c, err := product.For(p).Health(&contract.Config{}, p, homes[p.Product])
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		wantGW := n == "gateway-worker" || n == "universal-gateway" || n == "all-in-one" // the all-in-one runs a gateway: its chart's readiness probe
		if c.TLSPort == 0 || (c.Endpoint == "/api/am/gateway/v2/server-startup-healthcheck") != wantGW || c.EndpointTLS != wantGW {
			t.Errorf("%s: %+v", n, c)
		}
	}
}

// TestOffsetLimitOneForRenderAndHealth: the port offset that render takes is
// the one the health probe takes, so that a container whose setup passed is
// never unhealthy for its offset alone, wherever the offset comes from
// (WSO2_PORT_OFFSET, a WSO2_DEPLOYMENT_TOML fragment, the file as the image
// has it): at product.MaxOffset render applies it and health probes the
// port; one past it render refuses it with exit 78 naming the source, and
// writes nothing.
func TestOffsetLimitOneForRenderAndHealth(t *testing.T) {
	c := a4Cases[2] // traffic manager
	for _, src := range []string{"WSO2_PORT_OFFSET", "WSO2_DEPLOYMENT_TOML", "deployment.toml"} {
		for _, off := range []int{product.MaxOffset, product.MaxOffset + 1} {
			t.Run(fmt.Sprintf("%s=%d", src, off), func(t *testing.T) {
				home := a4Layout(t, c)
				env := a4GoldenEnv(t, c, home)
				delete(env, "WSO2_PORT_OFFSET")
				switch src {
				case "WSO2_PORT_OFFSET":
					env[src] = fmt.Sprint(off)
				case "WSO2_DEPLOYMENT_TOML":
					env[src] = fmt.Sprintf("[server]\noffset = %d\n", off)
				default:
					path := filepath.Join(home, "repository", "conf", "deployment.toml")
					b, err := os.ReadFile(path)
					if err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, []byte(strings.Replace(string(b), "[server]\n", fmt.Sprintf("[server]\noffset = %d\n", off), 1)), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				before := snapshot(t, home)
				_, err := planFor(t, env, goldenDNS)
				if off > product.MaxOffset {
					if exitcode.Of(err) != exitcode.Config || !strings.Contains(err.Error(), src) || !strings.Contains(err.Error(), fmt.Sprint(off)) {
						t.Fatalf("render: %v (exit %d), want exit %d naming %s and %d", err, exitcode.Of(err), exitcode.Config, src, off)
					}
					if d := diffSnapshots(before, snapshot(t, home)); len(d) != 0 {
						t.Errorf("files changed: %v", d)
					}
					return
				}
				if err != nil {
					t.Fatalf("render: %v", err)
				}
				mustApply(t, env, goldenDNS)
				t.Setenv("WSO2_HOME", home)
				t.Setenv("WSO2_PROFILE", "")
				os.Unsetenv("WSO2_PROFILE")
				t.Setenv("WSO2_SERVER_HOME", "")
				os.Unsetenv("WSO2_SERVER_HOME")
				t.Setenv("WSO2_PORT_OFFSET", env["WSO2_PORT_OFFSET"])
				if env["WSO2_PORT_OFFSET"] == "" {
					os.Unsetenv("WSO2_PORT_OFFSET")
				}
				// Nothing listens on 127.0.0.3: an offset health takes ends
				// in "unavailable", naming the port it probed.
				code, _, stderr := healthRun(t, "--host", "127.0.0.3", "--timeout", "2s")
				if port := fmt.Sprint(product.HTTPSPort + off); code != exitcode.Unavailable || !strings.Contains(stderr, port) {
					t.Errorf("health: exit %d, want %d probing port %s; stderr: %s", code, exitcode.Unavailable, port, stderr)
				}
			})
		}
	}
}
