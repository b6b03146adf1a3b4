package agent

// Benchmarks of the whole setup of each profile with the golden
// environment: plan only (on a pristine copy, which plans every change),
// plan+apply on a fresh copy (the copy is not timed), and the restart case
// (plan on an already configured tree: nothing to write).

import (
	"log/slog"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/wso2-container/agent/agent/pipeline"
	"github.com/wso2-container/agent/agent/plan"
	"github.com/wso2-container/agent/agent/product"
)

func benchEnv(b *testing.B, prof, home string) {
	b.Helper()
	clearAgentEnv(b)
	for k, v := range goldenEnv(b, prof, home) {
		b.Setenv(k, v)
	}
}

func benchPlan(b *testing.B) *plan.Plan {
	cfg, err := pipeline.LoadEnv(slog.New(slog.DiscardHandler), true)
	if err != nil {
		b.Fatal(err)
	}
	prof, _ := product.LookupProfile(cfg.Profile)
	p, err := pipeline.BuildPlan(cfg, prof, fakeDiscovery(goldenDNS))
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// fixClock pins the plan's clock to goldenNow for tb.
func fixClock(tb testing.TB) {
	old := plan.Now
	plan.Now = func() time.Time { return goldenNow }
	tb.Cleanup(func() { plan.Now = old })
}

// BenchmarkSetup: load + plan + apply of each profile on a fresh fixture copy.
func BenchmarkSetup(b *testing.B) {
	fixClock(b)
	for _, prof := range allProfiles {
		b.Run(prof, func(b *testing.B) {
			root := b.TempDir()
			fixture := fixtureFor(b, prof)
			benchEnv(b, prof, filepath.Join(root, "0"))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				home := filepath.Join(root, strconv.Itoa(i))
				fxCopy(b, fixture, home)
				// The image's files are on disk before a container starts:
				// flush the copy so that it is not counted in the setup's sync.
				syscall.Sync()
				b.Setenv("WSO2_HOME", home)
				b.StartTimer()
				p := benchPlan(b)
				if _, err := p.Apply(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPlan: load + plan only, on a pristine copy (every change planned).
func BenchmarkPlan(b *testing.B) {
	fixClock(b)
	for _, prof := range allProfiles {
		b.Run(prof, func(b *testing.B) {
			home := filepath.Join(b.TempDir(), "home")
			fxCopy(b, fixtureFor(b, prof), home)
			benchEnv(b, prof, home)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				benchPlan(b)
			}
		})
	}
}

// BenchmarkRestart: a container restart: plan + apply on a configured tree,
// which writes nothing.
func BenchmarkRestart(b *testing.B) {
	fixClock(b)
	for _, prof := range allProfiles {
		b.Run(prof, func(b *testing.B) {
			home := filepath.Join(b.TempDir(), "home")
			fxCopy(b, fixtureFor(b, prof), home)
			benchEnv(b, prof, home)
			if _, err := benchPlan(b).Apply(); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p := benchPlan(b)
				if w, err := p.Apply(); err != nil || len(w) > 0 {
					b.Fatalf("restart wrote %v (%v)", w, err)
				}
			}
		})
	}
}

// BenchmarkSetupAPIM4ControlPlane: the 4.5 control plane with the golden
// pattern-3 environment: load + plan (deployment.toml edits, truststore
// import into the PKCS12 client-truststore.jks) + apply on a fresh layout
// (not timed), and the restart (plan + apply that writes nothing).
func BenchmarkSetupAPIM4ControlPlane(b *testing.B) {
	fixClock(b)
	c := a4Cases[0]
	b.Run("setup", func(b *testing.B) {
		clearAgentEnv(b)
		for k, v := range a4GoldenEnv(b, c, "") {
			b.Setenv(k, v)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			home := a4Layout(b, c)
			syscall.Sync()
			b.Setenv("WSO2_HOME", home)
			b.StartTimer()
			if _, err := benchPlan(b).Apply(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("restart", func(b *testing.B) {
		home := a4Layout(b, c)
		clearAgentEnv(b)
		for k, v := range a4GoldenEnv(b, c, home) {
			b.Setenv(k, v)
		}
		if _, err := benchPlan(b).Apply(); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if w, err := benchPlan(b).Apply(); err != nil || len(w) > 0 {
				b.Fatalf("restart wrote %v (%v)", w, err)
			}
		}
	})
}
