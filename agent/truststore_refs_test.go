package agent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/wso2-container/agent/keystore"
	"github.com/wso2-container/agent/xmlconf"
)

// TestTruststoreReferencesFollowWSO2Truststore: with WSO2_TRUSTSTORE naming
// another truststore than the stock client-truststore.jks, with its own
// password, every truststore the Carbon 4.4 server reads (carbon.xml, the
// axis2.xml transports, broker.xml's AMQP and MQTT listeners,
// EndpointConfig.properties) opens with the password written beside it and
// holds the imported certificates. Before, only carbon.xml moved: the other
// references kept the stock store and got the other store's password, which
// does not open it.
func TestTruststoreReferencesFollowWSO2Truststore(t *testing.T) {
	const pw = "Other-ts-pw1"
	tests := []struct {
		name, profile string
		abs           bool // an absolute WSO2_TRUSTSTORE, else relative to the home
		// files the product ships with truststore references in use (the
		// kernel axis2.xml of IS and DAS has them only in comments)
		files []string
	}{
		{"gateway, relative", "gateway", false, []string{"carbon.xml", "axis2.xml", "broker.xml", "EndpointConfig.properties"}},
		{"gateway, absolute", "gateway", true, []string{"carbon.xml", "axis2.xml", "broker.xml", "EndpointConfig.properties"}},
		{"identityserver, relative", "identityserver", false, []string{"carbon.xml", "EndpointConfig.properties"}},
		{"analytics, absolute", "analytics", true, []string{"carbon.xml"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			home := freshHome(t, tc.profile)
			ts := "repository/resources/security/agent-truststore.jks"
			tsPath := filepath.Join(home, ts)
			if tc.abs {
				tsPath = filepath.Join(t.TempDir(), "truststore.jks")
				ts = tsPath
			}
			empty, err := keystore.New().Marshal(pw)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(tsPath, empty, 0o644); err != nil {
				t.Fatal(err)
			}
			env := with(goldenEnv(t, tc.profile, home), "WSO2_TRUSTSTORE", ts, "WSO2_TRUSTSTORE_PASSWORD", pw)
			mustApply(t, env, goldenDNS)

			refs := truststoreRefs(t, home)
			seen := map[string]bool{}
			for _, r := range refs {
				seen[r.file] = true
				loc := strings.TrimPrefix(r.location, "${carbon.home}/")
				if !filepath.IsAbs(loc) {
					loc = filepath.Join(home, loc)
				}
				if loc != tsPath {
					t.Errorf("%s: truststore %q, want WSO2_TRUSTSTORE %s", r.file, r.location, ts)
					continue
				}
				data, err := os.ReadFile(loc)
				if err != nil {
					t.Fatalf("%s: %v", r.file, err)
				}
				st, err := keystore.Load(data, r.password)
				if err != nil {
					t.Errorf("%s: truststore %s does not open with the password beside it: %v", r.file, r.location, err)
					continue
				}
				if _, ok := st.Entry("wso2gatewaycert"); !ok {
					t.Errorf("%s: truststore %s lacks the imported wso2gatewaycert", r.file, r.location)
				}
			}
			for _, f := range tc.files {
				if !seen[f] {
					t.Errorf("no truststore reference found in %s", f)
				}
			}
		})
	}
}

type truststoreRef struct{ file, location, password string }

// truststoreRefs reads the truststore references a Carbon 4.4 server uses
// (comments are not references).
func truststoreRefs(t *testing.T, home string) []truststoreRef {
	t.Helper()
	var refs []truststoreRef
	xmlRefs := []struct{ rel, path, loc, pw string }{
		{"repository/conf/carbon.xml", "/Server/Security/TrustStore", "Location", "Password"},
		{"repository/conf/axis2/axis2.xml", "//parameter[@name='truststore']/TrustStore", "Location", "Password"},
		{"repository/conf/broker.xml", "//sslConnection/trustStore", "location", "password"},
	}
	for _, x := range xmlRefs {
		data, err := os.ReadFile(filepath.Join(home, x.rel))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		doc := etree.NewDocument()
		if err := doc.ReadFromBytes(data); err != nil {
			t.Fatalf("%s: %v", x.rel, err)
		}
		for _, e := range doc.FindElements(x.path) {
			refs = append(refs, truststoreRef{filepath.Base(x.rel), e.FindElement(x.loc).Text(), e.FindElement(x.pw).Text()})
		}
	}
	rel := "repository/conf/identity/EndpointConfig.properties"
	data, err := os.ReadFile(filepath.Join(home, rel))
	if err == nil {
		props, err := xmlconf.ReadProperties(data)
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		refs = append(refs, truststoreRef{filepath.Base(rel), props["client.trustStore"], props["Carbon.Security.TrustStore.Password"]})
	} else if !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return refs
}
