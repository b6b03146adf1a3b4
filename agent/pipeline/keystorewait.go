package pipeline

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/wso2-container/agent/agent/certs"
	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/product"
)

// keystoreWaitMax bounds the wait of AwaitOwnKeystore (and WSO2_AGENT_WAIT_TIMEOUT,
// when shorter, bounds it further).
const keystoreWaitMax = 30 * time.Second

// KeystoreProbe is what AwaitOwnKeystore asks the file system; tests replace it.
type KeystoreProbe struct {
	Exists func(path string) bool
	Every  time.Duration // poll interval
	Report time.Duration // progress line interval
}

var defaultKeystoreProbe = KeystoreProbe{
	Exists: func(p string) bool { _, err := os.Stat(p); return err == nil },
	Every:  250 * time.Millisecond,
	Report: 5 * time.Second,
}

// AwaitOwnKeystore runs before the setup of `agent run` on a profile with
// a Component (the Carbon 4.4 profiles) and waits, bounded, until the component's own keystore
// wso2<component>.jks is in the certificates folder, when that folder
// exists: a stack has no start order, and a component started before the
// certificates job had filled the shared volume kept the image's keystore.
//
// It does not wait for the WSO2_CLUSTER_MEMBERS names: Swarm publishes
// tasks.<service> only for tasks that are running, and a task with a health
// check runs only once healthy, so the first tasks of a cluster find no one
// however long they wait; they start alone and later members join through
// them (WKA), as with the old start scripts.
//
// The first miss and then progress every 5s are logged; after min(30s, WSO2_AGENT_WAIT_TIMEOUT) (0:
// a single check) the setup goes on as before, with a warning: the
// product's own keystore stays in place, or the copy of the component's an
// earlier start made, which the files then still name. A cancelled ctx (SIGTERM) ends the wait at once.
func AwaitOwnKeystore(ctx context.Context, cfg *contract.Config, prof *product.Profile, log *slog.Logger, pr KeystoreProbe) {
	if prof == nil || prof.Name == product.ProfileNone {
		return
	}
	if prof.Component == "" || !pr.Exists(cfg.CertificatesDir) {
		return
	}
	keystore := filepath.Join(cfg.CertificatesDir, certs.KeystoreFile(prof.Component))
	limit := keystoreWaitMax
	if w := cfg.WaitTimeout.V; w < limit { // 0: one check
		limit = w
	}
	start := time.Now()
	var lastReport time.Time // zero: the first miss is reported at once
	for {
		if pr.Exists(keystore) {
			if time.Since(start) >= pr.Every {
				log.Info("component keystore ready", "file", keystore, "after", time.Since(start).Round(time.Millisecond).String())
			}
			return
		}
		waited := time.Since(start)
		if waited >= limit {
			copied := filepath.Join(product.Home(cfg, prof), "repository", "resources", "security", certs.KeystoreFile(prof.Component))
			if pr.Exists(copied) {
				// The files still point at it: the copy an earlier start made.
				log.Warn("component keystore still missing; going on with the copy an earlier start made", "file", keystore, "copy", copied, "waited", waited.Round(time.Second).String())
			} else {
				log.Warn("component keystore still missing; going on with the product's own", "file", keystore, "waited", waited.Round(time.Second).String())
			}
			return
		}
		if lastReport.IsZero() || time.Since(lastReport) >= pr.Report {
			lastReport = time.Now()
			log.Info("waiting for the component keystore (the certificates job)", "file", keystore,
				"waited", waited.Round(time.Second).String(), "limit", limit.String())
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(pr.Every):
		}
	}
}
