package keystore

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wso2-container/agent/internal/fixtures"
)

// TestPKCS12KeepsOriginalBytes: after an import into API Manager 4.5's
// wso2carbon.jks (a key and CAs) and IS 7.1's wso2carbon.p12 (the same,
// certificates RC2-encrypted), the safe holding the private key is the
// file's own bytes, every bag of the changed safe that was not replaced is
// its own bytes in its original order, and the replaced bag keeps its
// attributes (alias included) byte for byte.
func TestPKCS12KeepsOriginalBytes(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "new"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	for _, rel := range []string{
		"wso2am-4.5.0/repository/resources/security/wso2carbon.jks",
		"wso2is-7.1.0/repository/resources/security/wso2carbon.p12",
	} {
		t.Run(rel, func(t *testing.T) {
			data, err := os.ReadFile(fixtures.Path(filepath.Join("wso2-fixtures", rel)))
			if err != nil {
				t.Fatal(err)
			}
			st, err := Load(data, "wso2carbon")
			if err != nil {
				t.Fatal(err)
			}
			orig := st.p12
			// Replace the first trusted CA, add one.
			var victim *p12Bag
			for _, sf := range orig.safes {
				for _, b := range sf.bags {
					if victim == nil && b.isCert() && b.trusted {
						victim = b
					}
				}
			}
			victimAttrs := append([][]byte(nil), victim.attrs...)
			var before [][][]byte // raw bags per safe, before the edit
			for _, sf := range orig.safes {
				var raws [][]byte
				for _, b := range sf.bags {
					raws = append(raws, b.raw)
				}
				before = append(before, raws)
			}
			if _, err := st.SetTrusted(victim.alias, der, time.Now()); err != nil {
				t.Fatal(err)
			}
			if _, err := st.SetTrusted("addedcert", der, time.Now()); err != nil {
				t.Fatal(err)
			}
			out, err := st.Marshal("wso2carbon")
			if err != nil {
				t.Fatal(err)
			}
			again, err := loadPKCS12(out, "wso2carbon")
			if err != nil {
				t.Fatal(err)
			}
			if len(again.safes) != len(orig.safes) {
				t.Fatalf("%d safes, want %d", len(again.safes), len(orig.safes))
			}
			keySafes := 0
			for i, sf := range again.safes {
				hasKey := false
				for _, b := range sf.bags {
					hasKey = hasKey || b.isKey()
				}
				if hasKey {
					keySafes++
					if !bytes.Equal(sf.raw, orig.safes[i].raw) {
						t.Fatalf("safe %d (the private key's) was re-encoded", i)
					}
					continue
				}
				// The changed safe: the old bags, one replaced, then the new one.
				if len(sf.bags) != len(before[i])+1 {
					t.Fatalf("safe %d: %d bags, want %d", i, len(sf.bags), len(before[i])+1)
				}
				for j, raw := range before[i] {
					b := sf.bags[j]
					if b.alias == victim.alias {
						if !bytes.Equal(b.cert, der) || len(b.attrs) != len(victimAttrs) {
							t.Fatal("replaced bag wrong")
						}
						for k := range victimAttrs {
							if !bytes.Equal(b.attrs[k], victimAttrs[k]) {
								t.Fatalf("replaced bag: attribute %d changed", k)
							}
						}
						continue
					}
					if !bytes.Equal(b.raw, raw) {
						t.Fatalf("safe %d bag %d (%q) re-encoded", i, j, b.alias)
					}
				}
				if last := sf.bags[len(sf.bags)-1]; last.alias != "addedcert" || !last.trusted {
					t.Fatalf("new bag: %q trusted %v", last.alias, last.trusted)
				}
			}
			if keySafes != 1 {
				t.Fatalf("%d safes with a key", keySafes)
			}
		})
	}
}
