package agent

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runWithFileMounted runs the agent with env and args in a private mount
// namespace (unshare(1)) in which the file host is bind-mounted over the
// file target, as `docker run -v host:target` mounts one file; the test's
// own namespace never sees the mount.
func runWithFileMounted(t *testing.T, host, target string, env map[string]string, args ...string) runResult {
	t.Helper()
	script := `mount --bind "$1" "$2" && shift 2 && exec "$@"`
	cmd := exec.Command("unshare", append([]string{"--mount", "--propagation", "private", "sh", "-c", script, "sh", host, target, buildPipeBin(t)}, args...)...)
	cmd.Env = envList(env)
	return runCmd(t, cmd, "unshare (the test needs root and util-linux)")
}

// TestMountedConfigFileRefused: a configuration file the setup changes
// that is mounted by itself (a bind mount of one file, as docker-compose
// volumes make) cannot be replaced: `render --dry-run` warns so, naming
// the file, and `render` refuses with exit 74 and one error line naming
// the file and what to do (mount its folder; on API Manager 4.x, or give
// the file through WSO2_CONFIG_VOLUME) before it writes anything: every
// file, the mounted one's both sides included, stays as it was.
func TestMountedConfigFileRefused(t *testing.T) {
	for _, c := range []struct {
		name, rel string
		setup     func(t *testing.T) (home string, env map[string]string)
		advice    string
	}{
		{"carbon 4.4", "repository/conf/carbon.xml", func(t *testing.T) (string, map[string]string) {
			home := freshHome(t, "gateway")
			return home, processEnv(t, "gateway", home)
		}, "; mount its folder instead"},
		{"api manager 4.x", "repository/conf/deployment.toml", func(t *testing.T) (string, map[string]string) {
			home := a4Layout(t, a4Cases[0])
			return home, map[string]string{
				"WSO2_HOME": home, "WSO2_CONFIG_VOLUME": "/nonexistent", "WSO2_ARTIFACT_VOLUME": "/nonexistent",
				"WSO2_CERTIFICATES_DIR": absTestdata(t, "certs"), "WSO2_HOSTNAME": "am.example.com",
				"WSO2_APIM_DB_URL": "jdbc:mysql://mysql:3306/apim_db", "WSO2_APIM_DB_PASSWORD": goldenDBPW, "WSO2_NODE_IP": "10.1.1.1",
			}
		}, "; mount its folder instead, or put the file in WSO2_CONFIG_VOLUME (/nonexistent), which is copied over the home at every start"},
	} {
		t.Run(c.name, func(t *testing.T) {
			home, env := c.setup(t)
			target := filepath.Join(home, c.rel)
			host := filepath.Join(t.TempDir(), filepath.Base(c.rel))
			if err := os.WriteFile(host, []byte(readFile(t, target)), 0o644); err != nil {
				t.Fatal(err)
			}
			want := "write " + c.rel + ": it is a mount point (another file system or a bind mount), so it cannot be replaced by the changed file (the agent renames a new file over the old one)" + c.advice
			before := snapshot(t, home, host)

			r := runWithFileMounted(t, host, target, env, "render", "--dry-run")
			if r.Code != 0 {
				t.Fatalf("dry run: exit %d\n%s", r.Code, r.Stderr)
			}
			if !strings.Contains(r.Stdout, "# warning: dry run: applying would fail: "+want+"\n") {
				t.Errorf("the dry run does not warn %q:\n%s", want, r.Stdout)
			}

			r = runWithFileMounted(t, host, target, env, "render")
			if r.Code != 74 {
				t.Fatalf("render: exit %d, want 74\n%s", r.Code, r.Stderr)
			}
			if lines := errorLines(r.Stderr); len(lines) != 1 || !strings.HasSuffix(lines[0], ": "+want) {
				t.Errorf("error lines %q, want one ending in %q", lines, want)
			}
			if d := diffSnapshots(before, snapshot(t, home, host)); len(d) > 0 {
				t.Fatalf("the refused render changed files: %v", d)
			}
		})
	}
}
