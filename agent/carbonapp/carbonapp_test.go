package carbonapp

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"github.com/wso2-container/agent/internal/fixtures"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/internal/fixpoint"
)

var fixtureSrc = fixtures.Path("wso2-fixtures/wso2am-analytics-2.0.0/carbonapp-src")

// defaults are the CronExpressions shipped in the carbon app, as listed in
// wso2-fixtures/MANIFEST.md.
var defaults = map[string]string{
	"APIM_INCREMENTAL_PROCESSING_SCRIPT_1.0.0/APIM_INCREMENTAL_PROCESSING_SCRIPT.xml": "0 0/2 * 1/1 * ? *",
	"APIM_LAST_ACCESS_TIME_SCRIPT_1.0.0/APIM_LAST_ACCESS_TIME_SCRIPT.xml":             "0 0/5 * 1/1 * ? *",
	"APIM_LATENCY_BREAKDOWN_STATS_1.0.0/APIM_LATENCY_BREAKDOWN_STATS.xml":             "0 0/5 * 1/1 * ? *",
	"APIM_LOGANALYZER_SCRIPT_1.0.0/APIM_LOGANALYZER_SCRIPT.xml":                       "0 0/15 * 1/1 * ? *",
	"APIM_STAT_SCRIPT_1.0.0/APIM_STAT_SCRIPT.xml":                                     "0 0/5 * 1/1 * ? *",
	"APIM_STAT_SCRIPT_THROTTLE_1.0.0/APIM_STAT_SCRIPT_THROTTLE.xml":                   "0 0/5 * 1/1 * ? *",
	"APIM_USER_AGENT_STATS_1.0.0/APIM_USER_AGENT_STATS.xml":                           "0 0/5 * 1/1 * ? *",
}

// newCrons gives every script a value different from its default.
var newCrons = map[string]string{
	"APIM_INCREMENTAL_PROCESSING_SCRIPT_1.0.0/APIM_INCREMENTAL_PROCESSING_SCRIPT.xml": "0 0/3 * 1/1 * ?",
	"APIM_LAST_ACCESS_TIME_SCRIPT_1.0.0/APIM_LAST_ACCESS_TIME_SCRIPT.xml":             "0 0/10 * 1/1 * ? *",
	"APIM_LATENCY_BREAKDOWN_STATS_1.0.0/APIM_LATENCY_BREAKDOWN_STATS.xml":             "0 0 23 * * ?",
	"APIM_LOGANALYZER_SCRIPT_1.0.0/APIM_LOGANALYZER_SCRIPT.xml":                       "0 30 9 ? * MON-FRI",
	"APIM_STAT_SCRIPT_1.0.0/APIM_STAT_SCRIPT.xml":                                     "0 0 12 L-3 * ?",
	"APIM_STAT_SCRIPT_THROTTLE_1.0.0/APIM_STAT_SCRIPT_THROTTLE.xml":                   "0 0 12 ? * 6#3",
	"APIM_USER_AGENT_STATS_1.0.0/APIM_USER_AGENT_STATS.xml":                           "0 0/1 * 1/1 * ? 2030",
}

// run runs a command in dir and fails the test with its output on error.
func run(tb testing.TB, dir, stdin string, name string, args ...string) string {
	tb.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// copySrc copies the carbon app source tree into a temporary folder.
func copySrc(tb testing.TB) string {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "carbonapp-src")
	run(tb, "/", "", "cp", "-r", fixtureSrc, dir)
	return dir
}

// zipTree builds a .car from src exactly as MANIFEST.md says:
// cd carbonapp-src && zip -r -X ../x.car .
func zipTree(tb testing.TB, src string) (path string, car []byte) {
	tb.Helper()
	path = filepath.Join(filepath.Dir(src), "x.car")
	run(tb, src, "", "zip", "-q", "-r", "-X", path, ".")
	car, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return path, car
}

func buildCar(tb testing.TB) (src string, car []byte) {
	tb.Helper()
	src = copySrc(tb)
	_, car = zipTree(tb, src)
	return src, car
}

func mustReader(tb testing.TB, b []byte) *zip.Reader {
	tb.Helper()
	r, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func rawBytes(tb testing.TB, f *zip.File) []byte {
	tb.Helper()
	rc, err := f.OpenRaw()
	if err != nil {
		tb.Fatal(err)
	}
	b, err := io.ReadAll(rc)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestFixtureCar(t *testing.T) {
	_, car := buildCar(t)
	files, dirs := 0, 0
	for _, f := range mustReader(t, car).File {
		if strings.HasSuffix(f.Name, "/") {
			dirs++
		} else {
			files++
		}
	}
	if files != 187 || dirs != 93 {
		t.Fatalf("the fixture .car has %d files and %d folders, want 187 and 93", files, dirs)
	}
}

// TestPatchAllScripts patches the 7 scripts of a real .car and checks the
// result with unzip, archive/zip and etree.
func TestPatchAllScripts(t *testing.T) {
	src, _ := buildCar(t)
	// Comments: on the archive, on a patched entry and on a copied one.
	carPath := filepath.Join(filepath.Dir(src), "x.car")
	run(t, src, "the archive comment\n", "zip", "-q", "-z", carPath)
	run(t, src, "patched entry comment\ncopied entry comment\n", "zip", "-q", "-c", carPath,
		"APIM_STAT_SCRIPT_1.0.0/APIM_STAT_SCRIPT.xml", "APIM_STAT_SCRIPT_1.0.0/artifact.xml")
	car, err := os.ReadFile(carPath)
	if err != nil {
		t.Fatal(err)
	}

	out, changes, err := Patch(car, newCrons)
	if err != nil {
		t.Fatal(err)
	}
	if out == nil || len(changes) != 7 {
		t.Fatalf("out nil: %v, %d changes, want 7", out == nil, len(changes))
	}
	in, got := mustReader(t, car), mustReader(t, out)
	pos := map[string]int{}
	for i, f := range in.File {
		pos[f.Name] = i
	}
	for i, c := range changes {
		if c.Old != defaults[c.Entry] || c.New != newCrons[c.Entry] {
			t.Errorf("change %+v, want %q -> %q", c, defaults[c.Entry], newCrons[c.Entry])
		}
		if i > 0 && pos[changes[i-1].Entry] > pos[c.Entry] {
			t.Errorf("changes not in archive order: %q before %q", changes[i-1].Entry, c.Entry)
		}
	}

	// A real consumer: unzip tests every entry's CRC.
	outPath := filepath.Join(t.TempDir(), "out.car")
	if err := os.WriteFile(outPath, out, 0o644); err != nil {
		t.Fatal(err)
	}
	if res := run(t, "/", "", "unzip", "-t", outPath); !strings.Contains(res, "No errors detected") {
		t.Fatalf("unzip -t: %s", res)
	}
	if res := run(t, "/", "", "unzip", "-z", outPath); !strings.Contains(res, "the archive comment") {
		t.Errorf("archive comment lost: %s", res)
	}

	if got.Comment != in.Comment || in.Comment == "" {
		t.Errorf("archive comment %q, want %q", got.Comment, in.Comment)
	}
	if len(got.File) != len(in.File) {
		t.Fatalf("%d entries, want %d", len(got.File), len(in.File))
	}
	for i, f := range in.File {
		g := got.File[i]
		if g.Name != f.Name || g.Comment != f.Comment || g.Method != f.Method || !g.Modified.Equal(f.Modified) ||
			g.ExternalAttrs != f.ExternalAttrs || !bytes.Equal(g.Extra, f.Extra) {
			t.Errorf("entry %d: header %q/%q/%d/%v changed to %q/%q/%d/%v", i, f.Name, f.Comment, f.Method, f.Modified, g.Name, g.Comment, g.Method, g.Modified)
		}
		if _, patched := newCrons[f.Name]; patched {
			continue
		}
		if g.CRC32 != f.CRC32 || !bytes.Equal(rawBytes(t, g), rawBytes(t, f)) {
			t.Errorf("entry %q: raw bytes or CRC changed", f.Name)
		}
	}
	if c := got.File[pos["APIM_STAT_SCRIPT_1.0.0/APIM_STAT_SCRIPT.xml"]].Comment; c != "patched entry comment" {
		t.Errorf("patched entry comment = %q", c)
	}
	if c := got.File[pos["APIM_STAT_SCRIPT_1.0.0/artifact.xml"]].Comment; c != "copied entry comment" {
		t.Errorf("copied entry comment = %q", c)
	}

	// Extract with unzip and compare with the source tree: patched scripts
	// differ only on their CronExpression line; everything else is identical.
	ex := t.TempDir()
	run(t, "/", "", "unzip", "-q", outPath, "-d", ex)
	n := 0
	err = filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		rel, _ := filepath.Rel(src, p)
		orig, _ := os.ReadFile(p)
		now, err := os.ReadFile(filepath.Join(ex, rel))
		if err != nil {
			t.Errorf("extracted %q: %v", rel, err)
			return nil
		}
		v, patched := newCrons[rel]
		if !patched {
			if !bytes.Equal(orig, now) {
				t.Errorf("%q changed", rel)
			}
			return nil
		}
		doc := etree.NewDocument()
		if err := doc.ReadFromBytes(now); err != nil {
			t.Errorf("%q: %v", rel, err)
			return nil
		}
		if e := doc.FindElement(CronPath); e == nil || e.Text() != v {
			t.Errorf("%q: CronExpression reads back %v, want %q", rel, e, v)
		}
		ol, nl := strings.Split(string(orig), "\n"), strings.Split(string(now), "\n")
		if len(ol) != len(nl) {
			t.Errorf("%q: %d lines, want %d", rel, len(nl), len(ol))
			return nil
		}
		diff := 0
		for i := range ol {
			if ol[i] == nl[i] {
				continue
			}
			diff++
			want := strings.Replace(ol[i], ">"+defaults[rel]+"<", ">"+v+"<", 1)
			if !strings.Contains(ol[i], "<CronExpression>") || nl[i] != want {
				t.Errorf("%q line %d: %q -> %q, want %q", rel, i+1, ol[i], nl[i], want)
			}
		}
		if diff != 1 {
			t.Errorf("%q: %d lines differ, want 1", rel, diff)
		}
		return nil
	})
	if err != nil || n != 187 {
		t.Fatalf("walked %d files (err %v), want 187", n, err)
	}

	// Restart-safe: the same values again change nothing.
	again, chs, err := Patch(out, newCrons)
	if err != nil || again != nil || len(chs) != 0 {
		t.Fatalf("second Patch: out nil %v, changes %v, err %v", again == nil, chs, err)
	}
	// The shipped values on the original archive change nothing either.
	if o, chs, err := Patch(car, defaults); err != nil || o != nil || len(chs) != 0 {
		t.Fatalf("Patch with the defaults: out nil %v, changes %v, err %v", o == nil, chs, err)
	}
	// And back to the defaults: the scripts are byte-identical to the source again.
	back, chs, err := Patch(out, defaults)
	if err != nil || len(chs) != 7 {
		t.Fatalf("Patch back: %d changes, err %v", len(chs), err)
	}
	br := mustReader(t, back)
	for name := range defaults {
		orig, _ := os.ReadFile(filepath.Join(src, name))
		for _, f := range br.File {
			if f.Name == name {
				rc, _ := f.Open()
				b, _ := io.ReadAll(rc)
				if !bytes.Equal(b, orig) {
					t.Errorf("%q is not byte-identical to the source after patching back", name)
				}
			}
		}
	}
}

// TestPatchSomeAndEscape: only the named entries change; a value with XML
// special characters is escaped and reads back unchanged.
func TestPatchSomeAndEscape(t *testing.T) {
	_, car := buildCar(t)
	name := "APIM_STAT_SCRIPT_1.0.0/APIM_STAT_SCRIPT.xml"
	v := `0 0 12 * * ? <&>"'`
	out, chs, err := Patch(car, map[string]string{name: v})
	if err != nil || len(chs) != 1 {
		t.Fatalf("changes %v, err %v", chs, err)
	}
	got, err := ReadCrons(out, []string{name, "APIM_STAT_SCRIPT_THROTTLE_1.0.0/APIM_STAT_SCRIPT_THROTTLE.xml"})
	if err != nil {
		t.Fatal(err)
	}
	if got[name] != v || got["APIM_STAT_SCRIPT_THROTTLE_1.0.0/APIM_STAT_SCRIPT_THROTTLE.xml"] != "0 0/5 * 1/1 * ? *" {
		t.Fatalf("ReadCrons = %q", got)
	}
	in, o := mustReader(t, car), mustReader(t, out)
	for i, f := range in.File {
		if f.Name != name && !bytes.Equal(rawBytes(t, f), rawBytes(t, o.File[i])) {
			t.Errorf("%q changed", f.Name)
		}
	}
}

func TestReadCrons(t *testing.T) {
	_, car := buildCar(t)
	names := make([]string, 0, len(defaults))
	for n := range defaults {
		names = append(names, n)
	}
	got, err := ReadCrons(car, append(names, names[0]))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 7 {
		t.Fatalf("%d values", len(got))
	}
	for n, v := range defaults {
		if got[n] != v {
			t.Errorf("%q = %q, want %q", n, got[n], v)
		}
	}
}

func TestErrors(t *testing.T) {
	_, car := buildCar(t)
	stat := "APIM_STAT_SCRIPT_1.0.0/APIM_STAT_SCRIPT.xml"

	// A script with malformed XML, and one without CronExpression.
	bad := copySrc(t)
	if err := os.WriteFile(filepath.Join(bad, stat), []byte("<Analytics><CronExpression>0 0 12 * * ?</Analytics>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	noCron := "APIM_STAT_SCRIPT_THROTTLE_1.0.0/APIM_STAT_SCRIPT_THROTTLE.xml"
	if err := os.WriteFile(filepath.Join(bad, noCron), []byte("<Analytics><Name>x</Name></Analytics>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, badCar := zipTree(t, bad)

	cases := []struct {
		name string
		car  []byte
		m    map[string]string
		want string
	}{
		{"truncated", car[:len(car)/2], map[string]string{stat: "0 0 12 * * ?"}, "carbon app archive: not a readable zip archive"},
		{"truncated by one byte", car[:len(car)-1], map[string]string{stat: "0 0 12 * * ?"}, "carbon app archive: not a readable zip archive"},
		{"not a zip", []byte("<Analytics/>"), map[string]string{stat: "0 0 12 * * ?"}, "not a readable zip archive"},
		{"empty", nil, map[string]string{stat: "0 0 12 * * ?"}, "not a readable zip archive"},
		{"missing entry", car, map[string]string{"APIM_NOPE_1.0.0/APIM_NOPE.xml": "0 0 12 * * ?"}, `entry "APIM_NOPE_1.0.0/APIM_NOPE.xml" not found`},
		{"folder entry", car, map[string]string{"APIM_STAT_SCRIPT_1.0.0/": "0 0 12 * * ?"}, `entry "APIM_STAT_SCRIPT_1.0.0/" is a folder`},
		{"malformed XML", badCar, map[string]string{stat: "0 0 13 * * ?"}, `entry "APIM_STAT_SCRIPT_1.0.0/APIM_STAT_SCRIPT.xml"`},
		{"no CronExpression", badCar, map[string]string{noCron: "0 0 13 * * ?"}, `entry "APIM_STAT_SCRIPT_THROTTLE_1.0.0/APIM_STAT_SCRIPT_THROTTLE.xml"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, chs, err := Patch(c.car, c.m)
			if err == nil || out != nil || chs != nil {
				t.Fatalf("Patch: out nil %v, changes %v, err %v; want an error", out == nil, chs, err)
			}
			if !strings.Contains(err.Error(), c.want) || exitcode.Of(err) != exitcode.DataErr {
				t.Errorf("Patch error %q (code %d), want one containing %q with code %d", err, exitcode.Of(err), c.want, exitcode.DataErr)
			}
			names := make([]string, 0, len(c.m))
			for n := range c.m {
				names = append(names, n)
			}
			if _, err := ReadCrons(c.car, names); err == nil || !strings.Contains(err.Error(), c.want) || exitcode.Of(err) != exitcode.DataErr {
				t.Errorf("ReadCrons error %v, want one containing %q with code %d", err, c.want, exitcode.DataErr)
			}
		})
	}
}

// TestPatchJavaReadsEverything: java.util.zip reads every entry of the
// patched archive (ZipFile for the central directory, ZipInputStream checks
// each CRC) and a JVM XML parser reads the new CronExpressions.
func TestPatchJavaReadsEverything(t *testing.T) {
	if _, err := exec.LookPath("java"); err != nil {
		t.Fatalf("java is needed for this test (scripts/install-deps.sh installs openjdk-17-jdk-headless): %v", err)
	}
	_, car := buildCar(t)
	out, _, err := Patch(car, newCrons)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	carPath := filepath.Join(dir, "out.car")
	if err := os.WriteFile(carPath, out, 0o644); err != nil {
		t.Fatal(err)
	}
	const prog = `import java.util.*; import java.util.zip.*; import java.io.*;
import javax.xml.parsers.*; import org.w3c.dom.*;
public class Check {
  public static void main(String[] a) throws Exception {
    int n = 0;
    try (ZipFile z = new ZipFile(a[0])) {
      for (Enumeration<? extends ZipEntry> e = z.entries(); e.hasMoreElements();) {
        ZipEntry en = e.nextElement();
        try (InputStream in = z.getInputStream(en)) { in.readAllBytes(); }
        n++;
      }
    }
    int m = 0;
    try (ZipInputStream zin = new ZipInputStream(new FileInputStream(a[0]))) {
      for (ZipEntry en; (en = zin.getNextEntry()) != null;) {
        byte[] b = zin.readAllBytes(); m++;
        if (en.getName().startsWith("APIM_") && en.getName().endsWith("/" + en.getName().substring(0, en.getName().indexOf("_1.0.0/")) + ".xml")) {
          Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(b));
          System.out.println(en.getName() + "\t" + d.getDocumentElement().getElementsByTagName("CronExpression").item(0).getTextContent());
        }
      }
    }
    System.out.println("entries\t" + n + "\t" + m);
  }
}
`
	if err := os.WriteFile(filepath.Join(dir, "Check.java"), []byte(prog), 0o644); err != nil {
		t.Fatal(err)
	}
	res := run(t, dir, "", "java", "Check.java", carPath)
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(res), "\n") {
		k, v, _ := strings.Cut(line, "\t")
		got[k] = v
	}
	if got["entries"] != "280\t280" {
		t.Errorf("java read %q entries, want 280 by ZipFile and by ZipInputStream", got["entries"])
	}
	for n, v := range newCrons {
		if got[n] != v {
			t.Errorf("java reads %q = %q, want %q", n, got[n], v)
		}
	}
}

// smallCar is a minimal archive for fuzz seeds: a folder and one script.
func smallCar(tb testing.TB) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	if _, err := w.Create("S_1.0.0/"); err != nil {
		tb.Fatal(err)
	}
	f, err := w.Create("S_1.0.0/S.xml")
	if err != nil {
		tb.Fatal(err)
	}
	io.WriteString(f, "<Analytics>\n  <Name>S</Name>\n  <CronExpression>0 0/5 * 1/1 * ? *</CronExpression>\n</Analytics>\n")
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func FuzzPatch(f *testing.F) {
	small := smallCar(f)
	f.Add(small)
	f.Add(small[:len(small)-10])
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Add([]byte{})
	crons := map[string]string{"S_1.0.0/S.xml": "0 0 12 ? * 6L"}
	f.Fuzz(func(t *testing.T, car []byte) {
		out, chs, err := Patch(car, crons)
		if err != nil {
			if out != nil || chs != nil || exitcode.Of(err) == exitcode.OK {
				t.Fatalf("error %v with output", err)
			}
			return
		}
		if out == nil {
			return // already in place
		}
		got, err := ReadCrons(out, []string{"S_1.0.0/S.xml"})
		if err != nil || got["S_1.0.0/S.xml"] != "0 0 12 ? * 6L" {
			t.Fatalf("patched archive reads back %q, %v", got, err)
		}
		if again, _, err := Patch(out, crons); err != nil || again != nil {
			t.Fatalf("second Patch: %v, out nil %v", err, again == nil)
		}
	})
}

func BenchmarkPatchCar(b *testing.B) {
	_, car := buildCar(b)
	b.SetBytes(int64(len(car)))
	b.ResetTimer()
	for b.Loop() {
		out, chs, err := Patch(car, newCrons)
		if err != nil || out == nil || len(chs) != 7 {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadCrons(b *testing.B) {
	_, car := buildCar(b)
	names := make([]string, 0, len(defaults))
	for n := range defaults {
		names = append(names, n)
	}
	for b.Loop() {
		if _, err := ReadCrons(car, names); err != nil {
			b.Fatal(err)
		}
	}
}

// PatchKey hashes every input of Patch: the archive and each entry with its
// expression; a map's order does not matter.
func TestPatchKeyCoversEveryInput(t *testing.T) {
	_, car := buildCar(t)
	crons := map[string]string{"A/a.xml": "0 0/2 * 1/1 * ?", "B/b.xml": "0 0/5 * 1/1 * ?"}
	k0 := PatchKey(car, crons)
	same := map[string]string{}
	for _, n := range []string{"B/b.xml", "A/a.xml"} {
		same[n] = crons[n]
	}
	if PatchKey(car, same) != k0 {
		t.Error("the same schedules in another order give another key")
	}
	two := func(a, b string) map[string]string { return map[string]string{"A/a.xml": a, "B/b.xml": b} }
	differ := map[string]fixpoint.Key{
		"archive":  PatchKey(append(bytes.Clone(car), 0), crons),
		"value":    PatchKey(car, two("0 0/3 * 1/1 * ?", "0 0/5 * 1/1 * ?")),
		"entry":    PatchKey(car, map[string]string{"A/c.xml": "0 0/2 * 1/1 * ?", "B/b.xml": "0 0/5 * 1/1 * ?"}),
		"one less": PatchKey(car, map[string]string{"A/a.xml": "0 0/2 * 1/1 * ?"}),
		"split":    PatchKey(car, map[string]string{"A/a.xml": "0 0/2 * 1/1 * ?B/b.xml", "": "0 0/5 * 1/1 * ?"}),
	}
	for name, k := range differ {
		if k == k0 {
			t.Errorf("changing the %s keeps the key", name)
		}
	}
}

// storeDeflate makes a deflate stream that an inflater reads back, across
// block boundaries, without compressing (each block is its bytes and a
// 5-byte header).
func TestStoreDeflate(t *testing.T) {
	for _, n := range []int{0, 1, maxStored - 1, maxStored, maxStored + 1, 3*maxStored + 7} {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(i*7 + i/300)
		}
		var w bytes.Buffer
		w.WriteString("prefix") // appends: what is already in the buffer stays
		storeDeflate(&w, data)
		if !strings.HasPrefix(w.String(), "prefix") {
			t.Fatalf("%d bytes: the buffer's content was not kept", n)
		}
		stream := w.Bytes()[len("prefix"):]
		blocks := max(1, (n+maxStored-1)/maxStored)
		if len(stream) != n+5*blocks {
			t.Errorf("%d bytes: stream of %d bytes, want %d (%d stored blocks)", n, len(stream), n+5*blocks, blocks)
		}
		got, err := io.ReadAll(flate.NewReader(bytes.NewReader(stream)))
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%d bytes: inflated %d bytes, equal %v, err %v", n, len(got), bytes.Equal(got, data), err)
		}
	}
}
