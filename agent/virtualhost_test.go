package agent

import (
	"strings"
	"testing"

	"github.com/wso2-container/agent/agent/exitcode"
)

// TestVirtualHostMustBeABaseURL: the identityserver profile writes
// VIRTUAL_HOST verbatim in front of every endpoint path, so a value that is
// not an http(s) base URL (B31: the old README's "https://
// identityserver.local.com") is a configuration error naming the variable,
// found before anything is written. Other profiles ignore the variable
// (nginx-proxy's VIRTUAL_HOST is a bare host name).
func TestVirtualHostMustBeABaseURL(t *testing.T) {
	home := freshHome(t, "identityserver")
	env := goldenEnv(t, "identityserver", home)
	for _, bad := range []string{
		"https:// identityserver.local.com",
		"identityserver.local.com",
		"ftp://id.example.com",
		"https://",
		"https://id.example.com/?x=1",
		"https://id.example.com/#top",
		"https://user:pw@id.example.com",
		"https://id.example.com\n",
	} {
		_, err := loadConfig(t, with(env, "VIRTUAL_HOST", bad))
		if exitcode.Of(err) != exitcode.Config || !strings.Contains(fmtErr(err), "VIRTUAL_HOST: ") {
			t.Errorf("VIRTUAL_HOST=%q: %v (code %d), want a config error naming it", bad, err, exitcode.Of(err))
		}
	}
	for _, good := range []string{"https://id.example.com", "https://id.example.com:8443/", "http://10.0.0.7:9763/is"} {
		if _, err := loadConfig(t, with(env, "VIRTUAL_HOST", good)); err != nil {
			t.Errorf("VIRTUAL_HOST=%q: %v", good, err)
		}
	}
	if _, err := loadConfig(t, with(goldenEnv(t, "gateway", home), "VIRTUAL_HOST", "api.example.com")); err != nil {
		t.Errorf("gateway with nginx-proxy's VIRTUAL_HOST=api.example.com: %v", err)
	}
}
