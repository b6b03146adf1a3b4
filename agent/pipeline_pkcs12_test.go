package agent

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wso2-container/agent/internal/fixtures"
	"github.com/wso2-container/agent/keystore"
)

// TestPipelineImportsIntoPKCS12Truststore: the pipeline's truststore step
// handles a PKCS12 truststore exactly like a JKS one, choosing by content:
// API Manager 4.5's client-truststore.jks (PKCS12 under a .jks name, no
// MAC) put in place of the stock store, and IS 7.1's client-truststore.p12
// (SHA-1 MAC) named by WSO2_TRUSTSTORE, and API Manager 4.3's JKS store,
// whose aliases hold commas and spaces. The shared certificates are added,
// the store keeps its format, its MAC choice and every stock entry (keytool
// finds an alias with a comma and a space), and a restart writes nothing.
func TestPipelineImportsIntoPKCS12Truststore(t *testing.T) {
	tests := []struct {
		name, fixture, rel string
	}{
		{"4.5 PKCS12 named .jks", "wso2am-4.5.0/repository/resources/security/client-truststore.jks", "repository/resources/security/client-truststore.jks"},
		{"IS 7.1 .p12", "wso2is-7.1.0/repository/resources/security/client-truststore.p12", "repository/resources/security/client-truststore.p12"},
		// API Manager 4.3.0 (the fixture has no deployment.toml, only its
		// keystores): JKS, with aliases holding commas and spaces.
		{"4.3 JKS, aliases with commas", "wso2am-4.3.0/repository/resources/security/client-truststore.jks", "repository/resources/security/client-truststore.jks"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			home := freshHome(t, "gateway")
			certDir := filepath.Join(t.TempDir(), "certs")
			fxCopy(t, absTestdata(t, "certs"), certDir)
			stockData, err := os.ReadFile(fixtures.Path(filepath.Join("wso2-fixtures", tc.fixture)))
			if err != nil {
				t.Fatal(err)
			}
			ts := filepath.Join(home, tc.rel)
			if err := os.WriteFile(ts, stockData, 0o644); err != nil {
				t.Fatal(err)
			}
			stock, err := keystore.Load(stockData, "wso2carbon")
			if err != nil {
				t.Fatal(err)
			}
			env := with(goldenEnv(t, "gateway", home), "WSO2_CERTIFICATES_DIR", certDir, "WSO2_TRUSTSTORE", tc.rel)
			p := mustApply(t, env, goldenDNS)
			added := 0
			for _, f := range p.Changed() {
				if f.Kind == "keystore" && f.Path == ts {
					added = len(f.Changes)
				}
			}
			pems, _ := filepath.Glob(filepath.Join(certDir, "*.pem"))
			if added == 0 || added != len(pems) {
				t.Fatalf("truststore changes: %d, want one per certificate (%d)", added, len(pems))
			}
			data := []byte(readFile(t, ts))
			st, err := keystore.Load(data, "wso2carbon")
			if err != nil {
				t.Fatal(err)
			}
			if st.Format() != stock.Format() || st.HasMAC() != stock.HasMAC() || st.Len() != stock.Len()+added {
				t.Fatalf("written: %v, MAC %v, %d entries; want %v, MAC %v, %d", st.Format(), st.HasMAC(), st.Len(), stock.Format(), stock.HasMAC(), stock.Len()+added)
			}
			// keytool finds a stock alias that holds a comma and a space
			// (4.3 and later) under its own name.
			for _, e := range stock.Entries() {
				if strings.Contains(e.Alias, ", ") || (strings.Contains(e.Alias, ",") && strings.Contains(e.Alias, " ")) {
					if got := keytoolFingerprint(t, ts, "wso2carbon", e.Alias); got == "" {
						t.Fatalf("keytool does not see %q", e.Alias)
					}
					break
				}
			}
			for _, e := range stock.Entries() {
				if got, ok := st.Entry(e.Alias); !ok || got.SHA256 != e.SHA256 {
					t.Fatalf("stock entry %q lost or changed", e.Alias)
				}
			}
			if got := keytoolFingerprint(t, ts, "wso2carbon", "wso2gatewaycert"); got == "" {
				t.Fatal("keytool does not see wso2gatewaycert")
			}
			// Restart: nothing to write.
			p = mustApply(t, env, goldenDNS)
			for _, f := range p.Changed() {
				if f.Kind == "keystore" {
					t.Fatalf("restart would rewrite %s", f.Display())
				}
			}
			if !bytes.Equal([]byte(readFile(t, ts)), data) {
				t.Fatal("restart changed the truststore")
			}
		})
	}
}
