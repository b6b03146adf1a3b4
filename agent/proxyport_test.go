package agent

import (
	"strings"
	"testing"

	"github.com/wso2-container/agent/agent/exitcode"
)

// TestProxyPortsMustBePorts: WSO2_PROXY_PORT_HTTP(S) become Tomcat's
// proxyPort attributes; anything but a port number is a configuration error
// naming the variable, found before anything is written (Tomcat would only
// fail at start). Unset or empty leaves the attribute as it is.
func TestProxyPortsMustBePorts(t *testing.T) {
	env := goldenEnv(t, "gateway", t.TempDir())
	for _, name := range []string{"WSO2_PROXY_PORT_HTTP", "WSO2_PROXY_PORT_HTTPS"} {
		for _, bad := range []string{"abc", "0", "65536", "443 ", "-1", "80,443"} {
			_, err := loadConfig(t, with(env, name, bad))
			if exitcode.Of(err) != exitcode.Config || !strings.Contains(fmtErr(err), name+": ") {
				t.Errorf("%s=%q: %v (code %d), want a config error naming it", name, bad, err, exitcode.Of(err))
			}
		}
		for _, good := range []string{"", "80", "443", "65535"} {
			if _, err := loadConfig(t, with(env, name, good)); err != nil {
				t.Errorf("%s=%q: %v", name, good, err)
			}
		}
	}
}
