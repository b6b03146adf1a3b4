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

	"github.com/wso2-container/agent/agent/exitcode"
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
