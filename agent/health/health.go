// Package health probes a running WSO2 server the way an orchestrator's
// readiness check would, without a JVM, curl or a shell: a TLS handshake on
// the server's HTTPS port, then (optionally) one HTTP(S) GET of the product's
// health endpoint. Everything is bounded by one deadline.
//
// It knows nothing about WSO2 products or environment variables: the caller
// says which port and which URL (see agent.healthSpec).
package health

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"syscall"

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
		client := &http.Client{
			Transport: &http.Transport{TLSClientConfig: tlsConf, Proxy: nil, DisableKeepAlives: true},
			// A redirect is an answer, not a hop: a login page is not health.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		if err != nil {
			return "", exitcode.Wrap(exitcode.Config, fmt.Errorf("build request %s: %w", target, err))
		}
		resp, err := client.Do(req)
		if err != nil {
			return "", classify(ctx, fmt.Errorf("GET %s: %w", target, unwrapURL(err)))
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return "", exitcode.Errorf(exitcode.Unavailable, "GET %s: %s", target, resp.Status)
		}
		if msg != "" {
			msg += ", "
		}
		msg += fmt.Sprintf("GET %s %s", target, resp.Status)
	}
	if msg == "" {
		return "", exitcode.Errorf(exitcode.Config, "nothing to probe")
	}
	return msg, nil
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

// unwrapURL drops net/http's `Get "URL": ` prefix (the caller names the URL).
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
