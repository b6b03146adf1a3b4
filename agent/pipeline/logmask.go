package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/plan"
)

// The agent's own log lines never show a secret: every line goes through
// maskingHandler, which masks the values registered here. Load registers
// the secret variables' values (from the environment and from *_FILE files)
// and the values of any variable whose name says it is secret (IsSecretName:
// a patch file may use ${MY_TOKEN}), before it validates anything, so that
// no error message — a job command "not found", a patch target that is
// missing, an XML path that matches nothing — can show one.

// logSecrets are the values masked in log lines; a Plan is used for its
// masking rules (see Plan.MaskSecrets) and nothing else.
var logSecrets struct {
	sync.Mutex
	p plan.Plan
}

// RegisterLogSecret adds a value to mask in every log line from now on. A
// documented default (admin, wso2carbon) is public and not registered: it
// would mask the admin user's name in the admin-password job's messages.
func RegisterLogSecret(v string) {
	if v == "" || contract.SecretDefaults()[v] {
		return
	}
	logSecrets.Lock()
	defer logSecrets.Unlock()
	logSecrets.p.AddSecret(v)
}

// resetLogSecrets forgets the registered values: Load starts from the
// configuration it loads (a process loads one; tests load many).
func resetLogSecrets() {
	logSecrets.Lock()
	defer logSecrets.Unlock()
	logSecrets.p = plan.Plan{}
}

// MaskLog masks the registered secrets in s.
func MaskLog(s string) string {
	logSecrets.Lock()
	defer logSecrets.Unlock()
	if len(logSecrets.p.Secrets) == 0 {
		return s
	}
	return logSecrets.p.MaskSecrets(s)
}

// registerEnvSecrets registers the values of every variable of environ
// whose name marks a secret (not the *_FILE paths), and the passwords
// inside the URLs of the agent's variables (contract.EnvSecrets).
func registerEnvSecrets(environ []string) {
	for _, v := range contract.EnvSecrets(environ) {
		RegisterLogSecret(v)
	}
}

// maskingHandler masks the registered secrets in a record's message and in
// its attributes' values before passing it on.
type maskingHandler struct{ h slog.Handler }

// MaskLogs returns h behind the masking of every registered secret: the
// handler of the agent's own logger (see LoadEnv for what is registered).
func MaskLogs(h slog.Handler) slog.Handler { return maskingHandler{h} }

func (m maskingHandler) Enabled(ctx context.Context, l slog.Level) bool { return m.h.Enabled(ctx, l) }

func (m maskingHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, MaskLog(r.Message), r.PC)
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
		return slog.String(a.Key, MaskLog(v.String()))
	case slog.KindGroup:
		g := v.Group()
		out := make([]any, len(g))
		for i, x := range g {
			out[i] = maskAttr(x)
		}
		return slog.Group(a.Key, out...)
	case slog.KindAny:
		s := fmt.Sprint(v.Any())
		if m := MaskLog(s); m != s {
			return slog.String(a.Key, m)
		}
	}
	return a
}

// LogIsJSON reports whether l writes JSON lines, looking through the
// masking handler the agent's logger (agent.NewLogger) puts in front of the slog handler.
func LogIsJSON(l *slog.Logger) bool {
	h := l.Handler()
	if m, ok := h.(maskingHandler); ok {
		h = m.h
	}
	_, ok := h.(*slog.JSONHandler)
	return ok
}
