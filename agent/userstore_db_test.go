package agent

import (
	"strings"
	"testing"

	"github.com/wso2-container/agent/agent/exitcode"
)

// TestUserStoreDBIsTheUMDatasource: WSO2_USERSTORE_DB names the database of
// the WSO2UM_DB datasource in every product, the same database the
// admin-password job changes, so that the job and the servers agree; the
// other datasources keep their databases. A name that would change the JDBC
// URL is a configuration error.
func TestUserStoreDBIsTheUMDatasource(t *testing.T) {
	for _, prof := range []string{"gateway", "identityserver", "analytics"} {
		t.Run(prof, func(t *testing.T) {
			home := freshHome(t, prof)
			env := with(goldenEnv(t, prof, home), "WSO2_USERSTORE_DB", "um_store")
			mustApply(t, env, goldenDNS)
			f := conf(home, "datasources/master-datasources.xml")
			um := xmlTexts(t, f, "//datasource[name='WSO2UM_DB']/definition/configuration/url")
			if len(um) != 1 || !strings.HasPrefix(um[0], "jdbc:mysql://mysql.wso2:3306/um_store?") {
				t.Fatalf("WSO2UM_DB url %q, want the database um_store", um)
			}
			reg := xmlTexts(t, f, "//datasource[name='WSO2REG_DB']/definition/configuration/url")
			if len(reg) != 1 || !strings.HasPrefix(reg[0], "jdbc:mysql://mysql.wso2:3306/regdb?") {
				t.Fatalf("WSO2REG_DB url %q, want regdb unchanged", reg)
			}
		})
	}
	for _, bad := range []string{"", "user db", "userdb?x=1", "a/b"} {
		_, err := loadConfig(t, with(goldenEnv(t, "gateway", t.TempDir()), "WSO2_USERSTORE_DB", bad))
		if exitcode.Of(err) != exitcode.Config || !strings.Contains(fmtErr(err), "WSO2_USERSTORE_DB: ") {
			t.Errorf("WSO2_USERSTORE_DB=%q: %v (code %d), want a config error naming it", bad, err, exitcode.Of(err))
		}
	}
}
