package agent

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeDiscover answers lookups and existence checks from counters: a name
// resolves from its Nth lookup on, a path exists from its Nth check on
// (0: never). No clock is involved in when things appear.
type fakeDiscover struct {
	mu        sync.Mutex
	resolveAt map[string]int
	existAt   map[string]int
	calls     map[string]int
}

func (f *fakeDiscover) probe() discoverProbe {
	f.calls = map[string]int{}
	return discoverProbe{
		lookupHost: func(n string) ([]string, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.calls[n]++
			if at := f.resolveAt[n]; at > 0 && f.calls[n] >= at {
				return []string{"10.0.0.9"}, nil
			}
			return nil, errors.New("no such host")
		},
		exists: func(p string) bool {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.calls[p]++
			at := f.existAt[p]
			return at > 0 && f.calls[p] >= at
		},
		every:  time.Millisecond,
		report: 0, // a progress line at every round
	}
}

func TestAwaitDiscovery(t *testing.T) {
	gw, _ := lookupProfile("gateway")
	apim4, _ := lookupProfile("control-plane")
	for _, tc := range []struct {
		name      string
		prof      *Profile
		members   []string // WSO2_CLUSTER_MEMBERS (nil: the profile's)
		resolveAt map[string]int
		existAt   map[string]int
		wait      time.Duration // WSO2_AGENT_WAIT_TIMEOUT
		wantCalls map[string]int
		wantLog   []string
		noLog     []string
	}{
		{"members resolve on the 3rd try, keystore on the 2nd", gw, nil,
			map[string]int{"tasks.gatewaymanager": 3, "tasks.gateway": 1},
			map[string]int{"/certs": 1, "/certs/wso2gateway.jks": 2}, time.Minute,
			map[string]int{"tasks.gatewaymanager": 3, "tasks.gateway": 1, "/certs/wso2gateway.jks": 2},
			[]string{"missing=\"WSO2_CLUSTER_MEMBERS tasks.gatewaymanager; /certs/wso2gateway.jks\"", "cluster members and keystore ready"}, []string{"going on"}},
		{"no certificates folder: no keystore wait", gw, []string{"10.1.1.1", "tasks.gateway"},
			map[string]int{"tasks.gateway": 2}, map[string]int{}, time.Minute,
			map[string]int{"tasks.gateway": 2, "/certs": 1}, []string{"missing=\"WSO2_CLUSTER_MEMBERS tasks.gateway\""}, []string{"wso2gateway.jks"}},
		{"never: bounded by WSO2_AGENT_WAIT_TIMEOUT, then a warning", gw, []string{"tasks.nothing"},
			map[string]int{}, map[string]int{"/certs": 1}, 30 * time.Millisecond,
			nil, []string{"level=WARN msg=\"still missing after the wait; going on\" missing=\"WSO2_CLUSTER_MEMBERS tasks.nothing; /certs/wso2gateway.jks\""}, nil},
		{"clustering off, keystore there: no wait, no line", gw, []string{},
			nil, map[string]int{"/certs": 1, "/certs/wso2gateway.jks": 1}, time.Minute,
			map[string]int{"/certs/wso2gateway.jks": 1}, nil, []string{"level="}},
		{"4.x: nothing to wait for", apim4, nil, nil, map[string]int{}, time.Minute, map[string]int{"/certs": 0}, nil, []string{"level="}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := &Config{CertificatesDir: "/certs"}
			cfg.WaitTimeout.V = tc.wait
			if tc.members != nil {
				cfg.ClusterMembers.Set, cfg.ClusterMembers.V = true, tc.members
			}
			f := &fakeDiscover{resolveAt: tc.resolveAt, existAt: tc.existAt}
			var log bytes.Buffer
			io := IO{Stdout: &log, Stderr: &log, Log: NewLogger(&log, "text")}
			awaitDiscovery(context.Background(), cfg, tc.prof, io, f.probe())
			for k, n := range tc.wantCalls {
				if f.calls[k] != n {
					t.Errorf("%s checked %d times, want %d (calls %v)", k, f.calls[k], n, f.calls)
				}
			}
			for _, w := range tc.wantLog {
				if !strings.Contains(log.String(), w) {
					t.Errorf("log lacks %q:\n%s", w, log.String())
				}
			}
			for _, w := range tc.noLog {
				if strings.Contains(log.String(), w) {
					t.Errorf("log has %q:\n%s", w, log.String())
				}
			}
		})
	}
	// A cancelled context (SIGTERM during the wait) ends it at once.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cfg := &Config{CertificatesDir: "/certs"}
	cfg.WaitTimeout.V = time.Hour
	f := &fakeDiscover{existAt: map[string]int{"/certs": 1}}
	var log bytes.Buffer
	done := make(chan struct{})
	go func() {
		awaitDiscovery(ctx, cfg, gw, IO{Log: NewLogger(&log, "text")}, f.probe())
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("awaitDiscovery ignored the cancelled context")
	}
}
