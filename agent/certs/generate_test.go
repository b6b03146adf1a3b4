package certs_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wso2-container/agent/agent/certs"
	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/keystore"
)

// TestGenerate: keytool reads every keystore written, under the old aliases,
// and the certificates carry the names, SANs, validity and key asked for.
func TestGenerate(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		opts       certs.GenerateOptions
		components []string
		wantDNS    map[string][]string
		keyCheck   func(pub any) bool
		days       int
	}{
		{
			name:       "eight components, default key rsa2048 and days",
			opts:       certs.GenerateOptions{Components: testComponents, Domain: "wso2", Password: "wso2carbon"},
			components: testComponents,
			wantDNS:    map[string][]string{"gateway": {"gateway.wso2", "gateway"}, "das": {"das.wso2", "das"}},
			keyCheck:   func(pub any) bool { k, ok := pub.(*rsa.PublicKey); return ok && k.N.BitLen() == 2048 },
			days:       certs.DefaultDays,
		},
		{
			name:       "ecdsa, no domain, non-ASCII password",
			opts:       certs.GenerateOptions{Components: []string{"gateway"}, Key: "ecdsa-p256", Days: 30, Password: "geheimnisvoll-ä"},
			components: []string{"gateway"},
			wantDNS:    map[string][]string{"gateway": {"gateway"}},
			keyCheck:   func(pub any) bool { _, ok := pub.(*ecdsa.PublicKey); return ok },
			days:       30,
		},
		{
			name:       "rsa4096, other domain",
			opts:       certs.GenerateOptions{Components: []string{"identityserver"}, Domain: "example.org", Key: "rsa4096", Days: 1, Password: "wso2carbon"},
			components: []string{"identityserver"},
			wantDNS:    map[string][]string{"identityserver": {"identityserver.example.org", "identityserver"}},
			keyCheck:   func(pub any) bool { k, ok := pub.(*rsa.PublicKey); return ok && k.N.BitLen() == 4096 },
			days:       1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "certificates")
			o := tc.opts
			o.Out, o.Now = out, now
			res, err := certs.Generate(o)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Written) != 2*len(tc.components) || len(res.Kept) != 0 {
				t.Fatalf("written %v kept %v", res.Written, res.Kept)
			}
			noTempFiles(t, out)
			for i, c := range tc.components {
				c := c
				t.Run(c, func(t *testing.T) {
					t.Parallel()
					jks := filepath.Join(out, "wso2"+c+".jks")
					list := keytoolList(t, jks, o.Password)
					alias := "wso2" + c + "cert"
					if len(list) != 1 || !strings.HasPrefix(list[alias], "PrivateKeyEntry ") {
						t.Fatalf("%s: keytool lists %v", jks, list)
					}
					pemCerts, _, err := certs.ParseCerts(readFile(t, filepath.Join(out, "wso2"+c+".pem")))
					if err != nil || len(pemCerts) != 1 {
						t.Fatalf("pem of %s: %v", c, err)
					}
					cert := pemCerts[0]
					if list[alias] != "PrivateKeyEntry "+keystore.Fingerprint(cert.Raw) {
						t.Fatalf("%s: the .pem is not the keystore's certificate", c)
					}
					wantCN := c
					if o.Domain != "" {
						wantCN = c + "." + o.Domain
					}
					if cert.Subject.CommonName != wantCN {
						t.Fatalf("CN = %q, want %q", cert.Subject.CommonName, wantCN)
					}
					if want, ok := tc.wantDNS[c]; ok && strings.Join(cert.DNSNames, ",") != strings.Join(want, ",") {
						t.Fatalf("SAN DNS = %v, want %v", cert.DNSNames, want)
					}
					if err := cert.VerifyHostname(wantCN); err != nil {
						t.Fatal(err)
					}
					if !cert.NotBefore.Equal(now.Add(-time.Hour)) || !cert.NotAfter.Equal(now.Add(time.Duration(tc.days)*24*time.Hour)) {
						t.Fatalf("validity %s .. %s", cert.NotBefore, cert.NotAfter)
					}
					if !tc.keyCheck(cert.PublicKey) {
						t.Fatalf("key %T", cert.PublicKey)
					}
					if len(cert.ExtKeyUsage) != 2 || cert.ExtKeyUsage[0] != x509.ExtKeyUsageServerAuth || cert.ExtKeyUsage[1] != x509.ExtKeyUsageClientAuth {
						t.Fatalf("ext key usage %v", cert.ExtKeyUsage)
					}
					if st, _ := os.Stat(jks); st.Mode().Perm() != 0o640 {
						t.Fatalf("%s mode %v, want 0640", jks, st.Mode().Perm())
					}
					if i > 0 {
						return
					}
					// keytool must be able to use the key (key password = store
					// password); the TLS test covers the other components.
					csr := mustKeytool(t, o.Password, "-certreq", "-alias", alias, "-keystore", jks, "-storepass:env", "P", "-keypass:env", "P")
					if !strings.Contains(csr, "CERTIFICATE REQUEST") {
						t.Fatalf("keytool -certreq: %s", csr)
					}
				})
			}
		})
	}
}

// TestGenerateKeepsFiles (B30): existing files are kept unless --force; a
// missing .pem is exported from its keystore; a .pem without its keystore
// is an error.
func TestGenerateKeepsFiles(t *testing.T) {
	out := t.TempDir()
	opts := certs.GenerateOptions{Out: out, Components: []string{"store", "gateway"}, Key: "ecdsa-p256", Password: "wso2carbon"}
	if _, err := certs.Generate(opts); err != nil {
		t.Fatal(err)
	}
	snapshot := func() map[string][]byte {
		m := map[string][]byte{}
		for _, n := range []string{"wso2store.jks", "wso2store.pem", "wso2gateway.jks", "wso2gateway.pem"} {
			m[n], _ = os.ReadFile(filepath.Join(out, n))
		}
		return m
	}
	first := snapshot()

	res, err := certs.Generate(opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Written) != 0 || len(res.Kept) != 4 {
		t.Fatalf("second run: written %v kept %v", res.Written, res.Kept)
	}
	for n, b := range snapshot() {
		if !bytes.Equal(b, first[n]) {
			t.Fatalf("%s changed without --force", n)
		}
	}

	os.Remove(filepath.Join(out, "wso2store.pem"))
	res, err = certs.Generate(opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Written) != 1 || !bytes.Equal(readFile(t, filepath.Join(out, "wso2store.pem")), first["wso2store.pem"]) {
		t.Fatalf("missing .pem not re-exported identically: %v", res.Written)
	}

	os.Remove(filepath.Join(out, "wso2gateway.jks"))
	_, err = certs.Generate(opts)
	if exitcode.Of(err) != exitcode.NoInput || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("pem without jks: %v", err)
	}

	opts.Force = true
	res, err = certs.Generate(opts)
	if err != nil || len(res.Written) != 4 {
		t.Fatalf("--force: %v, %v", err, res)
	}
	for n, b := range snapshot() {
		if bytes.Equal(b, first[n]) {
			t.Fatalf("%s not replaced with --force", n)
		}
	}
}

func TestGenerateBadOptions(t *testing.T) {
	base := certs.GenerateOptions{Components: []string{"gateway"}, Key: "ecdsa-p256", Password: "wso2carbon"}
	tests := []struct {
		name   string
		change func(o *certs.GenerateOptions)
		code   int
		msg    string
	}{
		{"no out", func(o *certs.GenerateOptions) { o.Out = "" }, exitcode.Usage, "--out"},
		{"no components", func(o *certs.GenerateOptions) { o.Components = nil }, exitcode.Usage, "no components"},
		{"bad component", func(o *certs.GenerateOptions) { o.Components = []string{"Gate way"} }, exitcode.Usage, "component name"},
		{"component twice", func(o *certs.GenerateOptions) { o.Components = []string{"a", "a"} }, exitcode.Usage, "twice"},
		{"bad domain", func(o *certs.GenerateOptions) { o.Domain = "wso2..x" }, exitcode.Usage, "not a DNS name"},
		{"negative days", func(o *certs.GenerateOptions) { o.Days = -1 }, exitcode.Usage, "days"},
		{"too many days", func(o *certs.GenerateOptions) { o.Days = 40000 }, exitcode.Usage, "days"},
		{"bad key", func(o *certs.GenerateOptions) { o.Key = "dsa" }, exitcode.Usage, "key"},
		{"password above U+00FF", func(o *certs.GenerateOptions) { o.Password = "wso2carbon€" }, exitcode.Config, "U+00FF"},
		{"short password", func(o *certs.GenerateOptions) { o.Password = "abc" }, exitcode.Config, "6 characters"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			o := base
			o.Out = out
			tc.change(&o)
			_, err := certs.Generate(o)
			if exitcode.Of(err) != tc.code || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err %v (code %d), want code %d containing %q", err, exitcode.Of(err), tc.code, tc.msg)
			}
			if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
				t.Fatal("output folder created despite bad options")
			}
		})
	}
}

// TestPlanOwnKeystore: only the component's own keystore is copied, after
// checking it opens and holds its key.
func TestPlanOwnKeystore(t *testing.T) {
	dir := t.TempDir()
	certDir := filepath.Join(dir, "certificates")
	genCerts(t, certDir, false, "gateway", "store")
	sec := filepath.Join(dir, "security")
	os.Mkdir(sec, 0o755)

	p, err := certs.PlanOwnKeystore(certDir, "gateway", sec, "wso2carbon")
	if err != nil {
		t.Fatal(err)
	}
	if !p.Changed || p.Alias != "wso2gatewaycert" || p.Dst != filepath.Join(sec, "wso2gateway.jks") || p.Subject != "CN=gateway.wso2" {
		t.Fatalf("plan %+v", p)
	}
	if _, err := os.Stat(p.Dst); err == nil {
		t.Fatal("planning wrote the copy")
	}
	if err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(readFile(t, p.Dst), readFile(t, p.Src)) {
		t.Fatal("copy differs")
	}
	if _, err := os.Stat(filepath.Join(sec, "wso2store.jks")); err == nil {
		t.Fatal("another component's keystore was copied (B13)")
	}
	p2, err := certs.PlanOwnKeystore(certDir, "gateway", sec, "wso2carbon")
	if err != nil || p2.Changed {
		t.Fatalf("second plan: %v changed=%v", err, p2 != nil && p2.Changed)
	}

	// A keystore whose key password differs from the store password.
	mustKeytool(t, "wso2carbon", "-genkeypair", "-alias", "wso2keymanagercert", "-keyalg", "EC", "-dname", "CN=km",
		"-keystore", filepath.Join(certDir, "wso2keymanager.jks"), "-storetype", "JKS", "-storepass:env", "P", "-keypass", "otherpass")
	// A "keystore" with only trusted entries.
	copyStock(t, "client-truststore.jks", dir)
	os.Rename(filepath.Join(dir, "client-truststore.jks"), filepath.Join(certDir, "wso2publisher.jks"))

	tests := []struct {
		name, component, password string
		code                      int
		msg                       string
		notExist                  bool
	}{
		{"missing keystore", "das", "wso2carbon", exitcode.NoInput, "wso2das.jks", true},
		{"wrong password", "gateway", "nope-nope", exitcode.DataErr, "wrong password", false},
		{"key password differs", "keymanager", "wso2carbon", exitcode.DataErr, "does not open with the keystore password", false},
		{"no key entry", "publisher", "wso2carbon", exitcode.DataErr, `no private key entry under alias "wso2publishercert"`, false},
		{"bad component", "../x", "wso2carbon", exitcode.Config, "component name", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := certs.PlanOwnKeystore(certDir, tc.component, sec, tc.password)
			if exitcode.Of(err) != tc.code || !strings.Contains(err.Error(), tc.msg) || errors.Is(err, fs.ErrNotExist) != tc.notExist {
				t.Fatalf("err %v (code %d)", err, exitcode.Of(err))
			}
		})
	}
}

// BenchmarkGenerate8RSA2048: `agent certs generate` for the eight default
// components with the default key (target: under 2 s on 2 cores).
func BenchmarkGenerate8RSA2048(b *testing.B) {
	for b.Loop() {
		if _, err := certs.Generate(certs.GenerateOptions{Out: b.TempDir(), Components: testComponents, Password: "wso2carbon", Domain: "wso2"}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestGenerateStopped: a closed Done (a TERM to `agent certs generate`)
// stops Generate before it writes anything: existing files stay as they
// were, even with Force, and no new or temporary file is left.
func TestGenerateStopped(t *testing.T) {
	out := t.TempDir()
	opts := certs.GenerateOptions{Out: out, Components: []string{"store"}, Key: "ecdsa-p256", Password: "wso2carbon"}
	if _, err := certs.Generate(opts); err != nil {
		t.Fatal(err)
	}
	before := map[string][]byte{}
	for _, n := range []string{"wso2store.jks", "wso2store.pem"} {
		before[n], _ = os.ReadFile(filepath.Join(out, n))
	}
	done := make(chan struct{})
	close(done)
	opts.Components, opts.Force, opts.Done = []string{"store", "gateway"}, true, done
	res, err := certs.Generate(opts)
	if !errors.Is(err, certs.ErrStopped) || res != nil {
		t.Fatalf("Generate with Done closed = %v, %v; want nil, ErrStopped", res, err)
	}
	ents, _ := os.ReadDir(out)
	if len(ents) != 2 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("folder holds %v, want only wso2store.jks and wso2store.pem", names)
	}
	for n, b := range before {
		if got, _ := os.ReadFile(filepath.Join(out, n)); !bytes.Equal(got, b) {
			t.Errorf("%s changed although Generate was stopped", n)
		}
	}
}
