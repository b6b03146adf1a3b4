package agent

import (
	"bytes"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/pipeline"
	"github.com/wso2-container/agent/agent/plan"
)

func TestCheckHostName(t *testing.T) {
	for _, c := range []struct {
		in   string
		ipv6 bool
		want string // "" accepted, else a substring of the reason
	}{
		{"mysql", false, ""},
		{"mysql.wso2", false, ""},
		{"db-1_x.internal", false, ""},
		{"wso2_mysql", false, ""},
		{"10.1.2.3", false, ""},
		{"127.0.0.1", false, ""},
		{strings.Repeat("a", 63) + ".b", false, ""},
		{"9gag.com", false, ""},
		{"::1", true, ""},
		{"fe80::1", true, ""},
		{"", false, "empty"},
		{"::1", false, "IPv6"},
		{"mysql.", false, "empty"},
		{".mysql", false, "empty"},
		{"a..b", false, "empty"},
		{"-a", false, "'-'"},
		{"a-", false, "'-'"},
		{strings.Repeat("a", 64), false, "63"},
		{strings.Repeat("a.", 127) + "aaa", false, "253"},
		{"10.0.0.256", false, "IPv4"},
		{"1.2.3", false, "IPv4"},
		{"a b", false, "a space"},
		{"tm',failover='x", false, "a single quote"},
		{"a\nb", false, "U+000A"},
		{"a/b", false, `'/'`},
		{"a:1", false, `':'`},
		{"[::1]", true, `'['`},
		{"münchen", false, `'ü'`},
		{"a\xffb", false, "invalid UTF-8"},
	} {
		err := contract.CheckHostName(c.in, c.ipv6)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("checkHostName(%q) = %v, want accepted", c.in, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("checkHostName(%q) = %v, want an error saying %q", c.in, err, c.want)
		}
	}
}

func TestCheckHTTPURL(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"https://gw.example.com:8243", ""},
		{"http://10.0.0.1:8280/a/b", ""},
		{"https://[::1]:8243", ""},
		{"https://gw", ""},
		{"ftp://gw", "http"},
		{"gw:8243", "http"},
		{"https://", "host"},
		{"https://user:pw@gw", "user"},
		{"https://gw:0", "1-65535"},
		{"https://gw:65536", "1-65535"},
		{"https://gw:", "1-65535"},
		{"https://g w", "white space"},
		{"https://gw/'x", "a single quote"},
		{"https://gw/\"x", "a double quote"},
		{"https://gw/<x>", `'<'`},
		{"https://gw/${x}", `'{'`},
		{"https://g_-.x", "'-'"},
	} {
		err := contract.CheckHTTPURL(c.in)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("checkHTTPURL(%q) = %v, want accepted", c.in, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("checkHTTPURL(%q) = %v, want an error saying %q", c.in, err, c.want)
		}
	}
}

// TestClosestVarFindsEveryVariable: every variable the agent reads, with
// one character dropped, doubled, changed or two swapped, or in lower
// case, is suggested back; a name far from all is not matched.
func TestClosestVarFindsEveryVariable(t *testing.T) {
	known := contract.KnownVarNames()
	for name := range known {
		n := len(name)
		typos := []string{
			name[:n-2] + name[n-1:],                 // dropped
			name[:n-1] + name[n-2:],                 // doubled
			name[:n-2] + name[n-1:] + name[n-2:n-1], // swapped
			name[:5] + "X" + name[6:],               // changed
			strings.ToLower(name),                   // case
		}
		for _, typo := range typos {
			if known[typo] {
				continue // the typo is another real variable
			}
			got := contract.ClosestVar(typo, known)
			if !slices.Contains(strings.Split(got, " or "), name) {
				t.Errorf("closestVar(%q) = %q, want %q among the suggestions", typo, got, name)
			}
		}
	}
	for _, far := range []string{"WSO2_FOO", "WSO2_X", "WSO2_SOMETHING_ELSE_ENTIRELY"} {
		if got := contract.ClosestVar(far, known); got != "" {
			t.Errorf("closestVar(%q) = %q, want none", far, got)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "ab", 2}, {"abc", "abc", 0}, {"abc", "acb", 1},
		{"PASSWORD", "PASWORD", 1}, {"kitten", "sitting", 3}, {"ca", "abc", 3},
	} {
		if got := contract.EditDistance(c.a, c.b); got != c.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.d)
		}
		if got := contract.EditDistance(c.b, c.a); got != c.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.b, c.a, got, c.d)
		}
	}
}

// TestMaskingHandler: a registered secret is masked in the message and in
// every kind of attribute, in text and JSON lines, including attributes
// added with With.
func TestMaskingHandler(t *testing.T) {
	const s = "Handler-S3cret"
	pipeline.RegisterLogSecret(s)
	for _, format := range []string{"text", "json"} {
		var buf bytes.Buffer
		log := NewLogger(&buf, format).With("ctx", "with "+s)
		log.Error("message "+s+" and /opt/"+s+".sh",
			"str", s, "err", errors.New("failed: "+s), "list", []string{"a", s},
			slog.Group("g", slog.String("inner", s)), "n", 42)
		out := buf.String()
		if strings.Contains(out, s) {
			t.Errorf("%s: the secret appears:\n%s", format, out)
		}
		if c := strings.Count(out, "[secret "); c != 7 {
			t.Errorf("%s: %d masks, want 7:\n%s", format, c, out)
		}
		if !strings.Contains(out, "42") {
			t.Errorf("%s: a plain attribute was lost:\n%s", format, out)
		}
	}
	// The documented defaults are public: not masked in log lines.
	pipeline.RegisterLogSecret("wso2carbon")
	var buf bytes.Buffer
	NewLogger(&buf, "text").Info("keystore wso2carbon.jks password wso2carbon")
	if strings.Contains(buf.String(), "[secret") {
		t.Errorf("a default value was masked: %s", buf.String())
	}
}

func TestAMQPEscape(t *testing.T) {
	for in, want := range map[string]string{
		"admin":      "admin",
		"a-b.c_d~e":  "a-b.c_d~e",
		"p@ss:w/rd":  "p%40ss%3Aw%2Frd",
		"{x} %'\"+ ": "%7Bx%7D%20%25%27%22%2B%20",
		"ü€":         "%C3%BC%E2%82%AC",
	} {
		if got := plan.AMQPEscape(in); got != want {
			t.Errorf("amqpEscape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLogIsJSON(t *testing.T) {
	var buf bytes.Buffer
	if !pipeline.LogIsJSON(NewLogger(&buf, "json")) || pipeline.LogIsJSON(NewLogger(&buf, "text")) {
		t.Fatal("logIsJSON does not tell the formats apart through the masking handler")
	}
}
