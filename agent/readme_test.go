package agent

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/plan"
	"github.com/wso2-container/agent/internal/fixtures"
	"github.com/wso2-container/agent/tomlconf"
	"github.com/wso2-container/agent/xmlconf"
)

var updateReadme = flag.Bool("update-readme", false, "rewrite the generated sections of README.md")

// TestREADMEGeneratedSections keeps the README's variable and exit-code
// tables equal to what the code says (`agent env --markdown`,
// exitcode.Table). Run `go test ./agent -run README -update-readme` after
// changing either.
func TestREADMEGeneratedSections(t *testing.T) {
	path := filepath.Join("..", "README.md")
	readme, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var env bytes.Buffer
	io := IO{Stdout: &env, Stderr: &env, Log: NewLogger(&env, "text")}
	if code := cmdEnv(context.Background(), []string{"--markdown"}, io); code != 0 {
		t.Fatalf("agent env --markdown exited %d: %s", code, env.String())
	}
	var codes strings.Builder
	codes.WriteString("| code | name | meaning |\n|---|---|---|\n")
	for _, r := range exitcode.Table() {
		c := fmt.Sprint(r.Code)
		if r.Code < 0 {
			c = r.Name
		}
		fmt.Fprintf(&codes, "| %s | %s | %s |\n", c, r.Name, r.Meaning)
	}
	got := string(readme)
	want := replaceSection(got, "agent env", env.String())
	want = replaceSection(want, "exit codes", codes.String())
	if got == want {
		return
	}
	if *updateReadme {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("README.md's generated sections are stale: run go test ./agent -run README -update-readme")
}

// replaceSection replaces the text between <!-- BEGIN name --> and
// <!-- END name --> with body.
func replaceSection(doc, name, body string) string {
	begin, end := "<!-- BEGIN "+name+" -->\n", "<!-- END "+name+" -->"
	i := strings.Index(doc, begin)
	j := strings.Index(doc, end)
	if i < 0 || j < i {
		return doc + "\n" + begin + body + end + "\n"
	}
	return doc[:i+len(begin)] + body + doc[j:]
}

// TestREADMEPatchExample parses and applies the patch-file example of the
// README to the API Manager fixture, so the README cannot show a format the
// agent rejects.
func TestREADMEPatchExample(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(readme)
	i := strings.Index(s, "### Image builders' patch files")
	if i < 0 {
		t.Fatal("README has no patch-file section")
	}
	s = s[i:]
	start := strings.Index(s, "```\n")
	end := strings.Index(s[start+4:], "```")
	example := s[start+4 : start+4+end]
	lookup := func(k string) (string, bool) {
		return "", false
	}
	fps, err := xmlconf.ParsePatch("README.md", []byte(example), lookup, contract.IsSecretName)
	if err != nil {
		t.Fatalf("README patch example does not parse: %v", err)
	}
	for _, fp := range fps {
		src, err := os.ReadFile(filepath.Join(fixtures.WSO2("wso2am-2.0.0"), fp.File))
		if err != nil {
			t.Fatal(err)
		}
		var changes []xmlconf.Change
		if xmlconf.IsProperties(fp.File) {
			_, changes, err = xmlconf.ApplyProperties(src, fp.Props)
		} else {
			_, changes, err = xmlconf.Apply(src, fp.XML)
		}
		if err != nil {
			t.Fatalf("README patch example on %s: %v", fp.File, err)
		}
		if len(changes) == 0 {
			t.Errorf("README patch example changes nothing in %s", fp.File)
		}
	}
	// An image builder's patch runs after a profile: each edit line of the
	// example, applied on its own after the gateway profile, must change its
	// file (an `ensure` of an element the profile wrote would not).
	base := freshHome(t, "gateway")
	mustApply(t, goldenEnv(t, "gateway", base), goldenDNS)
	for _, e := range patchEdits(example) {
		t.Run(e.line, func(t *testing.T) {
			patch := filepath.Join(t.TempDir(), "one.patch")
			if err := os.WriteFile(patch, []byte("file "+e.file+"\n"+e.line+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			home := freshHome(t, "gateway")
			mustApply(t, with(goldenEnv(t, "gateway", home), "WSO2_AGENT_PATCHES", patch), goldenDNS)
			if readFile(t, filepath.Join(home, e.file)) == readFile(t, filepath.Join(base, e.file)) {
				t.Errorf("after the gateway profile, %q changes nothing in %s", e.line, e.file)
			}
		})
	}
}

// patchEdit is one edit line of a patch and the file it edits.
type patchEdit struct{ file, line string }

// patchEdits lists the one-line edits of a patch (blank lines and comments
// left out; a patch with a here-document is not split this way).
func patchEdits(patch string) []patchEdit {
	var out []patchEdit
	file := ""
	for _, l := range strings.Split(patch, "\n") {
		switch l = strings.TrimSpace(l); {
		case l == "" || strings.HasPrefix(l, "#"):
		case strings.HasPrefix(l, "file "):
			file = strings.TrimSpace(strings.TrimPrefix(l, "file "))
		default:
			out = append(out, patchEdit{file, l})
		}
	}
	return out
}

// TestREADMEPatchExampleTOML parses the TOML patch example of the README and
// applies it to the real 4.5 control-plane deployment.toml.
func TestREADMEPatchExampleTOML(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(readme)
	i := strings.Index(s, "### Image builders' patch files")
	j := strings.Index(s[max(i, 0):], "file repository/conf/deployment.toml")
	if i < 0 || j < 0 {
		t.Fatal("README has no TOML patch example")
	}
	s = s[i+j:]
	example := s[:strings.Index(s, "```")]
	lookup := func(k string) (string, bool) { return "api.example.com", k == "PUBLIC_HOST" }
	fps, err := xmlconf.ParsePatchKinds("README.md", []byte(example), lookup, contract.IsSecretName, plan.TOMLPatchKind)
	if err != nil {
		t.Fatalf("README TOML patch example does not parse: %v", err)
	}
	src, err := os.ReadFile(filepath.Join(fixtures.Path("wso2-fixtures"), "wso2am-acp-4.5.0", fps[0].File))
	if err != nil {
		t.Fatal(err)
	}
	var edits []plan.TOMLEdit
	for _, o := range fps[0].Other {
		edits = append(edits, plan.TOMLPatch(o.Edit.(tomlconf.PatchEdit)))
	}
	_, changes, _, _, err := plan.ApplyTOML(src, edits)
	if err != nil {
		t.Fatalf("README TOML patch example: %v", err)
	}
	if len(changes) != 6 {
		t.Errorf("README TOML patch example makes %d changes, want 6: %v", len(changes), changes)
	}
}
