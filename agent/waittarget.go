package agent

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// parseWaitTarget parses one WSO2_AGENT_WAIT_FOR item, tcp://host:port (the
// scheme may be omitted), into a dialable host:port.
func parseWaitTarget(s string) (string, error) {
	rest := strings.TrimPrefix(s, "tcp://")
	if strings.Contains(rest, "://") {
		return "", fmt.Errorf("%q: only tcp://host:port is supported", s)
	}
	host, port, err := net.SplitHostPort(rest)
	if err != nil || host == "" {
		return "", fmt.Errorf("%q is not tcp://host:port", s)
	}
	if err := checkHostName(host, true); err != nil {
		return "", fmt.Errorf("%q: the host is not a host name or IP address: %v", s, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
		return "", fmt.Errorf("%q: bad port (1-65535)", s)
	}
	return net.JoinHostPort(host, port), nil
}
