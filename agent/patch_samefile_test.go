package agent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPatchNamingAProfileFileDifferently: a patch file may name a file the
// profile edits by another spelling (absolute path inside the home, "./",
// "a/../"); its edits and the profile's both end up in the file, instead of
// one set of edits silently replacing the other.
func TestPatchNamingAProfileFileDifferently(t *testing.T) {
	for _, spelling := range []string{"%HOME%/repository/conf/carbon.xml", "./repository/conf/carbon.xml", "repository/conf/../conf/carbon.xml"} {
		t.Run(spelling, func(t *testing.T) {
			home := freshHome(t, "gateway")
			patch := filepath.Join(t.TempDir(), "extra.patch")
			name := strings.ReplaceAll(spelling, "%HOME%", home)
			if err := os.WriteFile(patch, []byte("file "+name+"\nset /Server/Ports/Offset 7\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			mustApply(t, with(goldenEnv(t, "gateway", home), "WSO2_AGENT_PATCHES", patch), goldenDNS)
			carbon := conf(home, "carbon.xml")
			if got := xmlTexts(t, carbon, "/Server/Ports/Offset"); len(got) != 1 || got[0] != "7" {
				t.Errorf("the patch's Offset: %q, want 7", got)
			}
			if got := xmlTexts(t, carbon, "/Server/HostName"); len(got) != 1 || got[0] != "gateway.wso2" {
				t.Errorf("the profile's HostName: %q, want gateway.wso2", got)
			}
		})
	}
}

// TestPatchFileKindIgnoresCase: whether a patch's target is a .properties
// or a .toml file is decided by one rule (the name's suffix, ASCII case
// ignored), the same when the patch is parsed and when the file is edited:
// a file named Custom.PROPERTIES or Custom.TOML gets its edits instead of
// an error that its edits are of the wrong kind.
func TestPatchFileKindIgnoresCase(t *testing.T) {
	for _, tc := range []struct {
		name, content, patch, want string
	}{
		{"Custom.PROPERTIES", "a=1\nb=2\n", "prop b 3\n", "a=1\nb=3\n"},
		{"Custom.Properties", "a=1\n", "prop c x\n", "a=1\nc=x\n"},
		{"custom.TOML", "[server]\nhostname = \"a\"\n", "set server.hostname \"b\"\n", "[server]\nhostname = \"b\"\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := freshHome(t, "gateway")
			target := filepath.Join(home, "repository", "conf", tc.name)
			if err := os.WriteFile(target, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			patch := filepath.Join(t.TempDir(), "extra.patch")
			if err := os.WriteFile(patch, []byte("file repository/conf/"+tc.name+"\n"+tc.patch), 0o644); err != nil {
				t.Fatal(err)
			}
			mustApply(t, with(goldenEnv(t, "gateway", home), "WSO2_AGENT_PATCHES", patch), goldenDNS)
			if got := readFile(t, target); got != tc.want {
				t.Errorf("%s after the patch:\n%s\nwant:\n%s", tc.name, got, tc.want)
			}
		})
	}
}
