package agent

import (
	"context"
	"fmt"

	"github.com/wso2-container/agent/agent/exitcode"
)

// cmdAdminPassword is a placeholder until the subcommand lands.
func cmdAdminPassword(_ context.Context, _ []string, io IO) int {
	fmt.Fprintln(io.Stderr, "agent: not implemented yet")
	return exitcode.Software
}
