// Command agent is the entrypoint and PID 1 of the WSO2 product images.
// Everything it does lives in package agent and the packages under agent/; see the README.
//
// It must not know anything the agent does: no subcommand, flag,
// environment variable, product or profile. It hands the arguments to
// agent.Main and exits with the code Main returns.
package main

import (
	"os"
	"runtime"

	"github.com/wso2-container/agent/agent"
)

// init keeps the main goroutine on the process's main thread when the
// command line may need it (agent.NeedsMainThread: agent run forwards
// signals from it); agent.Main releases it for any other subcommand.
func init() {
	if agent.NeedsMainThread(os.Args[1:]) {
		runtime.LockOSThread()
	}
}

func main() {
	os.Exit(agent.Main(os.Args[1:], agent.StdIO()))
}
