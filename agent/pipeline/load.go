package pipeline

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"

	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/product"
	"github.com/wso2-container/agent/internal/boundedread"
)

// LoadEnv is Load of the process environment, which it reads once: each
// command that loads its configuration calls it once, and nothing after it
// asks the process. The WSO2_ variables of that environment which the agent
// does not read are logged to log first (see contract.UnknownVarWarnings), so that a
// misspelt variable is named even when the load then fails.
func LoadEnv(log *slog.Logger, requireProfile bool) (*contract.Config, error) {
	environ := os.Environ()
	for _, w := range contract.UnknownVarWarnings(environ) {
		log.Warn(w)
	}
	return Load(environ, requireProfile)
}

// LoadEnvForReport is LoadEnv for a command that prints a report of its
// plan (render): the warnings about variables the agent does not read are
// not logged but returned, and kept in the Config (ReportWarnings), whose
// plan starts with them. The caller logs them itself when no report is
// printed (a load, plan or apply that fails), so that each is shown once.
func LoadEnvForReport(requireProfile bool) (*contract.Config, []string, error) {
	environ := os.Environ()
	warnings := contract.UnknownVarWarnings(environ)
	cfg, err := Load(environ, requireProfile)
	if err != nil {
		return nil, warnings, err
	}
	cfg.ReportWarnings = warnings
	return cfg, warnings, nil
}

// Load reads Config from environ (KEY=VALUE entries, as os.Environ returns
// them), once: everything after it asks the Config (Getenv), never the
// process. NAME_FILE variants of secrets are read first (one trailing
// newline trimmed); setting both NAME and NAME_FILE is an error. With
// requireProfile (the commands that set the profile up: render, run) and a
// profile other than none, Load also reads and parses the patch files of
// WSO2_AGENT_PATCHES and, for an API Manager 4.x profile, the 4.x
// variables (their role is the profile's, so no product home is needed);
// planning uses what Load parsed and reads neither again. Every Load also
// declares the jobs (WSO2_AGENT_JOB_<NAME>, the crontab file of
// WSO2_AGENT_CRONTAB, WSO2_AGENT_CERT_SYNC) and resolves their commands on
// the PATH; render previews and run starts those jobs, and neither reads a
// declaration, the crontab or the PATH again. Every problem — variable,
// secret file, patch file (with its line), 4.x variable, job — is reported
// at once, one line each, as a *contract.ConfigError wrapped with exitcode.Config,
// before anything is planned or written. Profile defaults (home, cluster
// members, wait targets) are not filled into the Config: the plan asks
// product.Home, the profile and contract.WaitTargets. With requireProfile false (jobs
// such as admin-password), WSO2_PROFILE may be unset.
func Load(environ []string, requireProfile bool) (*contract.Config, error) {
	c := (&contract.Config{}).WithEnviron(environ)
	var problems []string
	fileVals := map[string]string{}
	for _, name := range contract.SecretNames() {
		path, ok := c.Getenv(name + "_FILE")
		if !ok {
			continue
		}
		if _, both := c.Getenv(name); both {
			problems = append(problems, fmt.Sprintf("%s and %s_FILE are both set: use one", name, name))
			continue
		}
		limit := contract.FileLimit(name)
		b, err := boundedread.ReadFile(path, limit)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s_FILE: read %s: %s", name, path, contract.DescribeFSError(err)))
			continue
		}
		if bytes.IndexByte(b, 0) >= 0 {
			what := "no password"
			if limit != boundedread.Secret {
				what = "no text"
			}
			problems = append(problems, fmt.Sprintf("%s_FILE: %s holds a NUL byte, which %s can contain", name, path, what))
			continue
		}
		v := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
		if v == "" {
			// An empty secret file is a secret that was not mounted or
			// not written, never a password.
			problems = append(problems, fmt.Sprintf("%s_FILE: %s is empty", name, path))
			continue
		}
		fileVals[name] = v
	}
	c.Decode(fileVals)
	// Registered before anything is validated: no error line may show them.
	resetLogSecrets()
	for _, v := range c.SecretValues() {
		RegisterLogSecret(v)
	}
	for _, v := range fileVals {
		RegisterLogSecret(v)
	}
	registerEnvSecrets(environ)
	problems = append(problems, validate(c, requireProfile)...)
	var jobProblems []string
	c.Jobs, jobProblems = loadJobs(c) // after validate, which settles the profile
	problems = append(problems, jobProblems...)
	if requireProfile {
		problems = append(problems, loadSetupInputs(c, fileVals)...)
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, exitcode.Wrap(exitcode.Config, &contract.ConfigError{Problems: problems})
	}
	return c, nil
}

// loadSetupInputs reads and parses, into c, what the setup of c.Profile
// takes beside the variables: the patch files (for any WSO2_PROFILE but
// none, also a missing or unknown one, so that their problems are reported
// with the profile's) and, for an API Manager 4.x profile, the 4.x
// variables, whose secrets given as NAME_FILE have the values Load read
// (secretFiles). It returns one line per problem.
func loadSetupInputs(c *contract.Config, secretFiles map[string]string) []string {
	if c.Profile == product.ProfileNone {
		return nil
	}
	var p []string
	c.PatchFiles, p = loadPatches(c)
	if prof, ok := product.LookupProfile(c.Profile); ok {
		if pr := product.For(prof); pr != nil {
			p = append(p, pr.LoadSetup(c, prof, secretFiles)...)
		}
	}
	return p
}

// validate returns one line per bad variable: the contract's own checks
// (Config.Problems), the profile (settled here: an unset WSO2_PROFILE of a
// command that sets a profile up is the profile of a 4.x home, see
// product.DetectPack) and the values the profile's setup writes
// (valueProblems). Values of secrets are never included.
func validate(c *contract.Config, requireProfile bool) []string {
	p := c.Problems()
	if c.Profile == "" && requireProfile {
		if k := product.DetectPack(product.Home(c, nil)); k != nil {
			c.Profile = k.Default // a 4.x pack is its own component
		}
	}
	if c.Profile == "" && !requireProfile {
		// nothing to check
	} else if c.Profile == "" {
		// Said as `agent health` says it: a home was given, so the
		// operator may have expected its pack to name the profile.
		why := "not set ("
		if h := product.Home(c, nil); h != "" {
			why = "not set, and " + product.HomeVar(c, nil) + " " + h + " is not an API Manager 4.x home, which names its own (no bin/api-cp.sh, bin/traffic-manager.sh, bin/gateway.sh or bin/api-manager.sh); set it ("
		}
		p = append(p, "WSO2_PROFILE: "+why+"one of: "+strings.Join(product.ProfileNames(), ", ")+")")
	} else if _, ok := product.LookupProfile(c.Profile); !ok {
		p = append(p, fmt.Sprintf("WSO2_PROFILE: unknown profile %q (one of: %s)", c.Profile, strings.Join(product.ProfileNames(), ", ")))
	}
	if prof, ok := product.LookupProfile(c.Profile); ok && c.Profile != "" {
		p = append(p, valueProblems(c, prof)...)
	} else {
		p = append(p, valueProblems(c, nil)...)
		p = append(p, c.MySQLServerProblem()...)
	}
	return p
}

// valueProblems checks every variable that becomes a host, service name,
// domain or URL, and the values that must not be empty, for a profile with
// a setup (not none), then asks the profile's product. prof may be nil
// (admin-password without a profile).
func valueProblems(c *contract.Config, prof *product.Profile) []string {
	p := c.EmptyProblems()
	if prof == nil || prof.Name == product.ProfileNone {
		return p
	}
	p = append(p, c.HostProblems()...)
	if pr := product.For(prof); pr != nil {
		p = append(p, pr.Problems(c, prof)...)
	}
	return p
}
