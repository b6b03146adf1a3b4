package certs_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"github.com/wso2-container/agent/internal/fixtures"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// stockDir holds WSO2's stock stores (password wso2carbon). Never written:
// tests copy them into t.TempDir().
// testComponents are the components the tests generate certificates for
// (those of the old certificates container).
var testComponents = []string{"store", "gatewaymanager", "gateway", "keymanager", "publisher", "trafficmanager", "das", "identityserver"}

var stockDir = fixtures.Path("wso2-fixtures/wso2am-2.0.0/repository/resources/security")

// fixturePath returns the path of a stock keystore of another WSO2 product
// (wso2am-4.5.0: PKCS12 files named .jks; wso2is-7.1.0: .p12).
func fixturePath(product, name string) string {
	return fixtures.Path(filepath.Join("wso2-fixtures", product, "repository", "resources", "security", name))
}

// copyFixture copies fixturePath(product, name) into dir and returns its
// path.
func copyFixture(t testing.TB, product, name, dir string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, readFile(t, fixturePath(product, name)), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// copyStock copies a stock store into dir and returns its path.
func copyStock(t testing.TB, name, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(stockDir, name))
	if err != nil {
		t.Fatalf("fixture %s is needed: %v", name, err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func readFile(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t testing.TB, p string, b []byte) {
	t.Helper()
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// makeCert returns a self-signed certificate (DER) with the given validity.
func makeCert(t testing.TB, cn string, notBefore, notAfter time.Time) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn}, NotBefore: notBefore, NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func validCert(t testing.TB, cn string) []byte {
	return makeCert(t, cn, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour))
}

func pemOf(ders ...[]byte) []byte {
	var out []byte
	for _, d := range ders {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: d})...)
	}
	return out
}

// tool runs a JDK or system tool; a missing tool fails the test (CI has
// them all: scripts/install-deps.sh).
func tool(t testing.TB, env []string, name string, args ...string) (string, error) {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is required for this test (scripts/install-deps.sh installs it): %v", name, err)
	}
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// fastJVM halves keytool's start-up time; nothing it does needs the
// optimising compiler.
var fastJVM = []string{"-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC"}

// keytool runs keytool with the password in $P (-storepass:env P) and a
// UTF-8 locale.
func keytool(t testing.TB, password string, args ...string) (string, error) {
	t.Helper()
	return tool(t, []string{"LC_ALL=C.UTF-8", "P=" + password}, "keytool", append(fastJVM, args...)...)
}

func mustKeytool(t testing.TB, password string, args ...string) string {
	t.Helper()
	out, err := keytool(t, password, args...)
	if err != nil {
		t.Fatalf("keytool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// listLine matches one entry of keytool -list: "ALIAS, DATE, TYPE,". Aliases
// from API Manager 4.3 on contain commas and spaces, so the date (C locale:
// "Dec 4, 2026") anchors the split.
var listLine = regexp.MustCompile(`(?m)^(.+), [A-Z][a-z]{2} \d{1,2}, \d{4}, (trustedCertEntry|PrivateKeyEntry),\s*\nCertificate fingerprint \(SHA-256\): ([0-9A-F:]+)`)

// keytoolList returns alias -> "type fingerprint" as keytool -list prints.
func keytoolList(t testing.TB, path, password string) map[string]string {
	t.Helper()
	out := mustKeytool(t, password, "-list", "-keystore", path, "-storepass:env", "P")
	m := map[string]string{}
	for _, s := range listLine.FindAllStringSubmatch(out, -1) {
		m[s[1]] = s[2] + " " + s[3]
	}
	if len(m) == 0 {
		t.Fatalf("keytool -list %s: no entries parsed from:\n%s", path, out)
	}
	return m
}

// noTempFiles fails if an atomic write left a temporary file in dir.
func noTempFiles(t testing.TB, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".agent-tmp-") {
			t.Fatalf("temporary file left behind: %s", e.Name())
		}
	}
}
