package agent

import (
	"context"
	"fmt"

	"github.com/wso2-container/agent/agent/exitcode"
)

// cmdRun is a placeholder until the subcommand lands.
func cmdRun(_ context.Context, _ []string, io IO) int {
	fmt.Fprintln(io.Stderr, "agent: not implemented yet")
	return exitcode.Software
}
