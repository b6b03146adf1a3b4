package agent

import (
	"testing"

	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/pipeline"
	"github.com/wso2-container/agent/agent/product"
	"github.com/wso2-container/agent/agent/product/apim4"
)

// TestProductHome pins the one rule by which every command finds the
// product home (setup and render, the jobs, health, admin-password).
func TestProductHome(t *testing.T) {
	gateway, _ := product.LookupProfile("gateway")
	cp, _ := product.LookupProfile(apim4.ControlPlane)
	none, _ := product.LookupProfile(product.ProfileNone)
	for _, tc := range []struct {
		name    string
		environ []string
		prof    *product.Profile
		want    string
	}{
		{"WSO2_HOME wins, cleaned", []string{"WSO2_HOME=/opt/am/", "WSO2_SERVER_HOME=/srv"}, gateway, "/opt/am"},
		{"Carbon default", nil, gateway, "/wso2am"},
		{"Carbon ignores WSO2_SERVER_HOME", []string{"WSO2_SERVER_HOME=/srv"}, gateway, "/wso2am"},
		{"4.x from WSO2_SERVER_HOME", []string{"WSO2_SERVER_HOME=/home/wso2carbon/wso2am-acp-4.5.0/"}, cp, "/home/wso2carbon/wso2am-acp-4.5.0"},
		{"4.x WSO2_HOME over WSO2_SERVER_HOME", []string{"WSO2_HOME=/a", "WSO2_SERVER_HOME=/b"}, cp, "/a"},
		{"4.x without either", nil, cp, ""},
		{"no profile: WSO2_SERVER_HOME", []string{"WSO2_SERVER_HOME=/b"}, nil, "/b"},
		{"none", []string{"WSO2_SERVER_HOME=/b"}, none, ""},
		{"none with WSO2_HOME", []string{"WSO2_HOME=/x"}, none, "/x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := (&contract.Config{}).WithEnviron(tc.environ)
			cfg.Home, _ = cfg.Getenv("WSO2_HOME")
			if got := product.Home(cfg, tc.prof); got != tc.want {
				t.Errorf("productHome = %q, want %q", got, tc.want)
			}
			if tc.prof != nil {
				cfg.Profile = tc.prof.Name
				if got := pipeline.JobHome(cfg); got != tc.want {
					t.Errorf("jobHome = %q, want %q (the jobs run in the home setup uses)", got, tc.want)
				}
			}
		})
	}
}
