package agent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/pipeline"
	"github.com/wso2-container/agent/agent/product/apim4"
)

// TestAPIM4BoundedReads: every file the 4.x planning reads (the config and
// artifact volumes, the profile's deployment template, the profile record)
// is read through internal/boundedread like every other input: a link to
// /dev/zero, a FIFO nobody writes to or a huge file is refused at once with
// one line naming the file, and nothing is written. (os.ReadFile would block
// on the FIFO and read /dev/zero until memory runs out: the guard below
// turns such a hang into a failure.)
func TestAPIM4BoundedReads(t *testing.T) {
	type where struct {
		name string
		c    a4Case
		// path returns the file to break, creating its folder; env gets
		// the variables that make the agent read it.
		path func(t *testing.T, home string, env map[string]string) string
	}
	volume := func(v, rel string) func(*testing.T, string, map[string]string) string {
		return func(t *testing.T, home string, env map[string]string) string {
			dir := filepath.Join(filepath.Dir(home), strings.ToLower(v))
			env[v] = dir
			p := filepath.Join(dir, rel)
			must(t, os.MkdirAll(filepath.Dir(p), 0o755))
			return p
		}
	}
	places := []where{
		{"config volume deployment.toml", a4Cases[0], volume("WSO2_CONFIG_VOLUME", apim4.DeploymentTOML)},
		{"config volume keystore", a4Cases[0], volume("WSO2_CONFIG_VOLUME", "repository/resources/security/wso2internal.jks")},
		{"artifact volume file", a4Cases[3], volume("WSO2_ARTIFACT_VOLUME", "repository/deployment/server/synapse-configs/default/api/Pizza.xml")},
		{"profile template", a4Cases[1], func(t *testing.T, home string, _ map[string]string) string {
			return filepath.Join(home, apim4.Template(apim4.KeyManager))
		}},
		{"profile record", a4Cases[7], func(t *testing.T, home string, _ map[string]string) string {
			return filepath.Join(home, apim4.Marker)
		}},
	}
	kinds := []struct {
		name string
		make func(t *testing.T, path string)
		msg  string
	}{
		{"a link to /dev/zero", func(t *testing.T, p string) { mustSymlink(t, "/dev/zero", p) }, "a character device"},
		{"a FIFO without a writer", func(t *testing.T, p string) { mustMkfifo(t, p) }, "a FIFO"},
		{"a huge file", func(t *testing.T, p string) { hugeAt(t, p) }, "larger than"},
	}
	for _, w := range places {
		for _, k := range kinds {
			t.Run(w.name+" is "+k.name, func(t *testing.T) {
				home := a4Layout(t, w.c)
				env := a4BaseEnv(t, w.c, home)
				p := w.path(t, home, env)
				if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
				k.make(t, p)
				before := snapshot(t, home)
				done := make(chan error, 1)
				go func() {
					_, err := planFor(t, env, goldenDNS)
					done <- err
				}()
				var err error
				select {
				case err = <-done:
				case <-time.After(badRunTimeout): // a guard against a hang, not a speed assertion
					t.Fatalf("planning did not return: %s blocks it", p)
				}
				if err == nil {
					t.Fatal("no error")
				}
				msg := err.Error()
				if !strings.Contains(msg, p) || !strings.Contains(msg, k.msg) || strings.Contains(msg, "\n") {
					t.Errorf("error %q: want one line naming %s and %q", msg, p, k.msg)
				}
				if c := exitcode.Of(err); c != exitcode.NoInput {
					t.Errorf("exit code %d, want %d", c, exitcode.NoInput)
				}
				if d := diffSnapshots(before, snapshot(t, home)); len(d) > 0 {
					t.Errorf("files touched: %v", d)
				}
			})
		}
	}
}

// TestAPIM4ByteOrderMark: a deployment.toml that starts with a UTF-8 byte
// order mark (saved by a Windows editor, or mounted from a ConfigMap made
// from such a file) is edited like any other: the mark is kept, the edits
// are the same lines as without it, and the next start changes nothing.
func TestAPIM4ByteOrderMark(t *testing.T) {
	c := a4Cases[0]
	plainHome, home := a4Layout(t, c), a4Layout(t, c)
	tomlPath := filepath.Join(home, apim4.DeploymentTOML)
	stock, err := os.ReadFile(tomlPath)
	if err != nil {
		t.Fatal(err)
	}
	must(t, os.WriteFile(tomlPath, append([]byte("\xef\xbb\xbf"), stock...), 0o644))

	mustApply(t, a4GoldenEnv(t, c, plainHome), goldenDNS)
	env := a4GoldenEnv(t, c, home)
	mustApply(t, env, goldenDNS)
	want, _ := os.ReadFile(filepath.Join(plainHome, apim4.DeploymentTOML))
	got, _ := os.ReadFile(tomlPath)
	if !bytes.HasPrefix(got, []byte("\xef\xbb\xbf")) {
		t.Fatalf("the byte order mark was dropped: %q", got[:min(len(got), 12)])
	}
	if !bytes.Equal(got[3:], want) {
		t.Errorf("with a byte order mark the edits differ from those without one")
	}
	readTOML(t, got) // BurntSushi reads a BOM

	before := snapshot(t, home)
	p, err := planFor(t, env, goldenDNS)
	if err != nil {
		t.Fatal(err)
	}
	if ch := p.Changed(); len(ch) > 0 {
		t.Errorf("second start would change %d files", len(ch))
	}
	if w, err := p.Apply(); err != nil || len(w) > 0 {
		t.Errorf("second start wrote %v (%v)", w, err)
	}
	if d := diffSnapshots(before, snapshot(t, home)); len(d) > 0 {
		t.Errorf("second start touched: %v", d)
	}
}

// TestAPIM4CertSyncFollowsPlan: the certificate sync job
// (WSO2_AGENT_CERT_SYNC) imports into the truststore the setup's plan
// chose, never into a path of its own making. With the keystore secret
// mounted read-only over repository/resources/security, the setup writes
// the merged truststore to repository/resources/agent-security and points
// deployment.toml there; a certificate added to the folder later reaches
// that copy (keytool reads it), and the read-only original is left alone
// (WSO2_TRUSTSTORE, the 2.0.0 path, would name the original, and the job
// would fail on the read-only mount).
func TestAPIM4CertSyncFollowsPlan(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("needs root for a read-only bind mount (the test environment has it)")
	}
	c := a4Cases[0]
	home := a4Layout(t, c)
	certDir := filepath.Join(t.TempDir(), "certificates")
	jobsCopyFile(t, "testdata/certs/wso2apim.pem", filepath.Join(certDir, "wso2apim.pem"))
	env := a4BaseEnv(t, c, home)
	env["WSO2_CERTIFICATES_DIR"] = certDir
	env["WSO2_AGENT_CERT_SYNC"] = "@hourly"
	sec := filepath.Join(home, "repository", "resources", "security")
	orig := filepath.Join(sec, "client-truststore.jks")
	alt := filepath.Join(home, "repository", "resources", "agent-security", "client-truststore.jks")
	origBefore, _ := os.ReadFile(orig)

	var spec *pipeline.RunSpec
	var runErr error
	var logBuf bytes.Buffer
	inReadOnly(t, sec, func() {
		cfg, err := loadConfig(t, env)
		if err != nil {
			runErr = err
			return
		}
		io := IO{Stdout: &logBuf, Stderr: &logBuf, Log: slog.New(slog.NewTextHandler(&logBuf, nil))}
		if spec, runErr = pipeline.PrepareRun(context.Background(), cfg, nil, nil, io.Log); runErr != nil {
			return
		}
		// render names the job's truststore.
		p, err := planFor(t, env, goldenDNS)
		if err != nil {
			runErr = err
			return
		}
		if len(p.Jobs) != 1 || !strings.HasSuffix(p.Jobs[0].Builtin, " into "+alt) {
			runErr = fmt.Errorf("render's job preview: %+v, want the import into %s", p.Jobs, alt)
			return
		}
		// A certificate arrives after the start.
		jobsCopyFile(t, "testdata/certs/wso2store.pem", filepath.Join(certDir, "wso2store.pem"))
		for _, j := range pipeline.RunJobs(spec) {
			if j.Name == pipeline.CertSyncJob {
				runErr = j.Func(context.Background(), io.Log)
				return
			}
		}
		runErr = errors.New("no cert-sync job")
	})
	if runErr != nil {
		t.Fatalf("%v\n%s", runErr, logBuf.String())
	}
	if spec.Truststore != alt {
		t.Errorf("the run's truststore is %s, want the writable copy %s", spec.Truststore, alt)
	}
	for _, alias := range []string{"wso2apimcert", "wso2storecert"} {
		pem := filepath.Join(certDir, strings.TrimSuffix(alias, "cert")+".pem")
		if got, want := jobsKeytoolSHA256(t, alt, alias), jobsOpensslSHA256(t, pem); got != want {
			t.Errorf("keytool: %s in %s has SHA-256 %s, want %s", alias, alt, got, want)
		}
	}
	if now, _ := os.ReadFile(orig); !bytes.Equal(now, origBefore) {
		t.Error("the read-only original truststore changed")
	}
	if !strings.Contains(logBuf.String(), "truststore changed") || !strings.Contains(logBuf.String(), "added=wso2storecert") {
		t.Errorf("the sync did not log the import:\n%s", logBuf.String())
	}
}

// TestAPIM4PatchFile: on a 4.x home, WSO2_AGENT_PATCHES's TOML edits apply
// to deployment.toml after the variables' edits (a patch may override
// one), with the same validation and error style as every patch: a bad
// edit is one line with the patch's file:line, and nothing is written.
func TestAPIM4PatchFile(t *testing.T) {
	c := a4Cases[3] // universal gateway
	home := a4Layout(t, c)
	patch := filepath.Join(t.TempDir(), "gw.patch")
	must(t, os.WriteFile(patch, []byte("file repository/conf/deployment.toml\n"+
		"set server.hostname \"gw-patched.example.com\"\n"+
		"set apim.cors.allow_origins [\"https://a.example.com\"]\n"+
		"tables apim.throttling.url_group <<EOF\n[[apim.throttling.url_group]]\ntraffic_manager_urls = [\"tcp://tm-x:9611\"]\ntraffic_manager_auth_urls = [\"ssl://tm-x:9711\"]\ntype = \"failover\"\nEOF\n"), 0o644))
	env := a4BaseEnv(t, c, home)
	env["WSO2_HOSTNAME"] = "gw.example.com"
	env["WSO2_THROTTLING_URLS"] = "tm-1,tm-2"
	env["WSO2_AGENT_PATCHES"] = patch
	mustApply(t, env, goldenDNS)
	data, _ := os.ReadFile(filepath.Join(home, apim4.DeploymentTOML))
	m := flattenTOML(readTOML(t, data))
	for k, want := range map[string]any{
		"server.hostname":                                   "gw-patched.example.com",
		"apim.cors.allow_origins":                           []any{"https://a.example.com"},
		"apim.throttling.url_group[0].traffic_manager_urls": []any{"tcp://tm-x:9611"},
		"apim.throttling.url_group[0].type":                 "failover",
		"apim.throttling.throttle_decision_endpoints":       []any{"tcp://tm-1:5672", "tcp://tm-2:5672"},
	} {
		if got := m[k]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %#v, want %#v", k, got, want)
		}
	}
	if _, ok := m["apim.throttling.url_group[1].type"]; ok {
		t.Error("the patch's array of tables did not replace the variables' one")
	}
	// Restart: nothing to write.
	if p, err := planFor(t, env, goldenDNS); err != nil || len(p.Changed()) > 0 {
		t.Fatalf("restart: %v, %v", err, p.Changed())
	}
	// A bad edit: file:line, one line, nothing written.
	must(t, os.WriteFile(patch, []byte("file repository/conf/deployment.toml\nset server.hostname \"x\"\nset apim.cors 1\n"), 0o644))
	before := snapshot(t, home)
	p, err := planFor(t, env, goldenDNS)
	if err == nil {
		_, err = p.Apply()
	}
	if err == nil || !strings.Contains(err.Error(), patch+":3: set apim.cors") || strings.Contains(err.Error(), "\n") {
		t.Errorf("bad patch: %v", err)
	}
	if d := diffSnapshots(before, snapshot(t, home)); len(d) > 0 {
		t.Errorf("files touched: %v", d)
	}
}
