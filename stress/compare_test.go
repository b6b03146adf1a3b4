package stress

// TestSameValuesAsOldScripts runs scripts/compare.sh once per side (the
// comparison `make bench` makes with more runs): the old gateway start and
// analytics schedule scripts and the agent on copies of the same built
// image, then every value the old scripts set read back with xmlstarlet,
// java.util.Properties, keytool and unzip. The script fails on any
// difference that is not one of the old scripts' listed bugs; the timing it
// prints is informative only (speed is never asserted).

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wso2-container/agent/internal/fixtures"
)

func TestSameValuesAsOldScripts(t *testing.T) {
	repo := filepath.Join(fixtures.Root(), "..")
	cmd := exec.Command(filepath.Join(repo, "scripts", "compare.sh"), "1")
	cmd.Env = append(os.Environ(), "COMPARE_AGENT="+agentBin)
	out, err := cmd.CombinedOutput()
	text := string(out)
	if err != nil {
		t.Fatalf("scripts/compare.sh: %v\n%s", err, text)
	}
	for _, want := range []string{"\ngateway: old median ", "\nanalytics: old median ", "\ncompare: OK"} {
		if !strings.Contains(text, want) {
			t.Fatalf("scripts/compare.sh output lacks %q:\n%s", strings.TrimSpace(want), text)
		}
	}
	var same, expected int
	for _, l := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(l, "  same "):
			same++
		case strings.HasPrefix(l, "  expected "):
			expected++
		case strings.HasPrefix(l, "gateway:"), strings.HasPrefix(l, "analytics:"):
			t.Log(l)
		}
	}
	if same < 40 || expected != 6 {
		t.Fatalf("%d values the same and %d expected differences (want >= 40 and 6):\n%s", same, expected, text)
	}
	t.Logf("%d values the same, %d listed differences (the old scripts' bugs)", same, expected)
}
