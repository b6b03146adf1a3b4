package agent

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/pipeline"
	"github.com/wso2-container/agent/agent/product"
)

// fakeKeystore answers existence checks from counters: a path exists from
// its Nth check on (0: never). No clock decides when things appear.
type fakeKeystore struct {
	mu      sync.Mutex
	existAt map[string]int
	calls   map[string]int
}

func (f *fakeKeystore) probe() pipeline.KeystoreProbe {
	f.calls = map[string]int{}
	return pipeline.KeystoreProbe{
		Exists: func(p string) bool {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.calls[p]++
			at := f.existAt[p]
			return at > 0 && f.calls[p] >= at
		},
		Every:  time.Millisecond,
		Report: 0, // a progress line at every round
	}
}

func TestAwaitOwnKeystore(t *testing.T) {
	gw, _ := product.LookupProfile("gateway")
	cp4, _ := product.LookupProfile("control-plane")
	for _, tc := range []struct {
		name      string
		prof      *product.Profile
		existAt   map[string]int
		wait      time.Duration // WSO2_AGENT_WAIT_TIMEOUT
		wantCalls map[string]int
		wantLog   []string
		noLog     []string
	}{
		{"the keystore appears on the 3rd check", gw, map[string]int{"/certs": 1, "/certs/wso2gateway.jks": 3}, time.Minute,
			map[string]int{"/certs/wso2gateway.jks": 3},
			[]string{`msg="waiting for the component keystore (the certificates job)" file=/certs/wso2gateway.jks`, `msg="component keystore ready" file=/certs/wso2gateway.jks`}, []string{"going on"}},
		{"no certificates folder: no wait", gw, map[string]int{}, time.Minute,
			map[string]int{"/certs": 1, "/certs/wso2gateway.jks": 0}, nil, []string{"level="}},
		{"never: bounded by WSO2_AGENT_WAIT_TIMEOUT, then a warning", gw, map[string]int{"/certs": 1}, 30 * time.Millisecond,
			nil, []string{`level=WARN msg="component keystore still missing; going on with the product's own" file=/certs/wso2gateway.jks`}, nil},
		{"WSO2_AGENT_WAIT_TIMEOUT=0: one check, then the warning", gw, map[string]int{"/certs": 1}, 0,
			map[string]int{"/certs/wso2gateway.jks": 1}, []string{`level=WARN msg="component keystore still missing; going on with the product's own" file=/certs/wso2gateway.jks waited=0s`}, []string{"waiting for"}},
		{"a copy an earlier start made: the warning says the files keep it", gw, map[string]int{"/certs": 1, "/home/repository/resources/security/wso2gateway.jks": 1}, 0,
			nil, []string{`level=WARN msg="component keystore still missing; going on with the copy an earlier start made" file=/certs/wso2gateway.jks copy=/home/repository/resources/security/wso2gateway.jks`}, []string{"the product's own"}},
		{"keystore there: no wait, no line", gw, map[string]int{"/certs": 1, "/certs/wso2gateway.jks": 1}, time.Minute,
			map[string]int{"/certs/wso2gateway.jks": 1}, nil, []string{"level="}},
		{"4.x: nothing to wait for", cp4, map[string]int{}, time.Minute, map[string]int{"/certs": 0}, nil, []string{"level="}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := &contract.Config{CertificatesDir: "/certs", Home: "/home"}
			cfg.WaitTimeout.V = tc.wait
			f := &fakeKeystore{existAt: tc.existAt}
			var log bytes.Buffer
			io := IO{Stdout: &log, Stderr: &log, Log: NewLogger(&log, "text")}
			pipeline.AwaitOwnKeystore(context.Background(), cfg, tc.prof, io.Log, f.probe())
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
	// The first miss is reported at once, not after the first progress
	// interval: whoever reads the log sees at once what the start waits for.
	{
		cfg := &contract.Config{CertificatesDir: "/certs", Home: "/home"}
		cfg.WaitTimeout.V = time.Minute
		f := &fakeKeystore{existAt: map[string]int{"/certs": 1, "/certs/wso2gateway.jks": 3}}
		pr := f.probe()
		pr.Report = time.Hour
		var log bytes.Buffer
		pipeline.AwaitOwnKeystore(context.Background(), cfg, gw, NewLogger(&log, "text"), pr)
		if n := strings.Count(log.String(), `msg="waiting for the component keystore (the certificates job)"`); n != 1 {
			t.Errorf("%d waiting lines with a progress interval of an hour, want 1 (the first miss):\n%s", n, log.String())
		}
	}
	// A cancelled context (SIGTERM during the wait) ends it at once.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cfg := &contract.Config{CertificatesDir: "/certs"}
	cfg.WaitTimeout.V = time.Hour
	f := &fakeKeystore{existAt: map[string]int{"/certs": 1}}
	var log bytes.Buffer
	done := make(chan struct{})
	go func() {
		pipeline.AwaitOwnKeystore(ctx, cfg, gw, NewLogger(&log, "text"), f.probe())
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("awaitOwnKeystore ignored the cancelled context")
	}
}
