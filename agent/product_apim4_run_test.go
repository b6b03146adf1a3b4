package agent

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestAPIM4RunServer runs the real binary as PID 1 on 4.x homes: the pack's
// start script is the server command (with -Dprofile and
// --skipConfigOptimization for a profileSetup profile), ARGS that start
// with '-' follow it, JAVA_OPTS and JVM_MEM_OPTS reach it, NODE_IP is set
// when the file reads it, and the script's exit status is the agent's (the
// scripts restart the JVM on 121 themselves).
func TestAPIM4RunServer(t *testing.T) {
	tests := []struct {
		c        a4Case
		wantArgs string
	}{
		{a4Cases[0], "-Dsetup -Dx=1"},
		{a4Cases[7], "-Dprofile=gateway-worker --skipConfigOptimization -Dsetup -Dx=1"},
	}
	for _, tt := range tests {
		t.Run(tt.c.name, func(t *testing.T) {
			home := a4Layout(t, tt.c)
			rec := filepath.Join(t.TempDir(), "record")
			env := a4ProcEnv(home, "WSO2_CERTIFICATES_DIR="+absTestdata(t, "certs"), "WSO2_NODE_IP=10.9.8.7",
				"JAVA_OPTS=-Dj=1", "JVM_MEM_OPTS=-Xms256m -Xmx256m", "A4_RECORD="+rec, "A4_EXIT=3",
				"WSO2_DEPLOYMENT_TOML=[server]\nnode_ip = \"$env{NODE_IP}\"\n")
			if tt.c.profile != "" {
				env = append(env, "WSO2_PROFILE="+tt.c.profile)
			}
			code, _, stderr := runAgent(t, true, env, "-Dsetup", "-Dx=1")
			if code != 3 {
				t.Fatalf("exit %d, want the script's 3; stderr:\n%s", code, stderr)
			}
			got, err := os.ReadFile(rec)
			if err != nil {
				t.Fatalf("the start script did not run: %v; stderr:\n%s", err, stderr)
			}
			for _, w := range []string{"args=" + tt.wantArgs + "\n", "JAVA_OPTS=-Dj=1\n", "JVM_MEM_OPTS=-Xms256m -Xmx256m\n", "NODE_IP=10.9.8.7\n", "pwd=" + filepath.Join(home, "bin") + "\n"} {
				if !strings.Contains(string(got), w) {
					t.Errorf("the script saw:\n%s\nwant a line %q", got, strings.TrimSpace(w))
				}
			}
		})
	}
}

// TestAPIM4StopSignal: TERM to the agent (PID 1) reaches the start script,
// as for 2.0.0 (WSO2's own entrypoint runs the script as a child of a shell
// that does not forward signals).
func TestAPIM4StopSignal(t *testing.T) {
	c := a4Cases[2]
	home := a4Layout(t, c)
	env := a4ProcEnv(home, "WSO2_CERTIFICATES_DIR="+absTestdata(t, "certs"), "A4_WAIT=1")
	a := startAgent(t, true, env)
	a.waitLine("ready")
	a.signal(syscall.SIGTERM)
	a.waitLine("stopped by TERM")
	if code := a.wait(); code != 0 {
		t.Fatalf("exit %d, want the script's 0; stderr:\n%s", code, a.stderrText())
	}
}

// a4ProcEnv is the environment of a 4.x agent under test: the home, no
// volumes, no user switch, WSO2_PROFILE unset, nothing of the test's own.
func a4ProcEnv(home string, extra ...string) []string {
	return append([]string{"PATH=" + os.Getenv("PATH"), "WSO2_HOME=" + home, "WSO2_AGENT_USER=root",
		"WSO2_CONFIG_VOLUME=/nonexistent", "WSO2_ARTIFACT_VOLUME=/nonexistent"}, extra...)
}

// TestAPIM4RenderBinary: `agent render --dry-run` on a 4.5 control plane
// with WSO2_PROFILE unset writes nothing and shows the deployment.toml diff
// (secrets masked), the truststore entries, the $env check and the command;
// `agent render` then a second `agent render` leave the tree as the first
// left it (bytes, mtime, inode).
func TestAPIM4RenderBinary(t *testing.T) {
	buildBinaries(t)
	c := a4Cases[0]
	home := a4Layout(t, c)
	const pw = "Db-Render-S3cret"
	env := a4ProcEnv(home, "WSO2_CERTIFICATES_DIR="+absTestdata(t, "certs"), "WSO2_HOSTNAME=am.example.com",
		"WSO2_APIM_DB_URL=jdbc:mysql://mysql:3306/apim_db", "WSO2_APIM_DB_PASSWORD="+pw, "WSO2_NODE_IP=10.1.1.1",
		"WSO2_DEPLOYMENT_TOML=[apim.ai]\ntoken = \"$env{PATH}\"\n")
	before := snapshot(t, home)
	code, out, stderr := runArgv(t, env, agentBin, "render", "--dry-run")
	if code != 0 {
		t.Fatalf("render --dry-run exit %d: %s", code, stderr)
	}
	if d := diffSnapshots(before, snapshot(t, home)); len(d) > 0 {
		t.Fatalf("dry run wrote: %v", d)
	}
	text := string(out)
	for _, w := range []string{
		"# profile control-plane, home " + home,
		"-hostname = \"localhost\"\n+hostname = \"am.example.com\"\n",
		"# secret would change: database.apim_db.password (value not shown)",
		"# keystore repository/resources/security/client-truststore.jks\n#   add wso2apimcert",
		"# check: $env{PATH} (apim.ai.token, line",
		"# command: " + filepath.Join(home, "bin", "api-cp.sh"),
	} {
		if !strings.Contains(text, w) {
			t.Errorf("dry run does not show %q:\n%s", w, text)
		}
	}
	if strings.Contains(text+stderr, pw) {
		t.Error("the dry run shows the database password")
	}
	if code, _, stderr := runArgv(t, env, agentBin, "render"); code != 0 {
		t.Fatalf("render exit %d: %s", code, stderr)
	}
	first := snapshot(t, home)
	if code, out, stderr := runArgv(t, env, agentBin, "render"); code != 0 || !strings.Contains(string(out), "# no changes") {
		t.Fatalf("second render exit %d: %s%s", code, out, stderr)
	}
	if d := diffSnapshots(first, snapshot(t, home)); len(d) > 0 {
		t.Errorf("second render touched: %v", d)
	}
}
