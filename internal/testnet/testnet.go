// Package testnet holds the network fixtures the tests of several packages
// share. It is for tests only and must not know the agent or what the tests
// check: it gives them a listener.
package testnet

import (
	"net"
	"testing"
)

// Accepting listens on addr ("127.0.0.1:0" for any free port), accepts
// every connection and closes it at once: a dependency that is up, for the
// code that only checks that a TCP connection completes. The listener is
// closed when the test ends.
func Accepting(tb testing.TB, addr string) net.Listener {
	tb.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return l
}
