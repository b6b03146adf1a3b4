package supervise

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wso2-container/agent/agent/exitcode"
)

func TestLookPath(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name string, mode os.FileMode) string {
		p := filepath.Join(bin, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	exe := write("tool", 0o755)
	plain := write("plain", 0o644)
	cases := []struct {
		name, cmd, dir string
		env            []string
		want           string
		code           int
		msg            string
	}{
		{"absolute", exe, "", nil, exe, 0, ""},
		{"relative to dir", "bin/tool", dir, nil, exe, 0, ""},
		{"in PATH", "tool", "", []string{"PATH=/nonexistent:" + bin}, exe, 0, ""},
		{"relative PATH entry is relative to dir", "tool", dir, []string{"PATH=bin"}, exe, 0, ""},
		{"last PATH wins", "tool", "", []string{"PATH=/nonexistent", "PATH=" + bin}, exe, 0, ""},
		{"missing path", filepath.Join(dir, "nope"), "", nil, "", exitcode.NotFound, "not found"},
		{"missing in PATH", "nope", "", []string{"PATH=" + bin}, "", exitcode.NotFound, "not found in PATH"},
		{"not executable", plain, "", nil, "", exitcode.NotExec, "is not executable"},
		{"not executable in PATH", "plain", "", []string{"PATH=" + bin}, "", exitcode.NotExec, "is not executable"},
		{"directory", bin, "", nil, "", exitcode.NotExec, "is a directory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := LookPath(c.cmd, c.dir, c.env)
			if c.code == 0 {
				if err != nil || got != c.want {
					t.Fatalf("LookPath(%q) = %q, %v; want %q", c.cmd, got, err, c.want)
				}
				return
			}
			if exitcode.Of(err) != c.code || err == nil || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("LookPath(%q) error %v (code %d); want code %d containing %q", c.cmd, err, exitcode.Of(err), c.code, c.msg)
			}
		})
	}
}
