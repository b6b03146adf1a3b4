package keystore_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/wso2-container/agent/internal/fixtures"
	"github.com/wso2-container/agent/keystore"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/pkcs12")

// p12Fixture is one of WSO2's real PKCS12 stores (MANIFEST.md table K).
type p12Fixture struct {
	name    string // short name, used for the golden file
	path    string
	entries int
	mac     bool   // has an integrity MAC
	legacy  bool   // openssl 3 needs -legacy (RC2-40 certificates)
	key     string // alias of the private key entry, "" for none
	rotate  string // an existing trusted alias whose certificate the test replaces
}

var p12Fixtures = []p12Fixture{
	{name: "apim-4.5.0-client-truststore", path: "wso2am-4.5.0/repository/resources/security/client-truststore.jks", entries: 150,
		rotate: "cn_isrg_root_x1,o_internet_security_research_group,c_us [jdk]"},
	{name: "apim-4.5.0-wso2carbon", path: "wso2am-4.5.0/repository/resources/security/wso2carbon.jks", entries: 149, key: "wso2carbon",
		rotate: "c_de,o_atos,cn_atos_trustedroot_2011 [jdk]"},
	{name: "is-7.1.0-client-truststore", path: "wso2is-7.1.0/repository/resources/security/client-truststore.p12", entries: 144, mac: true, legacy: true,
		rotate: "wso2carbon"},
	{name: "is-7.1.0-wso2carbon", path: "wso2is-7.1.0/repository/resources/security/wso2carbon.p12", entries: 143, mac: true, legacy: true, key: "wso2carbon",
		rotate: "cn_digicert_global_root_g2,ou_wwwdigicertcom,o_digicert_inc,c_us"},
}

func (f p12Fixture) read(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(fixtures.Path(filepath.Join("wso2-fixtures", f.path)))
	if err != nil {
		t.Fatalf("fixture %s is needed: %v", f.path, err)
	}
	return b
}

// openssl runs openssl pkcs12 on path with password pw.
func openssl(t testing.TB, legacy bool, pw string, args ...string) string {
	t.Helper()
	path, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatalf("openssl is required for this test: %v", err)
	}
	a := []string{"pkcs12"}
	if legacy {
		a = append(a, "-legacy")
	}
	a = append(a, args...)
	a = append(a, "-passin", "env:P")
	cmd := exec.Command(path, a...)
	cmd.Env = append(os.Environ(), "P="+pw)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(a, " "), err, out)
	}
	return string(out)
}

// structure returns what openssl pkcs12 -info reports about the file's
// protection: the MAC (or its absence), each safe's type and encryption,
// each key bag's encryption; certificate bags are counted.
func structure(t testing.TB, path, pw string, legacy bool) (lines []string, certBags int) {
	t.Helper()
	for _, l := range strings.Split(openssl(t, legacy, pw, "-info", "-noout", "-in", path), "\n") {
		l = strings.TrimSpace(l)
		switch {
		case l == "":
		case l == "Certificate bag":
			certBags++
		default:
			lines = append(lines, l)
		}
	}
	return lines, certBags
}

// TestPKCS12FixturesAgreeWithKeytool: the entries read from WSO2's real
// PKCS12 stores (.jks files of API Manager 4.5, .p12 of IS 7.1) are exactly
// what keytool lists (aliases with commas and spaces included), the format
// is told by content, a store without a MAC lists with any password and one
// with a MAC refuses a wrong one, and an unchanged store marshals to its own
// bytes.
func TestPKCS12FixturesAgreeWithKeytool(t *testing.T) {
	for _, f := range p12Fixtures {
		t.Run(f.name, func(t *testing.T) {
			data := f.read(t)
			if got := keystore.DetectFormat(data); got != keystore.PKCS12 {
				t.Fatalf("DetectFormat = %v", got)
			}
			st, err := keystore.Load(data, "wso2carbon")
			if err != nil {
				t.Fatal(err)
			}
			if st.Format() != keystore.PKCS12 || st.HasMAC() != f.mac || st.Len() != f.entries {
				t.Fatalf("format %v, MAC %v, %d entries; want PKCS12, %v, %d", st.Format(), st.HasMAC(), st.Len(), f.mac, f.entries)
			}
			want := keytoolList(t, fixtures.Path(filepath.Join("wso2-fixtures", f.path)), "wso2carbon")
			equalLines(t, "entries", entryLines(st), want)
			out, err := st.Marshal("wso2carbon")
			if err != nil || !bytes.Equal(out, data) {
				t.Fatalf("unchanged store does not marshal to its own bytes (err %v)", err)
			}
			for _, pw := range []string{"", "wrong"} {
				other, err := keystore.Load(data, pw)
				if f.mac {
					if !errors.Is(err, keystore.ErrWrongPassword) {
						t.Fatalf("password %q: err %v, want ErrWrongPassword", pw, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("no MAC, password %q: %v", pw, err)
				}
				equalLines(t, "entries with password "+pw, entryLines(other), want)
			}
		})
	}
}

// TestPKCS12ImportKeepsStructure: two certificates added and one rotated
// in each real PKCS12 store. keytool lists every other entry unchanged and
// the new ones as trustedCertEntry; openssl reports the same MAC (or none)
// and the same encryption for every safe and key as before; the private
// key is untouched; a second import of the same certificates changes
// nothing and writes the same bytes; the same edit always gives the same
// file. The openssl view of the result is kept in a golden file.
func TestPKCS12ImportKeepsStructure(t *testing.T) {
	gw, _ := selfSigned(t, "gateway.wso2", time.Now().Add(24*time.Hour))
	km, _ := selfSigned(t, "keymanager.wso2", time.Now().Add(24*time.Hour))
	rotated, _ := selfSigned(t, "rotated", time.Now().Add(24*time.Hour))
	edit := func(t *testing.T, data []byte, rotate string) (*keystore.Store, []byte) {
		t.Helper()
		st, err := keystore.Load(data, "wso2carbon")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			alias string
			der   []byte
		}{{"wso2gatewaycert", gw}, {"wso2keymanagercert", km}, {rotate, rotated}} {
			changed, err := st.SetTrusted(c.alias, c.der, time.Now())
			if err != nil || !changed {
				t.Fatalf("SetTrusted %q: changed %v, %v", c.alias, changed, err)
			}
		}
		out, err := st.Marshal("wso2carbon")
		if err != nil {
			t.Fatal(err)
		}
		return st, out
	}
	for _, f := range p12Fixtures {
		t.Run(f.name, func(t *testing.T) {
			dir := t.TempDir()
			data := f.read(t)
			orig := filepath.Join(dir, "orig")
			if err := os.WriteFile(orig, data, 0o644); err != nil {
				t.Fatal(err)
			}
			before := keytoolList(t, orig, "wso2carbon")
			oldRotate := ""
			for _, l := range before {
				if strings.HasPrefix(l, f.rotate+" trustedCertEntry ") {
					oldRotate = l
				}
			}
			if oldRotate == "" {
				t.Fatalf("fixture has no trusted entry %q", f.rotate)
			}

			st, out := edit(t, data, f.rotate)
			written := filepath.Join(dir, "written")
			if err := os.WriteFile(written, out, 0o644); err != nil {
				t.Fatal(err)
			}
			if keystore.DetectFormat(out) != keystore.PKCS12 {
				t.Fatal("the store changed format")
			}

			// keytool: everything else as before, the new entries trusted.
			var want []string
			for _, l := range before {
				if l != oldRotate {
					want = append(want, l)
				}
			}
			want = append(want,
				"wso2gatewaycert trustedCertEntry "+keystore.Fingerprint(gw),
				"wso2keymanagercert trustedCertEntry "+keystore.Fingerprint(km),
				f.rotate+" trustedCertEntry "+keystore.Fingerprint(rotated))
			sort.Strings(want)
			after := keytoolList(t, written, "wso2carbon")
			equalLines(t, "keytool -list after the import", after, want)
			equalLines(t, "our entries after the import", entryLines(st), want)

			// openssl: same protection, two more certificate bags.
			sb, nb := structure(t, orig, "wso2carbon", f.legacy)
			sa, na := structure(t, written, "wso2carbon", f.legacy)
			equalLines(t, "openssl -info structure", sa, sb)
			if na != nb+2 {
				t.Fatalf("certificate bags: %d before, %d after; want 2 more", nb, na)
			}
			golden := filepath.Join("testdata", "pkcs12", f.name+".import.golden")
			got := fmt.Sprintf("# openssl pkcs12 -info -noout after adding 2 certificates and replacing %q\n%s\ncertificate bags: %d\n# keytool -list: %d entries\n",
				f.rotate, strings.Join(sa, "\n"), na, len(after))
			checkGolden(t, golden, got)

			// The private key decrypts as before, for us and for openssl.
			if f.key != "" {
				k0, _, err := mustLoad(t, data).PrivateKey(f.key, "wso2carbon")
				if err != nil {
					t.Fatal(err)
				}
				k1, chain, err := st.PrivateKey(f.key, "wso2carbon")
				if err != nil || !bytes.Equal(k0, k1) || len(chain) == 0 {
					t.Fatalf("private key after the import: %v", err)
				}
				if err := keystore.KeyMatches(k1, chain[0]); err != nil {
					t.Fatal(err)
				}
				keyOut := func(p string) string {
					return openssl(t, f.legacy, "wso2carbon", "-in", p, "-nocerts", "-nodes", "-passout", "pass:")
				}
				if a, b := keyOut(orig), keyOut(written); !strings.Contains(a, "PRIVATE KEY") || a != b {
					t.Fatal("openssl reads a different private key after the import")
				}
				if _, _, err := st.PrivateKey(f.key, "wrong"); !errors.Is(err, keystore.ErrWrongPassword) {
					t.Fatalf("wrong key password: %v", err)
				}
			}

			// Idempotent: the same certificates again change nothing.
			again := mustLoad(t, out)
			for _, c := range []struct {
				alias string
				der   []byte
			}{{"wso2gatewaycert", gw}, {"WSO2KeyManagerCert", km}, {f.rotate, rotated}} {
				if changed, err := again.SetTrusted(c.alias, c.der, time.Now()); err != nil || changed {
					t.Fatalf("second import of %q: changed %v, %v", c.alias, changed, err)
				}
			}
			if out2, err := again.Marshal("wso2carbon"); err != nil || !bytes.Equal(out2, out) {
				t.Fatalf("second import is not byte-identical (err %v)", err)
			}
			// Deterministic: the same edit of the same file gives the same bytes.
			if _, out3 := edit(t, data, f.rotate); !bytes.Equal(out3, out) {
				t.Fatal("the same edit gave different bytes")
			}
			// Written back with another password: refused, as the keys
			// and MAC belong to the loaded one.
			if _, err := st.Marshal("other"); !errors.Is(err, keystore.ErrPassword) {
				t.Fatalf("Marshal with another password: %v", err)
			}
		})
	}
}

func mustLoad(t testing.TB, data []byte) *keystore.Store {
	t.Helper()
	st, err := keystore.Load(data, "wso2carbon")
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file (run with -update to create): %v", err)
	}
	if string(want) != got {
		t.Fatalf("%s differs:\n--- got\n%s--- want\n%s", path, got, want)
	}
}

// TestPKCS12KeytoolAlgorithms: stores keytool writes with each of Java's
// protection choices (Java 17 default: PBES2/AES-256 and HMAC-SHA256;
// legacy: RC2-40 and HMAC-SHA1; 3DES-shrouded keys; no MAC and no
// encryption) take an added certificate and keep their protection; keytool
// verifies the MAC we recompute and lists the new entry as trusted.
func TestPKCS12KeytoolAlgorithms(t *testing.T) {
	ca, _ := selfSigned(t, "partner-ca", time.Now().Add(24*time.Hour))
	tests := []struct {
		name  string
		props []string
	}{
		{"java17 default", nil},
		{"legacy RC2-40 and SHA-1 MAC", []string{"-J-Dkeystore.pkcs12.legacy"}},
		{"3DES key, SHA-512 MAC, AES-128 certificates", []string{"-J-Dkeystore.pkcs12.keyProtectionAlgorithm=PBEWithSHA1AndDESede",
			"-J-Dkeystore.pkcs12.macAlgorithm=HmacPBESHA512", "-J-Dkeystore.pkcs12.certProtectionAlgorithm=PBEWithHmacSHA256AndAES_128"}},
		{"RC2-128 certificates, SHA-384 MAC", []string{"-J-Dkeystore.pkcs12.certProtectionAlgorithm=PBEWithSHA1AndRC2_128", "-J-Dkeystore.pkcs12.macAlgorithm=HmacPBESHA384"}},
		{"no MAC, no encryption", []string{"-J-Dkeystore.pkcs12.certProtectionAlgorithm=NONE", "-J-Dkeystore.pkcs12.macAlgorithm=NONE"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "store.p12")
			kt := func(args ...string) {
				mustKeytool(t, "s3cret pass,word!", append(append(tc.props, args...), "-keystore", p, "-storetype", "PKCS12", "-storepass:env", "P")...)
			}
			kt("-genkeypair", "-alias", "wso2carbon", "-keyalg", "EC", "-dname", "CN=localhost", "-keypass:env", "P")
			certFile := filepath.Join(dir, "ca.der")
			if err := os.WriteFile(certFile, ca, 0o644); err != nil {
				t.Fatal(err)
			}
			kt("-importcert", "-noprompt", "-alias", "Existing CA, with comma", "-file", certFile)
			before := keytoolList(t, p, "s3cret pass,word!")
			sb, nb := structure(t, p, "s3cret pass,word!", true)

			data, _ := os.ReadFile(p)
			st, err := keystore.Load(data, "s3cret pass,word!")
			if err != nil {
				t.Fatal(err)
			}
			equalLines(t, "entries", entryLines(st), before)
			added, _ := selfSigned(t, "added", time.Now().Add(time.Hour))
			if _, err := st.SetTrusted("addedcert", added, time.Now()); err != nil {
				t.Fatal(err)
			}
			out, err := st.Marshal("s3cret pass,word!")
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, out, 0o644); err != nil {
				t.Fatal(err)
			}
			after := keytoolList(t, p, "s3cret pass,word!")
			equalLines(t, "keytool -list", after, sortedWith(before, "addedcert trustedCertEntry "+keystore.Fingerprint(added)))
			sa, na := structure(t, p, "s3cret pass,word!", true)
			equalLines(t, "openssl structure", sa, sb)
			if na != nb+1 {
				t.Fatalf("certificate bags %d -> %d", nb, na)
			}
			if _, err := keystore.Load(out, "wrong"); st.HasMAC() && !errors.Is(err, keystore.ErrWrongPassword) {
				t.Fatalf("wrong password on the written store: %v", err)
			}
		})
	}
}

func sortedWith(lines []string, more ...string) []string {
	out := append(append([]string(nil), lines...), more...)
	sort.Strings(out)
	return out
}

// TestPKCS12ReplaceKeepsStoredAlias: an alias that differs only in case is
// the same PKCS12 entry (Java lowercases aliases when it loads), so the
// certificate is replaced and the alias bytes stay as they were; a private
// key entry is never replaced.
func TestPKCS12ReplaceKeepsStoredAlias(t *testing.T) {
	f := p12Fixtures[1] // 4.5 wso2carbon.jks: key "wso2carbon" and trusted CAs
	st := mustLoad(t, f.read(t))
	der, _ := selfSigned(t, "x", time.Now().Add(time.Hour))
	if _, err := st.SetTrusted("WSO2Carbon", der, time.Now()); !errors.Is(err, keystore.ErrPrivateKeyEntry) {
		t.Fatalf("replacing the private key entry: %v", err)
	}
	alias := "C_DE,O_ATOS,CN_ATOS_TRUSTEDROOT_2011 [JDK]"
	if changed, err := st.SetTrusted(alias, der, time.Now()); err != nil || !changed {
		t.Fatalf("SetTrusted: %v %v", changed, err)
	}
	e, ok := st.Entry(alias)
	if !ok || e.Alias != strings.ToLower(alias) || e.SHA256 != keystore.Fingerprint(der) {
		t.Fatalf("entry after replace: %+v", e)
	}
	out, err := st.Marshal("wso2carbon")
	if err != nil {
		t.Fatal(err)
	}
	if st2 := mustLoad(t, out); st2.Len() != f.entries {
		t.Fatalf("%d entries after replacing one, want %d", st2.Len(), f.entries)
	}
	if err := st.SetPrivateKey("other", nil, nil, "x", time.Now()); !errors.Is(err, keystore.ErrUnsupported) {
		t.Fatalf("SetPrivateKey on PKCS12: %v", err)
	}
}

// TestPKCS12LoadErrors: damaged PKCS12 data gives the documented errors
// and never a panic.
func TestPKCS12LoadErrors(t *testing.T) {
	seed := readSeed(t, "legacy.p12")
	nomac := readSeed(t, "nomac.p12")
	flip := func(b []byte, off int) []byte { b = bytes.Clone(b); b[off] ^= 0x55; return b }
	tests := []struct {
		name string
		data []byte
		pw   string
		want error
	}{
		{"wrong password, MAC", seed, "wrong", keystore.ErrWrongPassword},
		{"flipped byte under the MAC", flip(seed, len(seed)/2), "seedpass", keystore.ErrWrongPassword},
		{"truncated", seed[:len(seed)-10], "seedpass", keystore.ErrCorrupt},
		{"version 2", func() []byte { b := bytes.Clone(nomac); b[6] = 2; return b }(), "seedpass", keystore.ErrCorrupt},
		{"flipped byte in a certificate length, no MAC", flip(nomac, 60), "seedpass", keystore.ErrCorrupt},
		{"password not UTF-8", seed, "pass\xff", keystore.ErrPassword},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := keystore.Load(tc.data, tc.pw); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	// Every prefix of a valid store fails cleanly.
	for _, d := range [][]byte{seed, nomac} {
		for n := 0; n < len(d); n++ {
			if _, err := keystore.Load(d[:n], "seedpass"); err == nil {
				t.Fatalf("prefix of %d/%d bytes loaded", n, len(d))
			}
		}
	}
}

func readSeed(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "pkcs12", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// BenchmarkLoadPKCS12Truststore: API Manager 4.5's 150-entry PKCS12
// client-truststore.jks (no MAC).
func BenchmarkLoadPKCS12Truststore(b *testing.B) {
	data := p12Fixtures[0].read(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := keystore.Load(data, "wso2carbon"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAdd8AndMarshalPKCS12: load the 4.5 truststore, add 8
// certificates, marshal; and the same for IS 7.1's truststore, whose
// certificates are RC2-encrypted under a SHA-1 MAC (100000 iterations
// each way: the cost of its own protection).
func BenchmarkAdd8AndMarshalPKCS12(b *testing.B) {
	var ders [][]byte
	for i := 0; i < 8; i++ {
		d, _ := selfSigned(b, "c", time.Now().Add(time.Hour))
		ders = append(ders, d)
	}
	for _, f := range []p12Fixture{p12Fixtures[0], p12Fixtures[2]} {
		b.Run(f.name, func(b *testing.B) {
			data := f.read(b)
			for b.Loop() {
				st, err := keystore.Load(data, "wso2carbon")
				if err != nil {
					b.Fatal(err)
				}
				for i, d := range ders {
					if _, err := st.SetTrusted(fmt.Sprintf("wso2c%dcert", i), d, time.Now()); err != nil {
						b.Fatal(err)
					}
				}
				if out, err := st.Marshal("wso2carbon"); err != nil || bytes.Equal(out, data) {
					b.Fatal("marshal", err)
				}
			}
		})
	}
}

// PasswordFree tells the stores whose password protects nothing (no MAC,
// no encrypted part, no encrypted key: API Manager 4.5's truststores) from
// every other: the 4.5 key stores (an encrypted private key), IS 7.1's
// PKCS12 stores (MAC and encrypted certificates), a keytool-made PKCS12
// store, JKS stores and bytes that are not a store. openssl agrees on the
// fixtures' MACs and encryption (the test reads its -info).
func TestPKCS12PasswordFree(t *testing.T) {
	for _, c := range []struct {
		path string
		want bool
	}{
		{"wso2am-4.5.0/repository/resources/security/client-truststore.jks", true},
		{"wso2am-4.5.0/repository/resources/security/wso2carbon.jks", false},
		{"wso2is-7.1.0/repository/resources/security/client-truststore.p12", false},
		{"wso2is-7.1.0/repository/resources/security/wso2carbon.p12", false},
		{"wso2am-4.3.0/repository/resources/security/client-truststore.jks", false}, // JKS
	} {
		data, err := os.ReadFile(fixtures.Path(filepath.Join("wso2-fixtures", c.path)))
		if err != nil {
			t.Fatal(err)
		}
		if got := keystore.PasswordFree(data); got != c.want {
			t.Errorf("%s: PasswordFree %v, want %v", c.path, got, c.want)
		}
		if keystore.DetectFormat(data) != keystore.PKCS12 {
			continue
		}
		// OpenSSL 3 reads a store without a MAC and says so ("MAC is
		// absent"), and with -legacy IS 7.1's RC2 (scripts/install-deps.sh
		// installs Debian's).
		info, err := exec.Command("openssl", "pkcs12", "-legacy", "-in", fixtures.Path(filepath.Join("wso2-fixtures", c.path)), "-info", "-noout", "-passin", "pass:wso2carbon").CombinedOutput()
		if err != nil {
			t.Fatalf("%s: openssl pkcs12 -info (OpenSSL 3 is needed): %v\n%s", c.path, err, info)
		}
		plain := strings.Contains(string(info), "MAC is absent") && !strings.Contains(string(info), "Encrypted data") && !strings.Contains(string(info), "Shrouded Keybag")
		if plain != c.want {
			t.Errorf("%s: openssl says password-free %v (%s)", c.path, plain, info)
		}
		// Any other password opens a password-free store, as in Java.
		if _, err := keystore.Load(data, "not-the-password"); c.want && err != nil {
			t.Errorf("%s: Load with another password: %v", c.path, err)
		}
	}
	made := filepath.Join(t.TempDir(), "made.p12")
	out, err := exec.Command("keytool", "-genkeypair", "-keystore", made, "-storetype", "PKCS12", "-storepass", "changeit", "-alias", "k", "-keyalg", "EC", "-dname", "CN=k").CombinedOutput()
	if err != nil {
		t.Fatalf("keytool: %v\n%s", err, out)
	}
	data, err := os.ReadFile(made)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"keytool's PKCS12": data, "empty": nil, "a PFX with no content": {0x30, 0x03, 0x02, 0x01, 0x03}, "truncated": data[:len(data)/2]} {
		if keystore.PasswordFree(b) {
			t.Errorf("%s: PasswordFree", name)
		}
	}
}
