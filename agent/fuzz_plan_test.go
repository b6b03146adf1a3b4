package agent

// FuzzPlan puts arbitrary bytes into one of the files the gateway profile
// reads — the XML and .properties targets, the truststore, the component's
// own keystore and its PEM certificate in the certificates folder — and
// plans. Properties: buildPlan never panics and never writes (whole-tree
// snapshot before and after); an error is one line, carries a documented
// exit code, names the file and shows no secret; a plan that succeeds is
// restart-safe for that file (its planned content, planned again, changes
// nothing).

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/pipeline"
	"github.com/wso2-container/agent/agent/plan"
	"github.com/wso2-container/agent/agent/product"
	"github.com/wso2-container/agent/internal/fixtures"
)

// fuzzPlanTargets are the files fuzzed, relative to the fuzz root: home/...
// for the product tree, certs/... for the shared certificates folder.
var fuzzPlanTargets = []string{
	"home/repository/conf/user-mgt.xml",
	"home/repository/conf/datasources/master-datasources.xml",
	"home/repository/conf/datasources/metrics-datasources.xml",
	"home/repository/conf/carbon.xml",
	"home/repository/conf/axis2/axis2.xml",
	"home/repository/conf/api-manager.xml",
	"home/repository/conf/tomcat/catalina-server.xml",
	"home/repository/conf/identity/identity.xml",
	"home/repository/conf/broker.xml",
	"home/repository/conf/log4j.properties",
	"home/repository/conf/jndi.properties",
	"home/repository/conf/identity/EndpointConfig.properties",
	"home/repository/resources/security/client-truststore.jks",
	"certs/wso2gateway.jks",
	"certs/wso2gateway.pem",
	"certs/wso2store.pem",
}

func FuzzPlan(f *testing.F) {
	root := f.TempDir()
	home := filepath.Join(root, "home")
	certDir := filepath.Join(root, "certs")
	fxCopy(f, fixtures.WSO2("wso2am-2.0.0"), home)
	fxCopy(f, absTestdata(f, "certs"), certDir)

	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "WSO2_") || k == "VIRTUAL_HOST" {
			f.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	env := goldenEnv(f, "gateway", home)
	env["WSO2_CERTIFICATES_DIR"] = certDir
	env["WSO2_CLUSTER_MEMBERS"] = "10.0.1.1,10.0.2.2"
	for k, v := range env {
		f.Setenv(k, v)
	}
	cfg, err := pipeline.LoadEnv(slog.New(slog.DiscardHandler), true)
	if err != nil {
		f.Fatalf("load the golden environment: %v", err)
	}
	prof, _ := product.LookupProfile("gateway")
	oldNow := plan.Now
	plan.Now = func() time.Time { return goldenNow }
	f.Cleanup(func() { plan.Now = oldNow })
	dns := fakeDiscovery(goldenDNS)
	secrets := []string{goldenAdminPW, goldenDBPW, goldenKSPW}

	originals := make([][]byte, len(fuzzPlanTargets))
	for i, rel := range fuzzPlanTargets {
		b, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			f.Fatalf("fixture: %v", err)
		}
		originals[i] = b
		f.Add(uint8(i), b)
		f.Add(uint8(i), b[:len(b)/2])
	}
	f.Add(uint8(0), []byte("<UserManager><Realm><Configuration><AdminUser><Password>x</Password></AdminUser></Configuration></Realm></UserManager>"))
	f.Add(uint8(9), []byte("log4j.appender.LOGEVENT.password=\\\n"))
	f.Add(uint8(14), []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))

	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		i := int(which) % len(fuzzPlanTargets)
		path := filepath.Join(root, fuzzPlanTargets[i])
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := os.WriteFile(path, originals[i], 0o644); err != nil {
				t.Fatal(err)
			}
		}()
		before := snapshot(t, root)
		p, err := pipeline.BuildPlan(cfg, prof, dns)
		if d := diffSnapshots(before, snapshot(t, root)); len(d) > 0 {
			t.Fatalf("buildPlan wrote to the tree:\n%s", strings.Join(d, "\n"))
		}
		if err != nil {
			msg := err.Error()
			if strings.ContainsAny(msg, "\n\r") {
				t.Fatalf("error is not one line: %q", msg)
			}
			switch c := exitcode.Of(err); c {
			case exitcode.DataErr, exitcode.NoInput, exitcode.Config:
			default:
				t.Fatalf("error has exit code %d: %v", c, err)
			}
			if !strings.Contains(msg, filepath.Base(path)) {
				t.Fatalf("error does not name %s: %v", filepath.Base(path), err)
			}
			for _, s := range secrets {
				if strings.Contains(msg, s) && !bytes.Contains(data, []byte(s)) {
					t.Fatalf("error shows a secret: %v", err)
				}
			}
			return
		}
		fp := findFilePlan(p, path)
		if fp == nil || !fp.Changed() {
			return
		}
		// Restart safety on this input: the planned content, planned
		// again, is left as it is.
		if err := os.WriteFile(path, fp.New, 0o644); err != nil {
			t.Fatal(err)
		}
		p2, err := pipeline.BuildPlan(cfg, prof, dns)
		if err != nil {
			t.Fatalf("second plan on the planned content of %s fails: %v", fuzzPlanTargets[i], err)
		}
		if fp2 := findFilePlan(p2, path); fp2 != nil && fp2.Changed() {
			t.Fatalf("%s: second plan changes the planned content again:\n--- first\n%s\n--- second\n%s", fuzzPlanTargets[i], fp.New, fp2.New)
		}
	})
}

// findFilePlan returns the plan of path, or nil.
func findFilePlan(p *plan.Plan, path string) *plan.FilePlan {
	for _, fp := range p.Files {
		if fp.Path == path {
			return fp
		}
	}
	return nil
}
