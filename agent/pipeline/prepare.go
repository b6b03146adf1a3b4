package pipeline

import (
	"context"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/product"
	"github.com/wso2-container/agent/internal/atomicfile"
)

// RunSpec is everything `agent run` needs once the setup is done.
type RunSpec struct {
	Argv        []string            // the command to start: the server command with its flags, or the user's command
	Dir         string              // working directory ("" = inherit)
	Env         []string            // the child's environment (secrets removed unless WSO2_AGENT_KEEP_SECRETS_ENV)
	User        string              // when root, run the child as this user ("" = do not switch)
	Credential  *syscall.Credential // set by `agent run`: the resolved User (nil = do not switch)
	UserHome    string              // set by `agent run`: the resolved User's home
	WaitFor     []string            // host:port addresses to wait for before starting
	WaitTimeout time.Duration       // give up waiting after this long
	StopTimeout time.Duration       // SIGTERM/SIGINT → this long → SIGKILL of the group
	Config      *contract.Config    // the loaded configuration (for jobs)
	Profile     *product.Profile
	// Truststore and TruststorePassword are the plan's truststore (see
	// Plan.Truststore): the certificate sync job imports into it.
	Truststore         string
	TruststorePassword string
}

// PrepareRun runs the setup pipeline for cfg (unless the profile is "none")
// and resolves the command line of `agent run`:
//
//   - no ARGS, or ARGS that all start with '-': the profile's server command
//     with its default flags, then ARGS;
//   - ARGS whose first element is "--": the rest is the command;
//   - otherwise ARGS is the command, run instead of the server after setup.
//
// With WSO2_PROFILE=none there is no setup and ARGS must name a command.
// newOwner (the server's user, when the agent is root) owns what the setup
// creates (see Setup).
func PrepareRun(ctx context.Context, cfg *contract.Config, args []string, newOwner *atomicfile.Owner, log *slog.Logger) (*RunSpec, error) {
	prof, _ := product.LookupProfile(cfg.Profile)
	spec := &RunSpec{
		WaitTimeout: cfg.WaitTimeout.V,
		StopTimeout: cfg.StopTimeout.V,
		User:        cfg.User,
		Config:      cfg,
		Profile:     prof,
	}
	spec.Env = cfg.ServerEnviron()

	userCmd := len(args) > 0 && !strings.HasPrefix(args[0], "-")
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
		userCmd = true
		if len(args) == 0 {
			return nil, exitcode.Errorf(exitcode.Usage, "run: no command after --")
		}
	}
	if prof.Name == product.ProfileNone {
		if !userCmd {
			return nil, exitcode.Errorf(exitcode.Usage, "run: WSO2_PROFILE=none needs a command to run (agent run [--] CMD ARGS...)")
		}
		spec.Argv = args
		spec.WaitFor = contract.WaitTargets(cfg, nil)
		return spec, nil
	}

	// The certificates job may still be filling the shared volume.
	AwaitOwnKeystore(ctx, cfg, prof, log, defaultKeystoreProbe)
	if err := ctx.Err(); err != nil {
		return nil, err // stopped during the wait: nothing is written
	}
	res, err := Setup(ctx, cfg, prof, log, false, newOwner, nil)
	if res != nil {
		LogWarnings(log, res.Plan)
	}
	if err != nil {
		return nil, err
	}
	spec.Truststore, spec.TruststorePassword = res.Plan.Truststore, res.Plan.TruststorePassword
	for _, k := range slices.Sorted(maps.Keys(res.Plan.ChildEnv)) {
		spec.Env = SetEnv(spec.Env, k, res.Plan.ChildEnv[k])
	}
	spec.WaitFor = res.Plan.WaitFor // what render shows
	if userCmd {
		spec.Argv = args
		return spec, nil
	}
	spec.Argv = append(append([]string(nil), res.Plan.Command...), args...)
	spec.Dir = filepath.Dir(res.Plan.Command[0])
	return spec, nil
}

// SetEnv returns env with key set to value (replacing earlier values).
func SetEnv(env []string, key, value string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k != key {
			out = append(out, kv)
		}
	}
	return append(out, key+"="+value)
}
