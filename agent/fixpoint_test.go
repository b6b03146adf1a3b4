package agent

// The keys a start leaves on the files it writes (internal/fixpoint) let a
// restart skip editing them. They must never hide a change: these tests run
// the real binary on the real WSO2 files.

import (
	"context"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/wso2-container/agent/agent/pipeline"
	"github.com/wso2-container/agent/agent/plan"
	"github.com/wso2-container/agent/agent/product"
	"github.com/wso2-container/agent/agent/product/carbon44"
	"github.com/wso2-container/agent/internal/fixpoint"
	"github.com/wso2-container/agent/internal/xattrtest"
)

// keyedHome is freshHome on a file system that takes user extended
// attributes, or skips the test saying why.
func keyedHome(t *testing.T, profile string) string {
	t.Helper()
	home := freshHome(t, profile)
	xattrtest.Require(t, home)
	return home
}

// keyOf returns the key a file carries, or nil.
func keyOf(t *testing.T, path string) []byte {
	t.Helper()
	v := make([]byte, 64)
	n, err := unix.Getxattr(path, fixpoint.Attr, v)
	if err != nil {
		return nil
	}
	return v[:n]
}

// copyKeeping copies the folder src to dst with cp -a, which keeps
// extended attributes.
func copyKeeping(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.RemoveAll(dst); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-a", src, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp -a %s %s: %v\n%s", src, dst, err, out)
	}
}

// contents maps every regular file under root (relative) to its content.
func contents(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		out[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// comparable is a report without its schedules' next fire times, which
// depend on when it ran.
func comparable(r plan.Report) plan.Report {
	r.Schedules = nil
	return r
}

func TestKeysNeverHideAChange(t *testing.T) {
	for _, profile := range []string{"gateway", "analytics"} {
		t.Run(profile, func(t *testing.T) {
			home := keyedHome(t, profile)
			env := with(goldenEnv(t, profile, home), "WSO2_CLUSTER_MEMBERS", "10.0.1.1,10.0.2.2")
			render := func(env map[string]string, args ...string) plan.Report {
				t.Helper()
				r := runPipe(t, env, append([]string{"render", "--output", "json"}, args...)...)
				if r.Code != 0 {
					t.Fatalf("render %v: exit %d\n%s", args, r.Code, r.Stderr)
				}
				return parseReport(t, r)
			}

			// A first start leaves a key on every configuration file, JKS
			// keystore and carbon app it writes.
			first := render(env)
			keyed := 0
			for _, rel := range first.Changed {
				k := keyOf(t, filepath.Join(home, rel))
				switch filepath.Ext(rel) {
				case ".xml", ".properties", ".car", ".jks":
					if len(k) != len(fixpoint.Key{}) {
						t.Errorf("%s: written without a key (%x)", rel, k)
					}
					keyed++
				default:
					if k != nil {
						t.Errorf("%s: has a key", rel)
					}
				}
			}
			if keyed == 0 {
				t.Fatalf("no keyed file among those written: %v", first.Changed)
			}
			saved := filepath.Join(t.TempDir(), "saved")
			copyKeeping(t, home, saved)

			// A restart that trusts the keys writes nothing and reports what
			// a dry run, which recomputes everything, reports.
			before := snapshot(t, home)
			again := render(env)
			if d := diffSnapshots(before, snapshot(t, home)); len(d) > 0 {
				t.Errorf("the restart wrote: %v", d)
			}
			if len(again.Changed) != 0 {
				t.Errorf("the restart changed %v", again.Changed)
			}
			dry := render(env, "--dry-run")
			dry.DryRun = false
			if !reflect.DeepEqual(comparable(again), comparable(dry)) {
				t.Errorf("the restart's report differs from the dry run's:\n%+v\n%+v", again, dry)
			}

			// New inputs for some files: the same report and the same files,
			// with the keys and without them.
			changed := with(env, "WSO2_MYSQL_SERVER", "db2.example.com", "WSO2_DAS_APIM_STAT_SCRIPT", "0 0/7 * 1/1 * ?")
			withKeys := render(changed)
			if len(withKeys.Changed) == 0 {
				t.Fatal("new inputs changed nothing")
			}
			gotFiles := contents(t, home)
			copyKeeping(t, saved, home)
			err := filepath.WalkDir(home, func(p string, d fs.DirEntry, err error) error {
				if err == nil && d.Type().IsRegular() {
					if rerr := unix.Removexattr(p, fixpoint.Attr); rerr != nil && rerr != unix.ENODATA {
						return rerr
					}
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			withoutKeys := render(changed)
			if !reflect.DeepEqual(comparable(withKeys), comparable(withoutKeys)) {
				t.Errorf("new inputs: the report with keys differs from the one without:\n%+v\n%+v", withKeys, withoutKeys)
			}
			if !reflect.DeepEqual(gotFiles, contents(t, home)) {
				t.Error("new inputs: the files written with keys differ from those written without")
			}

			// A file changed in place keeps its key, which is then not the
			// key of its content: the start edits it again.
			copyKeeping(t, saved, home)
			image := map[string][]byte{}
			for _, rel := range []string{"repository/conf/carbon.xml", "repository/resources/security/client-truststore.jks"} {
				b, err := os.ReadFile(filepath.Join(fixtureFor(t, profile), rel))
				if err != nil {
					t.Fatal(err)
				}
				image[rel] = b
			}
			if profile == "analytics" {
				image[filepath.Join(carbon44.CarbonAppDirs[0], carbon44.CarbonApp)] = fixtureCar(t)
			}
			for rel, b := range image {
				p := filepath.Join(home, rel)
				if err := os.WriteFile(p, b, 0o644); err != nil { // in place: the attribute stays
					t.Fatal(err)
				}
				if keyOf(t, p) == nil {
					t.Fatalf("%s: the key is gone after a write in place", rel)
				}
			}
			fixed := render(env)
			for rel := range image {
				found := false
				for _, c := range fixed.Changed {
					found = found || c == rel
				}
				if !found {
					t.Errorf("%s changed in place is not edited again (changed: %v)", rel, fixed.Changed)
				}
				if filepath.Ext(rel) == ".jks" {
					// A JKS entry records when it was added: keytool compares
					// the certificates.
					got, want := keytoolEntries(t, filepath.Join(home, rel)), keytoolEntries(t, filepath.Join(saved, rel))
					if len(want) <= 94 || !reflect.DeepEqual(got, want) {
						t.Errorf("%s: %d entries, the first start wrote %d (or they differ)", rel, len(got), len(want))
					}
					continue
				}
				got, want := readFile(t, filepath.Join(home, rel)), readFile(t, filepath.Join(saved, rel))
				if got != want {
					t.Errorf("%s: not what the first start wrote", rel)
				}
			}
		})
	}
}

// A dry run plans without trusting keys (what it shows never rests on
// them), a real setup with; the setting is back as it was afterwards.
func TestDryRunDoesNotTrustKeys(t *testing.T) {
	home := freshHome(t, "gateway")
	cfg, err := loadConfig(t, with(goldenEnv(t, "gateway", home), "WSO2_CLUSTER_MEMBERS", "10.0.1.1"))
	if err != nil {
		t.Fatal(err)
	}
	prof, _ := product.LookupProfile(cfg.Profile)
	log := slog.New(slog.DiscardHandler)
	for _, dry := range []bool{true, false, true} {
		var trusted bool
		if _, err := pipeline.Setup(context.Background(), cfg, prof, log, dry, nil, func(*plan.Plan) { trusted = fixpoint.Trust }); err != nil {
			t.Fatal(err)
		}
		if trusted == dry {
			t.Errorf("dry run %v: planned trusting keys: %v", dry, trusted)
		}
		if !fixpoint.Trust {
			t.Fatalf("dry run %v: keys are not trusted after the setup", dry)
		}
	}
}

// keytoolEntries maps each alias of the JKS store at path (password
// wso2carbon, the golden environment's truststore password) to its type and
// SHA-256 fingerprint, as keytool -list prints them.
func keytoolEntries(t *testing.T, path string) map[string]string {
	t.Helper()
	cmd := exec.Command("keytool", "-J-XX:TieredStopAtLevel=1", "-list", "-keystore", path, "-storepass", "wso2carbon")
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("keytool -list %s: %v\n%s", path, err, out)
	}
	m := map[string]string{}
	for _, e := range keytoolEntry.FindAllStringSubmatch(string(out), -1) {
		m[e[1]] = e[2] + " " + e[3]
	}
	return m
}

// keytoolEntry is one entry of keytool -list: "ALIAS, DATE, TYPE," and its
// fingerprint line.
var keytoolEntry = regexp.MustCompile(`(?m)^(.+), [A-Z][a-z]{2} \d{1,2}, \d{4}, (trustedCertEntry|PrivateKeyEntry),\s*\nCertificate fingerprint \(SHA-256\): ([0-9A-F:]+)`)
