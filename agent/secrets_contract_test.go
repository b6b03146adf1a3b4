package agent

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/product/apim4"
)

// TestDeclaredSecretsNeverShown (issue 13, "secrets declared once"): the
// test names no secret itself. It walks the declared contract (Vars), gives
// every variable declared secret a distinct value, and then, for every
// Carbon 4.4 profile and every API Manager 4.x case, proves that none of
// those values appears in what the agent shows: render --dry-run as text
// and as JSON, the logs of render and of run, and the environment the
// server is started with (run -- env).
//
// The stores are made to match: the certificates folder is generated with
// the distinct keystore password (agent certs generate) and the home's
// truststore is given the distinct truststore password with keytool, so the
// setup really opens them and writes the passwords into the files it edits
// (where they must be: the product reads them there). A 4.x setup names the
// keystores' passwords in deployment.toml without opening the keystores;
// its truststore gets the distinct password as the Carbon ones do.
// WSO2_DEPLOYMENT_TOML, a TOML fragment, gets one whose only value is a
// password: masked by meaning (its key), as the fragment's other values,
// configuration, are shown.
func TestDeclaredSecretsNeverShown(t *testing.T) {
	buildBinaries(t)
	keytool, err := exec.LookPath("keytool")
	if err != nil {
		t.Fatalf("keytool is required (make deps): %v", err)
	}
	secrets := map[string]string{}
	for _, v := range contract.Vars() {
		if v.Secret {
			secrets[v.Name] = "Sx" + strings.ReplaceAll(strings.TrimPrefix(v.Name, "WSO2_"), "_", "") + "-7q"
		}
	}
	// What each secret variable is set to: its value, except the TOML
	// fragment, whose one value is what must not be shown.
	envValue := func(name string) string {
		if name == "WSO2_DEPLOYMENT_TOML" {
			return "[apim.agent_secret_test]\npassword = \"" + secrets[name] + "\"\n"
		}
		return secrets[name]
	}
	if len(secrets) < 5 {
		t.Fatalf("the contract declares only %d secrets: %v", len(secrets), secrets)
	}

	certs := filepath.Join(t.TempDir(), "certs")
	gen := exec.Command(agentBin, "certs", "generate", "--out", certs, "--key", "ecdsa-p256",
		"--components", "apim,store,gatewaymanager,gateway,keymanager,publisher,trafficmanager,das,identityserver")
	gen.Env = []string{"PATH=" + os.Getenv("PATH"), "WSO2_KEYSTORE_PASSWORD=" + secrets["WSO2_KEYSTORE_PASSWORD"]}
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("agent certs generate: %v\n%s", err, out)
	}

	storepasswd := func(t *testing.T, store string) {
		t.Helper()
		if out, err := exec.Command(keytool, "-storepasswd", "-keystore", store, "-storepass", "wso2carbon",
			"-new", secrets["WSO2_TRUSTSTORE_PASSWORD"]).CombinedOutput(); err != nil {
			t.Fatalf("keytool -storepasswd %s: %v\n%s", store, err, out)
		}
	}
	check := func(t *testing.T, home string, env map[string]string, skip string, written []string) {
		t.Helper()
		for k := range secrets {
			if k != skip {
				env[k] = envValue(k)
			}
		}
		env["WSO2_AGENT_WAIT_FOR"] = ""
		env["WSO2_AGENT_USER"] = ""
		if _, err := os.Stat(filepath.Join(home, apim4.DeploymentTOML)); err == nil {
			a4Keystores(t, home, env) // the keystores the secret passwords open
		}

		var shown []string // every text the agent showed, named
		add := func(what string, r runResult) {
			t.Helper()
			if r.Code != 0 {
				t.Fatalf("%s: exit %d, want 0\nstdout:\n%s\nstderr:\n%s", what, r.Code, r.Stdout, r.Stderr)
			}
			shown = append(shown, what+" stdout\x00"+r.Stdout, what+" stderr\x00"+r.Stderr)
		}
		add("render --dry-run", runPipe(t, env, "render", "--dry-run"))
		add("render --dry-run --output json", runPipe(t, env, "render", "--dry-run", "--output", "json"))
		add("render", runPipe(t, env, "render"))
		// The server's environment: `env` as the server prints it.
		run := runPipe(t, env, "run", "--", "env")
		add("run -- env", run)
		if !strings.Contains(run.Stdout, "WSO2_HOME="+home+"\n") {
			t.Fatalf("run -- env printed no server environment:\n%s", run.Stdout)
		}
		for _, s := range shown {
			what, text, _ := strings.Cut(s, "\x00")
			for name, v := range secrets {
				if name != skip && strings.Contains(text, v) {
					t.Errorf("%s shows the value of %s", what, name)
				}
			}
		}
		// The values did reach the files that must hold them (else the
		// test proves nothing about masking what is written).
		for _, name := range written {
			if len(grepTree(t, home, secrets[name])) == 0 {
				t.Errorf("no file of the home holds %s's value: the setup did not use it", name)
			}
		}
	}

	for _, prof := range allProfiles {
		t.Run(prof, func(t *testing.T) {
			home := freshHome(t, prof)
			storepasswd(t, filepath.Join(home, "repository", "resources", "security", "client-truststore.jks"))
			env := goldenEnv(t, prof, home)
			env["WSO2_CERTIFICATES_DIR"] = certs
			env["WSO2_CLUSTER_MEMBERS"] = ""
			// WSO2_DEPLOYMENT_TOML is API Manager 4.x's only.
			check(t, home, env, "WSO2_DEPLOYMENT_TOML", []string{"WSO2_ADMIN_PASSWORD", "WSO2_MYSQL_PASSWORD", "WSO2_KEYSTORE_PASSWORD"})
		})
	}
	for _, c := range a4Cases {
		t.Run("apim4-"+c.name, func(t *testing.T) {
			home := a4Layout(t, c)
			storepasswd(t, filepath.Join(home, "repository", "resources", "security", "client-truststore.jks"))
			env := a4GoldenEnv(t, c, home)
			env["WSO2_CERTIFICATES_DIR"] = certs
			// Each keystore its own file: the secrets give each table
			// another password, and tables that shared wso2carbon.jks
			// (.primary and .internal name no file: the server's default)
			// would be refused by the keystore check.
			env["WSO2_KEYSTORE_PRIMARY_NAME"] = "primary.jks"
			env["WSO2_KEYSTORE_INTERNAL_NAME"] = "internal.jks"
			written := []string{"WSO2_ADMIN_PASSWORD", "WSO2_SHARED_DB_PASSWORD", "WSO2_KEYSTORE_PRIMARY_PASSWORD", "WSO2_DEPLOYMENT_TOML"}
			if _, ok := env["WSO2_APIM_DB_URL"]; ok {
				written = append(written, "WSO2_APIM_DB_PASSWORD")
			}
			check(t, home, env, "", written)
		})
	}
}
