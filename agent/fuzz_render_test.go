package agent

// FuzzRenderMasksSecrets plans the gateway profile on the real fixture with
// an arbitrary admin password and MySQL password, and renders the plan as
// text (the dry-run diff) and JSON, and as the record printed after an
// apply (text and JSON). Properties: planning either fails with a
// one-line error that does not show the secret (in any usual encoding: XML,
// JSON, percent, java.util.Properties escapes), or the rendered output
// contains no part of either password: each is framed by markers that occur
// nowhere else, so any marker in the output is a secret shown, whatever its
// spelling and even when a diff splits it over lines.

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"html"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wso2-container/agent/agent/pipeline"
	"github.com/wso2-container/agent/agent/plan"
	"github.com/wso2-container/agent/agent/product"
	"github.com/wso2-container/agent/internal/fixtures"
)

// secretSpellings are the encodings a secret value may take in a file or in
// the output.
func secretSpellings(v string) []string {
	var xb bytes.Buffer
	_ = xml.EscapeText(&xb, []byte(v))
	js, _ := json.Marshal(v)
	jsHTML := strings.Trim(string(js), `"`)
	var jb bytes.Buffer
	enc := json.NewEncoder(&jb)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	minXML := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(v)
	forms := []string{v, html.EscapeString(v), xb.String(), minXML, jsHTML,
		strings.Trim(strings.TrimSpace(jb.String()), `"`), url.QueryEscape(v), url.PathEscape(v), javaPropsEscape(v)}
	var out []string
	seen := map[string]bool{}
	for _, f := range forms {
		if f != "" && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

// javaPropsEscape is a value as java.util.Properties.store writes it.
func javaPropsEscape(v string) string {
	var b strings.Builder
	for i, r := range v {
		switch {
		case r == ' ' && i == 0:
			b.WriteString(`\ `)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\f':
			b.WriteString(`\f`)
		case strings.ContainsRune("=:#!", r):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r > 0x7e:
			for _, u := range utf16Units(r) {
				b.WriteString(`\u`)
				b.WriteString(strings.ToUpper(hex4(u)))
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func utf16Units(r rune) []uint16 {
	if r >= 0x10000 {
		r -= 0x10000
		return []uint16{uint16(0xD800 + (r >> 10)), uint16(0xDC00 + (r & 0x3FF))}
	}
	return []uint16{uint16(r)}
}

func hex4(u uint16) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[u>>12&0xF], digits[u>>8&0xF], digits[u>>4&0xF], digits[u&0xF]})
}

func FuzzRenderMasksSecrets(f *testing.F) {
	root := f.TempDir()
	home := filepath.Join(root, "home")
	fxCopy(f, fixtures.WSO2("wso2am-2.0.0"), home)
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "WSO2_") || k == "VIRTUAL_HOST" {
			f.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	env := goldenEnv(f, "gateway", home)
	env["WSO2_CLUSTER_MEMBERS"] = "10.0.1.1,10.0.2.2"
	for k, v := range env {
		f.Setenv(k, v)
	}
	base, err := pipeline.LoadEnv(slog.New(slog.DiscardHandler), true)
	if err != nil {
		f.Fatalf("load the golden environment: %v", err)
	}
	prof, _ := product.LookupProfile("gateway")
	oldNow := plan.Now
	plan.Now = func() time.Time { return goldenNow }
	f.Cleanup(func() { plan.Now = oldNow })
	dns := fakeDiscovery(goldenDNS)

	// The last four once leaked through the dry-run diff: spellings xmlconf
	// writes that the mask did not know, and a line break splitting a secret.
	for _, s := range []string{"p&ss'word", "1\"&00", "tab\tnl\ncr\r", "😀", "simple", "a/b", "p&ss", `back\slash`, "<tag>", `q"u'o`, "sp ace", " lead", "x=y:z#!",
		"100%", "a@b:c", "ümlaut", "日本", "${carbon.home}", "--", "]]>", "\x01\x7f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.IndexByte(s, 0) >= 0 {
			return // an environment value cannot hold NUL
		}
		cfg := *base
		cfg.AdminPassword = "Zq9" + s + "Zq9"
		cfg.MySQLPassword = "Xw7" + s + "Xw7"
		secrets := []string{cfg.AdminPassword, cfg.MySQLPassword}
		p, err := pipeline.BuildPlan(&cfg, prof, dns)
		if err != nil {
			msg := err.Error()
			if strings.ContainsAny(msg, "\n\r") {
				t.Fatalf("error is not one line: %q", msg)
			}
			for _, sec := range secrets {
				for _, form := range secretSpellings(sec) {
					if strings.Contains(msg, form) {
						t.Fatalf("error shows a secret (%q): %v", form, err)
					}
				}
			}
			return
		}
		// Each secret is framed by markers that occur nowhere else: any
		// marker in the output is (part of) a secret shown, in whatever
		// spelling, even split over diff lines.
		for _, mark := range []string{"Zq9", "Xw7"} {
			written := false
			for _, fp := range p.Files {
				written = written || bytes.Contains(fp.New, []byte(mark))
			}
			if !written {
				t.Fatalf("secret %q...%q is in no planned file", mark, mark)
			}
		}
		// The dry run's diff, and the record printed after an apply (which
		// reads fewer files again: see plan.showFiles), each from a plan of
		// its own, as render makes one per run.
		var text, js, record, recordJS bytes.Buffer
		if err := p.WriteText(&text, true); err != nil {
			t.Fatal(err)
		}
		if err := p.WriteJSON(&js, true); err != nil {
			t.Fatal(err)
		}
		p2, err := pipeline.BuildPlan(&cfg, prof, dns)
		if err != nil {
			t.Fatalf("second plan: %v", err)
		}
		if err := p2.WriteText(&record, false); err != nil {
			t.Fatal(err)
		}
		if err := p2.WriteJSON(&recordJS, false); err != nil {
			t.Fatal(err)
		}
		if !json.Valid(js.Bytes()) || !json.Valid(recordJS.Bytes()) {
			t.Fatalf("render --output json is not valid JSON")
		}
		for _, out := range []struct {
			name string
			b    []byte
		}{{"text", text.Bytes()}, {"json", js.Bytes()}, {"record", record.Bytes()}, {"record json", recordJS.Bytes()}} {
			for _, mark := range []string{"Zq9", "Xw7"} {
				if i := bytes.Index(out.b, []byte(mark)); i >= 0 {
					lo, hi := max(i-160, 0), min(i+len(s)+60, len(out.b))
					t.Fatalf("%s output shows (part of) a secret:\n...%s...", out.name, out.b[lo:hi])
				}
			}
		}
	})
}
