package agent

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// discoverWaitMax bounds the wait of awaitDiscovery (and WSO2_AGENT_WAIT_TIMEOUT,
// when shorter, bounds it further).
const discoverWaitMax = 30 * time.Second

// discoverProbe is what awaitDiscovery asks the system; tests replace it.
type discoverProbe struct {
	lookupHost func(name string) ([]string, error)
	exists     func(path string) bool
	every      time.Duration // poll interval
	report     time.Duration // progress line interval
}

var defaultDiscoverProbe = discoverProbe{
	lookupHost: net.LookupHost,
	exists:     func(p string) bool { _, err := os.Stat(p); return err == nil },
	every:      250 * time.Millisecond,
	report:     5 * time.Second,
}

// awaitDiscovery runs before the setup of `agent run` on a Carbon 4.4
// profile and waits, bounded, for what the plan reads from its
// surroundings at start and cannot take back later:
//
//   - every WSO2_CLUSTER_MEMBERS name resolves: in a Swarm, the DNS names
//     tasks.<service> exist only once the service's tasks are registered,
//     which happens just after the containers start, so an agent that
//     resolved them at once found nothing and clustered alone;
//   - the component's own keystore wso2<component>.jks is in the
//     certificates folder, when that folder exists: a stack has no start
//     order, and a component started before the certificates job had filled
//     the shared volume kept the image's keystore.
//
// Progress is logged every 5s; after min(30s, WSO2_AGENT_WAIT_TIMEOUT) the
// setup goes on as before (an unresolved member is a warning, a missing
// keystore leaves the product's own in place, also a warning). A cancelled
// ctx (SIGTERM) ends the wait at once.
func awaitDiscovery(ctx context.Context, cfg *Config, prof *Profile, io IO, pr discoverProbe) {
	if prof == nil || prof.Name == profileNone || prof.Product == productAPIM4 {
		return
	}
	names := prof.Members
	if cfg.ClusterMembers.Set {
		names = cfg.ClusterMembers.V
	}
	var pending []string
	for _, n := range names {
		if n != "" && net.ParseIP(n) == nil {
			pending = append(pending, n)
		}
	}
	keystore := ""
	if prof.Component != "" && pr.exists(cfg.CertificatesDir) {
		keystore = filepath.Join(cfg.CertificatesDir, "wso2"+prof.Component+".jks")
	}
	limit := discoverWaitMax
	if w := cfg.WaitTimeout.V; w > 0 && w < limit {
		limit = w
	}
	start := time.Now()
	lastReport := start
	for {
		var still []string
		for _, n := range pending {
			if addrs, err := pr.lookupHost(n); err != nil || len(addrs) == 0 {
				still = append(still, n)
			}
		}
		pending = still
		if keystore != "" && pr.exists(keystore) {
			keystore = ""
		}
		if len(pending) == 0 && keystore == "" {
			if time.Since(start) >= pr.every {
				io.Log.Info("cluster members and keystore ready", "after", time.Since(start).Round(time.Millisecond).String())
			}
			return
		}
		var missing []string
		if len(pending) > 0 {
			missing = append(missing, "WSO2_CLUSTER_MEMBERS "+strings.Join(pending, ","))
		}
		if keystore != "" {
			missing = append(missing, keystore)
		}
		waited := time.Since(start)
		if waited >= limit {
			io.Log.Warn("still missing after the wait; going on", "missing", strings.Join(missing, "; "), "waited", waited.Round(time.Second).String())
			return
		}
		if time.Since(lastReport) >= pr.report {
			lastReport = time.Now()
			io.Log.Info("waiting for the cluster members' DNS names and the component keystore", "missing", strings.Join(missing, "; "),
				"waited", waited.Round(time.Second).String(), "limit", limit.String())
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(pr.every):
		}
	}
}
