package agent

// Golden-file tests: every built-in profile applied to a fresh copy of its
// product's fixtures with the fixed golden environment, compared byte for
// byte with testdata/golden/<profile>/:
//
//	files/<path>     every file the setup changed or created (except keystores)
//	keystores.txt    the entry listing of every keystore it changed or created
//	archives/<path>.txt  entry listing and schedules of every carbon app it changed
//	unchanged.txt    every fixture file it left byte-identical
//
// `go test ./agent -run TestGolden -update` regenerates them.

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/wso2-container/agent/agent/carbonapp"
	"github.com/wso2-container/agent/agent/udiff"
	"github.com/wso2-container/agent/keystore"
)

// treeOutcome is the result of a setup, relative to the pristine fixture.
type treeOutcome struct {
	changed   map[string][]byte // rel path -> new bytes (changed or created files)
	unchanged []string
	removed   []string
}

// compareTree compares home with the fixture it was copied from.
func compareTree(tb testing.TB, fixture, home string) treeOutcome {
	tb.Helper()
	out := treeOutcome{changed: map[string][]byte{}}
	seen := map[string]bool{}
	err := filepath.WalkDir(home, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(home, path)
		seen[rel] = true
		now, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		orig, err := os.ReadFile(filepath.Join(fixture, rel))
		if err == nil && bytes.Equal(orig, now) {
			out.unchanged = append(out.unchanged, rel)
			return nil
		}
		out.changed[rel] = now
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	_ = filepath.WalkDir(fixture, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(fixture, path)
			if !seen[rel] {
				out.removed = append(out.removed, rel)
			}
		}
		return nil
	})
	sort.Strings(out.unchanged)
	sort.Strings(out.removed)
	return out
}

// keystoreListing lists a JKS keystore's entries without the parts that
// depend on the clock (creation dates): alias, type, fingerprint, subject,
// expiry.
func keystoreListing(tb testing.TB, data []byte, passwords ...string) string {
	tb.Helper()
	var st *keystore.Store
	var err error
	for _, pw := range passwords {
		if st, err = keystore.Load(data, pw); err == nil {
			break
		}
	}
	if err != nil {
		tb.Fatalf("load keystore: %v", err)
	}
	var lines []string
	for _, e := range st.Entries() {
		kind := "PrivateKeyEntry"
		if e.Trusted {
			kind = "trustedCertEntry"
		}
		lines = append(lines, fmt.Sprintf("%s %s %s chain=%d %s until %s", e.Alias, kind, e.SHA256, e.Chain, e.Subject, e.NotAfter.UTC().Format("2006-01-02")))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n"
}

// carListing lists a carbon app archive: every entry with its size and
// CRC-32 (of the uncompressed content), and the schedule of each Spark
// script. Zip bytes themselves depend on the compressor's version.
func carListing(tb testing.TB, car []byte) string {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(car), int64(len(car)))
	if err != nil {
		tb.Fatalf("open archive: %v", err)
	}
	var b strings.Builder
	var scripts []string
	for _, f := range zr.File {
		fmt.Fprintf(&b, "%s %d %08x\n", f.Name, f.UncompressedSize64, f.CRC32)
		if strings.HasPrefix(f.Name, "APIM_") && !strings.HasSuffix(f.Name, "artifact.xml") {
			scripts = append(scripts, f.Name)
		}
	}
	crons, err := carbonapp.ReadCrons(car, scripts)
	if err != nil {
		tb.Fatal(err)
	}
	sort.Strings(scripts)
	for _, s := range scripts {
		fmt.Fprintf(&b, "schedule %s = %q\n", s, crons[s])
	}
	return b.String()
}

// goldenArtifacts renders an outcome into the golden file set.
func goldenArtifacts(tb testing.TB, o treeOutcome) map[string][]byte {
	tb.Helper()
	arts := map[string][]byte{}
	var ks strings.Builder
	var rels []string
	for rel := range o.changed {
		rels = append(rels, rel)
	}
	sort.Strings(rels)
	for _, rel := range rels {
		if strings.HasSuffix(rel, ".jks") {
			fmt.Fprintf(&ks, "== %s\n%s", rel, keystoreListing(tb, o.changed[rel], "wso2carbon", goldenKSPW))
			continue
		}
		if strings.HasSuffix(rel, ".car") {
			arts["archives/"+rel+".txt"] = []byte(carListing(tb, o.changed[rel]))
			continue
		}
		arts["files/"+rel] = o.changed[rel]
	}
	arts["keystores.txt"] = []byte(ks.String())
	list := strings.Join(o.unchanged, "\n") + "\n"
	if len(o.removed) > 0 {
		list += "# removed\n" + strings.Join(o.removed, "\n") + "\n"
	}
	arts["unchanged.txt"] = []byte(list)
	return arts
}

// checkGolden compares arts with the folder dir (or rewrites it with -update).
func checkGolden(t *testing.T, dir string, arts map[string][]byte) {
	t.Helper()
	if *updateGolden {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		for rel, data := range arts {
			p := filepath.Join(dir, filepath.FromSlash(rel))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	want := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		data, err := os.ReadFile(path)
		want[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatalf("read golden %s: %v (run go test -update to create it)", dir, err)
	}
	for rel, w := range want {
		g, ok := arts[rel]
		if !ok {
			t.Errorf("%s: golden file present, but the setup did not produce it", rel)
			continue
		}
		if !bytes.Equal(g, w) {
			t.Errorf("%s differs from golden (-want +got):\n%s", rel, udiff.Unified("want", "got", string(w), string(g), 2))
		}
	}
	for rel := range arts {
		if _, ok := want[rel]; !ok {
			t.Errorf("%s: produced by the setup but missing from the golden folder (go test -update)", rel)
		}
	}
}

// TestGolden applies every profile with the golden environment and compares
// the tree with the checked-in golden files; then proves that a second
// setup on the result plans and writes nothing.
func TestGolden(t *testing.T) {
	for _, prof := range allProfiles {
		t.Run(prof, func(t *testing.T) {
			home, ref := freshHome(t, prof), freshHome(t, prof)
			env := goldenEnv(t, prof, home)
			mustApply(t, env, goldenDNS)
			o := compareTree(t, ref, home)
			if len(o.changed) == 0 {
				t.Fatal("the setup changed nothing")
			}
			checkGolden(t, filepath.Join("testdata", "golden", prof), goldenArtifacts(t, o))

			// Idempotence: the goldens are a fixed point.
			before := snapshot(t, home)
			p, err := planFor(t, env, goldenDNS)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range p.Changed() {
				t.Errorf("second plan would change %s: %+v", f.Display(), f.Changes)
			}
			if len(p.Seeds) > 0 {
				t.Errorf("second plan would seed again: %+v", p.Seeds)
			}
			written, err := p.Apply()
			if err != nil || len(written) > 0 {
				t.Errorf("second apply wrote %v (err %v)", written, err)
			}
			if d := diffSnapshots(before, snapshot(t, home)); len(d) > 0 {
				t.Errorf("second setup touched files:\n%s", strings.Join(d, "\n"))
			}
		})
	}
}
