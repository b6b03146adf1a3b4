package certs_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wso2-container/agent/agent/certs"
	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/keystore"
)

func TestAliasFor(t *testing.T) {
	tests := []struct{ file, want string }{
		{"wso2gateway.pem", "wso2gatewaycert"},
		{"/certificates/wso2identityserver.pem", "wso2identityservercert"},
		{"wso2das.pem", "wso2dascert"},
		{"WSO2Store.PEM", "wso2storecert"},
		{"partner-ca.crt", "partner-cacert"},
		{"rootcert.cer", "rootcert"},
		{"mysql.der", "mysqlcert"},
		{"bundle.v2.pem", "bundle.v2cert"},
		{"noext", "noextcert"},
	}
	for _, tc := range tests {
		if got := certs.AliasFor(tc.file); got != tc.want {
			t.Errorf("AliasFor(%q) = %q, want %q", tc.file, got, tc.want)
		}
	}
	if got := certs.AliasForIndex("chain.pem", 0); got != "chaincert" {
		t.Errorf("AliasForIndex 0 = %q", got)
	}
	if got := certs.AliasForIndex("chain.pem", 2); got != "chaincert-3" {
		t.Errorf("AliasForIndex 2 = %q", got)
	}
}

// genCerts writes the PEM files of real generated components into dir
// (ECDSA keys, for speed) and returns their paths.
func genCerts(t testing.TB, dir string, force bool, components ...string) {
	t.Helper()
	if _, err := certs.Generate(certs.GenerateOptions{Out: dir, Components: components, Domain: "wso2", Key: "ecdsa-p256", Password: "wso2carbon", Force: force}); err != nil {
		t.Fatal(err)
	}
}

// TestImportRestartAndRotation: the eight components' certificates go into
// WSO2's real client-truststore.jks; a second start writes nothing; a
// rotated certificate replaces its entry; WSO2's 94 stock entries survive
// every step, as keytool sees them.
func TestImportRestartAndRotation(t *testing.T) {
	dir := t.TempDir()
	certDir := filepath.Join(dir, "certificates")
	genCerts(t, certDir, false, testComponents...)
	sec := filepath.Join(dir, "security")
	os.Mkdir(sec, 0o755)
	ts := copyStock(t, "client-truststore.jks", sec)
	stock := keytoolList(t, ts, "wso2carbon")
	if len(stock) != 94 {
		t.Fatalf("stock truststore has %d entries, expected 94", len(stock))
	}
	now := time.Now()

	// First start: eight additions.
	p, err := certs.PlanImport(certDir, ts, "wso2carbon", now)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Changes) != 8 || !p.Changed() {
		t.Fatalf("first plan: %d changes, changed %v", len(p.Changes), p.Changed())
	}
	for _, c := range p.Changes {
		if c.Action != certs.ActionAdd {
			t.Fatalf("first plan: %+v", c)
		}
	}
	if !bytes.Equal(readFile(t, ts), p.Old) {
		t.Fatal("planning modified the truststore")
	}
	if err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	noTempFiles(t, sec)
	after := keytoolList(t, ts, "wso2carbon")
	if len(after) != 94+8 {
		t.Fatalf("after import keytool lists %d entries, want 102", len(after))
	}
	for alias, v := range stock {
		if after[alias] != v {
			t.Fatalf("stock entry %s changed: %q -> %q", alias, v, after[alias])
		}
	}
	for _, c := range testComponents {
		alias := "wso2" + c + "cert"
		pemCerts, _, err := certs.ParseCerts(readFile(t, filepath.Join(certDir, "wso2"+c+".pem")))
		if err != nil {
			t.Fatal(err)
		}
		if want := "trustedCertEntry " + keystore.Fingerprint(pemCerts[0].Raw); after[alias] != want {
			t.Fatalf("%s: keytool shows %q, want %q", alias, after[alias], want)
		}
	}

	// Restart: nothing to write, file byte-identical.
	written := readFile(t, ts)
	st, _ := os.Stat(ts)
	p2, err := certs.PlanImport(certDir, ts, "wso2carbon", now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if p2.Changed() {
		t.Fatal("second plan wants to write")
	}
	for _, c := range p2.Changes {
		if c.Action != certs.ActionUnchanged {
			t.Fatalf("second plan: %+v", c)
		}
	}
	if err := p2.Apply(); err != nil {
		t.Fatal(err)
	}
	st2, _ := os.Stat(ts)
	if !bytes.Equal(readFile(t, ts), written) || !st2.ModTime().Equal(st.ModTime()) {
		t.Fatal("second start touched the truststore")
	}

	// Rotation of the gateway's certificate.
	oldGW := after["wso2gatewaycert"]
	genCerts(t, certDir, true, "gateway")
	p3, err := certs.PlanImport(certDir, ts, "wso2carbon", now.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var replaced []certs.EntryChange
	for _, c := range p3.Changes {
		if c.Action != certs.ActionUnchanged {
			replaced = append(replaced, c)
		}
	}
	if len(replaced) != 1 || replaced[0].Alias != "wso2gatewaycert" || replaced[0].Action != certs.ActionReplace ||
		"trustedCertEntry "+replaced[0].OldSHA256 != oldGW || replaced[0].NewSHA256 == replaced[0].OldSHA256 {
		t.Fatalf("rotation plan: %+v", replaced)
	}
	if err := p3.Apply(); err != nil {
		t.Fatal(err)
	}
	rotated := keytoolList(t, ts, "wso2carbon")
	if len(rotated) != 102 || rotated["wso2gatewaycert"] != "trustedCertEntry "+replaced[0].NewSHA256 {
		t.Fatalf("after rotation: %d entries, gateway %q", len(rotated), rotated["wso2gatewaycert"])
	}
	for alias, v := range after {
		if alias != "wso2gatewaycert" && rotated[alias] != v {
			t.Fatalf("entry %s changed by the rotation", alias)
		}
	}
}

// TestImportFolderRules: what counts as a certificate file, and the
// decisions for missing and empty folders and expired certificates.
func TestImportFolderRules(t *testing.T) {
	now := time.Now()
	type setup func(t *testing.T, certDir string)
	tests := []struct {
		name         string
		setup        setup
		noFolder     bool
		wantAliases  []string // added
		wantWarnings []string // substrings, in order
	}{
		{name: "missing folder", noFolder: true, wantWarnings: []string{"does not exist: nothing to import"}},
		{name: "empty folder", setup: func(t *testing.T, d string) {}},
		{
			name: "expired certificate: imported with a warning",
			setup: func(t *testing.T, d string) {
				writeFile(t, filepath.Join(d, "old.pem"), pemOf(makeCert(t, "old", now.Add(-48*time.Hour), now.Add(-24*time.Hour))))
			},
			wantAliases:  []string{"oldcert"},
			wantWarnings: []string{`certificate "CN=old" expired on`},
		},
		{
			name: "not yet valid: imported with a warning",
			setup: func(t *testing.T, d string) {
				writeFile(t, filepath.Join(d, "future.crt"), pemOf(makeCert(t, "future", now.Add(time.Hour), now.Add(48*time.Hour))))
			},
			wantAliases:  []string{"futurecert"},
			wantWarnings: []string{"is not valid before"},
		},
		{
			name: "DER, multi-certificate PEM, key block, other files",
			setup: func(t *testing.T, d string) {
				writeFile(t, filepath.Join(d, "wso2das.pem"), validCert(t, "das")) // DER in a .pem, like keytool -export
				writeFile(t, filepath.Join(d, "chain.crt"), pemOf(validCert(t, "leaf"), validCert(t, "ca")))
				writeFile(t, filepath.Join(d, "withkey.pem"), append(pemOf(validCert(t, "k")), []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")...))
				writeFile(t, filepath.Join(d, "wso2das.jks"), []byte("not read"))
				writeFile(t, filepath.Join(d, "README.txt"), []byte("hello"))
				writeFile(t, filepath.Join(d, ".hidden.pem"), []byte("not read"))
				os.Mkdir(filepath.Join(d, "..data"), 0o755)
				os.Mkdir(filepath.Join(d, "sub.pem"), 0o755)
				os.Symlink("wso2das.pem", filepath.Join(d, "link.cer"))
			},
			wantAliases:  []string{"chaincert", "chaincert-2", "linkcert", "withkeycert", "wso2dascert"},
			wantWarnings: []string{"ignored " /* README.txt */, "ignored PEM blocks that are not certificates: PRIVATE KEY"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			certDir := filepath.Join(dir, "certificates")
			if !tc.noFolder {
				os.Mkdir(certDir, 0o755)
				tc.setup(t, certDir)
			}
			ts := copyStock(t, "client-truststore.jks", dir)
			orig := readFile(t, ts)
			p, err := certs.PlanImport(certDir, ts, "wso2carbon", now)
			if err != nil {
				t.Fatal(err)
			}
			var added []string
			for _, c := range p.Changes {
				if c.Action != certs.ActionAdd {
					t.Fatalf("unexpected change %+v", c)
				}
				added = append(added, c.Alias)
			}
			if strings.Join(added, ",") != strings.Join(tc.wantAliases, ",") {
				t.Fatalf("added %v, want %v", added, tc.wantAliases)
			}
			if len(p.Warnings) != len(tc.wantWarnings) {
				t.Fatalf("warnings %q, want %d like %q", p.Warnings, len(tc.wantWarnings), tc.wantWarnings)
			}
			for i, w := range tc.wantWarnings {
				if !strings.Contains(p.Warnings[i], w) {
					t.Fatalf("warning %d = %q, want it to contain %q", i, p.Warnings[i], w)
				}
			}
			if err := p.Apply(); err != nil {
				t.Fatal(err)
			}
			if len(tc.wantAliases) == 0 {
				if p.Old != nil || !bytes.Equal(readFile(t, ts), orig) {
					t.Fatal("nothing to import, yet the truststore was read or written")
				}
				return
			}
			got := keytoolList(t, ts, "wso2carbon")
			for _, a := range tc.wantAliases {
				if !strings.HasPrefix(got[a], "trustedCertEntry ") {
					t.Fatalf("keytool does not list %s", a)
				}
			}
		})
	}
}

// TestImportBadInput: every bad input gives a one-line error naming the
// file, the documented exit code, and leaves the truststore byte-identical.
func TestImportBadInput(t *testing.T) {
	type env struct{ dir, certDir, ts string }
	tests := []struct {
		name     string
		prepare  func(t *testing.T, e env) (password string)
		wantCode int
		wantMsg  []string
	}{
		{
			name:     "wrong truststore password",
			prepare:  func(t *testing.T, e env) string { return "not-wso2carbon" },
			wantCode: exitcode.DataErr, wantMsg: []string{"client-truststore.jks", "wrong password"},
		},
		{
			name: "truncated truststore",
			prepare: func(t *testing.T, e env) string {
				b := readFile(t, e.ts)
				writeFile(t, e.ts, b[:len(b)/2])
				return "wso2carbon"
			},
			wantCode: exitcode.DataErr, wantMsg: []string{"client-truststore.jks", "not a valid keystore"},
		},
		{
			name: "corrupt length field",
			prepare: func(t *testing.T, e env) string {
				b := readFile(t, e.ts)
				copy(b[8:12], []byte{0xf0, 0, 0, 0}) // number of entries
				writeFile(t, e.ts, b)
				return "wso2carbon"
			},
			wantCode: exitcode.DataErr, wantMsg: []string{"client-truststore.jks", "cannot fit"},
		},
		{
			name: "PEM that is not a certificate",
			prepare: func(t *testing.T, e env) string {
				writeFile(t, filepath.Join(e.certDir, "wso2bad.pem"), []byte("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"))
				return "wso2carbon"
			},
			wantCode: exitcode.DataErr, wantMsg: []string{"wso2bad.pem", "PEM block 1"},
		},
		{
			name: "text file named .pem",
			prepare: func(t *testing.T, e env) string {
				writeFile(t, filepath.Join(e.certDir, "notes.pem"), []byte("just some notes\n"))
				return "wso2carbon"
			},
			wantCode: exitcode.DataErr, wantMsg: []string{"notes.pem", "not a PEM or DER certificate"},
		},
		{
			name: "empty .crt file",
			prepare: func(t *testing.T, e env) string {
				writeFile(t, filepath.Join(e.certDir, "empty.crt"), nil)
				return "wso2carbon"
			},
			wantCode: exitcode.DataErr, wantMsg: []string{"empty.crt", "empty file"},
		},
		{
			name: "dangling symbolic link",
			prepare: func(t *testing.T, e env) string {
				os.Symlink("/nonexistent/x.pem", filepath.Join(e.certDir, "gone.pem"))
				return "wso2carbon"
			},
			wantCode: exitcode.NoInput, wantMsg: []string{"gone.pem"},
		},
		{
			name: "certificates path is a file",
			prepare: func(t *testing.T, e env) string {
				os.RemoveAll(e.certDir)
				writeFile(t, e.certDir, []byte("x"))
				return "wso2carbon"
			},
			wantCode: exitcode.NoInput, wantMsg: []string{"certificates"},
		},
		{
			name:     "missing truststore",
			prepare:  func(t *testing.T, e env) string { os.Remove(e.ts); return "wso2carbon" },
			wantCode: exitcode.NoInput, wantMsg: []string{"client-truststore.jks", "no such file"},
		},
		{
			name: "two files, one alias",
			prepare: func(t *testing.T, e env) string {
				writeFile(t, filepath.Join(e.certDir, "wso2gateway.crt"), pemOf(validCert(t, "x")))
				return "wso2carbon"
			},
			wantCode: exitcode.DataErr, wantMsg: []string{"wso2gateway.crt", "wso2gateway.pem", `"wso2gatewaycert"`},
		},
		{
			name: "alias holds a private key",
			prepare: func(t *testing.T, e env) string {
				mustKeytool(t, "wso2carbon", "-genkeypair", "-alias", "wso2gatewaycert", "-keyalg", "EC", "-dname", "CN=k",
					"-keystore", e.ts, "-storepass:env", "P", "-keypass:env", "P")
				return "wso2carbon"
			},
			wantCode: exitcode.DataErr, wantMsg: []string{"wso2gateway.pem", "private key"},
		},
		{
			name:     "password above U+00FF",
			prepare:  func(t *testing.T, e env) string { return "wso2carbon€" },
			wantCode: exitcode.Config, wantMsg: []string{"above U+00FF"},
		},
		{
			name: "PKCS12 truststore (IS 7.1, with a MAC), wrong password",
			prepare: func(t *testing.T, e env) string {
				writeFile(t, e.ts, readFile(t, fixturePath("wso2is-7.1.0", "client-truststore.p12")))
				return "not-wso2carbon"
			},
			wantCode: exitcode.DataErr, wantMsg: []string{"client-truststore.jks", "wrong password"},
		},
		{
			name: "truncated PKCS12 truststore",
			prepare: func(t *testing.T, e env) string {
				b := readFile(t, fixturePath("wso2am-4.5.0", "client-truststore.jks"))
				writeFile(t, e.ts, b[:len(b)-100])
				return "wso2carbon"
			},
			wantCode: exitcode.DataErr, wantMsg: []string{"client-truststore.jks", "not a valid keystore", "PKCS12"},
		},
		{
			name: "PKCS12 alias holds a private key",
			prepare: func(t *testing.T, e env) string {
				writeFile(t, e.ts, readFile(t, fixturePath("wso2am-4.5.0", "client-truststore.jks")))
				mustKeytool(t, "wso2carbon", "-genkeypair", "-alias", "WSO2GatewayCert", "-keyalg", "EC", "-dname", "CN=k",
					"-keystore", e.ts, "-storetype", "PKCS12", "-storepass:env", "P", "-keypass:env", "P")
				return "wso2carbon"
			},
			wantCode: exitcode.DataErr, wantMsg: []string{"wso2gateway.pem", "private key"},
		},
		{
			name: "JCEKS truststore",
			prepare: func(t *testing.T, e env) string {
				os.Remove(e.ts)
				mustKeytool(t, "wso2carbon", "-importcert", "-noprompt", "-alias", "someca", "-file", filepath.Join(e.certDir, "wso2gateway.pem"),
					"-keystore", e.ts, "-storetype", "JCEKS", "-storepass:env", "P")
				return "wso2carbon"
			},
			wantCode: exitcode.DataErr, wantMsg: []string{"client-truststore.jks", "JCEKS"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			e := env{dir: dir, certDir: filepath.Join(dir, "certificates"), ts: ""}
			os.Mkdir(e.certDir, 0o755)
			writeFile(t, filepath.Join(e.certDir, "wso2gateway.pem"), pemOf(validCert(t, "gateway.wso2")))
			e.ts = copyStock(t, "client-truststore.jks", dir)
			pw := tc.prepare(t, e)
			before, _ := os.ReadFile(e.ts)
			p, err := certs.PlanImport(e.certDir, e.ts, pw, time.Now())
			if err == nil {
				t.Fatalf("PlanImport succeeded: %+v", p.Changes)
			}
			if got := exitcode.Of(err); got != tc.wantCode {
				t.Fatalf("exit code %d, want %d (%v)", got, tc.wantCode, err)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Fatalf("error is not one line: %q", msg)
			}
			for _, w := range tc.wantMsg {
				if !strings.Contains(msg, w) {
					t.Fatalf("error %q does not contain %q", msg, w)
				}
			}
			if pw != "wso2carbon" && strings.Contains(msg, pw) {
				t.Fatalf("error reveals the password: %q", msg)
			}
			after, _ := os.ReadFile(e.ts)
			if !bytes.Equal(before, after) {
				t.Fatal("the truststore changed")
			}
			noTempFiles(t, dir)
		})
	}
}

// TestApplyRefusesChangedFile: the plan is applied only to the file it was
// made from.
func TestApplyRefusesChangedFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.pem"), pemOf(validCert(t, "a")))
	ts := copyStock(t, "client-truststore.jks", dir)
	p, err := certs.PlanImport(dir, ts, "wso2carbon", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	mustKeytool(t, "wso2carbon", "-delete", "-alias", "wso2carbon", "-keystore", ts, "-storepass:env", "P")
	between := readFile(t, ts)
	err = p.Apply()
	if exitcode.Of(err) != exitcode.IOErr || !strings.Contains(err.Error(), "changed since") {
		t.Fatalf("Apply on a changed file: %v", err)
	}
	if !bytes.Equal(readFile(t, ts), between) {
		t.Fatal("Apply wrote over a file that changed")
	}
}

func TestParseCerts(t *testing.T) {
	a, b := validCert(t, "a"), validCert(t, "b")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.pem"), pemOf(a))
	trusted, err := tool(t, nil, "openssl", "x509", "-in", filepath.Join(dir, "a.pem"), "-trustout", "-addtrust", "serverAuth")
	if err != nil {
		t.Fatalf("openssl: %v\n%s", err, trusted)
	}
	tests := []struct {
		name    string
		data    []byte
		want    []string // subjects
		skipped []string
		err     string
	}{
		{"PEM", pemOf(a), []string{"CN=a"}, nil, ""},
		{"PEM bundle with text around", append(append([]byte("subject=a\n"), pemOf(a, b)...), "trailer\n"...), []string{"CN=a", "CN=b"}, nil, ""},
		{"DER", a, []string{"CN=a"}, nil, ""},
		{"concatenated DER", append(bytes.Clone(a), b...), []string{"CN=a", "CN=b"}, nil, ""},
		{"OpenSSL TRUSTED CERTIFICATE", []byte(trusted), []string{"CN=a"}, nil, ""},
		{"certificate and key", append(pemOf(a), "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n"...), []string{"CN=a"}, []string{"EC PRIVATE KEY"}, ""},
		{"only a key", []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), nil, []string{"PRIVATE KEY"}, "only PRIVATE KEY"},
		{"empty", []byte(" \n"), nil, nil, "empty file"},
		{"garbage", []byte("hello"), nil, nil, "not a PEM or DER"},
		{"truncated DER", a[:len(a)-10], nil, nil, "not a PEM or DER"},
		{"broken PEM header", []byte("-----BEGIN CERTIFICATE-----\nxx"), nil, nil, "no valid PEM block"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, skipped, err := certs.ParseCerts(tc.data)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var subj []string
			for _, c := range got {
				subj = append(subj, c.Subject.String())
			}
			if strings.Join(subj, ";") != strings.Join(tc.want, ";") || strings.Join(skipped, ";") != strings.Join(tc.skipped, ";") {
				t.Fatalf("got %v skipped %v, want %v skipped %v", subj, skipped, tc.want, tc.skipped)
			}
		})
	}
}

func FuzzParseCerts(f *testing.F) {
	// Deterministic seeds: a real CA certificate from WSO2's stock truststore.
	stock, err := keystore.Load(readFile(f, filepath.Join(stockDir, "client-truststore.jks")), "wso2carbon")
	if err != nil {
		f.Fatal(err)
	}
	e, _ := stock.Entry("verisignclass3g5ca")
	a := e.DER
	f.Add(a)
	f.Add(pemOf(a))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"))
	f.Add([]byte("-----BEGIN TRUSTED CERTIFICATE-----\nMAA=\n-----END TRUSTED CERTIFICATE-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, _, err := certs.ParseCerts(data)
		if err == nil && len(got) == 0 {
			t.Fatal("no error and no certificate")
		}
		for _, c := range got {
			if _, err := keystore.New().SetTrusted("x", c.Raw, time.Unix(0, 0)); err != nil {
				t.Fatalf("SetTrusted of a parsed certificate: %v", err)
			}
		}
	})
}
