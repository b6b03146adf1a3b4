package keystore

import (
	"bytes"
	"encoding/asn1"
	"fmt"
	"testing"
)

// A tree of nodes encodes to the same bytes as the nested der calls it
// replaces, for contents on both sides of every length form's limit.
func TestNodeEncodesAsDER(t *testing.T) {
	for _, n := range []int{0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 1 << 24} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			leaf := bytes.Repeat([]byte{0xab}, n)
			oid := derOID(oidData)
			want := der(tagSequence, oid, der(tagCtx0, der(tagOctetString, leaf)), der(tagSet))
			tree := wrap(tagSequence, rawNode(oid), wrap(tagCtx0, wrap(tagOctetString, rawNode(leaf))), wrap(tagSet))
			size := tree.size()
			got := tree.appendTo(make([]byte, 0, size))
			if size != len(want) {
				t.Errorf("size %d, want %d", size, len(want))
			}
			if !bytes.Equal(got, want) {
				t.Errorf("encoding differs from der's: %x... want %x...", got[:min(len(got), 16)], want[:min(len(want), 16)])
			}
			if cap(got) != size {
				t.Errorf("the sized buffer grew to %d bytes, sized %d", cap(got), size)
			}
		})
	}
}

// oidOf reads the identifiers every bag repeats without parsing them again
// (no allocation), and any other one as encoding/asn1 does.
func TestOIDOfKnownAndOther(t *testing.T) {
	for _, want := range []asn1.ObjectIdentifier{oidCertBag, oidX509Certificate, oidShroudedKeyBag, oidKeyBag, oidData, oidEncryptedData, oidFriendlyName, {1, 2, 3, 4, 5}} {
		el, _, err := readTLV(derOID(want))
		if err != nil {
			t.Fatal(err)
		}
		got, err := oidOf(el, "test")
		if err != nil || !got.Equal(want) {
			t.Errorf("oidOf(%v) = %v, %v", want, got, err)
		}
	}
	el, _, _ := readTLV(derOID(oidCertBag))
	if n := testing.AllocsPerRun(100, func() { _, _ = oidOf(el, "test") }); n != 0 {
		t.Errorf("oidOf of a bag type allocates %v times, want 0", n)
	}
}
