package certs_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/wso2-container/agent/agent/certs"
	"github.com/wso2-container/agent/internal/fixpoint"
	"github.com/wso2-container/agent/internal/xattrtest"
)

// writeKeyed writes data to path in place (an existing file keeps its
// inode) and gives it the key k, as plan.Apply does for a file it writes.
func writeKeyed(t *testing.T, path string, data []byte, k fixpoint.Key) {
	t.Helper()
	writeFile(t, path, data)
	if err := unix.Setxattr(path, fixpoint.Attr, k[:], 0); err != nil {
		t.Fatal(err)
	}
}

// untrusted runs f with fixpoint.Trust false: the result of a plan that
// loads everything.
func untrusted[T any](f func() T) T {
	defer func(trust bool) { fixpoint.Trust = trust }(fixpoint.Trust)
	fixpoint.Trust = false
	return f()
}

// A JKS truststore written with the certificates carries the key of the
// import; the next plan of the same import does not load it and plans what
// a plan that loads it plans. New certificates, or a key on content that
// lacks them, are told apart by the key; a PKCS12 store gets none.
func TestImportKey(t *testing.T) {
	dir := xattrtest.Dir(t)
	certDir := filepath.Join(dir, "certificates")
	genCerts(t, certDir, false, testComponents...)
	ts := copyStock(t, "client-truststore.jks", dir)
	stock := readFile(t, ts)
	now := time.Now()
	plan := func() *certs.ImportPlan {
		t.Helper()
		p, err := certs.PlanImport(certDir, ts, "wso2carbon", now)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	first := plan()
	if !first.Changed() || first.Key == nil {
		t.Fatalf("first plan: changed %v, key %v", first.Changed(), first.Key)
	}
	want, err := certs.ImportKeyOf(certDir, "wso2carbon", first.New)
	if err != nil || *first.Key != want {
		t.Fatalf("the key is not that of the import on the new store (%v)", err)
	}
	if err := first.Apply(); err != nil { // the certificate sync job's write
		t.Fatal(err)
	}
	v := make([]byte, 64)
	if n, err := unix.Getxattr(ts, fixpoint.Attr, v); err != nil || !bytes.Equal(v[:n], first.Key[:]) {
		t.Fatalf("Apply wrote the truststore without its key: %x, %v", v[:n], err)
	}
	again := plan()
	full := untrusted(plan)
	if again.Changed() || again.Key != nil || len(again.Changes) != 8 {
		t.Fatalf("restart: changed %v, key %v, %d entries", again.Changed(), again.Key, len(again.Changes))
	}
	if !reflect.DeepEqual(again, full) {
		t.Errorf("the plan trusting the key differs from the one loading the store:\n%+v\n%+v", again, full)
	}
	if n := len(keytoolList(t, ts, "wso2carbon")); n != 94+8 { // keytool reads the store that carries the key
		t.Fatalf("the keyed store has %d entries, want 102", n)
	}

	// The store in place as the image had it (the key stays, for other
	// content): the certificates are imported again.
	writeFile(t, ts, stock)
	if p := plan(); !p.Changed() || len(p.Changes) != 8 {
		t.Fatalf("stock content under an old key: changed %v", p.Changed())
	}
	// Forged: the key of the import on the stock store, which lacks the
	// certificates. Trusted, it skips the import; untrusted, it does not.
	k, err := certs.ImportKeyOf(certDir, "wso2carbon", stock)
	if err != nil {
		t.Fatal(err)
	}
	writeKeyed(t, ts, stock, k)
	if p := plan(); p.Changed() {
		t.Fatal("a key on this content and these certificates is not trusted")
	}
	if p := untrusted(plan); !p.Changed() {
		t.Fatal("an untrusted plan trusts the key")
	}
	// A rotated certificate: another import, another key.
	writeKeyed(t, ts, first.New, *first.Key)
	genCerts(t, certDir, true, "gateway")
	if p := plan(); !p.Changed() {
		t.Fatal("a rotated certificate is hidden by the key")
	}
	// Another password: another key (and the store does not open).
	if _, err := certs.PlanImport(certDir, ts, "other-pw", now); err == nil {
		t.Fatal("a wrong password passes")
	}

	// A PKCS12 store with a MAC and encrypted certificates (IS 7.1's
	// truststore): no key, it is loaded every time.
	p12 := copyFixture(t, "wso2is-7.1.0", "client-truststore.p12", dir)
	if p, err := certs.PlanImport(certDir, p12, "wso2carbon", now); err != nil || !p.Changed() || p.Key != nil {
		t.Fatalf("PKCS12 with a MAC: changed %v, key %v (%v)", p != nil && p.Changed(), p != nil && p.Key != nil, err)
	}
}

// API Manager 4.5's truststore, a PKCS12 store that its password neither
// authenticates nor encrypts, carries the key of the import too, a key
// without the password: the next plan does not load the store and plans
// what a plan that loads it plans, with any password, as the store opens
// with any.
func TestImportKeyPasswordFreePKCS12(t *testing.T) {
	dir := xattrtest.Dir(t)
	certDir := filepath.Join(dir, "certificates")
	genCerts(t, certDir, false, testComponents...)
	ts := copyFixture(t, "wso2am-4.5.0", "client-truststore.jks", dir)
	stock := len(keytoolList(t, ts, "wso2carbon"))
	now := time.Now()
	plan := func(password string) *certs.ImportPlan {
		t.Helper()
		p, err := certs.PlanImport(certDir, ts, password, now)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	first := plan("wso2carbon")
	if !first.Changed() || first.Key == nil {
		t.Fatalf("first plan: changed %v, key %v", first.Changed(), first.Key)
	}
	want, err := certs.ImportKeyOf(certDir, "", first.New)
	if err != nil || *first.Key != want {
		t.Fatalf("the key is not that of the import, without the password, on the new store (%v)", err)
	}
	stockData := readFile(t, ts)
	if err := first.Apply(); err != nil {
		t.Fatal(err)
	}
	v := make([]byte, 64)
	if n, err := unix.Getxattr(ts, fixpoint.Attr, v); err != nil || !bytes.Equal(v[:n], first.Key[:]) {
		t.Fatalf("Apply wrote the truststore without its key: %x, %v", v[:n], err)
	}
	for _, pw := range []string{"wso2carbon", "another"} {
		again, full := plan(pw), untrusted(func() *certs.ImportPlan { return plan(pw) })
		if again.Changed() || again.Key != nil || len(again.Changes) != 8 {
			t.Fatalf("restart with %q: changed %v, key %v, %d entries", pw, again.Changed(), again.Key, len(again.Changes))
		}
		if !reflect.DeepEqual(again, full) {
			t.Errorf("with %q, the plan trusting the key differs from the one loading the store:\n%+v\n%+v", pw, again, full)
		}
	}
	if n := len(keytoolList(t, ts, "wso2carbon")); n != stock+8 { // keytool reads the store that carries the key
		t.Fatalf("keytool lists %d entries in the keyed store, want %d", n, stock+8)
	}
	// Forged: the key of the import on the stock store, which lacks the
	// certificates. Trusted, it skips the import (so the plans above took
	// the fast path); untrusted, it does not.
	k, err := certs.ImportKeyOf(certDir, "", stockData)
	if err != nil {
		t.Fatal(err)
	}
	writeKeyed(t, ts, stockData, k)
	if p := plan("anything"); p.Changed() {
		t.Fatal("a key on this content and these certificates is not trusted")
	}
	if p := untrusted(func() *certs.ImportPlan { return plan("anything") }); !p.Changed() {
		t.Fatal("an untrusted plan trusts the key")
	}
	// A rotated certificate: another import, another key.
	writeKeyed(t, ts, first.New, *first.Key)
	genCerts(t, certDir, true, "gateway")
	if p := plan("wso2carbon"); !p.Changed() {
		t.Fatal("a rotated certificate is hidden by the key")
	}
}

// The copy of the own keystore carries the key of its check; the next plan
// skips the check of the private key and plans what a full check plans. A
// key forged onto a keystore that fails the check shows the skip.
func TestOwnKeystoreKey(t *testing.T) {
	dir := xattrtest.Dir(t)
	certDir := filepath.Join(dir, "certificates")
	genCerts(t, certDir, false, "gateway")
	sec := filepath.Join(dir, "security")
	if err := os.Mkdir(sec, 0o755); err != nil {
		t.Fatal(err)
	}
	plan := func() (*certs.OwnKeystorePlan, error) {
		return certs.PlanOwnKeystore(certDir, "gateway", sec, "wso2carbon")
	}
	first, err := plan()
	if err != nil || !first.Changed || first.Key == nil {
		t.Fatalf("first plan: %v, %+v", err, first)
	}
	if *first.Key != certs.OwnKeyOf("wso2gatewaycert", "wso2carbon", first.Data) {
		t.Fatal("the key is not that of the check of the copied keystore")
	}
	writeKeyed(t, first.Dst, first.Data, *first.Key)
	again, err := plan()
	if err != nil || again.Changed || again.Key != nil {
		t.Fatalf("restart: %v, %+v", err, again)
	}
	type result struct {
		p   *certs.OwnKeystorePlan
		err error
	}
	full := untrusted(func() result { p, err := plan(); return result{p, err} })
	if full.err != nil || !reflect.DeepEqual(again, full.p) {
		t.Errorf("the plan trusting the key differs from the full check:\n%+v\n%+v (%v)", again, full.p, full.err)
	}

	// A keystore whose key password is not the store's fails the check...
	bad := filepath.Join(certDir, "wso2gateway.jks")
	if err := os.Remove(bad); err != nil {
		t.Fatal(err)
	}
	mustKeytool(t, "wso2carbon", "-genkeypair", "-alias", "wso2gatewaycert", "-keyalg", "EC", "-dname", "CN=gw",
		"-keystore", bad, "-storetype", "JKS", "-storepass:env", "P", "-keypass", "otherpass")
	if _, err := plan(); err == nil {
		t.Fatal("a key that does not open with the store password passes")
	}
	// ...which a copy of it carrying the key of its check skips; untrusted,
	// the check is made.
	data := readFile(t, bad)
	writeKeyed(t, first.Dst, data, certs.OwnKeyOf("wso2gatewaycert", "wso2carbon", data))
	if _, err := plan(); err != nil {
		t.Fatalf("the key of the check is not trusted: %v", err)
	}
	if r := untrusted(func() result { p, err := plan(); return result{p, err} }); r.err == nil {
		t.Fatal("an untrusted plan skips the check")
	}
}
