package keystore_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/wso2-container/agent/keystore"
)

// entryLines renders entries like keytoolList does.
func entryLines(s *keystore.Store) []string {
	var out []string
	for _, e := range s.Entries() {
		typ := "trustedCertEntry"
		if !e.Trusted {
			typ = "PrivateKeyEntry"
		}
		out = append(out, e.Alias+" "+typ+" "+e.SHA256)
	}
	sort.Strings(out)
	return out
}

func equalLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%s differ:\ngot  %d: %v\nwant %d: %v", what, len(got), got, len(want), want)
	}
}

// TestFixtureAgreesWithKeytool: the entries we read from WSO2's stock stores
// are exactly what keytool lists, and a store we write back is listed the
// same by keytool.
func TestFixtureAgreesWithKeytool(t *testing.T) {
	for _, name := range []string{"client-truststore.jks", "wso2carbon.jks"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			orig := filepath.Join(dir, "orig.jks")
			data := readFixture(t, name)
			if err := os.WriteFile(orig, data, 0o644); err != nil {
				t.Fatal(err)
			}
			st, err := keystore.Load(data, "wso2carbon")
			if err != nil {
				t.Fatal(err)
			}
			want := keytoolList(t, orig, "wso2carbon")
			equalLines(t, "entries of "+name, entryLines(st), want)

			out, err := st.Marshal("wso2carbon")
			if err != nil {
				t.Fatal(err)
			}
			again := filepath.Join(dir, "again.jks")
			if err := os.WriteFile(again, out, 0o644); err != nil {
				t.Fatal(err)
			}
			equalLines(t, "keytool -list after a round trip", keytoolList(t, again, "wso2carbon"), want)
			// Deterministic: marshalling twice gives the same bytes.
			out2, _ := st.Marshal("wso2carbon")
			if !bytes.Equal(out, out2) {
				t.Fatal("two marshals of the same store differ")
			}
		})
	}
}

func TestDetectFormat(t *testing.T) {
	dir := t.TempDir()
	der, _ := selfSigned(t, "ca", time.Now().Add(time.Hour))
	certFile := filepath.Join(dir, "ca.der")
	if err := os.WriteFile(certFile, der, 0o644); err != nil {
		t.Fatal(err)
	}
	mk := func(storetype string) []byte {
		p := filepath.Join(dir, "s."+storetype)
		mustKeytool(t, "changeit", "-importcert", "-noprompt", "-alias", "ca", "-file", certFile,
			"-keystore", p, "-storetype", storetype, "-storepass:env", "P")
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name string
		data []byte
		want keystore.Format
	}{
		{"stock JKS", readFixture(t, "client-truststore.jks"), keystore.JKS},
		{"keytool JKS", mk("JKS"), keystore.JKS},
		{"keytool PKCS12", mk("PKCS12"), keystore.PKCS12},
		{"keytool JCEKS", mk("JCEKS"), keystore.JCEKS},
		{"empty", nil, keystore.Unknown},
		{"three bytes of magic", []byte{0xfe, 0xed, 0xfe}, keystore.Unknown},
		{"a DER certificate", der, keystore.Unknown},
		{"PEM text", []byte("-----BEGIN CERTIFICATE-----\n"), keystore.Unknown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := keystore.DetectFormat(tc.data); got != tc.want {
				t.Fatalf("DetectFormat = %v, want %v", got, tc.want)
			}
		})
	}
}

// smallStore returns a two-entry JKS (one key, one trusted certificate).
func smallStore(t testing.TB) []byte {
	t.Helper()
	st := keystore.New()
	der, key := selfSigned(t, "key", time.Now().Add(time.Hour))
	if err := st.SetPrivateKey("key", key, [][]byte{der}, "password", time.UnixMilli(1e12)); err != nil {
		t.Fatal(err)
	}
	ca, _ := selfSigned(t, "ca", time.Now().Add(time.Hour))
	if _, err := st.SetTrusted("ca", ca, time.UnixMilli(1e12)); err != nil {
		t.Fatal(err)
	}
	b, err := st.Marshal("password")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLoadErrors(t *testing.T) {
	small := smallStore(t)
	patch := func(off int, v uint32) []byte {
		b := bytes.Clone(small)
		binary.BigEndian.PutUint32(b[off:], v)
		return b
	}
	// Offsets in the small store: 12 = first entry tag, 16 = alias length
	// (u16), 18.. alias "ca" (sorted first), then 8 bytes date, 2+5 bytes
	// "X.509", then the certificate length at 18+2+8+7 = 35.
	if string(small[18:20]) != "ca" {
		t.Fatalf("layout of the test store changed: %q", small[12:24])
	}
	dir := t.TempDir()
	der, _ := selfSigned(t, "ca", time.Now().Add(time.Hour))
	certFile := filepath.Join(dir, "ca.der")
	os.WriteFile(certFile, der, 0o644)
	p12 := filepath.Join(dir, "t.p12")
	mustKeytool(t, "password", "-importcert", "-noprompt", "-alias", "ca", "-file", certFile, "-keystore", p12, "-storetype", "PKCS12", "-storepass:env", "P")
	p12data, _ := os.ReadFile(p12)

	tests := []struct {
		name     string
		data     []byte
		password string
		want     error
	}{
		{"wrong password", small, "wrong-password", keystore.ErrWrongPassword},
		{"empty password", small, "", keystore.ErrWrongPassword},
		{"empty file", nil, "password", keystore.ErrCorrupt},
		{"magic only", small[:4], "password", keystore.ErrCorrupt},
		{"truncated digest", small[:len(small)-1], "password", keystore.ErrCorrupt},
		{"bad version", patch(4, 7), "password", keystore.ErrCorrupt},
		{"4 billion entries", patch(8, 0xFFFFFFFF), "password", keystore.ErrCorrupt},
		{"corrupt certificate length 0xF0000000", patch(35, 0xF0000000), "password", keystore.ErrCorrupt},
		{"unknown tag", patch(12, 9), "password", keystore.ErrCorrupt},
		{"flipped byte in a certificate", func() []byte { b := bytes.Clone(small); b[200] ^= 1; return b }(), "password", keystore.ErrWrongPassword},
		{"PKCS12 by keytool, wrong password", p12data, "wrong-password", keystore.ErrWrongPassword},
		{"PKCS12 by keytool, truncated", p12data[:len(p12data)-9], "password", keystore.ErrCorrupt},
		{"JCEKS magic", patch(0, 0xCECECECE), "password", keystore.ErrUnsupported},
		{"password above U+00FF", small, "p€ssword", keystore.ErrPassword},
		{"password not UTF-8", small, "pass\xffword", keystore.ErrPassword},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := keystore.Load(tc.data, tc.password)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Load error = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestLoadEveryPrefix: no truncation of a valid store loads, none panics.
func TestLoadEveryPrefix(t *testing.T) {
	small := smallStore(t)
	for n := 0; n < len(small); n++ {
		if _, err := keystore.Load(small[:n], "password"); !errors.Is(err, keystore.ErrCorrupt) {
			t.Fatalf("prefix of %d/%d bytes: err = %v, want ErrCorrupt", n, len(small), err)
		}
	}
	if _, err := keystore.Load(small, "password"); err != nil {
		t.Fatal(err)
	}
	// Trailing bytes are ignored, as Java ignores them.
	if _, err := keystore.Load(append(bytes.Clone(small), 1, 2, 3), "password"); err != nil {
		t.Fatalf("trailing bytes: %v", err)
	}
}

func TestSetTrusted(t *testing.T) {
	st, err := keystore.Load(smallStore(t), "password")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := selfSigned(t, "a", time.Now().Add(time.Hour))
	b, _ := selfSigned(t, "b", time.Now().Add(time.Hour))
	now := time.UnixMilli(1.7e12)
	steps := []struct {
		name        string
		alias       string
		der         []byte
		wantChanged bool
		wantErr     error
	}{
		{"add", "Partner", a, true, nil},
		{"same certificate again", "partner", a, false, nil},
		{"same certificate, alias in other case", "PARTNER", a, false, nil},
		{"rotation", "partner", b, true, nil},
		{"over a private key", "key", a, false, keystore.ErrPrivateKeyEntry},
		{"not a certificate", "x", []byte("garbage"), false, keystore.ErrCertificate},
		{"empty alias", "", a, false, keystore.ErrAlias},
		{"non-ASCII alias", "zertifikät", a, false, keystore.ErrAlias},
	}
	for _, s := range steps {
		changed, err := st.SetTrusted(s.alias, s.der, now)
		if !errors.Is(err, s.wantErr) || changed != s.wantChanged {
			t.Fatalf("%s: SetTrusted = %v, %v; want %v, %v", s.name, changed, err, s.wantChanged, s.wantErr)
		}
	}
	e, ok := st.Entry("partner")
	if !ok || e.SHA256 != keystore.Fingerprint(b) || e.Subject != "CN=b" || e.Alias != "partner" {
		t.Fatalf("entry after rotation: %+v", e)
	}
	if st.Len() != 3 {
		t.Fatalf("Len = %d, want 3 (key, ca, partner)", st.Len())
	}
	// keytool agrees with what we wrote.
	out, err := st.Marshal("password")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "s.jks")
	os.WriteFile(p, out, 0o644)
	equalLines(t, "keytool -list", keytoolList(t, p, "password"), entryLines(st))
}

// TestMixedCaseAliasFromFile: an entry whose alias keytool would never
// write (mixed case) is kept byte for byte, and not silently shadowed.
func TestMixedCaseAliasFromFile(t *testing.T) {
	small := smallStore(t)
	// Rename "ca" to "CA" in place and fix the digest by re-marshalling is
	// impossible through the API, so recompute: JKS digest = SHA1(pw UTF-16
	// || "Mighty Aphrodite" || body).
	b := bytes.Clone(small)
	copy(b[18:20], "CA")
	b = redigest(b[:len(b)-20], "password")
	st, err := keystore.Load(b, "password")
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := st.Entry("ca"); !ok || e.Alias != "CA" {
		t.Fatalf("Entry(ca) = %+v, %v", e, ok)
	}
	der, _ := selfSigned(t, "x", time.Now().Add(time.Hour))
	if _, err := st.SetTrusted("ca", der, time.Now()); !errors.Is(err, keystore.ErrAlias) {
		t.Fatalf("SetTrusted over a mixed-case alias: %v, want ErrAlias", err)
	}
	out, _ := st.Marshal("password")
	if !bytes.Equal(out, b) {
		t.Fatal("the mixed-case store did not round-trip byte for byte")
	}
}

func TestJavaPassword(t *testing.T) {
	tests := []struct {
		in   string
		want []byte
		err  bool
	}{
		{"wso2carbon", []byte("wso2carbon"), false},
		{"", []byte{}, false},
		{"pässwörd", []byte{'p', 0xe4, 's', 's', 'w', 0xf6, 'r', 'd'}, false},
		{"ÿ", []byte{0xff}, false},
		{"Ā", nil, true},
		{"€", nil, true},
		{"😀", nil, true},
		{"\xff", nil, true},
	}
	for _, tc := range tests {
		got, err := keystore.JavaPassword(tc.in)
		if (err != nil) != tc.err || !bytes.Equal(got, tc.want) {
			t.Errorf("JavaPassword(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.err)
		}
		if err != nil && strings.Contains(err.Error(), tc.in) {
			t.Errorf("error for %q reveals the password: %v", tc.in, err)
		}
	}
}

// TestNonASCIIPasswordsWithKeytool: a store keytool made with a Latin-1
// password opens here, and one we write with it opens in keytool, key
// included (keytool -certreq must decrypt and use the key).
func TestNonASCIIPasswordsWithKeytool(t *testing.T) {
	const pw = "pässwörd-ÿ"
	dir := t.TempDir()
	made := filepath.Join(dir, "keytool.jks")
	mustKeytool(t, pw, "-genkeypair", "-alias", "Mine", "-keyalg", "EC", "-dname", "CN=mine",
		"-keystore", made, "-storetype", "JKS", "-storepass:env", "P", "-keypass:env", "P")
	data, _ := os.ReadFile(made)
	st, err := keystore.Load(data, pw)
	if err != nil {
		t.Fatalf("load keytool store with %q: %v", pw, err)
	}
	if _, _, err := st.PrivateKey("mine", pw); err != nil {
		t.Fatalf("decrypt keytool key: %v", err)
	}
	if _, err := keystore.Load(data, "passwort"); !errors.Is(err, keystore.ErrWrongPassword) {
		t.Fatalf("other password: %v", err)
	}

	der, key := selfSigned(t, "ours", time.Now().Add(time.Hour))
	ours := keystore.New()
	if err := ours.SetPrivateKey("ours", key, [][]byte{der}, pw, time.Now()); err != nil {
		t.Fatal(err)
	}
	out, err := ours.Marshal(pw)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "ours.jks")
	os.WriteFile(p, out, 0o644)
	equalLines(t, "keytool -list", keytoolList(t, p, pw), entryLines(ours))
	csr := mustKeytool(t, pw, "-certreq", "-alias", "ours", "-keystore", p, "-storepass:env", "P", "-keypass:env", "P")
	if !strings.Contains(csr, "BEGIN NEW CERTIFICATE REQUEST") {
		t.Fatalf("keytool -certreq did not use the key:\n%s", csr)
	}
	if _, err := keytool(t, "passwörd", "-list", "-keystore", p, "-storepass:env", "P"); err == nil {
		t.Fatal("keytool opened the store with another password")
	}
	if _, err := ours.Marshal("pa€sword"); !errors.Is(err, keystore.ErrPassword) {
		t.Fatalf("Marshal with U+20AC: %v, want ErrPassword", err)
	}
}

func TestPrivateKey(t *testing.T) {
	st, err := keystore.Load(smallStore(t), "password")
	if err != nil {
		t.Fatal(err)
	}
	key, chain, err := st.PrivateKey("KEY", "password")
	if err != nil || len(chain) != 1 {
		t.Fatalf("PrivateKey: %v, chain %d", err, len(chain))
	}
	if err := keystore.KeyMatches(key, chain[0]); err != nil {
		t.Fatal(err)
	}
	other, _ := selfSigned(t, "other", time.Now().Add(time.Hour))
	if err := keystore.KeyMatches(key, other); err == nil {
		t.Fatal("KeyMatches accepted a foreign certificate")
	}
	if _, _, err := st.PrivateKey("key", "nope"); !errors.Is(err, keystore.ErrWrongPassword) {
		t.Fatalf("wrong key password: %v", err)
	}
	if _, _, err := st.PrivateKey("ca", "password"); !errors.Is(err, keystore.ErrNotFound) {
		t.Fatalf("trusted entry: %v", err)
	}
	if err := st.SetPrivateKey("k2", key, [][]byte{other}, "password", time.Now()); err == nil {
		t.Fatal("SetPrivateKey accepted a key that does not match its certificate")
	}
}

func TestFingerprint(t *testing.T) {
	got := keystore.Fingerprint([]byte("abc"))
	want := "BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD"
	if got != want {
		t.Fatalf("Fingerprint = %s", got)
	}
}
