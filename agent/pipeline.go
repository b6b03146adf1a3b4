package agent

import (
	"context"

	"github.com/wso2-container/agent/agent/exitcode"
)

// setupResult is what the setup pipeline reports to its callers.
type setupResult struct {
	Home           string
	Written        []string // files written (nothing on dry-run)
	DefaultWaitFor []string // the profile's default dependencies (host:port)
}

// setup loads nothing: it plans the profile's actions for cfg and applies
// them (or only renders them when dryRun). Placeholder until the pipeline lands.
func setup(_ context.Context, _ *Config, _ *Profile, _ IO, _ bool) (*setupResult, error) {
	return nil, exitcode.Errorf(exitcode.Software, "setup: not implemented yet")
}
