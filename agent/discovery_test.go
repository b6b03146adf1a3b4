package agent

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wso2-container/agent/agent/pipeline"
	"github.com/wso2-container/agent/agent/product"
)

// TestMemberLookupsRunTogether: the cluster member names are looked up at
// once, not one after the other. Each lookup of the fake resolver waits
// until every name has been asked for (a handshake: one after the other,
// the first would wait forever, and the test gives up after 10 s), and the
// members still come out in the order of the names, an unresolved one a
// warning.
func TestMemberLookupsRunTogether(t *testing.T) {
	home := freshHome(t, "gateway")
	env := with(goldenEnv(t, "gateway", home), "WSO2_CLUSTER_MEMBERS", "tasks.store,10.0.9.9,tasks.gone,tasks.publisher")
	cfg, err := loadConfig(t, env)
	if err != nil {
		t.Fatal(err)
	}
	prof, _ := product.LookupProfile(cfg.Profile)
	asked := map[string]bool{}
	var mu sync.Mutex
	all := make(chan struct{})
	d := fakeDiscovery(goldenDNS)
	lookup := d.LookupHost
	d.LookupHost = func(name string) ([]string, error) {
		mu.Lock()
		asked[name] = true
		if len(asked) == 3 {
			close(all)
		}
		mu.Unlock()
		select {
		case <-all:
		case <-time.After(10 * time.Second):
			t.Errorf("lookup of %s: the other names were not asked for meanwhile (lookups one after the other)", name)
		}
		return lookup(name)
	}
	p, err := pipeline.BuildPlan(cfg, prof, d)
	if err != nil {
		t.Fatal(err)
	}
	var axis2 string
	for _, f := range p.Files {
		if strings.HasSuffix(f.Path, "axis2.xml") {
			axis2 = string(f.New)
		}
	}
	// tasks.store's addresses sorted, the literal, tasks.publisher's.
	want := []string{"10.0.4.1", "10.0.4.2", "10.0.9.9", "10.0.3.1"}
	last := -1
	for _, ip := range want {
		i := strings.Index(axis2, "<hostName>"+ip+"</hostName>")
		if i < 0 || i < last {
			t.Fatalf("axis2.xml members: want %v in this order:\n%s", want, axis2)
		}
		last = i
	}
	if !strings.Contains(strings.Join(p.Warnings, "\n"), "WSO2_CLUSTER_MEMBERS: tasks.gone does not resolve yet") {
		t.Errorf("no warning for the name that does not resolve: %q", p.Warnings)
	}
}
