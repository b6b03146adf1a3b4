package agent

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/wso2-container/agent/agent/certs"
	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/jobs"
	"github.com/wso2-container/agent/agent/supervise"
)

// certSyncJob is the name of the built-in job of WSO2_AGENT_CERT_SYNC. The
// '-' keeps it apart from every WSO2_AGENT_JOB_<NAME> job.
const certSyncJob = "cert-sync"

func init() { startCompanions = startJobs }

// JobPreview is one scheduled job as `render` shows it.
type JobPreview struct {
	Name     string      `json:"name"`
	Source   string      `json:"source"`            // variable or crontab file:line
	Schedule string      `json:"schedule"`          // as declared
	Command  []string    `json:"command,omitempty"` // argv; empty for a built-in job
	Builtin  string      `json:"builtin,omitempty"` // what a built-in job does
	Next     []time.Time `json:"next"`              // the next 3 run times after now
}

// jobPreviews returns every job declared by the environment (the
// WSO2_AGENT_JOB_<NAME> variables of os.Environ, WSO2_AGENT_CRONTAB and
// WSO2_AGENT_CERT_SYNC), each with its next 3 run times after now. Bad
// declarations are a *ConfigError listing them all, wrapped with
// exitcode.Config.
func jobPreviews(cfg *Config, now time.Time) ([]JobPreview, error) {
	list, err := loadJobs(cfg, cfg.environ)
	if err != nil {
		return nil, err
	}
	out := make([]JobPreview, 0, len(list))
	for _, j := range list {
		p := JobPreview{Name: j.Name, Source: j.Source, Schedule: j.Spec, Command: j.Argv, Next: j.Next(now, 3)}
		if j.Func != nil {
			p.Builtin = "re-import " + cfg.CertificatesDir + " into the truststore"
		}
		out = append(out, p)
	}
	return out, nil
}

// jobPreviewLines renders previews for `render` text output, one comment
// line per job, times in UTC:
//
//	# job purge (WSO2_AGENT_JOB_PURGE) "@daily": find /logs -mtime +7 -delete; next: 2026-11-23T00:00:00Z, ...
func jobPreviewLines(ps []JobPreview) []string {
	var out []string
	for _, p := range ps {
		what := jobs.QuoteArgs(p.Command)
		if p.Builtin != "" {
			what = p.Builtin
		}
		var next []string
		for _, t := range p.Next {
			next = append(next, t.UTC().Format(time.RFC3339))
		}
		if len(next) == 0 {
			next = []string{"never fires again"}
		}
		out = append(out, fmt.Sprintf("# job %s (%s) %q: %s; next: %s", p.Name, p.Source, p.Schedule, what, strings.Join(next, ", ")))
	}
	return out
}

// jobProblems returns one line per bad job declaration, for Config.validate:
// nil when every job is valid.
func jobProblems(cfg *Config) []string {
	_, errs := collectJobs(cfg, cfg.environ)
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

// loadJobs returns the jobs declared in environ and cfg, validated and with
// their commands resolved; any problem is a *ConfigError listing all of
// them, wrapped with exitcode.Config.
func loadJobs(cfg *Config, environ []string) ([]*jobs.Job, error) {
	list, errs := collectJobs(cfg, environ)
	if len(errs) > 0 {
		var probs []string
		for _, e := range errs {
			probs = append(probs, e.Error())
		}
		sort.Strings(probs)
		return nil, exitcode.Wrap(exitcode.Config, &ConfigError{Problems: probs})
	}
	return list, nil
}

// collectJobs gathers the jobs of the WSO2_AGENT_JOB_<NAME> variables,
// the crontab file and the certificate sync, in that order, and every
// problem: bad declarations, duplicate names, commands that cannot be
// found or executed.
func collectJobs(cfg *Config, environ []string) ([]*jobs.Job, []error) {
	list, errs := jobs.FromEnv(environ)
	if cfg.Crontab != "" {
		tab, terrs := jobs.ReadCrontab(cfg.Crontab)
		list = append(list, tab...)
		for _, e := range terrs {
			errs = append(errs, fmt.Errorf("WSO2_AGENT_CRONTAB: %w", e))
		}
	}
	if cfg.CertSync != "" {
		j, err := certSyncJobFor(cfg)
		if err != nil {
			errs = append(errs, err)
		} else {
			list = append(list, j)
		}
	}
	errs = append(errs, jobs.CheckNames(list)...)
	errs = append(errs, jobs.Resolve(list, childEnv(environ, cfg.KeepSecretsEnv.V), jobDir(cfg))...)
	return list, errs
}

// jobHome is the product home of the configuration (productHome of its
// profile; "" for the profile none without WSO2_HOME).
func jobHome(cfg *Config) string {
	p, ok := lookupProfile(cfg.Profile)
	if !ok {
		p = nil
	}
	return productHome(cfg, p)
}

// jobDir is the working directory of every job: the product home when it
// is a folder, else the agent's own.
func jobDir(cfg *Config) string {
	h := jobHome(cfg)
	if h == "" {
		return ""
	}
	if st, err := os.Stat(h); err != nil || !st.IsDir() {
		return ""
	}
	return h
}

// jobConfig is the configuration the jobs of a run are made from: the
// run's, with the truststore the setup's plan chose (see Plan.Truststore)
// instead of WSO2_TRUSTSTORE, so that the certificate sync imports into the
// store the server reads: for API Manager 4.x the one deployment.toml
// names, or its writable copy when the product's own is read-only.
func jobConfig(spec *RunSpec) *Config {
	if spec.Config == nil || spec.Truststore == "" {
		return spec.Config
	}
	c := *spec.Config
	c.Truststore, c.TruststorePassword = spec.Truststore, spec.TruststorePassword
	return &c
}

// certSyncJobFor declares the WSO2_AGENT_CERT_SYNC job: on its schedule, the
// certificates folder is imported into the truststore again (the same
// import as the setup's), and a change is logged with a reminder that the
// server reads its truststore at start only.
func certSyncJobFor(cfg *Config) (*jobs.Job, error) {
	ts := cfg.Truststore
	dir, password := cfg.CertificatesDir, cfg.TruststorePassword
	// The closure reads ts once it has been made absolute below.
	home, timeout := jobHome(cfg), cfg.LockTimeout.V
	// The warnings of the last sync: a warning is logged when it appears,
	// not again at every sync while it lasts.
	warned := map[string]bool{}
	j, err := jobs.NewFunc(certSyncJob, "WSO2_AGENT_CERT_SYNC", cfg.CertSync, func(_ context.Context, log *slog.Logger) error {
		// The truststore is the home's: import under its lock, as the setup does.
		lk, err := lockHome(home, timeout, false, log)
		if err != nil {
			return err
		}
		defer lk.Release()
		return syncCertificates(dir, ts, password, time.Now(), log, warned)
	})
	if err != nil {
		return nil, err
	}
	if !filepath.IsAbs(ts) {
		h := jobHome(cfg)
		if h == "" {
			return nil, &jobs.Error{Source: "WSO2_AGENT_CERT_SYNC", Job: certSyncJob,
				Err: fmt.Errorf("WSO2_TRUSTSTORE %q is relative to WSO2_HOME, which is not set", ts)}
		}
		ts = filepath.Join(h, ts)
	}
	return j, nil
}

// syncCertificates imports the certificates of dir into truststore (add or
// replace, never remove) and logs what changed. It returns the import's
// error (which never contains the password). A warning already in warned
// (the previous sync's) is not logged again; warned is updated to this
// sync's warnings. A nil warned logs every warning.
func syncCertificates(dir, truststore, password string, now time.Time, log *slog.Logger, warned map[string]bool) error {
	plan, err := certs.PlanImport(dir, truststore, password, now)
	if err != nil {
		return err
	}
	current := map[string]bool{}
	for _, w := range plan.Warnings {
		current[w] = true
		if !warned[w] {
			log.Warn("certificate sync: " + w)
		}
	}
	if warned != nil {
		clear(warned)
		for w := range current {
			warned[w] = true
		}
	}
	if !plan.Changed() {
		log.Debug("certificate sync: truststore up to date", "truststore", truststore)
		return nil
	}
	if err := plan.Apply(); err != nil {
		return err
	}
	var added, replaced []string
	for _, c := range plan.Changes {
		switch c.Action {
		case certs.ActionAdd:
			added = append(added, c.Alias)
		case certs.ActionReplace:
			replaced = append(replaced, c.Alias)
		}
	}
	log.Warn("truststore changed: restart the server to use the new certificates (it reads the truststore only at start)",
		"truststore", truststore, "added", strings.Join(added, ","), "replaced", strings.Join(replaced, ","))
	return nil
}

// startJobs is the startCompanions hook of `agent run`: it starts the jobs
// of the run's configuration beside the server, through the run's reaper,
// as WSO2_AGENT_USER when the agent is root (like the server), in the
// product home, with the server's environment. When ctx ends (TERM/INT, or
// the server exited) scheduling stops and running jobs get the server's
// graceful stop (TERM to their process group, WSO2_AGENT_STOP_TIMEOUT,
// KILL); the returned stop waits for that.
func startJobs(ctx context.Context, r *supervise.Reaper, spec *RunSpec, io IO) (func(), error) {
	cfg := jobConfig(spec)
	if cfg == nil {
		return func() {}, nil
	}
	list, err := loadJobs(cfg, cfg.environ)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return func() {}, nil
	}
	env := spec.Env
	cred := spec.Credential // resolved by cmdRun; nil: the jobs run as the agent
	if cred != nil {
		env = setEnv(env, "HOME", spec.UserHome)
	}
	sched := jobs.Start(list, jobs.Options{
		Reaper:      r,
		Log:         io.Log,
		Output:      io.Stderr,
		JSONOutput:  strings.EqualFold(cfg.LogFormat, "json"),
		Env:         env,
		Dir:         jobDir(cfg),
		Credential:  cred,
		StopTimeout: spec.StopTimeout,
	})
	go func() {
		<-ctx.Done()
		sched.Stop() // in parallel with the server's own stop
	}()
	return sched.Stop, nil
}
