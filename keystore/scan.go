package keystore

import (
	"errors"
	"fmt"
	"time"
)

// JKS layout (all integers big-endian), as written by sun.security.provider.JavaKeyStore:
//
//	magic u32 (FEEDFEED) | version u32 (1 or 2) | count u32 | entries | SHA-1 digest (20 bytes)
//	entry:       tag u32 (1 key, 2 trusted) | alias UTF | created u64 (ms)
//	key entry:   keyLen u32 | key | chainLen u32 | chainLen × cert
//	cert:        [version 2: type UTF] | len u32 | DER
//	UTF:         len u16 | bytes
const (
	tagPrivateKey = 1
	tagTrusted    = 2
	digestLen     = 20
	// The smallest possible entry: tag, empty alias, date, and for a
	// trusted entry an empty version-1 certificate.
	minEntryLen = 4 + 2 + 8 + 4
)

// scan walks the whole JKS structure without allocating anything sized by
// the file's length fields, and fails unless every length fits in the bytes
// that remain. After scan succeeds, keystore-go can only fail on the digest.
// It returns a description of every entry.
func scan(data []byte) ([]Entry, error) {
	r := &reader{b: data}
	if m := r.u32(); m != magicJKS {
		return nil, r.fail("magic")
	}
	version := r.u32()
	if r.err != nil {
		return nil, r.fail("version")
	}
	if version != 1 && version != 2 {
		return nil, fmt.Errorf("unknown JKS version %d", version)
	}
	count := r.u32()
	if r.err != nil {
		return nil, r.fail("number of entries")
	}
	if uint64(count) > uint64(r.left())/minEntryLen {
		return nil, fmt.Errorf("%d entries cannot fit in %d bytes", count, len(data))
	}
	entries := make([]Entry, 0, count)
	seen := make(map[string]bool, count)
	for i := uint32(0); i < count; i++ {
		e, err := r.entry(version)
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", i, err)
		}
		if seen[e.Alias] {
			return nil, fmt.Errorf("entry %d: duplicate alias %q", i, e.Alias)
		}
		seen[e.Alias] = true
		entries = append(entries, e)
	}
	if r.skip(digestLen); r.err != nil {
		return nil, r.fail("digest")
	}
	return entries, nil
}

var errShort = errors.New("truncated")

type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) left() int { return len(r.b) - r.off }

func (r *reader) fail(what string) error {
	if r.err == nil {
		return fmt.Errorf("bad %s", what)
	}
	return fmt.Errorf("read %s at byte %d: %w", what, r.off, r.err)
}

func (r *reader) take(n uint64) []byte {
	if r.err != nil {
		return nil
	}
	if n > uint64(r.left()) {
		r.err = errShort
		return nil
	}
	s := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return s
}

func (r *reader) skip(n uint64) { r.take(n) }

func (r *reader) u16() uint16 {
	b := r.take(2)
	if b == nil {
		return 0
	}
	return uint16(b[0])<<8 | uint16(b[1])
}

func (r *reader) u32() uint32 {
	b := r.take(4)
	if b == nil {
		return 0
	}
	return be32(b)
}

func (r *reader) u64() uint64 {
	b := r.take(8)
	if b == nil {
		return 0
	}
	return uint64(be32(b))<<32 | uint64(be32(b[4:]))
}

func (r *reader) utf() string { return string(r.take(uint64(r.u16()))) }

func (r *reader) cert(version uint32) []byte {
	if version == 2 {
		r.utf() // certificate type, "X.509"
	}
	return r.take(uint64(r.u32()))
}

func (r *reader) entry(version uint32) (Entry, error) {
	tag := r.u32()
	alias := r.utf()
	created := r.u64()
	if r.err != nil {
		return Entry{}, r.fail("entry header")
	}
	when := time.UnixMilli(int64(created))
	switch tag {
	case tagTrusted:
		der := r.cert(version)
		if r.err != nil {
			return Entry{}, r.fail(fmt.Sprintf("certificate of %q", alias))
		}
		return describe(alias, true, when, der, 1, nil), nil
	case tagPrivateKey:
		r.skip(uint64(r.u32()))
		n := r.u32()
		if r.err != nil {
			return Entry{}, r.fail(fmt.Sprintf("private key of %q", alias))
		}
		// Each certificate takes at least 4 bytes (6 in version 2).
		if uint64(n)*4 > uint64(r.left()) {
			return Entry{}, fmt.Errorf("%d chain certificates of %q cannot fit in %d bytes", n, alias, r.left())
		}
		var first []byte
		for j := uint32(0); j < n; j++ {
			der := r.cert(version)
			if r.err != nil {
				return Entry{}, r.fail(fmt.Sprintf("chain certificate %d of %q", j, alias))
			}
			if j == 0 {
				first = der
			}
		}
		return describe(alias, false, when, first, int(n), nil), nil
	}
	return Entry{}, fmt.Errorf("unknown entry tag %d for %q", tag, alias)
}
