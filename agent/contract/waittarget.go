package contract

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// WaitTargets is what `agent run` waits for before the server starts, and
// what render shows: WSO2_AGENT_WAIT_FOR when it is set (even empty, which
// means no wait), else the profile's defaults. Both the plan and run (for
// WSO2_PROFILE=none, which has no plan) take it from here.
func WaitTargets(cfg *Config, defaults []string) []string {
	if !cfg.WaitFor.Set {
		return defaults
	}
	var out []string
	for _, w := range cfg.WaitFor.V {
		a, _ := ParseWaitTarget(w) // validated at load (Config.Problems)
		out = append(out, a)
	}
	return out
}

// ParseWaitTarget parses one WSO2_AGENT_WAIT_FOR item, tcp://host:port (the
// scheme may be omitted), into a dialable host:port.
func ParseWaitTarget(s string) (string, error) {
	rest := strings.TrimPrefix(s, "tcp://")
	if strings.Contains(rest, "://") {
		return "", fmt.Errorf("%q: only tcp://host:port is supported", s)
	}
	if strings.Contains(rest, "/") {
		return "", fmt.Errorf("%q: a wait target is tcp://host:port, without a path or a trailing '/'", s)
	}
	host, port, err := net.SplitHostPort(rest)
	if err != nil || host == "" {
		return "", fmt.Errorf("%q is not tcp://host:port", s)
	}
	if err := CheckHostName(host, true); err != nil {
		return "", fmt.Errorf("%q: the host is not a host name or IP address: %v", s, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
		return "", fmt.Errorf("%q: bad port (1-65535)", s)
	}
	return net.JoinHostPort(host, port), nil
}
