package keystore_test

import (
	"bytes"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/wso2-container/agent/keystore"
)

// FuzzLoad: arbitrary bytes give an error or a store, never a panic or a
// huge allocation; a store that loads marshals back to a store with the
// same entries.
func FuzzLoad(f *testing.F) {
	// Small, deterministic seeds (large ones make the fuzzer's input
	// minimisation crawl): two of WSO2's stock CA entries in a fresh store,
	// and the same with the second entry turned into a key entry header.
	seed := fixtureSeed(f)
	f.Add(seed, "wso2carbon")
	f.Add(seed[:len(seed)/2], "wso2carbon")
	keyish := bytes.Clone(seed)
	keyish[15] = 1 // first entry's tag: private key
	f.Add(keyish, "wso2carbon")
	f.Add([]byte{0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2, 0, 0, 0, 0}, "")
	f.Add([]byte{0x30, 0x82, 0x01, 0x00, 0x02, 0x01, 0x03}, "x")
	f.Fuzz(func(t *testing.T, data []byte, password string) {
		st, err := keystore.Load(data, password)
		if err != nil {
			return
		}
		out, err := st.Marshal(password)
		if err != nil {
			t.Fatalf("Marshal of a loaded store: %v", err)
		}
		again, err := keystore.Load(out, password)
		if err != nil {
			t.Fatalf("reload: %v", err)
		}
		if strings.Join(entryLines(st), "\n") != strings.Join(entryLines(again), "\n") {
			t.Fatal("entries changed in a round trip")
		}
	})
}

// fixtureSeed returns a JKS holding the two smallest certificates of WSO2's
// stock truststore, with fixed dates: the same bytes on every run.
func fixtureSeed(f testing.TB) []byte {
	stock, err := keystore.Load(readFixture(f, "client-truststore.jks"), "wso2carbon")
	if err != nil {
		f.Fatal(err)
	}
	es := stock.Entries()
	sort.Slice(es, func(i, j int) bool { return len(es[i].DER) < len(es[j].DER) })
	st := keystore.New()
	for _, e := range es[:2] {
		if _, err := st.SetTrusted(e.Alias, e.DER, time.UnixMilli(1e12)); err != nil {
			f.Fatal(err)
		}
	}
	out, err := st.Marshal("wso2carbon")
	if err != nil {
		f.Fatal(err)
	}
	return out
}

// BenchmarkLoadStockTruststore: WSO2's 94-entry client-truststore.jks.
func BenchmarkLoadStockTruststore(b *testing.B) {
	data := readFixture(b, "client-truststore.jks")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := keystore.Load(data, "wso2carbon"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAdd8AndMarshal: load the stock truststore, add 8 certificates,
// marshal.
func BenchmarkAdd8AndMarshal(b *testing.B) {
	data := readFixture(b, "client-truststore.jks")
	var ders [][]byte
	for i := 0; i < 8; i++ {
		d, _ := selfSigned(b, "c", time.Now().Add(time.Hour))
		ders = append(ders, d)
	}
	now := time.Now()
	for b.Loop() {
		st, err := keystore.Load(data, "wso2carbon")
		if err != nil {
			b.Fatal(err)
		}
		for i, d := range ders {
			if _, err := st.SetTrusted("wso2c"+string(rune('a'+i))+"cert", d, now); err != nil {
				b.Fatal(err)
			}
		}
		out, err := st.Marshal("wso2carbon")
		if err != nil || bytes.Equal(out, data) {
			b.Fatal("marshal", err)
		}
	}
}

// FuzzLoadPKCS12: arbitrary bytes give an error or a store, never a panic;
// a PKCS12 store that loads marshals back to its own bytes, takes a new
// trusted certificate, and the result loads again with the same entries
// plus the new one; importing it a second time changes nothing.
func FuzzLoadPKCS12(f *testing.F) {
	// Small stores keytool wrote (two iterations, so the fuzzer is not
	// slowed by key derivation): Java 17's PBES2/AES and SHA-256 MAC,
	// RC2-40 and SHA-1 MAC, no MAC and no encryption, and a key with a
	// 3DES-shrouded bag beside a trusted certificate. Password "seedpass".
	for _, name := range []string{"modern.p12", "legacy.p12", "nomac.p12", "mixed.p12"} {
		f.Add(readSeed(f, name), "seedpass")
	}
	f.Add(readSeed(f, "nomac.p12"), "")
	added, _ := selfSigned(f, "fuzz", time.Now().Add(time.Hour))
	f.Fuzz(func(t *testing.T, data []byte, password string) {
		if keystore.DetectFormat(data) != keystore.PKCS12 {
			return
		}
		st, err := keystore.Load(data, password)
		if err != nil {
			return
		}
		out, err := st.Marshal(password)
		if err != nil || !bytes.HasPrefix(data, out) {
			t.Fatalf("unchanged store does not marshal to its own bytes (err %v)", err)
		}
		before := entryLines(st)
		changed, err := st.SetTrusted("fuzzaddedcert", added, time.Now())
		if err != nil {
			if errors.Is(err, keystore.ErrPrivateKeyEntry) {
				return
			}
			t.Fatalf("SetTrusted: %v", err)
		}
		out, err = st.Marshal(password)
		if err != nil {
			t.Fatalf("Marshal after SetTrusted: %v", err)
		}
		again, err := keystore.Load(out, password)
		if err != nil {
			t.Fatalf("reload after SetTrusted: %v", err)
		}
		want := before
		if changed {
			want = nil
			for _, l := range before {
				if !strings.HasPrefix(l, "fuzzaddedcert ") {
					want = append(want, l)
				}
			}
			want = append(want, "fuzzaddedcert trustedCertEntry "+keystore.Fingerprint(added))
			sort.Strings(want)
		}
		if got := entryLines(again); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("entries after the import:\ngot  %v\nwant %v", got, want)
		}
		if c, err := again.SetTrusted("fuzzaddedcert", added, time.Now()); err != nil || c {
			t.Fatalf("second import: changed %v, %v", c, err)
		}
		if out2, err := again.Marshal(password); err != nil || !bytes.Equal(out2, out) {
			t.Fatalf("second import is not byte-identical (err %v)", err)
		}
	})
}
