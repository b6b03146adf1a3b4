// Package depwait waits for TCP dependencies (a database, another server) to
// accept connections before a server is started.
//
// It must not know what it waits for or why: no product, profile or
// environment variable. The caller gives the host:port addresses and the
// timeout (the agent's WSO2_AGENT_WAIT_FOR, WSO2_AGENT_WAIT_TIMEOUT and each
// profile's defaults are agent/contract's and the products').
package depwait

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/wso2-container/agent/agent/exitcode"
)

// Backoff between two rounds of dials, and the interval of progress lines.
// Variables so that tests can shorten them.
var (
	firstBackoff  = 100 * time.Millisecond
	maxBackoff    = 2 * time.Second
	progressEvery = 5 * time.Second
	maxDial       = 2 * time.Second
)

// Wait dials every host:port in addrs until each has accepted one TCP
// connection (closed at once), or timeout has passed, or ctx is done.
//
// Addresses still missing are retried with exponential backoff (100 ms,
// doubling, at most 2 s); a failed name lookup counts as "not ready yet",
// because in Swarm and Kubernetes a service name appears only when the
// service runs. Every ~5 s an info line names what is still missing; each
// failed dial is logged at debug level. A timeout of zero or less means a
// single round of dials.
//
// On timeout it returns an error carrying exitcode.TempFail that names the
// unreachable addresses and the last error of each; when ctx is done first,
// ctx's error. Nil addrs returns nil at once.
func Wait(ctx context.Context, addrs []string, timeout time.Duration, log *slog.Logger) error {
	if len(addrs) == 0 {
		return nil
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	start := time.Now()
	deadline := start.Add(timeout)
	missing := append([]string(nil), addrs...)
	lastErr := map[string]error{}
	backoff := firstBackoff
	nextProgress := start.Add(progressEvery)
	log.Info("waiting for dependencies", "addrs", strings.Join(addrs, ","), "timeout", timeout.String())
	for {
		errs := dialAll(ctx, missing, deadline)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var still []string
		for i, a := range missing {
			if err := errs[i]; err != nil {
				lastErr[a] = err
				log.Debug("dependency not ready", "addr", a, "err", err.Error())
				still = append(still, a)
				continue
			}
			log.Info("dependency ready", "addr", a, "after", time.Since(start).Round(time.Millisecond).String())
		}
		missing = still
		if len(missing) == 0 {
			return nil
		}
		now := time.Now()
		why := func() string { // each missing address with its last error
			var parts []string
			for _, a := range missing {
				parts = append(parts, fmt.Sprintf("%s (%v)", a, lastErr[a]))
			}
			return strings.Join(parts, ", ")
		}
		timedOut := func() error {
			return exitcode.Wrap(exitcode.TempFail, fmt.Errorf("wait for dependencies: not reachable within %s: %s", timeout, why()))
		}
		if !now.Before(deadline) {
			return timedOut()
		}
		if !now.Before(nextProgress) {
			log.Info("still waiting for dependencies", "missing", strings.Join(missing, ","), "last_errors", why(), "waited", now.Sub(start).Round(time.Second).String(), "timeout", timeout.String())
			nextProgress = now.Add(progressEvery)
		}
		sleep := min(backoff, deadline.Sub(now))
		backoff = min(2*backoff, maxBackoff)
		t := time.NewTimer(sleep)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		if !time.Now().Before(deadline) {
			// The backoff ran to the deadline: the wait is over. A round
			// begun now would not be bounded by it (dialAll gives a round
			// past the deadline maxDial, for the single round of a zero
			// timeout).
			return timedOut()
		}
	}
}

// dialContext makes one TCP connection; a variable so that tests can see
// the deadline each attempt gets.
var dialContext = func(ctx context.Context, addr string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}

// dialAll makes one connection attempt to each of addrs at the same time,
// each bounded by maxDial and the overall deadline, and returns their errors
// in the order of addrs. At the same time, so that a round takes as long as
// its slowest address, not their sum: one after the other, addresses that do
// not answer (a firewall dropping SYNs) pushed the end of the wait past the
// deadline by up to maxDial each.
func dialAll(ctx context.Context, addrs []string, deadline time.Time) []error {
	limit := time.Now().Add(maxDial)
	if deadline.After(time.Now()) && deadline.Before(limit) {
		limit = deadline
	}
	dctx, cancel := context.WithDeadline(ctx, limit)
	defer cancel()
	errs := make([]error, len(addrs))
	var wg sync.WaitGroup
	for i, a := range addrs {
		wg.Go(func() {
			c, err := dialContext(dctx, a)
			if err != nil {
				errs[i] = shorten(err)
				return
			}
			errs[i] = c.Close()
		})
	}
	wg.Wait()
	return errs
}

// shorten drops the "dial tcp host:port:" prefix that repeats the address.
func shorten(err error) error {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if dnsErr.IsNotFound {
			return errors.New("no such host")
		}
		return errors.New("lookup: " + dnsErr.Err)
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Err != nil {
		return opErr.Err
	}
	return err
}
