package agent

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/wso2-container/agent/tomlconf"
)

// TestRenderNamesChangesByTheirPatchOps: render names every change of an
// XML, .properties or TOML file by the patch format's op that makes it
// (xmlconf/PATCHFORMAT.md), the same name in JSON and text, so that what
// render lists can be written in a patch file as it reads. A patch using
// every op on files the profile does not touch gets back exactly its ops;
// and no change of the profile's own uses any other name.
func TestRenderNamesChangesByTheirPatchOps(t *testing.T) {
	home := freshHome(t, "gateway")
	conf := filepath.Join(home, "repository", "conf")
	for name, content := range map[string]string{
		"custom.xml":        "<Custom>\n  <Port>1</Port>\n  <Old>x</Old>\n  <Members><m>a</m></Members>\n  <Version>1</Version>\n</Custom>\n",
		"custom.properties": "a=1\nb=2\n",
		"custom.toml":       "[server]\nhostname = \"a\"\noffset = 0\n",
	} {
		if err := os.WriteFile(filepath.Join(conf, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	patch := filepath.Join(t.TempDir(), "ops.patch")
	src := `file repository/conf/custom.xml
set      /Custom/Port  2
attr     /Custom/Port  unit  tcp
ensure   --after=Version /Custom/Added  <Added>y</Added>
remove   /Custom/Old
children /Custom/Members <<EOF
<m>b</m>
EOF
file repository/conf/custom.properties
prop   a  3
unprop b
file repository/conf/custom.toml
set    server.offset  3
unset  server.hostname
`
	if err := os.WriteFile(patch, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	env := with(goldenEnv(t, "gateway", home), "WSO2_AGENT_PATCHES", patch)
	r := runPipe(t, env, "render", "--dry-run", "--output", "json")
	if r.Code != 0 {
		t.Fatalf("render: exit %d\n%s", r.Code, r.Stderr)
	}
	got := map[string][]string{}
	patchOps := append([]string{"set", "attr", "ensure", "remove", "children", "prop", "unprop"}, tomlconf.PatchOps...)
	for _, a := range parseReport(t, r).Actions {
		switch a.Kind {
		case "xml", "properties", "toml":
			if !slices.Contains(patchOps, a.Op) {
				t.Errorf("%s %s: op %q is not an op of the patch format %v", a.File, a.Target, a.Op, patchOps)
			}
		}
		if b := strings.TrimPrefix(a.File, "repository/conf/"); strings.HasPrefix(b, "custom.") && !slices.Contains(got[b], a.Op) {
			got[b] = append(got[b], a.Op)
		}
	}
	for file, want := range map[string][]string{
		"custom.xml":        {"attr", "children", "ensure", "remove", "set"},
		"custom.properties": {"prop", "unprop"},
		"custom.toml":       {"set", "unset"},
	} {
		sort.Strings(got[file])
		if !slices.Equal(got[file], want) {
			t.Errorf("%s: render names its changes %v, want the patch's ops %v", file, got[file], want)
		}
	}
	text := runPipe(t, env, "render", "--dry-run")
	if text.Code != 0 {
		t.Fatalf("render text: exit %d\n%s", text.Code, text.Stderr)
	}
	for _, line := range []string{"# key would change: server.hostname (unset)", "# key would change: server.offset (set)"} {
		if !slices.Contains(strings.Split(text.Stdout, "\n"), line) {
			t.Errorf("render text lacks %q:\n%s", line, text.Stdout)
		}
	}
}
