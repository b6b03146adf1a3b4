package keystore

import (
	"bytes"
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
