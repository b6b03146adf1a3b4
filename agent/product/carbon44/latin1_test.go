package carbon44

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestLatin1Decoder: every ISO-8859-1 byte comes out as the UTF-8 of its
// code point, whatever the sizes of the reads on either side (a one-byte
// buffer keeps the second half of a two-byte character for the next read,
// even when the source's last byte came with io.EOF), and the reader passes
// io's contract (iotest.TestReader).
func TestLatin1Decoder(t *testing.T) {
	var latin1 []byte
	var want strings.Builder
	for i := range 3 * 256 {
		c := byte(i * 7) // every byte value, in another order each round
		latin1 = append(latin1, c)
		want.WriteRune(rune(c))
	}
	for _, tc := range []struct {
		name string
		src  func() io.Reader
	}{
		{"whole", func() io.Reader { return bytes.NewReader(latin1) }},
		{"one byte at a time", func() io.Reader { return iotest.OneByteReader(bytes.NewReader(latin1)) }},
		{"half reads", func() io.Reader { return iotest.HalfReader(bytes.NewReader(latin1)) }},
		// The last bytes come with io.EOF: a character half out must
		// still come out whole before the EOF.
		{"data with EOF", func() io.Reader { return iotest.DataErrReader(bytes.NewReader(latin1)) }},
		{"one byte at a time, data with EOF", func() io.Reader {
			return iotest.DataErrReader(iotest.OneByteReader(bytes.NewReader(latin1)))
		}},
	} {
		for _, size := range []int{1, 2, 3, 7, 4096} {
			r, err := latin1Reader("ISO-8859-1", tc.src())
			if err != nil {
				t.Fatal(err)
			}
			var got []byte
			buf := make([]byte, size)
			for {
				n, err := r.Read(buf)
				got = append(got, buf[:n]...)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("%s, %d-byte reads: %v", tc.name, size, err)
				}
			}
			if string(got) != want.String() {
				t.Fatalf("%s, %d-byte reads: the UTF-8 differs from the code points' (%d bytes, want %d)", tc.name, size, len(got), want.Len())
			}
		}
		r, _ := latin1Reader("latin1", tc.src())
		if err := iotest.TestReader(r, []byte(want.String())); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}
