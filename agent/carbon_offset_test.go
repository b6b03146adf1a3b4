package agent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/product/carbon44"
)

// TestCarbonOffsetHealthCanRead: the carbon.xml Ports/Offset a Carbon 4.4
// setup leaves (an image builder's patch line, as the README's example
// writes it, or the image's own file) is one agent health can read:
// otherwise the setup stops with exit 78 naming the file, and nothing is
// written, instead of passing for a container whose health probe exits 78
// for ever. An offset that health reads passes, and health probes the
// ports it gives; a ${...} value is the server's to resolve.
func TestCarbonOffsetHealthCanRead(t *testing.T) {
	tests := []struct {
		name    string
		patch   string // the patch's Offset value ("": no patch)
		stock   string // the image's own Offset value ("": as shipped, 0)
		wantErr string // "": the setup passes
		tlsPort int    // health's TLS port after a passing setup
	}{
		{name: "patch within the limit", patch: "3", tlsPort: 9446},
		{name: "patch at the limit", patch: "55000", tlsPort: 64443},
		{name: "patch with blanks", patch: " 7", tlsPort: 9450},
		{name: "patch over the limit", patch: "60000", wantErr: "Ports/Offset: 60000 is not between 0 and 55000"},
		{name: "patch negative", patch: "-5", wantErr: "Ports/Offset: -5 is not between 0 and 55000"},
		{name: "patch not a number", patch: "abc", wantErr: `Ports/Offset: "abc" is not an integer`},
		{name: "image's own offset out of range", stock: "70000", wantErr: "Ports/Offset: 70000 is not between 0 and 55000"},
		{name: "patch placeholder: the server resolves it", patch: "$${portOffset}"}, // $$ is a literal $ in a patch,
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			home := freshHome(t, "gateway")
			carbonXML := filepath.Join(home, "repository", "conf", "carbon.xml")
			if tc.stock != "" {
				data := readFile(t, carbonXML)
				data = strings.Replace(data, "<Offset>0</Offset>", "<Offset>"+tc.stock+"</Offset>", 1)
				if err := os.WriteFile(carbonXML, []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			env := goldenEnv(t, "gateway", home)
			if tc.patch != "" {
				pf := filepath.Join(t.TempDir(), "offset.patch")
				if err := os.WriteFile(pf, []byte("file repository/conf/carbon.xml\nset /Server/Ports/Offset "+tc.patch+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				env = with(env, "WSO2_AGENT_PATCHES", pf)
			}
			before := readFile(t, carbonXML)
			p, err := planFor(t, env, goldenDNS)
			if tc.wantErr != "" {
				if err == nil || exitcode.Of(err) != exitcode.Config || !strings.Contains(err.Error(), carbonXML+" "+tc.wantErr) {
					t.Fatalf("plan: %v (code %d), want exit 78 with %q", err, exitcode.Of(err), carbonXML+" "+tc.wantErr)
				}
				if readFile(t, carbonXML) != before {
					t.Fatal("carbon.xml changed")
				}
				return
			}
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			if _, err := p.Apply(); err != nil {
				t.Fatalf("apply: %v", err)
			}
			if tc.tlsPort == 0 {
				return
			}
			c, err := carbon44.Health(home)
			if err != nil {
				t.Fatalf("health after a passing setup: %v", err)
			}
			if c.TLSPort != tc.tlsPort {
				t.Fatalf("health probes TLS port %d, want %d", c.TLSPort, tc.tlsPort)
			}
		})
	}
}

// TestCarbonOffsetCheckedInAFinalImage: an image whose carbon.xml is already
// in its final state (built by running the setup at build time), with an
// offset agent health cannot read, is refused too, although the setup
// leaves the file as it is.
func TestCarbonOffsetCheckedInAFinalImage(t *testing.T) {
	home := freshHome(t, "gateway")
	env := goldenEnv(t, "gateway", home)
	p, err := planFor(t, env, goldenDNS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	carbonXML := filepath.Join(home, "repository", "conf", "carbon.xml")
	data := readFile(t, carbonXML)
	bad := strings.Replace(data, "<Offset>0</Offset>", "<Offset>70000</Offset>", 1)
	if bad == data {
		t.Fatal("no <Offset>0</Offset> in the configured carbon.xml")
	}
	// Written as an image build would: a new file, without the agent's key.
	must(t, os.Remove(carbonXML))
	must(t, os.WriteFile(carbonXML, []byte(bad), 0o644))
	p, err = planFor(t, env, goldenDNS)
	if err == nil && p.FindFile(carbonXML) != nil && string(p.FindFile(carbonXML).New) != bad {
		t.Fatal("the setup would change carbon.xml: the case is not a final image")
	}
	want := carbonXML + " Ports/Offset: 70000 is not between 0 and 55000"
	if err == nil || exitcode.Of(err) != exitcode.Config || !strings.Contains(err.Error(), want) {
		t.Fatalf("plan: %v (code %d), want exit 78 with %q", err, exitcode.Of(err), want)
	}
}
