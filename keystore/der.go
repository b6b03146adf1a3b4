package keystore

import (
	"bytes"
	"encoding/asn1"
	"errors"
	"fmt"
)

// A minimal DER reader and writer for the PKCS12 structures: definite
// lengths only, one-byte tags. Every length is checked against the bytes
// that remain before anything is sliced, so arbitrary input gives an error,
// never a panic or an allocation sized by the input.

// DER tags used here.
const (
	tagInteger     = 0x02
	tagOctetString = 0x04
	tagNull        = 0x05
	tagOID         = 0x06
	tagBMPString   = 0x1e
	tagSequence    = 0x30
	tagSet         = 0x31
	tagCtx0        = 0xa0 // [0] constructed (EXPLICIT)
	tagCtx0Prim    = 0x80 // [0] primitive (IMPLICIT OCTET STRING)
)

var errDER = errors.New("malformed DER")

// tlv is one DER element.
type tlv struct {
	tag     byte
	full    []byte // tag, length and content
	content []byte
}

// readTLV splits the first element off b.
func readTLV(b []byte) (tlv, []byte, error) {
	if len(b) < 2 {
		return tlv{}, nil, fmt.Errorf("%w: element truncated", errDER)
	}
	tag := b[0]
	if tag&0x1f == 0x1f {
		return tlv{}, nil, fmt.Errorf("%w: multi-byte tag", errDER)
	}
	n, hdr := int(b[1]), 2
	if n&0x80 != 0 {
		k := n & 0x7f
		if k == 0 {
			return tlv{}, nil, fmt.Errorf("%w: indefinite length (BER) is not supported", errDER)
		}
		if k > 4 || len(b) < 2+k {
			return tlv{}, nil, fmt.Errorf("%w: bad length", errDER)
		}
		n = 0
		for _, c := range b[2 : 2+k] {
			n = n<<8 | int(c)
		}
		hdr += k
	}
	if n < 0 || n > len(b)-hdr {
		return tlv{}, nil, fmt.Errorf("%w: length %d exceeds the %d bytes left", errDER, n, len(b)-hdr)
	}
	return tlv{tag: tag, full: b[:hdr+n], content: b[hdr : hdr+n]}, b[hdr+n:], nil
}

// expect reads one element that must have tag.
func expect(b []byte, tag byte, what string) (tlv, []byte, error) {
	t, rest, err := readTLV(b)
	if err != nil {
		return tlv{}, nil, fmt.Errorf("%s: %w", what, err)
	}
	if t.tag != tag {
		return tlv{}, nil, fmt.Errorf("%s: %w: tag 0x%02x, want 0x%02x", what, errDER, t.tag, tag)
	}
	return t, rest, nil
}

// elements splits the content of a SEQUENCE or SET into its elements. It
// counts them first: a store's thousands of small lists are allocated once
// each, at their size.
func elements(b []byte, what string) ([]tlv, error) {
	n := 0
	for rest := b; len(rest) > 0; n++ {
		var err error
		if _, rest, err = readTLV(rest); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
	}
	out := make([]tlv, 0, n)
	for len(b) > 0 {
		t, rest, err := readTLV(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, t)
		b = rest
	}
	return out, nil
}

// knownOIDs are the object identifiers that every bag of a store repeats,
// with their encodings: oidOf returns them, shared, without parsing their
// encoding again.
var knownOIDs = func() []knownOID {
	var out []knownOID
	for _, o := range []asn1.ObjectIdentifier{oidCertBag, oidX509Certificate, oidShroudedKeyBag, oidKeyBag, oidData, oidEncryptedData} {
		out = append(out, knownOID{derOID(o), o})
	}
	return out
}()

type knownOID struct {
	der []byte
	oid asn1.ObjectIdentifier
}

// oidOf parses an OBJECT IDENTIFIER element. The result is shared with
// other calls: the caller must not change it.
func oidOf(t tlv, what string) (asn1.ObjectIdentifier, error) {
	if t.tag != tagOID {
		return nil, fmt.Errorf("%s: %w: tag 0x%02x is not an OID", what, errDER, t.tag)
	}
	for _, k := range knownOIDs {
		if bytes.Equal(t.full, k.der) {
			return k.oid, nil
		}
	}
	var oid asn1.ObjectIdentifier
	if rest, err := asn1.Unmarshal(t.full, &oid); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("%s: %w: bad OID", what, errDER)
	}
	return oid, nil
}

// intOf parses a small non-negative INTEGER element.
func intOf(t tlv, what string) (int, error) {
	if t.tag != tagInteger {
		return 0, fmt.Errorf("%s: %w: tag 0x%02x is not an INTEGER", what, errDER, t.tag)
	}
	var v int
	if rest, err := asn1.Unmarshal(t.full, &v); err != nil || len(rest) > 0 || v < 0 {
		return 0, fmt.Errorf("%s: %w: bad INTEGER", what, errDER)
	}
	return v, nil
}

// node is a DER element to be written by size and appendTo: an element
// with tag around kids, or (tag 0) bytes that are already encoded. A
// document built of nodes is written into one buffer of its exact size,
// where nesting der calls would copy every level's content again: a
// 200 KB truststore's certificates were copied ten times.
type node struct {
	tag  byte
	raw  []byte
	kids []node
	n    int // content length, set by size
}

// rawNode is the encoded element b, written as is.
func rawNode(b []byte) node { return node{raw: b} }

// wrap is the element with tag around kids.
func wrap(tag byte, kids ...node) node { return node{tag: tag, kids: kids} }

// size returns the encoded length of e and records its content's length
// (in e and every node below it) for appendTo.
func (e *node) size() int {
	if e.tag == 0 {
		return len(e.raw)
	}
	e.n = 0
	for i := range e.kids {
		e.n += e.kids[i].size()
	}
	return headerLen(e.n) + e.n
}

// appendTo appends the encoding of e, sized by size, to out.
func (e *node) appendTo(out []byte) []byte {
	if e.tag == 0 {
		return append(out, e.raw...)
	}
	out = appendHeader(out, e.tag, e.n)
	for i := range e.kids {
		out = e.kids[i].appendTo(out)
	}
	return out
}

// headerLen is the length of the tag and length octets of an element
// whose content is n bytes long.
func headerLen(n int) int {
	switch {
	case n < 0x80:
		return 2
	case n < 1<<8:
		return 3
	case n < 1<<16:
		return 4
	case n < 1<<24:
		return 5
	default:
		return 6
	}
}

// appendHeader appends the tag and the minimal length octets for a
// content of n bytes.
func appendHeader(out []byte, tag byte, n int) []byte {
	out = append(out, tag)
	switch {
	case n < 0x80:
		return append(out, byte(n))
	case n < 1<<8:
		return append(out, 0x81, byte(n))
	case n < 1<<16:
		return append(out, 0x82, byte(n>>8), byte(n))
	case n < 1<<24:
		return append(out, 0x83, byte(n>>16), byte(n>>8), byte(n))
	default:
		return append(out, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

// der encodes one element with the minimal length form.
func der(tag byte, content ...[]byte) []byte {
	n := 0
	for _, c := range content {
		n += len(c)
	}
	out := appendHeader(make([]byte, 0, headerLen(n)+n), tag, n)
	for _, c := range content {
		out = append(out, c...)
	}
	return out
}

func derOID(oid asn1.ObjectIdentifier) []byte {
	b, err := asn1.Marshal(oid)
	if err != nil {
		panic(err) // only constant OIDs are encoded
	}
	return b
}

func derInt(v int) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// bmpString encodes s as UTF-16BE (surrogate pairs above U+FFFF), the
// encoding of a friendlyName and of a PKCS12 password.
func bmpString(s string) []byte {
	out := make([]byte, 0, 2*len(s))
	for _, r := range s {
		if r > 0xffff {
			r -= 0x10000
			hi, lo := 0xd800+(r>>10), 0xdc00+(r&0x3ff)
			out = append(out, byte(hi>>8), byte(hi), byte(lo>>8), byte(lo))
			continue
		}
		out = append(out, byte(r>>8), byte(r))
	}
	return out
}

// decodeBMP decodes UTF-16BE; invalid surrogates become U+FFFD.
func decodeBMP(b []byte) (string, error) {
	if len(b)%2 != 0 {
		return "", fmt.Errorf("%w: odd BMPString length", errDER)
	}
	var sb bytes.Buffer
	for i := 0; i < len(b); i += 2 {
		r := rune(b[i])<<8 | rune(b[i+1])
		if r >= 0xd800 && r < 0xdc00 && i+3 < len(b) {
			lo := rune(b[i+2])<<8 | rune(b[i+3])
			if lo >= 0xdc00 && lo < 0xe000 {
				sb.WriteRune(0x10000 + (r-0xd800)<<10 + (lo - 0xdc00))
				i += 2
				continue
			}
		}
		if r >= 0xd800 && r < 0xe000 {
			r = 0xfffd
		}
		sb.WriteRune(r)
	}
	return sb.String(), nil
}
