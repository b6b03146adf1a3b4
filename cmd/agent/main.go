// Command agent is the entrypoint and PID 1 of the WSO2 product images.
// Everything it does lives in package agent; see the README.
package main

import (
	"os"

	"github.com/wso2-container/agent/agent"
)

func main() {
	os.Exit(agent.Main(os.Args[1:], agent.StdIO()))
}
