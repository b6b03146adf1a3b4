package health

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wso2-container/agent/agent/exitcode"
)

// port is the TCP port of a listener's address.
func port(t *testing.T, addr net.Addr) int {
	t.Helper()
	return addr.(*net.TCPAddr).Port
}

// freePort is a port nothing listens on (it was just closed).
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := port(t, l.Addr())
	l.Close()
	return p
}

func TestProbe(t *testing.T) {
	// A real TLS server (Go's own TLS stack and test certificate) answering
	// the two endpoints the products have, and one that is not ready.
	mux := http.NewServeMux()
	mux.HandleFunc("/services/Version", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<ns:getVersionResponse/>")) })
	mux.HandleFunc("/api/am/gateway/v2/server-startup-healthcheck", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"status":"ready"}`)) })
	mux.HandleFunc("/starting", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/carbon/admin/login.jsp", http.StatusFound)
	})
	release := make(chan struct{})
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	tlsSrv := httptest.NewTLSServer(mux)
	defer tlsSrv.Close()
	defer close(release)
	plain := httptest.NewServer(mux)
	defer plain.Close()
	tlsPort := port(t, tlsSrv.Listener.Addr())
	httpPort := port(t, plain.Listener.Addr())

	// A listener that accepts and never speaks TLS: the handshake times out.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	// A listener that answers plain text: the handshake fails at once.
	notTLS, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer notTLS.Close()
	go func() {
		for {
			c, err := notTLS.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
			c.Close()
		}
	}()
	// A listener that answers something that is not HTTP.
	garbage, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer garbage.Close()
	go func() {
		for {
			c, err := garbage.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("SSH-2.0-OpenSSH_9.2\r\n"))
			c.Close()
		}
	}()
	closed := freePort(t)

	for _, tc := range []struct {
		name     string
		check    Check
		code     int
		contains []string
	}{
		{"carbon: handshake and /services/Version on the HTTP port",
			Check{TLSPort: tlsPort, Endpoint: "/services/Version", EndpointPort: httpPort},
			exitcode.OK, []string{"TLS 127.0.0.1:" + strconv.Itoa(tlsPort) + " ok (O=Acme Co)", "GET http://127.0.0.1:" + strconv.Itoa(httpPort) + "/services/Version 200 OK"}},
		{"gateway: handshake and the startup health check over HTTPS",
			Check{TLSPort: tlsPort, Endpoint: "/api/am/gateway/v2/server-startup-healthcheck", EndpointPort: tlsPort, EndpointTLS: true},
			exitcode.OK, []string{"GET https://127.0.0.1:" + strconv.Itoa(tlsPort) + "/api/am/gateway/v2/server-startup-healthcheck 200 OK"}},
		{"handshake only", Check{TLSPort: tlsPort}, exitcode.OK, []string{"TLS 127.0.0.1:" + strconv.Itoa(tlsPort) + " ok"}},
		{"nothing listens on the HTTPS port", Check{TLSPort: closed, Endpoint: "/services/Version", EndpointPort: httpPort},
			exitcode.Unavailable, []string{"TLS handshake with 127.0.0.1:" + strconv.Itoa(closed), "connection refused", "nothing listens"}},
		{"the HTTPS port does not speak TLS", Check{TLSPort: port(t, notTLS.Addr())},
			exitcode.Unavailable, []string{"TLS handshake with 127.0.0.1:" + strconv.Itoa(port(t, notTLS.Addr()))}},
		{"the HTTPS port accepts and stays silent", Check{TLSPort: port(t, silent.Addr())},
			exitcode.TempFail, []string{"TLS handshake with 127.0.0.1:" + strconv.Itoa(port(t, silent.Addr())), "no answer within the timeout"}},
		{"endpoint not ready (503)", Check{TLSPort: tlsPort, Endpoint: "/starting", EndpointPort: httpPort},
			exitcode.Unavailable, []string{"GET http://127.0.0.1:" + strconv.Itoa(httpPort) + "/starting: 503 Service Unavailable"}},
		{"endpoint redirects (a login page is not health)", Check{TLSPort: tlsPort, Endpoint: "/login", EndpointPort: httpPort},
			exitcode.Unavailable, []string{"/login: 302 Found"}},
		{"endpoint hangs", Check{TLSPort: tlsPort, Endpoint: "/hang", EndpointPort: httpPort},
			exitcode.TempFail, []string{"GET http://127.0.0.1:" + strconv.Itoa(httpPort) + "/hang", "no answer within the timeout"}},
		{"endpoint port closed", Check{TLSPort: tlsPort, Endpoint: "/services/Version", EndpointPort: closed},
			exitcode.Unavailable, []string{"GET http://127.0.0.1:" + strconv.Itoa(closed) + "/services/Version", "connection refused"}},
		{"plain HTTP endpoint probed with TLS", Check{Endpoint: "/services/Version", EndpointPort: httpPort, EndpointTLS: true},
			exitcode.Unavailable, []string{"GET https://127.0.0.1:" + strconv.Itoa(httpPort) + "/services/Version"}},
		{"endpoint answers something that is not HTTP", Check{Endpoint: "/services/Version", EndpointPort: port(t, garbage.Addr())},
			exitcode.Unavailable, []string{"GET http://127.0.0.1:" + strconv.Itoa(port(t, garbage.Addr())) + "/services/Version: malformed status line \"SSH-2.0-OpenSSH_9.2\\r\\n\""}},
		{"nothing to probe", Check{}, exitcode.Config, []string{"nothing to probe"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			msg, err := Probe(ctx, tc.check)
			if code := exitcode.Of(err); code != tc.code {
				t.Fatalf("exit code %d (%v), want %d", code, err, tc.code)
			}
			text := msg
			if err != nil {
				text = err.Error()
				if strings.Contains(text, "\n") {
					t.Errorf("reason is not one line: %q", text)
				}
			}
			for _, w := range tc.contains {
				if !strings.Contains(text, w) {
					t.Errorf("%q lacks %q", text, w)
				}
			}
		})
	}
}

// The handshake really is TLS: a server that requires a client certificate
// the probe does not have fails the probe (the handshake is completed, not
// just the TCP connect).
func TestProbeHandshakeIsReal(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert, MinVersion: tls.VersionTLS13}
	srv.StartTLS()
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	// TLS 1.3: the client learns of the refusal on its first read, so the
	// endpoint GET on the same port is what fails.
	_, err := Probe(ctx, Check{TLSPort: port(t, srv.Listener.Addr()), Endpoint: "/", EndpointPort: port(t, srv.Listener.Addr()), EndpointTLS: true})
	if exitcode.Of(err) != exitcode.Unavailable {
		t.Fatalf("probe of a server refusing the client: %v (exit %d), want unavailable", err, exitcode.Of(err))
	}
}
