package keystore_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"github.com/wso2-container/agent/internal/fixtures"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// fixtureDir holds WSO2's stock stores (password wso2carbon), read only.
var fixtureDir = fixtures.Path("wso2-fixtures/wso2am-2.0.0/repository/resources/security")

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatalf("fixture %s is needed: %v", name, err)
	}
	return b
}

// selfSigned returns a DER certificate and its PKCS#8 key.
func selfSigned(t testing.TB, cn string, notAfter time.Time) (der, pkcs8 []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     notAfter,
	}
	der, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err = x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return der, pkcs8
}

// fastJVM halves keytool's start-up time; nothing it does needs the
// optimising compiler.
var fastJVM = []string{"-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC"}

// keytool runs the JDK's keytool. Passwords go through the environment
// (-storepass:env P) in a UTF-8 locale, so non-ASCII passwords reach Java
// as the same characters.
func keytool(t testing.TB, password string, args ...string) (string, error) {
	t.Helper()
	path, err := exec.LookPath("keytool")
	if err != nil {
		t.Fatalf("keytool (a JDK) is required for this test: %v", err)
	}
	cmd := exec.Command(path, append(fastJVM, args...)...)
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "P="+password)
	out, err := cmd.CombinedOutput()
	return string(out), err
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

// keytoolList returns "alias type fingerprint" lines of keytool -list,
// sorted.
func keytoolList(t testing.TB, path, password string) []string {
	t.Helper()
	out := mustKeytool(t, password, "-list", "-keystore", path, "-storepass:env", "P")
	var lines []string
	for _, m := range listLine.FindAllStringSubmatch(out, -1) {
		lines = append(lines, m[1]+" "+m[2]+" "+m[3])
	}
	if len(lines) == 0 && !strings.Contains(out, "contains 0 entries") {
		t.Fatalf("keytool -list %s: no entries parsed from:\n%s", path, out)
	}
	sort.Strings(lines)
	return lines
}

// redigest appends the JKS integrity digest for password (ASCII) to body:
// SHA-1 over the password as UTF-16BE, "Mighty Aphrodite", then body.
func redigest(body []byte, password string) []byte {
	h := sha1.New()
	for _, c := range []byte(password) {
		h.Write([]byte{0, c})
	}
	h.Write([]byte("Mighty Aphrodite"))
	h.Write(body)
	return h.Sum(bytes.Clone(body))
}
