package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/homelock"
	"github.com/wso2-container/agent/agent/plan"
	"github.com/wso2-container/agent/agent/product"
	"github.com/wso2-container/agent/internal/atomicfile"
	"github.com/wso2-container/agent/internal/boundedread"
	"github.com/wso2-container/agent/internal/fixpoint"
	"github.com/wso2-container/agent/xmlconf"
)

// SetupResult is what the setup pipeline reports to its callers.
type SetupResult struct {
	Home    string
	Plan    *plan.Plan
	Written []string // files written (nothing on dry-run)
}

// Setup plans the profile's actions for cfg and, unless dryRun, applies
// them. A planning error means nothing was written.
//
// The plan's warnings (each once) are in the result's Plan.Warnings, also
// when applying failed; Setup does not print them: its caller shows each
// once, in its report or through LogWarnings.
//
// The whole of it runs under the home's lock (see lockHome): exclusive for
// a real setup, shared for a dry run. A dry run plans without trusting the
// keys that earlier starts left on the files (fixpoint.Trust): it
// recomputes every edit.
//
// newOwner, when not nil, owns every file and folder the apply creates
// (plan.Plan.NewOwner): `agent run` as root passes the server's user.
//
// beside, when not nil, is called once with the complete plan (warnings
// included) if planning succeeded, and Setup returns only after it has
// returned. On a real setup it runs on its own goroutine while the plan is
// applied: render builds its report there while the disk syncs. It may read
// the plan and register secrets with it (the report does); Apply changes
// nothing of the plan that a report reads (see plan.Apply). It is called
// whether or not the apply then succeeds; the caller discards what it made
// when Setup returns an error.
func Setup(ctx context.Context, cfg *contract.Config, prof *product.Profile, log *slog.Logger, dryRun bool, newOwner *atomicfile.Owner, beside func(*plan.Plan)) (*SetupResult, error) {
	lk, err := lockHome(product.Home(cfg, prof), cfg.LockTimeout.V, dryRun, ctx.Done(), log)
	if err != nil {
		return nil, err
	}
	defer lk.Release()
	if dryRun {
		// What a dry run shows never rests on the keys of earlier starts.
		defer func(trust bool) { fixpoint.Trust = trust }(fixpoint.Trust)
		fixpoint.Trust = false
	}
	p, err := BuildPlan(cfg, prof, product.DefaultDiscovery)
	if err != nil {
		return nil, err
	}
	p.Unlocked = lk.Unlocked != ""
	p.NewOwner = newOwner
	for _, s := range p.Seeds {
		s.Done = ctx.Done()
		s.Waiting = func(holder string) {
			log.Info("deployment volume is being seeded by another agent: waiting", "folder", s.Dst, "holder", holder, "timeout", s.Wait.String())
		}
	}
	if dryRun {
		p.Warnings = append(p.Warnings, p.Unwritable()...)
	}
	p.Warnings = uniqueStrings(p.Warnings)
	res := &SetupResult{Home: p.Home, Plan: p}
	if dryRun {
		if beside != nil {
			beside(p)
		}
		return res, nil
	}
	var besideDone sync.WaitGroup
	if beside != nil {
		besideDone.Go(func() { beside(p) })
	}
	written, err := p.Apply()
	besideDone.Wait()
	res.Written = written
	if len(p.OwnerNotKept) > 0 {
		log.Warn(fmt.Sprintf("setup: could not keep the owner or group of %d replaced files (the agent runs as uid %d, and only root may give a file away); their mode is kept", len(p.OwnerNotKept), os.Geteuid()),
			"files", strings.Join(p.OwnerNotKept, "; "))
	}
	for _, l := range p.SeedLeftovers {
		log.Warn("setup: the folder is seeded, but the seed's temporary copy is left in place (the server never reads it; remove it by hand)", "error", l)
	}
	if err != nil {
		return res, err
	}
	if len(written) == 0 {
		log.Info("setup: configuration up to date, nothing written", "profile", prof.Name)
	} else {
		// One line per file written, as render lists them: the changes
		// behind each are what render --dry-run showed (its actions).
		for _, f := range p.Changed() {
			log.Info("setup: wrote", "file", f.Display(), "changes", len(f.Changes))
		}
		log.Info("setup: configuration applied", "profile", prof.Name, "files", len(written))
	}
	return res, nil
}

// LogWarnings logs each of the plan's warnings once, secrets masked.
func LogWarnings(log *slog.Logger, p *plan.Plan) {
	for _, w := range p.Warnings {
		log.Warn(p.MaskSecrets(w))
	}
}

// uniqueStrings returns ss without repeats, in their first order.
func uniqueStrings(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	out := ss[:0]
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// BuildPlan computes every action of the profile without writing anything:
// its product's plan (see product), and the jobs beside the server.
func BuildPlan(cfg *contract.Config, prof *product.Profile, d product.Discovery) (*plan.Plan, error) {
	pr := product.For(prof)
	if pr == nil {
		return nil, exitcode.Errorf(exitcode.Software, "plan %s: the profile has no product", prof.Name)
	}
	p, err := pr.Plan(cfg, prof, d)
	if err != nil {
		return nil, err
	}
	if len(cfg.ReportWarnings) > 0 {
		p.Warnings = append(slices.Clone(cfg.ReportWarnings), p.Warnings...)
	}
	jobs := JobPreviews(cfg, plan.Now())
	for i := range jobs {
		if jobs[i].Name == CertSyncJob && p.Truststore != "" {
			// The job imports into the plan's truststore (see RunJobs).
			jobs[i].Builtin = "re-import " + cfg.CertificatesDir + " into " + p.Truststore
		}
	}
	p.Jobs = jobs
	return p, nil
}

// lockHome takes the lock of home (package homelock): exclusive, or shared
// for a dry run, waiting at most timeout for another agent and logging once
// that it waits and for whom. A home that is still busy after timeout is
// exitcode.TempFail. When the lock file cannot be created (a read-only
// home) the setup goes on without it, with a warning; a home that is not a
// folder is left for planning to report.
func lockHome(home string, timeout time.Duration, shared bool, done <-chan struct{}, log *slog.Logger) (*homelock.Lock, error) {
	if st, err := os.Stat(home); err != nil || !st.IsDir() {
		return &homelock.Lock{}, nil
	}
	lk, err := homelock.Acquire(home, homelock.Options{Timeout: timeout, Shared: shared, Done: done, Waiting: func(holder string) {
		log.Info("home is busy: waiting for the agent holding its lock", "home", home, "holder", holder, "timeout", timeout.String())
	}})
	if errors.Is(err, homelock.ErrBusy) {
		return nil, exitcode.Wrap(exitcode.TempFail, fmt.Errorf("WSO2_HOME: %w (another agent is setting up %s; WSO2_AGENT_LOCK_TIMEOUT)", err, home))
	}
	if err != nil {
		return nil, exitcode.Wrap(exitcode.IOErr, fmt.Errorf("WSO2_HOME: %w", err))
	}
	if lk.Unlocked != "" && !shared {
		log.Warn("home lock not taken, going on without it: do not start two agents on this home at once", "home", home, "err", lk.Unlocked)
	}
	return lk, nil
}

// loadPatches reads and parses every file of WSO2_AGENT_PATCHES, for Load:
// each file is read once, here. A file that cannot be read is one problem
// naming it; a file that does not parse is one problem per bad line
// ("WSO2_AGENT_PATCHES: NAME:LINE: reason"). ${NAME} in a patch is resolved
// by Config.PatchLookup, so c's variables (secret files included) must be loaded.
func loadPatches(c *contract.Config) ([]contract.PatchFile, []string) {
	var out []contract.PatchFile
	var problems []string
	for _, name := range c.Patches.V {
		src, err := boundedread.ReadFile(name, boundedread.Text)
		if err != nil {
			problems = append(problems, fmt.Sprintf("WSO2_AGENT_PATCHES: read %s: %s", name, contract.DescribeFSError(err)))
			continue
		}
		fps, err := xmlconf.ParsePatchKinds(name, src, c.PatchLookup, contract.IsSecretName, plan.TOMLPatchKind)
		if err != nil {
			for _, e := range plan.Unjoin(err) {
				problems = append(problems, "WSO2_AGENT_PATCHES: "+e.Error())
			}
			continue
		}
		out = append(out, contract.PatchFile{Name: name, Files: fps})
	}
	return out, problems
}
