package agent

import "testing"

// TestBadInputMatrix: every bad input the agent must refuse (or warn about)
// with a documented exit code, one error line naming the variable, file or
// element, no secret in the output, and every file left as it was. One row
// per case; the harness is in badinput_harness_test.go.
func TestBadInputMatrix(t *testing.T) {
	runBadMatrix(t, []badCase{
		{name: "mysql port out of range", env: map[string]string{"WSO2_MYSQL_PORT": "70000"},
			code: 78, msg: []string{"WSO2_MYSQL_PORT", "1-65535"}},
		{name: "mysql server with a query", env: map[string]string{"WSO2_MYSQL_SERVER": "db?user=x"},
			code: 78, msg: []string{"WSO2_MYSQL_SERVER"}},
		{name: "unknown profile", env: map[string]string{"WSO2_PROFILE": "gatewy"},
			code: 78, msg: []string{"WSO2_PROFILE", "gatewy"}},
	})
}
