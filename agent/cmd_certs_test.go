package agent

import (
	"bytes"
	"context"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wso2-container/agent/internal/fixtures"

	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/product"
	"github.com/wso2-container/agent/agent/product/carbon44"
)

// certsRun runs `agent certs ARGS` in-process and returns its exit code,
// stdout and stderr.
func certsRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	io := IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Log: NewLogger(&errb, "text")}
	code := cmdCerts(context.Background(), args, io)
	return code, out.String(), errb.String()
}

func TestCmdCertsGenerateAndList(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "certificates")
	pwFile := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pwFile, []byte("s3cret-pässword\n"), 0o600)
	t.Setenv("WSO2_KEYSTORE_PASSWORD_FILE", pwFile)

	code, _, stderr := certsRun(t, "generate", "--out", dir, "--components", "gateway,store", "--key", "ecdsa-p256", "--days", "10")
	if code != exitcode.OK {
		t.Fatalf("generate: exit %d\n%s", code, stderr)
	}
	if strings.Contains(stderr, "s3cret") {
		t.Fatal("the password was logged")
	}
	for _, f := range []string{"wso2gateway.jks", "wso2gateway.pem", "wso2store.jks", "wso2store.pem"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	// The file's password (newline trimmed, Latin-1) opens the store in keytool.
	kt := exec.Command("keytool", "-J-XX:TieredStopAtLevel=1", "-list", "-keystore", filepath.Join(dir, "wso2gateway.jks"), "-storepass:env", "P")
	kt.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "P=s3cret-pässword")
	if out, err := kt.CombinedOutput(); err != nil || !strings.Contains(string(out), "wso2gatewaycert, ") {
		t.Fatalf("keytool -list: %v\n%s", err, out)
	}

	// Second run keeps the files.
	code, _, stderr = certsRun(t, "generate", "--out", dir, "--components", "gateway,store", "--key", "ecdsa-p256")
	if code != exitcode.OK || !strings.Contains(stderr, "kept existing file") {
		t.Fatalf("second generate: exit %d\n%s", code, stderr)
	}

	// list, password from another variable.
	t.Setenv("MY_KS_PW", "s3cret-pässword")
	code, stdout, stderr := certsRun(t, "list", "--password-env", "MY_KS_PW", filepath.Join(dir, "wso2gateway.jks"))
	if code != exitcode.OK {
		t.Fatalf("list: exit %d\n%s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "ALIAS") ||
		!strings.Contains(lines[1], "wso2gatewaycert") || !strings.Contains(lines[1], "PrivateKeyEntry") || !strings.Contains(lines[1], "CN=gateway.wso2") {
		t.Fatalf("list output:\n%s", stdout)
	}
}

func TestCmdCertsListStockTruststore(t *testing.T) {
	ts := stockTruststore(t)
	t.Setenv("WSO2_TRUSTSTORE_PASSWORD", "wso2carbon")
	code, stdout, stderr := certsRun(t, "list", ts)
	if code != exitcode.OK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if n := strings.Count(stdout, "trustedCertEntry"); n != 94 {
		t.Fatalf("%d trusted entries listed, want 94", n)
	}
	if !strings.Contains(stdout, "(expired)") {
		t.Fatal("expired stock CAs are not marked")
	}
}

// TestCertsListReadsTheGivenEnvironment: certs list takes its default
// password, and the hint of a wrong one, from the environment cmdCerts
// read (the Config it hands on), not from the process.
func TestCertsListReadsTheGivenEnvironment(t *testing.T) {
	ts := stockTruststore(t)
	t.Setenv("WSO2_TRUSTSTORE_PASSWORD", "not-the-password")
	list := func(environ ...string) (int, string) {
		var out, errb bytes.Buffer
		io := IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Log: NewLogger(&errb, "text")}
		return certsList((&contract.Config{}).WithEnviron(environ), []string{ts}, io), errb.String()
	}
	if code, stderr := list("WSO2_TRUSTSTORE_PASSWORD=wso2carbon"); code != exitcode.OK {
		t.Fatalf("exit %d with the given environment's password:\n%s", code, stderr)
	}
	code, stderr := list("WSO2_TRUSTSTORE_PASSWORD=also-wrong")
	if code == exitcode.OK || !strings.Contains(stderr, "the password in WSO2_TRUSTSTORE_PASSWORD does not open it") {
		t.Fatalf("exit %d, want a wrong password that names the variable:\n%s", code, stderr)
	}
	if code, stderr := list(); code != exitcode.OK {
		t.Fatalf("exit %d: unset in the given environment, WSO2's default (the stock password) should have been tried:\n%s", code, stderr)
	}
}

func TestCmdCertsErrors(t *testing.T) {
	ts := stockTruststore(t)
	dir := filepath.Dir(ts)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		msg  string
	}{
		{"no subcommand", nil, nil, exitcode.Usage, "usage:"},
		{"unknown subcommand", nil, []string{"import"}, exitcode.Usage, `unknown subcommand "import"`},
		{"unknown flag", nil, []string{"generate", "--out", dir, "--password", "x"}, exitcode.Usage, "unknown flag --password"},
		{"missing --out", nil, []string{"generate"}, exitcode.Usage, "--out DIR is required"},
		{"bad key", nil, []string{"generate", "--out", dir, "--key", "dsa"}, exitcode.Usage, "must be one of rsa2048, rsa4096, ecdsa-p256"},
		{"password and file", map[string]string{"WSO2_KEYSTORE_PASSWORD": "a", "WSO2_KEYSTORE_PASSWORD_FILE": "/x"}, []string{"generate", "--out", dir}, exitcode.Config, "both set"},
		{"list without file", nil, []string{"list"}, exitcode.Usage, "exactly one"},
		{"list wrong password", map[string]string{"WSO2_TRUSTSTORE_PASSWORD": "nope"}, []string{"list", ts}, exitcode.DataErr, "wrong password"},
		{"list missing file", nil, []string{"list", filepath.Join(dir, "none.jks")}, exitcode.NoInput, "none.jks"},
		{"list unset --password-env", nil, []string{"list", "--password-env", "UNSET_PW_VAR", ts}, exitcode.Config, "UNSET_PW_VAR is not set"},
		{"list empty --password-env", map[string]string{"EMPTY_PW_VAR": ""}, []string{"list", "--password-env", "EMPTY_PW_VAR", ts}, exitcode.Config, "EMPTY_PW_VAR is set but empty"},
		{"list empty default variable", map[string]string{"WSO2_TRUSTSTORE_PASSWORD": ""}, []string{"list", ts}, exitcode.Config, "WSO2_TRUSTSTORE_PASSWORD is set but empty"},
		{"generate --days 0", nil, []string{"generate", "--out", dir, "--days", "0"}, exitcode.Usage, "--days 0: must be 1 to 36500"},
		{"generate --days too many", nil, []string{"generate", "--out", dir, "--days", "36501"}, exitcode.Usage, "--days 36501: must be 1 to 36500"},
		{"generate short password names its variable", map[string]string{"WSO2_KEYSTORE_PASSWORD": "abc"}, []string{"generate", "--out", dir}, exitcode.Config,
			"generate certificates: WSO2_KEYSTORE_PASSWORD: must be at least 6 characters"},
		{"generate short password names its file", map[string]string{"WSO2_KEYSTORE_PASSWORD_FILE": shortPwFile(t)}, []string{"generate", "--out", dir}, exitcode.Config,
			"generate certificates: WSO2_KEYSTORE_PASSWORD_FILE: must be at least 6 characters"},
		{"help", nil, []string{"help"}, exitcode.OK, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			code, stdout, stderr := certsRun(t, tc.args...)
			if code != tc.code || !strings.Contains(stdout+stderr, tc.msg) {
				t.Fatalf("exit %d (want %d), output:\n%s%s", code, tc.code, stdout, stderr)
			}
		})
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("a failed command wrote files: %v", ents)
	}
}

// TestCertsComponentsAreProfiles: the components `certs generate` makes by
// default are those of the Carbon 4.4 profiles of a distributed deployment,
// each exactly once, and its default domain is WSO2_DOMAIN's: the
// certificates it makes are the ones the profiles look for.
func TestCertsComponentsAreProfiles(t *testing.T) {
	want := map[string]bool{}
	for _, n := range product.ProfileNames() {
		p, _ := product.LookupProfile(n)
		if p.Product == carbon44.AM || p.Product == carbon44.IS || p.Product == carbon44.DAS {
			want[p.Component] = true
		}
	}
	delete(want, "apim") // the all-in-one: not part of a distributed deployment
	got := map[string]bool{}
	for _, c := range certsComponents {
		if got[c] {
			t.Errorf("component %s listed twice", c)
		}
		got[c] = true
	}
	if !maps.Equal(got, want) {
		t.Errorf("certs generate's components %v, want the Carbon 4.4 profiles' %v", certsComponents, want)
	}
	if d := contractDefault("WSO2_DOMAIN"); d != "wso2" {
		t.Errorf("WSO2_DOMAIN's default is %q, want wso2", d)
	}
}

// stockTruststore copies API Manager 2.0.0's stock client-truststore.jks
// (94 trusted certificates, password wso2carbon) into a new temporary
// folder and returns its path.
func stockTruststore(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(fixtures.Path("wso2-fixtures/wso2am-2.0.0/repository/resources/security/client-truststore.jks"))
	if err != nil {
		t.Fatalf("fixture needed: %v", err)
	}
	ts := filepath.Join(t.TempDir(), "client-truststore.jks")
	if err := os.WriteFile(ts, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return ts
}

// shortPwFile is a secret file (outside the test's store folder) holding a
// password keytool refuses: too short.
func shortPwFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(p, []byte("abc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
