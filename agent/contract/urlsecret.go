package contract

import "strings"

// URLPasswords returns the passwords written into a URL-like value, which
// are secrets whatever variable holds them: the password of a user-info
// part (scheme://user:PASSWORD@host, JDBC URLs included) and the value of
// every password= parameter of a query (?a=1&password=...) or of a JDBC
// property list (;password=...), the key in any case. A value without such
// a part gives none.
func URLPasswords(v string) []string {
	var out []string
	if _, rest, ok := strings.Cut(v, "//"); ok {
		auth := rest
		if i := strings.IndexAny(auth, "/?;"); i >= 0 {
			auth = auth[:i]
		}
		if at := strings.LastIndex(auth, "@"); at >= 0 {
			if _, pw, ok := strings.Cut(auth[:at], ":"); ok && pw != "" {
				out = append(out, pw)
			}
		}
	}
	for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == '?' || r == '&' || r == ';' }) {
		k, val, ok := strings.Cut(part, "=")
		k = strings.TrimSpace(strings.TrimPrefix(strings.ToLower(k), "amp;"))
		if ok && val != "" && (k == "password" || k == "pwd") {
			out = append(out, val)
		}
	}
	return out
}
