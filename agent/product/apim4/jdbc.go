package apim4

import (
	"fmt"
	"net"
	"strings"
)

// jdbcServer reads the database server of a JDBC URL as host:port, for the
// wait before the server starts:
//   - MySQL and MariaDB, jdbc:mysql://[user[:pw]@]h1[:p1][,h2[:p2]...]/db:
//     the first host (a failover list is tried in order);
//   - PostgreSQL, jdbc:postgresql://h1[:p1][,h2[:p2]...]/db: the same;
//   - SQL Server, jdbc:sqlserver://host[\instance][:port][;prop=value...],
//     the host and port also as the serverName and portNumber properties.
//
// A missing port is the type's default (3306, 5432, 1433); an IPv6 address
// is written in brackets. ok is false for a URL whose server the agent
// does not read, which is then not waited for: another type (Oracle's
// descriptors, H2), a form without "//" (jdbc:mysql:loadbalance://,
// jdbc:postgresql:db), Connector/J's address=(...) hosts, no host at all,
// and a named SQL Server instance without a port (its port comes from the
// SQL Browser service). err says what is wrong in a URL of a type it
// reads: a host that is neither a host name nor an IP address, a port
// that is not 1-65535.
func jdbcServer(u string) (addr string, ok bool, err error) {
	rest, found := strings.CutPrefix(u, "jdbc:")
	if !found {
		return "", false, nil // not a JDBC URL: jdbcKind says so
	}
	sub, after, _ := strings.Cut(rest, ":")
	def := map[string]string{"mysql": "3306", "mariadb": "3306", "postgresql": "5432", "sqlserver": "1433"}[sub]
	auth, found := strings.CutPrefix(after, "//")
	if def == "" || !found {
		return "", false, nil
	}
	if sub == "sqlserver" {
		return sqlServerAddr(auth, def)
	}
	if i := strings.IndexAny(auth, "/?"); i >= 0 {
		auth = auth[:i]
	}
	if i := strings.LastIndex(auth, "@"); i >= 0 {
		auth = auth[i+1:] // user:password@
	}
	first, _, _ := strings.Cut(auth, ",")
	if first == "" || strings.ContainsAny(first, "()=") {
		return "", false, nil
	}
	return dbHostPort(first, "", def)
}

// sqlServerAddr is jdbcServer for what follows jdbc:sqlserver://.
func sqlServerAddr(auth, def string) (string, bool, error) {
	server, props, _ := strings.Cut(auth, ";")
	port := ""
	for _, kv := range strings.Split(props, ";") {
		k, v, _ := strings.Cut(kv, "=")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "servername":
			if server == "" {
				server = strings.TrimSpace(v)
			}
		case "portnumber", "port":
			port = strings.TrimSpace(v)
		case "instancename":
			if !strings.Contains(server, `\`) {
				server += `\` + strings.TrimSpace(v)
			}
		}
	}
	if h, p, found := strings.Cut(server, ":"); found && !strings.HasPrefix(server, "[") {
		server = h
		if port == "" {
			port = p
		}
	}
	host, instance, named := strings.Cut(server, `\`)
	if host == "" || named && instance != "" && port == "" {
		return "", false, nil
	}
	return dbHostPort(host, port, def)
}

// dbHostPort checks host[:port] (port, when given, wins over one in s; def
// when there is none) and joins it.
func dbHostPort(s, port, def string) (string, bool, error) {
	host, p, colon := s, "", false
	if strings.HasPrefix(s, "[") {
		i := strings.Index(s, "]")
		if i < 0 {
			return "", false, fmt.Errorf("%q is not a host: no closing ']'", s)
		}
		host = s[1:i]
		p, colon = strings.CutPrefix(s[i+1:], ":")
		if net.ParseIP(host) == nil {
			return "", false, fmt.Errorf("%q is not an IPv6 address", host)
		}
	} else {
		host, p, colon = strings.Cut(s, ":")
	}
	if port == "" {
		port = p
	}
	if port == "" && !colon {
		port = def
	}
	if !isHostName(host) && net.ParseIP(host) == nil {
		return "", false, fmt.Errorf("%q is not a host name or IP address", host)
	}
	if !isPort(port) {
		return "", false, fmt.Errorf("%q is not a port (1-65535)", port)
	}
	return net.JoinHostPort(host, port), true, nil
}
