package agent

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/internal/fixtures"
)

// TestCmdCertsListPKCS12: `agent certs list` lists WSO2's PKCS12 stores,
// told apart by content: API Manager 4.5's wso2carbon.jks (a key and 148
// CAs, aliases with commas and spaces) and IS 7.1's client-truststore.p12.
func TestCmdCertsListPKCS12(t *testing.T) {
	t.Setenv("WSO2_TRUSTSTORE_PASSWORD", "wso2carbon")
	t.Setenv("WSO2_KEYSTORE_PASSWORD", "wso2carbon")
	tests := []struct {
		path          string
		keys, trusted int
		alias         string
	}{
		{"wso2am-4.5.0/repository/resources/security/wso2carbon.jks", 1, 148, "cn_isrg_root_x1,o_internet_security_research_group,c_us [jdk]"},
		{"wso2is-7.1.0/repository/resources/security/client-truststore.p12", 0, 144, "wso2carbon"},
	}
	for _, tc := range tests {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			code, stdout, stderr := certsRun(t, "list", fixtures.Path(filepath.Join("wso2-fixtures", tc.path)))
			if code != exitcode.OK {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			if k, tr := strings.Count(stdout, "PrivateKeyEntry"), strings.Count(stdout, "trustedCertEntry"); k != tc.keys || tr != tc.trusted {
				t.Fatalf("%d keys and %d trusted certificates listed, want %d and %d", k, tr, tc.keys, tc.trusted)
			}
			found := false
			for _, l := range strings.Split(stdout, "\n") {
				if strings.HasPrefix(l, tc.alias+" ") {
					found = true
				}
			}
			if !found {
				t.Fatalf("alias %q not listed:\n%s", tc.alias, stdout)
			}
		})
	}
}
