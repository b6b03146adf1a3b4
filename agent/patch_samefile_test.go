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
