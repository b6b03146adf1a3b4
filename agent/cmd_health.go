package agent

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/health"
	"github.com/wso2-container/agent/agent/product"
	"github.com/wso2-container/agent/agent/supervise"
)

var healthDoc = cmdDoc{name: "health", synopsis: "agent health [--timeout 4s] [--host 127.0.0.1]", about: `Is the server in this container ready? A TLS handshake on its HTTPS port
(9443 + the port offset of carbon.xml or deployment.toml), then its health
endpoint: GET /services/Version on 9763 + offset (Carbon 4.4, 4.x control
plane, traffic manager, key manager) or /api/am/gateway/v2/server-startup-healthcheck
on the HTTPS port (4.x gateways and all-in-one). For Docker HEALTHCHECK and
Kubernetes exec probes. Exit 0 ready; 69 refused; 75 no answer within
--timeout; 66 or 65 the configuration file is missing or malformed; 78 no or
unknown profile; 143/130 stopped by TERM/INT.`}

// healthTimeoutDefault stays below the 5s timeout of the images' HEALTHCHECK
// and of Kubernetes' usual probe settings, so the reason is ours, not a kill.
const healthTimeoutDefault = 4 * time.Second

// cmdHealth is `agent health`: is the server in this container ready? For
// Docker HEALTHCHECK and Kubernetes exec probes in images without curl or a
// shell. It reads only WSO2_PROFILE, WSO2_HOME (WSO2_SERVER_HOME) and, on
// 4.x, WSO2_PORT_OFFSET and the home's deployment.toml; on Carbon 4.4 the
// offset of carbon.xml. No JVM, no setup, nothing written.
//
// Exit 0 with one line on stdout when ready; otherwise one line on stderr
// and 69 (refused: nothing listens, the handshake fails, the endpoint
// answers non-2xx), 75 (no answer within --timeout), 143/130 (stopped by
// TERM/INT before the probe ended), 66 (the home's
// configuration file is unreadable), 78 (no profile, an unknown one, or an
// unreadable offset) or 64 (bad flags).
func cmdHealth(ctx context.Context, args []string, stdio IO) int {
	fs := newFlags(healthDoc)
	timeout := fs.Duration("timeout", healthTimeoutDefault, "give up (exit 75) after this long")
	host := fs.String("host", "127.0.0.1", "address to probe")
	pos, code, done := parseFlags(fs, healthDoc, args, stdio)
	if done {
		return code
	}
	if len(pos) > 0 {
		return usageError(stdio, healthDoc, "unexpected argument %q", pos[0])
	}
	if *timeout <= 0 {
		return usageError(stdio, healthDoc, "--timeout must be positive, not %v", *timeout)
	}
	// health reads a few variables, not the contract: a probe answers
	// about the server whatever else the environment holds, so it does not
	// Load. It reads the process environment once, here.
	check, err := healthCheckFor((&contract.Config{}).WithEnviron(os.Environ()))
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "unhealthy: %s\n", err)
		return exitcode.Of(err)
	}
	check.Host = *host
	// A TERM or INT (`docker run IMAGE health` stopped, as PID 1) ends the
	// probe at once with 128+N.
	ctx, stopped, release := stopOnSignal(ctx)
	defer release()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	msg, err := health.Probe(ctx, check)
	if sig := stopped(); sig != 0 && err != nil {
		fmt.Fprintf(stdio.Stderr, "unhealthy: stopped by %s before the probe ended\n", supervise.SignalName(sig))
		return 128 + int(sig)
	}
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "unhealthy: %s\n", err)
		return exitcode.Of(err)
	}
	fmt.Fprintf(stdio.Stdout, "healthy: %s\n", msg)
	return exitcode.OK
}

// healthCheckFor finds the profile and home as `agent run` does, from the
// environment of cfg (which has only that: see WithEnviron), and asks the
// profile what to probe. It sets cfg.Home to WSO2_HOME, for product.Home.
func healthCheckFor(cfg *contract.Config) (health.Check, error) {
	name, _ := cfg.Getenv("WSO2_PROFILE")
	cfg.Home, _ = cfg.Getenv("WSO2_HOME")
	home := cfg.Home
	if name == "" {
		if h := product.Home(cfg, nil); h != "" {
			if k := product.DetectPack(h); k != nil {
				name, home = k.Default, h
			}
		}
		if name == "" {
			return health.Check{}, exitcode.Errorf(exitcode.Config, "WSO2_PROFILE: not set, and WSO2_HOME/WSO2_SERVER_HOME is not an API Manager 4.x home")
		}
	}
	prof, ok := product.LookupProfile(name)
	if !ok {
		return health.Check{}, exitcode.Errorf(exitcode.Config, "WSO2_PROFILE: unknown profile %q (valid: %s)", name, strings.Join(product.ProfileNames(), ", "))
	}
	if prof.Name == product.ProfileNone {
		return health.Check{}, exitcode.Errorf(exitcode.Config, "WSO2_PROFILE: none runs no WSO2 server: nothing to probe")
	}
	if home == "" {
		home = product.Home(cfg, prof)
	}
	if home == "" {
		return health.Check{}, exitcode.Errorf(exitcode.Config, "WSO2_HOME: not set (API Manager 4.x profiles have no default home)")
	}
	return product.For(prof).Health(cfg, prof, home)
}
