package agent

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
)

// The agent's own log lines never show a secret: every line goes through
// maskingHandler, which masks the values registered here. LoadEnv registers
// the secret variables' values (from the environment and from *_FILE files)
// and the values of any variable whose name says it is secret (IsSecretName:
// a patch file may use ${MY_TOKEN}), before it validates anything, so that
// no error message — a job command "not found", a patch target that is
// missing, an XML path that matches nothing — can show one.

// logSecrets are the values masked in log lines; a Plan is used for its
// masking rules (see Plan.maskSecrets) and nothing else.
var logSecrets struct {
	sync.Mutex
	p Plan
}

// registerLogSecret adds a value to mask in every log line from now on. A
// documented default (admin, wso2carbon) is public and not registered: it
// would mask the admin user's name in the admin-password job's messages.
func registerLogSecret(v string) {
	if v == "" || secretDefaults()[v] {
		return
	}
	logSecrets.Lock()
	defer logSecrets.Unlock()
	logSecrets.p.addSecret(v)
}

// resetLogSecrets forgets the registered values: LoadEnv starts from the
// configuration it loads (a process loads one; tests load many).
func resetLogSecrets() {
	logSecrets.Lock()
	defer logSecrets.Unlock()
	logSecrets.p = Plan{}
}

// maskLog masks the registered secrets in s.
func maskLog(s string) string {
	logSecrets.Lock()
	defer logSecrets.Unlock()
	if len(logSecrets.p.secrets) == 0 {
		return s
	}
	return logSecrets.p.maskSecrets(s)
}

// registerEnvSecrets registers the values of every variable of environ
// whose name marks a secret (not the *_FILE paths).
func registerEnvSecrets(environ []string) {
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		if isSecretEnv(k) {
			registerLogSecret(v)
		}
	}
}

// envSecretValues returns the values of the variables of the loaded
// environment whose names mark a secret (IsSecretName, not *_FILE), for the
// plan's masking: a patch file may use them anywhere.
func (c *Config) envSecretValues() []string {
	var out []string
	for _, kv := range c.environ {
		k, v, _ := strings.Cut(kv, "=")
		if v != "" && isSecretEnv(k) {
			out = append(out, v)
		}
	}
	return out
}

// secretDefaults returns the default values of the secret variables.
func secretDefaults() map[string]bool { return secretDefaultSet() }

var secretDefaultSet = sync.OnceValue(func() map[string]bool {
	out := map[string]bool{}
	for _, v := range Vars() {
		if v.Secret && v.Default != "" {
			out[v.Default] = true
		}
	}
	return out
})

// isSecretEnv reports whether a variable of the environment holds a secret
// value (IsSecretName, but not a *_FILE path), with the agent's secret
// names computed once.
func isSecretEnv(name string) bool {
	u := strings.ToUpper(name)
	if strings.HasSuffix(u, "_FILE") {
		return false
	}
	return strings.HasSuffix(u, "PASSWORD") || strings.HasSuffix(u, "SECRET") || strings.HasSuffix(u, "TOKEN") || secretNameSet()[u]
}

var secretNameSet = sync.OnceValue(func() map[string]bool {
	out := map[string]bool{}
	for _, n := range secretNames() {
		out[n] = true
	}
	return out
})

// maskingHandler masks the registered secrets in a record's message and in
// its attributes' values before passing it on.
type maskingHandler struct{ h slog.Handler }

func (m maskingHandler) Enabled(ctx context.Context, l slog.Level) bool { return m.h.Enabled(ctx, l) }

func (m maskingHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, maskLog(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(maskAttr(a))
		return true
	})
	return m.h.Handle(ctx, out)
}

func (m maskingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	masked := make([]slog.Attr, len(as))
	for i, a := range as {
		masked[i] = maskAttr(a)
	}
	return maskingHandler{m.h.WithAttrs(masked)}
}

func (m maskingHandler) WithGroup(name string) slog.Handler {
	return maskingHandler{m.h.WithGroup(name)}
}

// maskAttr masks an attribute's value: strings directly, groups member by
// member, anything else through its printed form when that holds a secret.
func maskAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, maskLog(v.String()))
	case slog.KindGroup:
		g := v.Group()
		out := make([]any, len(g))
		for i, x := range g {
			out[i] = maskAttr(x)
		}
		return slog.Group(a.Key, out...)
	case slog.KindAny:
		s := fmt.Sprint(v.Any())
		if m := maskLog(s); m != s {
			return slog.String(a.Key, m)
		}
	}
	return a
}

// patchLookup resolves a patch file's ${NAME}: a secret variable given
// through NAME_FILE has the file's value (LoadEnv does not leave it in the
// environment); anything else is the environment's.
func (c *Config) patchLookup(name string) (string, bool) {
	if _, ok := c.Getenv(name); !ok {
		if _, viaFile := c.Getenv(name + "_FILE"); viaFile {
			if v, ok := c.secretValues()[name]; ok && v != "" {
				return v, true
			}
		}
	}
	return c.Getenv(name)
}

// secretValues maps each secret variable to its loaded value.
func (c *Config) secretValues() map[string]string {
	return map[string]string{
		"WSO2_ADMIN_PASSWORD":      c.AdminPassword,
		"WSO2_NEW_ADMIN_PASSWORD":  c.NewAdminPassword,
		"WSO2_MYSQL_PASSWORD":      c.MySQLPassword,
		"WSO2_KEYSTORE_PASSWORD":   c.KeystorePassword,
		"WSO2_TRUSTSTORE_PASSWORD": c.TruststorePassword,
	}
}

// logIsJSON reports whether l writes JSON lines, looking through the
// masking handler NewLogger puts in front of the slog handler.
func logIsJSON(l *slog.Logger) bool {
	h := l.Handler()
	if m, ok := h.(maskingHandler); ok {
		h = m.h
	}
	_, ok := h.(*slog.JSONHandler)
	return ok
}
