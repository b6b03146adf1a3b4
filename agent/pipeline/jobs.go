package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/wso2-container/agent/agent/certs"
	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/homelock"
	"github.com/wso2-container/agent/agent/jobs"
	"github.com/wso2-container/agent/agent/plan"
	"github.com/wso2-container/agent/agent/product"
	"github.com/wso2-container/agent/agent/supervise"
)

// CertSyncJob is the name of the built-in job of WSO2_AGENT_CERT_SYNC. The
// '-' keeps it apart from every WSO2_AGENT_JOB_<NAME> job.
const CertSyncJob = "cert-sync"

// JobPreviews returns the jobs Load declared in cfg (see loadJobs),
// each with its next 3 run times after now, as render shows them. It reads
// nothing: a Config that Load did not make has no jobs.
func JobPreviews(cfg *contract.Config, now time.Time) []plan.JobPreview {
	out := make([]plan.JobPreview, 0, len(cfg.Jobs.List))
	for _, j := range cfg.Jobs.List {
		p := plan.JobPreview{Name: j.Name, Source: j.Source, Schedule: j.Spec, Command: j.Argv, Next: j.Next(now, 3)}
		if j.Func != nil {
			p.Builtin = "re-import " + cfg.CertificatesDir + " into the truststore"
		}
		out = append(out, p)
	}
	return out
}

// loadJobs reads, parses and checks the jobs c declares, for Load: the
// WSO2_AGENT_JOB_<NAME> variables of c's environment, the crontab file of
// WSO2_AGENT_CRONTAB (read here and never again) and the certificate sync
// of WSO2_AGENT_CERT_SYNC. Each command is looked up as execvp would, on
// the PATH of the server's environment and from the jobs' working
// directory, here and never again. It returns the jobs and one line per
// problem: a bad declaration, a duplicate name, a command that cannot be
// found or executed; c.Profile must be the profile Load settled on (the
// jobs' home follows from it).
func loadJobs(c *contract.Config) (contract.JobSet, []string) {
	list, errs := jobs.FromEnv(c.Environ())
	if c.Crontab != "" {
		tab, terrs := jobs.ReadCrontab(c.Crontab)
		list = append(list, tab...)
		for _, e := range terrs {
			errs = append(errs, fmt.Errorf("WSO2_AGENT_CRONTAB: %w", e))
		}
	}
	if c.CertSync != "" {
		j, err := certSyncJobFor(c)
		if err != nil {
			errs = append(errs, err)
		} else {
			list = append(list, j)
		}
	}
	set := contract.JobSet{List: list, Dir: jobDir(c)}
	// A crontab line's problem names the variable, as its parse errors do.
	for _, e := range append(jobs.CheckNames(list), jobs.Resolve(list, c.ServerEnviron(), set.Dir)...) {
		var je *jobs.Error
		if c.Crontab != "" && errors.As(e, &je) && strings.HasPrefix(je.Source, c.Crontab+":") {
			e = fmt.Errorf("WSO2_AGENT_CRONTAB: %w", e)
		}
		errs = append(errs, e)
	}
	var p []string
	for _, e := range errs {
		p = append(p, e.Error())
	}
	return set, p
}

// JobHome is the product home of the configuration (product.Home of its
// profile; "" for the profile none without WSO2_HOME).
func JobHome(cfg *contract.Config) string {
	p, _ := product.LookupProfile(cfg.Profile) // nil when unknown or unset
	return product.Home(cfg, p)
}

// jobDir is the working directory of every job: the product home when it
// is a folder, else the agent's own.
func jobDir(cfg *contract.Config) string {
	h := JobHome(cfg)
	if h == "" {
		return ""
	}
	if st, err := os.Stat(h); err != nil || !st.IsDir() {
		return ""
	}
	return h
}

// RunJobs returns the jobs a run starts: the ones Load declared in
// spec.Config, with the certificate sync importing into the truststore the
// setup's plan chose (see Plan.Truststore) instead of WSO2_TRUSTSTORE, so
// that it imports into the store the server reads: for API Manager 4.x the
// one deployment.toml names, or its writable copy when the product's own is
// read-only. The plan decides the truststore, so the job is bound to it
// here, after planning; the Config's jobs are left as Load made them.
func RunJobs(spec *RunSpec) []*jobs.Job {
	cfg := spec.Config
	out := slices.Clone(cfg.Jobs.List)
	if spec.Truststore == "" {
		return out
	}
	for i, j := range out {
		if j.Func != nil && j.Name == CertSyncJob {
			bound := *j
			bound.Func = certSyncFunc(cfg, spec.Truststore, spec.TruststorePassword)
			out[i] = &bound
		}
	}
	return out
}

// certSyncJobFor declares the WSO2_AGENT_CERT_SYNC job of cfg, importing
// into WSO2_TRUSTSTORE (made absolute with the product home; a relative
// one without a home is an error) until RunJobs binds it to the plan's
// truststore.
func certSyncJobFor(cfg *contract.Config) (*jobs.Job, error) {
	ts := cfg.Truststore
	var tsErr error
	if !filepath.IsAbs(ts) {
		if h := JobHome(cfg); h != "" {
			ts = filepath.Join(h, ts)
		} else {
			tsErr = &jobs.Error{Source: "WSO2_AGENT_CERT_SYNC", Job: CertSyncJob,
				Err: fmt.Errorf("WSO2_TRUSTSTORE %q is relative to WSO2_HOME, which is not set", ts)}
		}
	}
	j, err := jobs.NewFunc(CertSyncJob, "WSO2_AGENT_CERT_SYNC", cfg.CertSync, certSyncFunc(cfg, ts, cfg.TruststorePassword))
	if err != nil {
		return nil, err // the schedule's problem first, as it is the job's
	}
	if tsErr != nil {
		return nil, tsErr
	}
	return j, nil
}

// certSyncFunc is the body of the certificate sync job: on each run the
// certificates folder of cfg is imported into the truststore ts (absolute)
// with password, under the product home's lock, as the setup imports, and
// a change is logged with a reminder that the server reads its truststore
// at start only.
func certSyncFunc(cfg *contract.Config, ts, password string) func(context.Context, *slog.Logger) error {
	dir, home, timeout := cfg.CertificatesDir, JobHome(cfg), cfg.LockTimeout.V
	// The warnings of the last sync: a warning is logged when it appears,
	// not again at every sync while it lasts.
	warned := map[string]bool{}
	return func(ctx context.Context, log *slog.Logger) error {
		// The truststore is the home's: import under its lock, as the setup does.
		lk, err := lockHome(home, timeout, false, ctx.Done(), log)
		if errors.Is(err, homelock.ErrStopped) {
			return nil // the agent is stopping: not a failed sync
		}
		if err != nil {
			return err
		}
		defer lk.Release()
		return SyncCertificates(dir, ts, password, time.Now(), log, warned)
	}
}

// SyncCertificates imports the certificates of dir into truststore (add or
// replace, never remove) and logs what changed. It returns the import's
// error (which never contains the password). A warning already in warned
// (the previous sync's) is not logged again; warned is updated to this
// sync's warnings. A nil warned logs every warning.
func SyncCertificates(dir, truststore, password string, now time.Time, log *slog.Logger, warned map[string]bool) error {
	imp, err := certs.PlanImport(dir, truststore, password, now)
	if err != nil {
		return err
	}
	current := map[string]bool{}
	for _, w := range imp.Warnings {
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
	if !imp.Changed() {
		log.Debug("certificate sync: truststore up to date", "truststore", truststore)
		return nil
	}
	if err := imp.Apply(); err != nil {
		return err
	}
	var added, replaced []string
	for _, c := range imp.Changes {
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

// StartJobs starts, once the server of `agent run` has started, the jobs
// Load declared (see RunJobs) beside the server, through the run's reaper,
// as WSO2_AGENT_USER when the agent is root (like the server), in the
// working directory Load chose, with the server's environment; it reads no
// declaration, crontab or PATH again. When ctx ends (TERM/INT, or the
// server exited) scheduling stops and running jobs get the server's
// graceful stop (TERM to their process group, WSO2_AGENT_STOP_TIMEOUT,
// KILL); the returned stop, called after the server has exited, waits for
// that.
func StartJobs(ctx context.Context, r *supervise.Reaper, spec *RunSpec, log *slog.Logger, output io.Writer) (func(), error) {
	if spec.Config == nil {
		return func() {}, nil
	}
	list := RunJobs(spec)
	if len(list) == 0 {
		return func() {}, nil
	}
	cfg := spec.Config
	if tz, set := cfg.Getenv("TZ"); set {
		if w := localZoneWarning(tz, time.Local, list); w != "" {
			log.Warn(w)
		}
	}
	env := spec.Env
	cred := spec.Credential // resolved by `agent run`; nil: the jobs run as the agent
	if cred != nil {
		env = SetEnv(env, "HOME", spec.UserHome)
	}
	sched := jobs.Start(list, jobs.Options{
		Reaper:      r,
		Log:         log,
		Output:      output,
		JSONOutput:  strings.EqualFold(cfg.LogFormat, "json"),
		Mask:        MaskLog,
		Env:         env,
		Dir:         cfg.Jobs.Dir,
		Credential:  cred,
		StopTimeout: spec.StopTimeout,
	})
	go func() {
		<-ctx.Done()
		sched.Stop() // in parallel with the server's own stop
	}()
	return sched.Stop, nil
}

// localZoneWarning is the warning for a TZ that names no time zone the
// agent could load (a typo, a zone missing from the image, or a POSIX rule
// such as JST-9, which the C library understands and Go does not): Go then
// uses UTC as local time, silently, and every job scheduled without CRON_TZ
// would run at UTC times while the container's date shows another zone.
// local is the zone Go made of TZ (time.Local); "" when there is nothing
// to say.
func localZoneWarning(tz string, local *time.Location, list []*jobs.Job) string {
	name := strings.TrimPrefix(tz, ":")
	if name == "" || isUTCRule(name) || local.String() != "UTC" {
		return ""
	}
	var affected []string
	for _, j := range list {
		if !strings.HasPrefix(j.Spec, "CRON_TZ=") && !strings.HasPrefix(j.Spec, "TZ=") && !strings.HasPrefix(j.Spec, "@every") {
			affected = append(affected, j.Name)
		}
	}
	if len(affected) == 0 {
		return ""
	}
	jobsWord := "job"
	if len(affected) > 1 {
		jobsWord = "jobs"
	}
	return fmt.Sprintf("TZ=%s is not a time zone the agent can load (it needs a zone name found under /usr/share/zoneinfo, such as Europe/London): the schedules of %s %s run in UTC; set TZ to a zone name, or give each schedule a CRON_TZ=", tz, jobsWord, strings.Join(affected, ", "))
}

// isUTCRule reports whether the TZ value name is UTC itself, as a name or
// a POSIX rule without an offset (UTC, UTC0, GMT+0, UCT-00, UTC+00:00):
// Go's UTC fallback is then what was asked for.
func isUTCRule(name string) bool {
	for _, z := range []string{"UTC", "GMT", "UCT"} {
		if rest, ok := strings.CutPrefix(name, z); ok {
			rest = strings.TrimLeft(rest, "+-")
			// The offset is hh[:mm[:ss]]: zero when it holds only 0s and :s.
			return strings.Trim(rest, "0:") == "" && (strings.Contains(rest, "0") || name == z)
		}
	}
	return false
}
