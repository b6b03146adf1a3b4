package apim4

import (
	"fmt"
	"net"
	"strings"
)

// jdbcSubprotocols are the JDBC sub-protocols (jdbc:<sub>:) the agent
// knows: the deployment.toml database type and driver the Helm chart's
// documentation pairs with each (none for MariaDB, whose type the
// operator gives), and the default port of its server (none where the
// agent does not read the server from the URL).
var jdbcSubprotocols = map[string]struct{ typ, driver, port string }{
	"mysql":      {"mysql", "com.mysql.cj.jdbc.Driver", "3306"},
	"mariadb":    {"", "", "3306"},
	"postgresql": {"postgre", "org.postgresql.Driver", "5432"},
	"sqlserver":  {"mssql", "com.microsoft.sqlserver.jdbc.SQLServerDriver", "1433"},
	"oracle":     {"oracle", "oracle.jdbc.OracleDriver", ""},
	"h2":         {"h2", "org.h2.Driver", ""},
}

// jdbcServer reads the database server of a JDBC URL as host:port, for the
// wait before the server starts:
//   - MySQL and MariaDB, jdbc:mysql://[user[:pw]@]h1[:p1][,h2[:p2]...]/db
//     (also Connector/J's [h1:p1,h2:p2] list): the first host, as a
//     failover list is tried in order;
//   - PostgreSQL, jdbc:postgresql://h1[:p1][,h2[:p2]...]/db: the same;
//   - SQL Server, jdbc:sqlserver://host[\instance][:port][;prop=value...],
//     the host and port also as the serverName and portNumber properties
//     (an IPv6 address there as it is, a {braced} value unbraced).
//
// A missing port is the type's default (3306, 5432, 1433); an IPv6 address
// in the authority is written in brackets; a host name may end in '.'.
// ok is false for a URL whose server the agent does not read, which is then
// not waited for (the caller warns): another type (Oracle's descriptors,
// H2), a form without "//" (jdbc:mysql:loadbalance://,
// jdbc:postgresql:db), Connector/J's address=(...) hosts, no host at all, a
// host that is neither a host name nor an IP address, and a named SQL
// Server instance without a port (its port comes from the SQL Browser
// service). err is only for the plain typo the server would fail on too: a
// host name or address followed by a port that is not 1-65535. Neither
// quotes the URL, which may hold a password.
func jdbcServer(u string) (addr string, ok bool, err error) {
	rest, found := strings.CutPrefix(u, "jdbc:")
	if !found {
		return "", false, nil // not a JDBC URL: jdbcKind says so
	}
	sub, after, _ := strings.Cut(rest, ":")
	def := jdbcSubprotocols[sub].port
	auth, found := strings.CutPrefix(after, "//")
	if def == "" || !found {
		return "", false, nil
	}
	if sub == "sqlserver" {
		return sqlServerAddr(auth, def)
	}
	if i := strings.IndexAny(auth, "?#"); i >= 0 {
		auth = auth[:i]
	}
	if i := strings.LastIndex(auth, "@"); i >= 0 {
		auth = auth[i+1:] // user:password@, the password possibly with '/'
	}
	if i := strings.Index(auth, "/"); i >= 0 {
		auth = auth[:i]
	}
	if list, ok := strings.CutPrefix(auth, "["); ok && strings.ContainsAny(list, ",]") {
		// Connector/J's [h1:p1,h2:p2] list, unless it is one IPv6 address.
		if inner, _, _ := strings.Cut(list, "]"); net.ParseIP(inner) == nil {
			auth = strings.TrimSuffix(list, "]")
		}
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
	port, instance := "", ""
	for _, kv := range strings.Split(props, ";") {
		k, v, _ := strings.Cut(kv, "=")
		v = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(v), "{"), "}")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "servername", "server", "address", "addr", "network address":
			if server == "" {
				server = v
			}
		case "portnumber", "port":
			port = v
		case "instancename":
			instance = v
		}
	}
	if strings.Count(server, ":") >= 2 && net.ParseIP(strings.Trim(server, "[]")) != nil {
		// An IPv6 address (serverName=fd00::7): its own port is portNumber.
		server = "[" + strings.Trim(server, "[]") + "]"
	} else if h, p, found := strings.Cut(server, ":"); found {
		server = h
		if port == "" {
			port = p
		}
	}
	if h, inst, named := strings.Cut(server, `\`); named {
		server, instance = h, inst
	}
	if server == "" || instance != "" && port == "" {
		return "", false, nil
	}
	return dbHostPort(server, port, def)
}

// dbHostPort checks host[:port] (port, when given, wins over one in s; def
// when there is none) and joins it. A host that is not one is not read
// (ok false); a bad port after a good host is the error.
func dbHostPort(s, port, def string) (string, bool, error) {
	host, p, colon := s, "", false
	if strings.HasPrefix(s, "[") {
		i := strings.Index(s, "]")
		if i < 0 || net.ParseIP(s[1:i]) == nil {
			return "", false, nil
		}
		host = s[1:i]
		p, colon = strings.CutPrefix(s[i+1:], ":")
	} else {
		host, p, colon = strings.Cut(s, ":")
	}
	if port == "" {
		port = p
	}
	if port == "" && !colon {
		port = def
	}
	if !isHostName(strings.TrimSuffix(host, ".")) && net.ParseIP(host) == nil {
		return "", false, nil
	}
	if !isPort(port) {
		return "", false, fmt.Errorf("the database port %q (host %s) is not a port (1-65535)", port, host)
	}
	return net.JoinHostPort(host, port), true, nil
}
