package agent

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/internal/fixtures"
)

// TestCertsListPasswords: `agent certs list FILE` opens the shipped stores
// without the user choosing a variable: the truststore's password for a
// file named *truststore*, the keystore's for any other; --password,
// --password-file and --password-env override it; a wrong password says
// which variable or flag to set, and never shows a password.
func TestCertsListPasswords(t *testing.T) {
	dir := t.TempDir()
	copyFixture := func(src, name string) string {
		b, err := os.ReadFile(fixtures.Path("wso2-fixtures/" + src))
		if err != nil {
			t.Fatalf("fixture needed: %v", err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ks := copyFixture("wso2am-2.0.0/repository/resources/security/wso2carbon.jks", "wso2carbon.jks")
	ts := copyFixture("wso2am-2.0.0/repository/resources/security/client-truststore.jks", "client-truststore.jks")
	p12 := copyFixture("wso2am-4.5.0/repository/resources/security/wso2carbon.jks", "apim45-wso2carbon.jks")
	// The same store with its private key encrypted by a cipher the agent
	// does not implement (AES-256-GCM for AES-256-CBC): Java may read it,
	// and a password the agent cannot check there is not a wrong one.
	p12GCM := filepath.Join(dir, "apim45-gcm.jks")
	cbc, gcm := []byte{0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2a}, []byte{0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2e}
	if b := []byte(readFile(t, p12)); bytes.Count(b, cbc) != 1 {
		t.Fatalf("%s: want one AES-256-CBC identifier (its private key's)", p12)
	} else if err := os.WriteFile(p12GCM, bytes.Replace(b, cbc, gcm, 1), 0o644); err != nil {
		t.Fatal(err)
	}
	pwFile := filepath.Join(dir, "pw")
	os.WriteFile(pwFile, []byte("wso2carbon\n"), 0o600)
	badFile := filepath.Join(dir, "bad")
	os.WriteFile(badFile, []byte("Not-The-Pw1\n"), 0o600)

	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string // in stdout on success, in the one error line otherwise
	}{
		{"shipped keystore, nothing set", nil, []string{ks}, 0, "PrivateKeyEntry"},
		{"shipped truststore, nothing set", nil, []string{ts}, 0, "trustedCertEntry"},
		{"API Manager 4.5 PKCS12 keystore", nil, []string{p12}, 0, "PrivateKeyEntry"},
		{"keystore: the keystore's variable, not the truststore's", map[string]string{"WSO2_KEYSTORE_PASSWORD": "wso2carbon", "WSO2_TRUSTSTORE_PASSWORD": "Not-The-Pw1"}, []string{ks}, 0, "PrivateKeyEntry"},
		{"truststore: the truststore's variable, not the keystore's", map[string]string{"WSO2_KEYSTORE_PASSWORD": "Not-The-Pw1", "WSO2_TRUSTSTORE_PASSWORD": "wso2carbon"}, []string{ts}, 0, "trustedCertEntry"},
		{"keystore password from its _FILE", map[string]string{"WSO2_KEYSTORE_PASSWORD_FILE": pwFile}, []string{ks}, 0, "PrivateKeyEntry"},
		{"--password-file after the file", map[string]string{"WSO2_TRUSTSTORE_PASSWORD": "Not-The-Pw1"}, []string{ts, "--password-file", pwFile}, 0, "trustedCertEntry"},
		{"--password", map[string]string{"WSO2_KEYSTORE_PASSWORD": "Not-The-Pw1"}, []string{"--password", "wso2carbon", ks}, 0, "PrivateKeyEntry"},
		{"--password-env", map[string]string{"MY_PW": "wso2carbon", "WSO2_KEYSTORE_PASSWORD": "Not-The-Pw1"}, []string{"--password-env", "MY_PW", ks}, 0, "PrivateKeyEntry"},
		{"wrong keystore variable", map[string]string{"WSO2_KEYSTORE_PASSWORD": "Not-The-Pw1"}, []string{ks}, exitcode.DataErr,
			"agent: certs list: load keystore " + ks + ": wrong password, or the keystore was modified: the password in WSO2_KEYSTORE_PASSWORD does not open it: correct it, or pass --password-file FILE"},
		// 4.5's stores have no integrity MAC: the private key is the only
		// part a password opens, so it is what tells a wrong one.
		{"wrong password, API Manager 4.5 PKCS12 keystore (no MAC)", map[string]string{"WSO2_KEYSTORE_PASSWORD": "Not-The-Pw1"}, []string{p12}, exitcode.DataErr,
			"agent: certs list: load keystore " + p12 + `: private key "wso2carbon": wrong password, or the keystore was modified (the store has no integrity MAC: only its private keys tell a wrong password): the password in WSO2_KEYSTORE_PASSWORD does not open it`},
		{"wrong --password, API Manager 4.5 PKCS12 keystore (no MAC)", nil, []string{"--password", "Not-The-Pw1", p12}, exitcode.DataErr,
			"the --password given does not open it"},
		// A key the agent cannot decrypt tells nothing of the password: the
		// store is listed, as before the check.
		{"no MAC, a private key the agent cannot decrypt", map[string]string{"WSO2_KEYSTORE_PASSWORD": "Not-The-Pw1"}, []string{p12GCM}, 0, "PrivateKeyEntry"},
		{"wrong truststore variable", map[string]string{"WSO2_TRUSTSTORE_PASSWORD": "Not-The-Pw1"}, []string{ts}, exitcode.DataErr,
			"the password in WSO2_TRUSTSTORE_PASSWORD does not open it: correct it, or pass --password-file FILE"},
		{"wrong truststore variable file", map[string]string{"WSO2_TRUSTSTORE_PASSWORD_FILE": badFile}, []string{ts}, exitcode.DataErr,
			"the password in WSO2_TRUSTSTORE_PASSWORD_FILE does not open it: correct it, or pass --password-file FILE"},
		{"store not on the default password", nil, []string{"--password-file", pwFile, "--", badStore(t, dir)}, exitcode.DataErr,
			"the password in --password-file " + pwFile + " does not open it"},
		{"default tried", nil, []string{badStore(t, dir)}, exitcode.DataErr,
			"WSO2_KEYSTORE_PASSWORD is unset, so WSO2's default was tried: set WSO2_KEYSTORE_PASSWORD (or WSO2_KEYSTORE_PASSWORD_FILE) or pass --password-file FILE"},
		{"wrong --password", nil, []string{ks, "--password=Not-The-Pw1"}, exitcode.DataErr, "the --password given does not open it"},
		{"wrong --password-file", nil, []string{ks, "--password-file", badFile}, exitcode.DataErr, "the password in --password-file " + badFile + " does not open it"},
		{"wrong --password-env", map[string]string{"MY_PW": "Not-The-Pw1"}, []string{ks, "--password-env", "MY_PW"}, exitcode.DataErr, "the password in MY_PW (--password-env) does not open it"},
		{"missing --password-file", nil, []string{ks, "--password-file", filepath.Join(dir, "none")}, exitcode.Config, "agent: certs list: --password-file: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			isolateEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			code, stdout, stderr := mainRun(t, append([]string{"certs", "list"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			if tc.code == 0 {
				if !strings.Contains(stdout, tc.want) {
					t.Fatalf("stdout lacks %q:\n%s", tc.want, stdout)
				}
				return
			}
			lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "agent: certs list: ") || !strings.Contains(lines[0], tc.want) {
				t.Fatalf("want one error line with %q, got:\n%s", tc.want, stderr)
			}
			if strings.Contains(stderr, "Not-The-Pw1") {
				t.Fatalf("a password is shown:\n%s", stderr)
			}
		})
	}
}

// badStore returns a keystore (in dir) whose password is not WSO2's
// default: the certs generate output with another password.
func badStore(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "other", "wso2gateway.jks")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	t.Setenv("WSO2_KEYSTORE_PASSWORD", "Other-Pw-42")
	code, _, stderr := mainRun(t, "certs", "generate", "--out", filepath.Join(dir, "other"), "--components", "gateway", "--key", "ecdsa-p256")
	os.Unsetenv("WSO2_KEYSTORE_PASSWORD")
	if code != 0 {
		t.Fatalf("certs generate: exit %d\n%s", code, stderr)
	}
	return p
}
