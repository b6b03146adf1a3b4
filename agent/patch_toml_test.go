package agent

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bstoml "github.com/BurntSushi/toml"

	"github.com/wso2-container/agent/internal/fixtures"
)

// TestPatchTOMLFile: a patch file's TOML edits reach a deployment.toml (the
// real 4.5 control-plane file placed in the home), the plan lists them,
// render masks the secret in the diff and in the change list, a second run
// writes nothing, and a bad edit stops the run with the patch's file:line
// and leaves the file as it was.
func TestPatchTOMLFile(t *testing.T) {
	home := freshHome(t, "gateway")
	stock, err := os.ReadFile(filepath.Join(fixtures.Path("wso2-fixtures"), "wso2am-acp-4.5.0/repository/conf/deployment.toml"))
	if err != nil {
		t.Fatal(err)
	}
	toml := conf(home, "deployment.toml")
	if err := os.WriteFile(toml, stock, 0o644); err != nil {
		t.Fatal(err)
	}
	patch := filepath.Join(t.TempDir(), "cp.patch")
	body := "file repository/conf/deployment.toml\n" +
		"set server.hostname \"cp.example.com\"\n" +
		"set --secret database.apim_db.password \"S3cr\\\"et-pw\"\n" +
		"tables apim.throttling.url_group <<EOF\n[[apim.throttling.url_group]]\ntraffic_manager_urls = [\"tcp://tm:9611\"]\nEOF\n"
	if err := os.WriteFile(patch, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	env := with(goldenEnv(t, "gateway", home), "WSO2_AGENT_PATCHES", patch)
	p := mustApply(t, env, goldenDNS)
	out, err := os.ReadFile(toml)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if _, err := bstoml.Decode(string(out), &m); err != nil {
		t.Fatal(err)
	}
	if m["server"].(map[string]any)["hostname"] != "cp.example.com" ||
		m["database"].(map[string]any)["apim_db"].(map[string]any)["password"] != `S3cr"et-pw` {
		t.Errorf("deployment.toml reads back as %v", m)
	}
	var text bytes.Buffer
	if err := p.WriteText(&text, true); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"server.hostname", "apim.throttling.url_group[0].traffic_manager_urls", "database.apim_db.password"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("render does not show %s:\n%s", want, text.String())
		}
	}
	if strings.Contains(text.String(), "S3cr") {
		t.Errorf("render shows the secret:\n%s", text.String())
	}

	// restart: nothing more to write
	p = mustApply(t, env, goldenDNS)
	again, _ := os.ReadFile(toml)
	if !bytes.Equal(again, out) {
		t.Errorf("second run changed deployment.toml")
	}
	for _, f := range p.Files {
		if strings.HasSuffix(f.Path, "deployment.toml") && !bytes.Equal(f.Old, f.New) {
			t.Errorf("second run plans a change to %s", f.Path)
		}
	}

	// a key that cannot be set: file:line error, nothing written
	if err := os.WriteFile(patch, []byte("file repository/conf/deployment.toml\nset server.hostname \"x\"\nset apim.cors 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pl, err := planFor(t, env, goldenDNS)
	if err == nil {
		_, err = pl.Apply()
	}
	if err == nil || !strings.Contains(err.Error(), patch+":3: set apim.cors") || !strings.Contains(err.Error(), "it is a table") {
		t.Errorf("got %v", err)
	}
	if now, _ := os.ReadFile(toml); !bytes.Equal(now, out) {
		t.Errorf("deployment.toml changed after an error")
	}
}
