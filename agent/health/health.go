// Package health probes a running WSO2 server the way an orchestrator's
// readiness check would, without a JVM, curl or a shell: a TLS handshake on
// the server's HTTPS port, then (optionally) one HTTP(S) GET of the product's
// health endpoint. Everything is bounded by one deadline.
//
// It must not know WSO2's products, their ports, port offsets or health
// endpoints, nor the agent's environment variables: the caller says which
// port and which URL (see product.Product's Health).
package health

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wso2-container/agent/agent/exitcode"
)

// Check is one probe.
type Check struct {
	// Host is the address probed (default 127.0.0.1: the container itself).
	Host string
	// TLSPort must complete a TLS handshake (the HTTPS transport, with the
	// port offset). 0 skips the handshake.
	TLSPort int
	// Endpoint, when set, is the path of a GET that must answer 2xx, on
	// EndpointPort (https when EndpointTLS).
	Endpoint     string
	EndpointPort int
	EndpointTLS  bool
}

// URL is the endpoint's URL ("" when there is none).
func (c Check) URL() string {
	if c.Endpoint == "" {
		return ""
	}
	scheme := "http"
	if c.EndpointTLS {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(c.host(), strconv.Itoa(c.EndpointPort)) + c.Endpoint
}

func (c Check) host() string {
	if c.Host == "" {
		return "127.0.0.1"
	}
	return c.Host
}

// Probe runs c within ctx's deadline and returns a one-line description of
// what answered. Its errors carry an exit code (exitcode.Of):
// exitcode.TempFail when the deadline passed before the server answered (it
// may be starting, or overloaded), exitcode.Unavailable when it refused: no
// listener, a failed handshake, a non-2xx answer. Server certificates are
// not verified: the probe asks whether the server serves TLS with its
// keystore loaded, not whom to trust (the container probes itself).
func Probe(ctx context.Context, c Check) (string, error) {
	var msg string
	tlsConf := &tls.Config{InsecureSkipVerify: true} //nolint:gosec // self-probe, see above
	if c.TLSPort != 0 {
		addr := net.JoinHostPort(c.host(), strconv.Itoa(c.TLSPort))
		d := &tls.Dialer{Config: tlsConf}
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return "", classify(ctx, fmt.Errorf("TLS handshake with %s: %w", addr, err))
		}
		st := conn.(*tls.Conn).ConnectionState()
		conn.Close()
		msg = fmt.Sprintf("TLS %s ok", addr)
		if len(st.PeerCertificates) > 0 {
			msg += fmt.Sprintf(" (%s)", st.PeerCertificates[0].Subject)
		}
	}
	if c.Endpoint != "" {
		target := c.URL()
		code, status, err := get(ctx, c, tlsConf)
		if err != nil {
			return "", classify(ctx, fmt.Errorf("GET %s: %w", target, err))
		}
		if code < 200 || code > 299 {
			return "", exitcode.Errorf(exitcode.Unavailable, "GET %s: %s", target, status)
		}
		if msg != "" {
			msg += ", "
		}
		msg += fmt.Sprintf("GET %s %s", target, status)
	}
	if msg == "" {
		return "", exitcode.Errorf(exitcode.Config, "nothing to probe")
	}
	return msg, nil
}

// get sends one HTTP/1.1 GET of c.Endpoint (no keep-alive, no redirects
// followed: a redirect to a login page is an answer, not health) and returns
// the status of the answer: its code and its text, e.g. 200 and "200 OK". It is a few lines of HTTP rather
// than net/http, which would add a fifth to the agent's binary, and so to the
// memory every container maps, for one request line and one status line.
func get(ctx context.Context, c Check, tlsConf *tls.Config) (int, string, error) {
	addr := net.JoinHostPort(c.host(), strconv.Itoa(c.EndpointPort))
	var conn net.Conn
	var err error
	if c.EndpointTLS {
		conn, err = (&tls.Dialer{Config: tlsConf}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return 0, "", err
	}
	defer conn.Close()
	if d, ok := ctx.Deadline(); ok {
		conn.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: wso2-agent-health\r\nAccept: */*\r\nConnection: close\r\n\r\n", c.Endpoint, addr); err != nil {
		return 0, "", err
	}
	line, err := bufio.NewReaderSize(conn, 512).ReadString('\n')
	if err != nil {
		if err == io.EOF {
			return 0, "", errors.New("connection closed before a status line")
		}
		return 0, "", err
	}
	// "HTTP/1.1 200 OK\r\n"
	proto, status, ok := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
	if !ok || !strings.HasPrefix(proto, "HTTP/1.") || len(status) < 3 {
		return 0, "", fmt.Errorf("malformed status line %q", truncate(line, 80))
	}
	code, err := strconv.Atoi(status[:3])
	if err != nil || (len(status) > 3 && status[3] != ' ') {
		return 0, "", fmt.Errorf("malformed status line %q", truncate(line, 80))
	}
	return code, status, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// classify gives a network error its exit code: a deadline is temporary,
// anything else (refused, reset, handshake failure) is unavailable.
func classify(ctx context.Context, err error) error {
	var ne net.Error
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout()) {
		return exitcode.Wrap(exitcode.TempFail, fmt.Errorf("%w (no answer within the timeout)", err))
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return exitcode.Wrap(exitcode.Unavailable, fmt.Errorf("%w (nothing listens: not started yet, or stopped)", err))
	}
	return exitcode.Wrap(exitcode.Unavailable, err)
}
