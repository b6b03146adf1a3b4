package agent

// Fuzz targets of the environment contract: the value types (Bool,
// Duration, Port, List) and LoadEnv as a whole. Properties: Decode never
// fails or panics; an accepted value round-trips through its canonical
// text; a rejected value gives a one-line error; LoadEnv reports problems
// as one line, with exit code 78, never echoing a secret.

import (
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/pipeline"
)

// envSeeds are values seen in real deployments and in the old scripts, plus
// edge cases of each syntax.
var envSeeds = []string{
	"", " ", "true", "false", "TRUE", " yes ", "off", "1", "0", "2",
	"120s", "2m", "1h30m", "90", "-1s", "4294967295", "4294967296", "9223372036854775807ns",
	"3306", "65535", "65536", "0x10", " 8080 ", "+3306",
	"tasks.gatewaymanager,tasks.gateway", ",,a,, b ,", "10.0.0.5,10.0.0.6",
	"tcp://mysql.wso2:3306", "mysql\n", "a\"b", "\xff\xfe", "é",
}

func FuzzEnvValues(f *testing.F) {
	for _, s := range envSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		oneLine := func(what string, err error) {
			if err != nil && strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("%s: error is not one line: %q", what, err.Error())
			}
		}

		var b contract.Bool
		if err := b.Decode(s); err != nil {
			t.Fatalf("Bool.Decode returned %v (must record, not fail)", err)
		}
		oneLine("Bool", b.Err)
		if b.Raw != s {
			t.Fatalf("Bool.Raw %q, want %q", b.Raw, s)
		}
		if b.Err == nil {
			var b2 contract.Bool
			_ = b2.Decode(strconv.FormatBool(b.V))
			if b2.Err != nil || b2.V != b.V {
				t.Fatalf("Bool %q -> %v does not round-trip: %+v", s, b.V, b2)
			}
		}

		var d contract.Duration
		if err := d.Decode(s); err != nil {
			t.Fatalf("Duration.Decode returned %v", err)
		}
		oneLine("Duration", d.Err)
		if d.Err == nil {
			if d.V < 0 {
				t.Fatalf("Duration %q accepted as negative %v", s, d.V)
			}
			var d2 contract.Duration
			_ = d2.Decode(d.V.String())
			if d2.Err != nil || d2.V != d.V {
				t.Fatalf("Duration %q -> %v does not round-trip: %+v", s, d.V, d2)
			}
		} else if d.V != 0 {
			t.Fatalf("Duration %q rejected but V=%v", s, d.V)
		}

		var p contract.Port
		if err := p.Decode(s); err != nil {
			t.Fatalf("Port.Decode returned %v", err)
		}
		oneLine("Port", p.Err)
		if (p.Err == nil) != (p.V >= 1 && p.V <= 65535) {
			t.Fatalf("Port %q: V=%d Err=%v", s, p.V, p.Err)
		}
		if p.Err == nil {
			if n, err := strconv.Atoi(strings.TrimSpace(s)); err != nil || n != p.V {
				t.Fatalf("Port %q accepted as %d", s, p.V)
			}
		}

		var l contract.List
		if err := l.Decode(s); err != nil {
			t.Fatalf("List.Decode returned %v", err)
		}
		if !l.Set {
			t.Fatalf("List %q: Set false after Decode", s)
		}
		for _, it := range l.V {
			if it == "" || it != strings.TrimSpace(it) || strings.Contains(it, ",") {
				t.Fatalf("List %q: bad item %q in %q", s, it, l.V)
			}
		}
		var l2 contract.List
		_ = l2.Decode(strings.Join(l.V, ","))
		if strings.Join(l2.V, "\x00") != strings.Join(l.V, "\x00") {
			t.Fatalf("List %q -> %q does not round-trip: %q", s, l.V, l2.V)
		}
	})
}

// secretMark surrounds the fuzzed keystore password so that the check
// "never in an error" cannot be fooled by a short password that happens to
// be a word of the message.
const secretMark = "Qz7SECRET"

func FuzzLoadEnv(f *testing.F) {
	// port, analytics, timeout, members, waitFor, server, domain, secret
	f.Add("3306", "true", "120s", "tasks.gateway", "tcp://mysql.wso2:3306", "mysql", "wso2", "wso2carbon")
	f.Add("x", "maybe", "-5s", ",,", "http://x", "my sql", "a/b", "\xff")
	f.Add("", "", "", "", "", "", "", "")
	f.Add("65536", "yes", "2562047h47m16.854775807s", "10.0.0.5,10.0.0.6", "tcp://h:0", "db_1.x-y", "", "pässwörd")
	f.Add("1", "0", "0", " a , b ", "tcp://[::1]:3306,tcp://a:1", "\n", "%", "密码")
	f.Fuzz(func(t *testing.T, port, analytics, timeout, members, waitFor, server, domain, secret string) {
		vals := []string{port, analytics, timeout, members, waitFor, server, domain, secret}
		for _, v := range vals {
			if strings.IndexByte(v, 0) >= 0 {
				return // an environment value cannot hold NUL
			}
		}
		pw := secretMark + secret + secretMark
		clearAgentEnv(t)
		for k, v := range map[string]string{
			"WSO2_PROFILE":                "gateway",
			"WSO2_MYSQL_PORT":             port,
			"WSO2_CARBON_ANALYTICS":       analytics,
			"WSO2_AGENT_WAIT_TIMEOUT":     timeout,
			"WSO2_CLUSTER_MEMBERS":        members,
			"WSO2_AGENT_WAIT_FOR":         waitFor,
			"WSO2_MYSQL_SERVER":           server,
			"WSO2_DOMAIN":                 domain,
			"WSO2_KEYSTORE_PASSWORD":      pw,
			"WSO2_MYSQL_PASSWORD":         pw,
			"WSO2_ADMIN_PASSWORD":         pw,
			"WSO2_AGENT_STOP_TIMEOUT":     timeout,
			"WSO2_AGENT_KEEP_SECRETS_ENV": analytics,
		} {
			t.Setenv(k, v)
		}
		cfg, err := pipeline.LoadEnv(slog.New(slog.DiscardHandler), true)
		if err != nil {
			msg := err.Error()
			if strings.ContainsAny(msg, "\n\r") {
				t.Fatalf("LoadEnv error is not one line: %q", msg)
			}
			if strings.Contains(msg, secretMark) {
				t.Fatalf("LoadEnv error shows a secret: %q", msg)
			}
			if c := exitcode.Of(err); c != exitcode.Config {
				t.Fatalf("LoadEnv error has exit code %d, want %d: %v", c, exitcode.Config, err)
			}
			if !strings.Contains(msg, "WSO2_") {
				t.Fatalf("LoadEnv error names no variable: %q", msg)
			}
			return
		}
		// Accepted: the typed values agree with what each type accepts alone.
		if cfg.KeystorePassword != pw || cfg.MySQLPassword != pw || cfg.AdminPassword != pw {
			t.Fatalf("secrets not passed through unchanged")
		}
		if cfg.MySQLPort.V < 1 || cfg.MySQLPort.V > 65535 {
			t.Fatalf("accepted port %d from %q", cfg.MySQLPort.V, port)
		}
		if cfg.WaitTimeout.V < 0 || cfg.StopTimeout.V < 0 {
			t.Fatalf("accepted timeout %v from %q", cfg.WaitTimeout.V, timeout)
		}
		if contract.CheckHostName(cfg.MySQLServer, false) != nil || contract.CheckDomain(cfg.Domain) != nil {
			t.Fatalf("accepted host %q domain %q", cfg.MySQLServer, cfg.Domain)
		}
		for _, w := range cfg.WaitFor.V {
			if _, err := contract.ParseWaitTarget(w); err != nil {
				t.Fatalf("accepted wait target %q: %v", w, err)
			}
		}
	})
}
