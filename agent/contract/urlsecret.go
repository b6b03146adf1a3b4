package contract

import "strings"

// URLPasswords returns the passwords written into a URL-like value, which
// are secrets whatever variable holds them: the password of a user-info
// part (scheme://user:PASSWORD@host, JDBC URLs included, the password
// possibly holding '/'), Oracle's thin form (jdbc:oracle:thin:user/PASSWORD@),
// and the value of every parameter whose key ends in "password" or is "pwd"
// (password=, sslpassword=, trustStorePassword=...), in any case, in a query
// (?a=1&password=...) or a JDBC property list (;password=...), a {braced}
// value whole. A value without such a part gives none.
func URLPasswords(v string) []string {
	var out []string
	if _, rest, ok := strings.Cut(v, "//"); ok {
		auth := rest
		if i := strings.IndexAny(auth, "?;#"); i >= 0 {
			auth = auth[:i]
		}
		if at := strings.LastIndex(auth, "@"); at >= 0 {
			if user, pw, ok := strings.Cut(auth[:at], ":"); ok && pw != "" && !strings.Contains(user, "/") {
				out = append(out, pw)
			}
		}
	}
	if _, rest, ok := strings.Cut(v, "jdbc:oracle:thin:"); ok {
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if _, pw, ok := strings.Cut(rest[:at], "/"); ok && pw != "" {
				out = append(out, pw)
			}
		}
	}
	for _, kv := range params(v) {
		k, val, _ := strings.Cut(kv, "=")
		k = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(k, "amp;")))
		if val != "" && (strings.HasSuffix(k, "password") || k == "pwd") {
			out = append(out, val)
			if len(val) > 2 && strings.HasPrefix(val, "{") && strings.HasSuffix(val, "}") {
				out = append(out, val[1:len(val)-1])
			}
		}
	}
	return out
}

// params splits v at '?', '&' and ';' into key=value parts, keeping a
// {braced} value (SQL Server's escape for ';' in a value) whole.
func params(v string) []string {
	var out []string
	start, depth := 0, 0
	for i, r := range v {
		switch {
		case r == '{':
			depth++
		case r == '}' && depth > 0:
			depth--
		case depth == 0 && (r == '?' || r == '&' || r == ';'):
			out = append(out, v[start:i])
			start = i + 1
		}
	}
	return append(out, v[start:])
}
