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

// pkcs12Truststores are WSO2's real PKCS12 truststores: API Manager 4.5's
// client-truststore.jks (PKCS12 despite its name, no MAC, certificates not
// encrypted) and IS 7.1's client-truststore.p12 (SHA-1 MAC, RC2-40
// encrypted certificates).
var pkcs12Truststores = []struct{ product, name string }{
	{"wso2am-4.5.0", "client-truststore.jks"},
	{"wso2is-7.1.0", "client-truststore.p12"},
}

// TestImportPKCS12RestartAndRotation: the eight components' certificates
// go into each real PKCS12 truststore, told apart from JKS by content; the
// store stays PKCS12 with its MAC choice; keytool lists every stock entry
// unchanged (aliases with commas and spaces included) and the new ones as
// trustedCertEntry; a second start writes nothing; a rotated certificate
// replaces its entry.
func TestImportPKCS12RestartAndRotation(t *testing.T) {
	for _, f := range pkcs12Truststores {
		t.Run(f.product, func(t *testing.T) {
			dir := t.TempDir()
			certDir := filepath.Join(dir, "certificates")
			genCerts(t, certDir, false, testComponents...)
			ts := copyFixture(t, f.product, f.name, dir)
			orig := readFile(t, ts)
			stock := keytoolList(t, ts, "wso2carbon")
			hadMAC := mustLoadStore(t, orig).HasMAC()

			p, err := certs.PlanImport(certDir, ts, "wso2carbon", time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Changes) != 8 || !p.Changed() || !bytes.Equal(p.Old, orig) {
				t.Fatalf("first plan: %d changes, changed %v", len(p.Changes), p.Changed())
			}
			if err := p.Apply(); err != nil {
				t.Fatal(err)
			}
			noTempFiles(t, dir)
			written := readFile(t, ts)
			st := mustLoadStore(t, written)
			if st.Format() != keystore.PKCS12 || st.HasMAC() != hadMAC {
				t.Fatalf("written store: %v, MAC %v; want PKCS12, MAC %v", st.Format(), st.HasMAC(), hadMAC)
			}
			after := keytoolList(t, ts, "wso2carbon")
			if len(after) != len(stock)+8 {
				t.Fatalf("keytool lists %d entries, want %d", len(after), len(stock)+8)
			}
			for alias, v := range stock {
				if after[alias] != v {
					t.Fatalf("stock entry %q changed: %q -> %q", alias, v, after[alias])
				}
			}
			if _, ok := after["cn_isrg_root_x1,o_internet_security_research_group,c_us [jdk]"]; !ok && f.product == "wso2am-4.5.0" {
				t.Fatal("the comma alias of ISRG Root X1 is gone")
			}
			for _, c := range testComponents {
				pemCerts, _, err := certs.ParseCerts(readFile(t, filepath.Join(certDir, "wso2"+c+".pem")))
				if err != nil {
					t.Fatal(err)
				}
				if want := "trustedCertEntry " + keystore.Fingerprint(pemCerts[0].Raw); after["wso2"+c+"cert"] != want {
					t.Fatalf("wso2%scert: keytool shows %q, want %q", c, after["wso2"+c+"cert"], want)
				}
			}

			// Restart: nothing to write.
			st0, _ := os.Stat(ts)
			p2, err := certs.PlanImport(certDir, ts, "wso2carbon", time.Now().Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if p2.Changed() {
				t.Fatal("second plan wants to write")
			}
			if err := p2.Apply(); err != nil {
				t.Fatal(err)
			}
			st1, _ := os.Stat(ts)
			if !bytes.Equal(readFile(t, ts), written) || !st1.ModTime().Equal(st0.ModTime()) {
				t.Fatal("second start touched the truststore")
			}

			// Rotation.
			genCerts(t, certDir, true, "gateway")
			p3, err := certs.PlanImport(certDir, ts, "wso2carbon", time.Now())
			if err != nil {
				t.Fatal(err)
			}
			var changed []certs.EntryChange
			for _, c := range p3.Changes {
				if c.Action != certs.ActionUnchanged {
					changed = append(changed, c)
				}
			}
			if len(changed) != 1 || changed[0].Alias != "wso2gatewaycert" || changed[0].Action != certs.ActionReplace ||
				"trustedCertEntry "+changed[0].OldSHA256 != after["wso2gatewaycert"] {
				t.Fatalf("rotation plan: %+v", changed)
			}
			if err := p3.Apply(); err != nil {
				t.Fatal(err)
			}
			rotated := keytoolList(t, ts, "wso2carbon")
			if len(rotated) != len(after) || rotated["wso2gatewaycert"] != "trustedCertEntry "+changed[0].NewSHA256 {
				t.Fatalf("after rotation: %d entries, gateway %q", len(rotated), rotated["wso2gatewaycert"])
			}
			for alias, v := range after {
				if alias != "wso2gatewaycert" && rotated[alias] != v {
					t.Fatalf("entry %q changed by the rotation", alias)
				}
			}
		})
	}
}

func mustLoadStore(t testing.TB, data []byte) *keystore.Store {
	t.Helper()
	st, err := keystore.Load(data, "wso2carbon")
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestPlanImportTo: the truststore is read from a read-only mount (as
// Kubernetes mounts a keystore secret) and the merge is written elsewhere;
// the source is never written; a restart writes nothing; a source without
// certificates to import is copied; a rotation updates the copy; the
// destination appearing between plan and apply is refused.
func TestPlanImportTo(t *testing.T) {
	stores := append([]struct{ product, name string }{{"wso2am-2.0.0", "client-truststore.jks"}}, pkcs12Truststores...)
	for _, f := range stores {
		t.Run(f.product, func(t *testing.T) {
			dir := t.TempDir()
			certDir := filepath.Join(dir, "certificates")
			genCerts(t, certDir, false, "gateway", "keymanager")
			secret := filepath.Join(dir, "secret")
			os.Mkdir(secret, 0o755)
			src := copyFixture(t, f.product, f.name, secret)
			orig := readFile(t, src)
			dst := filepath.Join(dir, "home", "security", f.name)
			os.MkdirAll(filepath.Dir(dst), 0o755)

			var p *certs.ImportPlan
			var planErr, applyErr error
			inReadOnlyMount(t, secret, func() {
				p, planErr = certs.PlanImportTo(certDir, src, dst, "wso2carbon", time.Now())
				if planErr == nil {
					applyErr = p.Apply()
				}
			})
			if planErr != nil || applyErr != nil {
				t.Fatalf("plan %v, apply %v", planErr, applyErr)
			}
			if p.Truststore != dst || p.Source != src || p.Old != nil || len(p.Changes) != 2 {
				t.Fatalf("plan: truststore %s, source %s, old %d bytes, %d changes", p.Truststore, p.Source, len(p.Old), len(p.Changes))
			}
			if !bytes.Equal(readFile(t, src), orig) {
				t.Fatal("the source changed")
			}
			stock := keytoolList(t, src, "wso2carbon")
			got := keytoolList(t, dst, "wso2carbon")
			if len(got) != len(stock)+2 || !strings.HasPrefix(got["wso2gatewaycert"], "trustedCertEntry ") {
				t.Fatalf("destination lists %d entries (source %d), gateway %q", len(got), len(stock), got["wso2gatewaycert"])
			}
			if keystore.DetectFormat(readFile(t, dst)) != keystore.DetectFormat(orig) {
				t.Fatal("the destination has another format than the source")
			}

			// Restart: the destination is up to date, nothing written.
			written := readFile(t, dst)
			st0, _ := os.Stat(dst)
			p2, err := certs.PlanImportTo(certDir, src, dst, "wso2carbon", time.Now().Add(time.Hour))
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
			st1, _ := os.Stat(dst)
			if !bytes.Equal(readFile(t, dst), written) || !st1.ModTime().Equal(st0.ModTime()) {
				t.Fatal("second start touched the destination")
			}

			// Rotation of one certificate: the destination follows.
			genCerts(t, certDir, true, "gateway")
			p3, err := certs.PlanImportTo(certDir, src, dst, "wso2carbon", time.Now())
			if err != nil || !p3.Changed() {
				t.Fatalf("rotation plan: changed %v, %v", p3 != nil && p3.Changed(), err)
			}
			if err := p3.Apply(); err != nil {
				t.Fatal(err)
			}
			rot := keytoolList(t, dst, "wso2carbon")
			if len(rot) != len(got) || rot["wso2gatewaycert"] == got["wso2gatewaycert"] || rot["wso2keymanagercert"] != got["wso2keymanagercert"] {
				t.Fatal("rotation not applied to the destination")
			}

			// No certificates: the destination becomes a plain copy.
			empty := filepath.Join(dir, "none")
			os.Mkdir(empty, 0o755)
			p4, err := certs.PlanImportTo(empty, src, dst, "wso2carbon", time.Now())
			if err != nil || !p4.Changed() || !bytes.Equal(p4.New, orig) {
				t.Fatalf("copy plan: %v", err)
			}

			// A destination that appears after planning is not overwritten.
			fresh := filepath.Join(dir, "home", "security", "fresh")
			p5, err := certs.PlanImportTo(certDir, src, fresh, "wso2carbon", time.Now())
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, fresh, []byte("someone else"))
			if err := p5.Apply(); exitcode.Of(err) != exitcode.IOErr || !strings.Contains(err.Error(), fresh) {
				t.Fatalf("apply over a file that appeared: %v", err)
			}
			if string(readFile(t, fresh)) != "someone else" {
				t.Fatal("the file that appeared was overwritten")
			}
		})
	}
}

// TestPlanImportToReadOnlyDestination: a destination on a read-only file
// system plans fine (planning only reads, so that a dry run works there)
// and is found when the plan is applied (IOErr naming it).
func TestPlanImportToReadOnlyDestination(t *testing.T) {
	dir := t.TempDir()
	certDir := filepath.Join(dir, "certificates")
	genCerts(t, certDir, false, "gateway")
	src := copyFixture(t, "wso2am-4.5.0", "client-truststore.jks", dir)
	ro := filepath.Join(dir, "ro")
	os.Mkdir(ro, 0o755)
	var planErr, err error
	inReadOnlyMount(t, ro, func() {
		var p *certs.ImportPlan
		if p, planErr = certs.PlanImportTo(certDir, src, filepath.Join(ro, "client-truststore.jks"), "wso2carbon", time.Now()); planErr == nil {
			err = p.Apply()
		}
	})
	if planErr != nil {
		t.Fatalf("plan with a read-only destination: %v", planErr)
	}
	if exitcode.Of(err) != exitcode.IOErr || !strings.Contains(err.Error(), "ro/client-truststore.jks") {
		t.Fatalf("read-only destination: %v", err)
	}
}

// TestPlanOwnKeystorePKCS12: a component's own keystore may be PKCS12 (as
// keytool makes it by default, under a .jks name): its key is checked with
// the same password and the file is copied byte for byte.
func TestPlanOwnKeystorePKCS12(t *testing.T) {
	dir := t.TempDir()
	certDir := filepath.Join(dir, "certificates")
	os.Mkdir(certDir, 0o755)
	sec := filepath.Join(dir, "security")
	os.Mkdir(sec, 0o755)
	src := filepath.Join(certDir, "wso2trafficmanager.jks")
	mustKeytool(t, "wso2carbon", "-genkeypair", "-alias", "wso2trafficmanagercert", "-keyalg", "EC", "-dname", "CN=trafficmanager.wso2",
		"-keystore", src, "-storetype", "PKCS12", "-storepass:env", "P")
	if keystore.DetectFormat(readFile(t, src)) != keystore.PKCS12 {
		t.Fatal("keytool did not write PKCS12")
	}
	p, err := certs.PlanOwnKeystore(certDir, "trafficmanager", sec, "wso2carbon")
	if err != nil {
		t.Fatal(err)
	}
	if !p.Changed || p.Subject != "CN=trafficmanager.wso2" {
		t.Fatalf("plan %+v", p)
	}
	if err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(readFile(t, p.Dst), readFile(t, src)) {
		t.Fatal("copy differs")
	}
	if _, err := certs.PlanOwnKeystore(certDir, "trafficmanager", sec, "wrong-password"); exitcode.Of(err) != exitcode.DataErr || !strings.Contains(err.Error(), "wrong password") {
		t.Fatalf("wrong password: %v", err)
	}
}
