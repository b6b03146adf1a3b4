package agent

// `agent render --dry-run` output, text and JSON, against golden files
// (testdata/golden/render/), with every secret masked and nothing written.

import (
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestRenderDryRunGolden(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
	}{
		{"gateway.txt", []string{"render", "--dry-run"}},
		{"gateway.json", []string{"render", "--dry-run", "--output", "json"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			home := freshHome(t, "gateway")
			env := processEnv(t, "gateway", home)
			// The same report on every machine, whatever its users:
			// TestRenderWarnsOfAMissingServerUser covers the user's lookup.
			env["WSO2_AGENT_USER"] = "root"
			before := snapshot(t, home, env["WSO2_CERTIFICATES_DIR"])
			r := runPipe(t, env, c.args...)
			if r.Code != 0 {
				t.Fatalf("code %d\n%s", r.Code, r.Stderr)
			}
			if d := diffSnapshots(before, snapshot(t, home, env["WSO2_CERTIFICATES_DIR"])); len(d) > 0 {
				t.Fatalf("--dry-run wrote:\n%s", strings.Join(d, "\n"))
			}
			assertNoSecrets(t, r.Stdout+r.Stderr)
			if strings.HasSuffix(c.name, ".json") {
				rep := parseReport(t, r)
				if !rep.DryRun || rep.Profile != "gateway" || len(rep.Actions) == 0 {
					t.Fatalf("report: dry_run %v profile %q, %d actions", rep.DryRun, rep.Profile, len(rep.Actions))
				}
			}
			got := strings.ReplaceAll(r.Stdout, home, "$WSO2_HOME")
			got = strings.ReplaceAll(got, env["WSO2_CERTIFICATES_DIR"], "$CERTS")
			got = strings.ReplaceAll(got, env["WSO2_MEDIATOR_DIR"], "$MEDIATORS")
			golden := filepath.Join("testdata", "golden", "render", c.name)
			if *updateGolden {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test -update creates it)", err)
			}
			if got != string(want) {
				t.Errorf("render output differs from %s:\n%s", golden, firstDiff(string(want), got))
			}
		})
	}
}

// firstDiff shows the first differing line.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n- " + a + "\n+ " + b
		}
	}
	return ""
}

// assertNoSecrets fails when any golden secret (raw, XML-escaped or
// percent-encoded) appears, or the stock store password wso2carbon stands
// as the value of a password element, attribute or key: the stock files
// have it there (an old secret value, masked), and also as the key alias
// and the H2 databases' user name, which are not secret and are shown.
func assertNoSecrets(t *testing.T, out string) {
	t.Helper()
	for _, s := range []string{goldenAdminPW, goldenDBPW, goldenKSPW, html.EscapeString(goldenKSPW), "Ks%26S3cret"} {
		if strings.Contains(out, s) {
			t.Errorf("secret %q appears in the output", s)
		}
	}
	if m := regexp.MustCompile(`(?i)pass\w*(>|=|=")wso2carbon([^\w.-]|$)`).FindString(out); m != "" {
		t.Errorf("the store password wso2carbon appears as a value: %q", m)
	}
}
