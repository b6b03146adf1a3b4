package contract

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file holds the checks of values that become host names, service
// names, domains, URLs and credentials, and of values that must not be
// empty. Each check returns why a value cannot be used (never the value of a
// secret); the caller names the variable.

// CheckHostName reports why s cannot be a host name or IPv4 address written
// into a URL or a configuration element: RFC 1123 labels (letters, digits,
// '-' not at either end of a label, at most 63 characters each and 253 in
// all), separated by single dots. '_' is accepted too, since Docker Swarm
// names stack services stack_service and resolves those names. An IPv6
// literal is accepted only with ipv6.
func CheckHostName(s string, ipv6 bool) error {
	if s == "" {
		return errors.New("it is empty")
	}
	if ip := net.ParseIP(s); ip != nil {
		if ip.To4() == nil && !ipv6 {
			return errors.New("an IPv6 address is not supported here (use a host name or an IPv4 address)")
		}
		return nil
	}
	if len(s) > 253 {
		return errors.New("it is longer than 253 characters")
	}
	numeric := true
	for _, l := range strings.Split(s, ".") {
		if err := checkLabel(l); err != nil {
			return err
		}
		numeric = numeric && strings.Trim(l, "0123456789") == ""
	}
	if numeric {
		return errors.New("it is not a valid IPv4 address")
	}
	return nil
}

// checkLabel reports why l cannot be one label of a host name.
func checkLabel(l string) error {
	switch {
	case l == "":
		return errors.New("a label is empty (a leading, trailing or double dot)")
	case len(l) > 63:
		return errors.New("a label is longer than 63 characters")
	case l[0] == '-' || l[len(l)-1] == '-':
		return errors.New("a label starts or ends with '-'")
	}
	for _, r := range l {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
		default:
			return fmt.Errorf("it contains %s (letters, digits, '-', '_' and dots only)", describeRune(r))
		}
	}
	return nil
}

// CheckDomain reports why s cannot be WSO2_DOMAIN: empty (no suffix) or
// host-name labels; not an IP address.
func CheckDomain(s string) error {
	if s == "" {
		return nil
	}
	if net.ParseIP(s) != nil {
		return errors.New("an IP address is not a domain")
	}
	for _, l := range strings.Split(s, ".") {
		if err := checkLabel(l); err != nil {
			return err
		}
	}
	return nil
}

// describeRune names a character for an error message: quoted when
// printable, as U+XXXX otherwise.
func describeRune(r rune) string {
	switch {
	case r == ' ':
		return "a space"
	case r == '\'':
		return "a single quote"
	case r == '"':
		return "a double quote"
	case r == utf8.RuneError:
		return "invalid UTF-8"
	case unicode.IsPrint(r):
		return strconv.QuoteRune(r)
	}
	return fmt.Sprintf("U+%04X", r)
}

// CheckHTTPURL reports why s cannot be an http(s) URL written as an
// element's value: scheme http or https, a valid host and port, no user
// information, and only characters a URL may hold unescaped (no white
// space, quotes, angle brackets, braces or backslashes).
func CheckHTTPURL(s string) error {
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return errors.New("contains white space or a control character")
		}
		if strings.ContainsRune("\"'<>\\{}|^`", r) {
			return fmt.Errorf("contains %s, which a URL cannot hold unescaped", describeRune(r))
		}
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return errors.New("is not a URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("does not start with http:// or https://")
	case u.Opaque != "" || u.Host == "":
		return errors.New("has no host")
	case u.User != nil:
		return errors.New("holds a user name or password")
	}
	if err := CheckHostName(u.Hostname(), true); err != nil {
		return fmt.Errorf("has a bad host: %v", err)
	}
	if p := u.Port(); p != "" || strings.HasSuffix(u.Host, ":") {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return errors.New("has a port outside 1-65535")
		}
	}
	return nil
}

// hostVar is a variable whose value becomes a host or service name.
type hostVar struct {
	name, value string
	ipv6        bool // an IPv6 literal is written correctly (not inside a URL)
	optional    bool // empty means unset: the profile's default applies
	service     bool // a service name: WSO2_DOMAIN is appended (Config.ServiceHost)
}

// EmptyProblems reports the values that must not be empty for any command:
// the passwords set but empty and an empty admin user name.
func (c *Config) EmptyProblems() []string {
	var p []string
	for _, n := range []string{"WSO2_ADMIN_PASSWORD", "WSO2_NEW_ADMIN_PASSWORD", "WSO2_MYSQL_PASSWORD"} {
		if c.setEmpty[n] {
			p = append(p, fmt.Sprintf("%s: set but empty (unset it, or give a password)", n))
		}
	}
	if c.AdminUser == "" {
		p = append(p, "WSO2_ADMIN_USERNAME: set but empty (unset it for the default admin)")
	}
	return p
}

// HostProblems checks, for a profile with a setup, the MySQL server (a
// host or service name) and user (not empty), which every product's setup
// may read (agent admin-password and the Carbon 4.4 datasources).
func (c *Config) HostProblems() []string {
	var p []string
	if c.MySQLUser == "" {
		p = append(p, "WSO2_MYSQL_USER: set but empty (unset it for the default apisqluser)")
	}
	return append(p, c.hostProblems([]hostVar{{"WSO2_MYSQL_SERVER", c.MySQLServer, false, false, true}})...)
}

// carbonOnly are the variables only the Carbon 4.4 products' setup reads
// (CarbonProblems checks those of them that need it). The MySQL, user store
// and domain variables are not among them: agent admin-password and agent
// certs read those whatever the product. Nor is VIRTUAL_HOST, which other
// tools read from containers (nginx-proxy and its companions).
var carbonOnly = []string{
	"WSO2_CARBON_ANALYTICS", "WSO2_ANALYTICS_HOST", "WSO2_KEYMANAGER_HOST", "WSO2_TRAFFICMANAGER_HOST",
	"WSO2_GATEWAYMANAGER_HOST", "WSO2_GATEWAY_HOST", "WSO2_STORE_HOST", "WSO2_GATEWAY_ENDPOINT",
	"WSO2_HOST_NAME", "WSO2_CLUSTER_MEMBERS", "WSO2_LOCAL_MEMBER_HOST", "WSO2_CLUSTER_DOMAIN",
	"WSO2_MEDIATOR_DIR", "WSO2_DEPLOYMENT_SEED", "WSO2_TRUSTSTORE",
	"WSO2_DAS_APIM_INCREMENTAL_PROCESSING_SCRIPT", "WSO2_DAS_APIM_LAST_ACCESS_TIME_SCRIPT",
	"WSO2_DAS_APIM_LATENCY_BREAKDOWN_STATS", "WSO2_DAS_APIM_LOGANALYZER_SCRIPT", "WSO2_DAS_APIM_STAT_SCRIPT",
	"WSO2_DAS_APIM_STAT_SCRIPT_THROTTLE", "WSO2_DAS_APIM_USER_AGENT_STATS",
}

// SetCarbonOnly names the variables only the Carbon 4.4 products read that
// are set, not empty (compose's ${X:-} sets an empty one), in the loaded
// environment: on an API Manager 4.x home they are one warning, unchecked
// (an operator moving from the 2.0.0 images may expect them to work).
func (c *Config) SetCarbonOnly() []string {
	var out []string
	for _, n := range carbonOnly {
		if v, _ := c.Getenv(n); v != "" {
			out = append(out, n)
		}
	}
	return out
}

// CarbonProblems checks the variables only the Carbon 4.4 products' setup
// reads: WSO2_CARBON_ANALYTICS (a boolean), every one that becomes a host,
// service name or URL there (the components' hosts, WSO2_HOST_NAME, the
// cluster's members) and WSO2_GATEWAY_ENDPOINT. The Carbon 4.4 products
// ask for it (carbon44's Problems); an API Manager 4.x setup does not read
// these variables, so a value they would refuse does not stop it (it is
// one warning there).
func (c *Config) CarbonProblems() []string {
	var p []string
	addf := func(format string, a ...any) { p = append(p, fmt.Sprintf(format, a...)) }
	if c.CarbonAnalytics.Err != nil {
		addf("WSO2_CARBON_ANALYTICS: %v", c.CarbonAnalytics.Err)
	}
	p = append(p, c.hostProblems([]hostVar{
		{"WSO2_ANALYTICS_HOST", c.AnalyticsHost, false, false, true},
		{"WSO2_KEYMANAGER_HOST", c.KeyManagerHost, false, false, true},
		{"WSO2_TRAFFICMANAGER_HOST", c.TrafficMgrHost, false, false, true},
		{"WSO2_GATEWAYMANAGER_HOST", c.GatewayMgrHost, false, false, true},
		{"WSO2_GATEWAY_HOST", c.GatewayHost, false, false, true},
		{"WSO2_STORE_HOST", c.StoreHost, false, false, true},
		{"WSO2_HOST_NAME", c.HostName, false, true, false},
		{"WSO2_LOCAL_MEMBER_HOST", c.LocalMemberHost, true, true, false},
	})...)
	for _, m := range c.ClusterMembers.V {
		if err := CheckHostName(m, true); err != nil {
			addf("WSO2_CLUSTER_MEMBERS: member %q is not a host name or IP address: %v", m, err)
		}
	}
	if c.GatewayEndpoint != "" {
		for _, e := range strings.Split(c.GatewayEndpoint, ",") {
			if err := CheckHTTPURL(e); err != nil {
				addf("WSO2_GATEWAY_ENDPOINT: %q %v (want comma-separated http(s)://host[:port][/path])", e, err)
			}
		}
	}
	return p
}

// hostProblems is one line per variable of hosts whose value is not a
// host name (a service name with WSO2_DOMAIN appended, as written).
func (c *Config) hostProblems(hosts []hostVar) []string {
	var p []string
	for _, h := range hosts {
		if h.optional && h.value == "" {
			continue
		}
		full := h.value
		if h.service && CheckDomain(c.Domain) == nil {
			full = c.ServiceHost(h.value) // as the products write it
		}
		if err := CheckHostName(full, h.ipv6); err != nil {
			p = append(p, fmt.Sprintf("%s: %q is not a host name: %v", h.name, h.value, err))
		}
	}
	return p
}

// setButEmpty returns the names among names that are set to the empty
// string in the loaded environment.
func (c *Config) setButEmpty(names []string) map[string]bool {
	out := map[string]bool{}
	for _, n := range names {
		if v, ok := c.Getenv(n); ok && v == "" {
			out[n] = true
		}
	}
	return out
}
