package keystore

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"
)

// Password-based encryption and the integrity MAC of PKCS12 (RFC 7292
// appendix B and C, RFC 8018 PBES2), for the algorithms Java, OpenSSL and
// WSO2's stores use.

// maxIterations is the largest iteration count accepted, as in Java's
// PKCS12KeyStore (a larger one would let a file stall the start-up).
const maxIterations = 5000000

var (
	oidPBEWithSHA3DES    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3}
	oidPBEWithSHARC2_128 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 5}
	oidPBEWithSHARC2_40  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 6}
	oidPBES2             = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidPBMAC1            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 14}
	oidHMACSHA1          = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACSHA224        = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 8}
	oidHMACSHA256        = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACSHA384        = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}
	oidHMACSHA512        = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}
	oidAES128CBC         = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC         = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC         = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidDESEDE3CBC        = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
	oidSHA1              = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA224            = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}
	oidSHA256            = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384            = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512            = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
)

// errDecrypt means the padding did not check out after decryption: with
// the PKCS12 and PBES2 schemes, almost always a wrong password.
var errDecrypt = errors.New("decryption failed")

// digestByOID returns the hash of a MAC digest algorithm and its PKCS12 KDF
// block size v.
func digestByOID(oid asn1.ObjectIdentifier) (func() hash.Hash, int, bool) {
	switch {
	case oid.Equal(oidSHA1):
		return sha1.New, 64, true
	case oid.Equal(oidSHA224):
		return sha256.New224, 64, true
	case oid.Equal(oidSHA256):
		return sha256.New, 64, true
	case oid.Equal(oidSHA384):
		return sha512.New384, 128, true
	case oid.Equal(oidSHA512):
		return sha512.New, 128, true
	}
	return nil, 0, false
}

func hmacByOID(oid asn1.ObjectIdentifier) (func() hash.Hash, bool) {
	switch {
	case oid.Equal(oidHMACSHA1):
		return sha1.New, true
	case oid.Equal(oidHMACSHA224):
		return sha256.New224, true
	case oid.Equal(oidHMACSHA256):
		return sha256.New, true
	case oid.Equal(oidHMACSHA384):
		return sha512.New384, true
	case oid.Equal(oidHMACSHA512):
		return sha512.New, true
	}
	return nil, false
}

// p12Password is the PKCS12 encoding of a password: BMPString plus a
// two-byte NUL terminator (Java encodes the empty password as just the
// terminator too).
func p12Password(pw string) []byte {
	return append(bmpString(pw), 0, 0)
}

// p12KDF is the PKCS12 key derivation function (RFC 7292 appendix B.2):
// id 1 key, 2 IV, 3 MAC key.
func p12KDF(h func() hash.Hash, v int, password, salt []byte, iter int, id byte, size int) []byte {
	u := h().Size()
	fill := func(src []byte) []byte {
		if len(src) == 0 {
			return nil
		}
		out := make([]byte, v*((len(src)+v-1)/v))
		for i := range out {
			out[i] = src[i%len(src)]
		}
		return out
	}
	d := bytes.Repeat([]byte{id}, v)
	in := append(fill(salt), fill(password)...)
	var out []byte
	for len(out) < size {
		hh := h()
		hh.Write(d)
		hh.Write(in)
		a := hh.Sum(nil)
		for r := 1; r < iter; r++ {
			hh.Reset()
			hh.Write(a)
			a = hh.Sum(a[:0])
		}
		out = append(out, a...)
		if len(out) >= size {
			break
		}
		b := make([]byte, v)
		for i := range b {
			b[i] = a[i%u]
		}
		for j := 0; j < len(in); j += v {
			carry := 1
			for k := v - 1; k >= 0; k-- {
				s := int(in[j+k]) + int(b[k]) + carry
				in[j+k], carry = byte(s), s>>8
			}
		}
	}
	return out[:size]
}

// pbeAlg is a parsed password-based encryption AlgorithmIdentifier.
type pbeAlg struct {
	oid  asn1.ObjectIdentifier // PKCS12 PBE scheme or PBES2
	salt []byte
	iter int
	// PBES2 only
	keyLen int    // keyLength field, 0 when absent
	prf    []byte // PRF AlgorithmIdentifier as in the file, nil for the default (HMAC-SHA1)
	enc    asn1.ObjectIdentifier
	iv     []byte
}

// parsePBE parses an AlgorithmIdentifier (full DER element).
func parsePBE(alg []byte) (*pbeAlg, error) {
	seq, rest, err := expect(alg, tagSequence, "encryption algorithm")
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		return nil, fmt.Errorf("encryption algorithm: %w: trailing bytes", errDER)
	}
	els, err := elements(seq.content, "encryption algorithm")
	if err != nil {
		return nil, err
	}
	if len(els) != 2 {
		return nil, fmt.Errorf("encryption algorithm: %w: want OID and parameters", errDER)
	}
	oid, err := oidOf(els[0], "encryption algorithm")
	if err != nil {
		return nil, err
	}
	p := &pbeAlg{oid: oid}
	switch {
	case oid.Equal(oidPBEWithSHA3DES), oid.Equal(oidPBEWithSHARC2_40), oid.Equal(oidPBEWithSHARC2_128):
		p.salt, p.iter, err = saltIter(els[1], "PBE parameters")
		if err != nil {
			return nil, err
		}
		return p, nil
	case oid.Equal(oidPBES2):
	default:
		return nil, fmt.Errorf("%w: encryption algorithm %s", ErrUnsupported, oid)
	}
	// PBES2-params ::= SEQUENCE { keyDerivationFunc, encryptionScheme }
	if els[1].tag != tagSequence {
		return nil, fmt.Errorf("PBES2 parameters: %w", errDER)
	}
	parts, err := elements(els[1].content, "PBES2 parameters")
	if err != nil {
		return nil, err
	}
	if len(parts) != 2 || parts[0].tag != tagSequence || parts[1].tag != tagSequence {
		return nil, fmt.Errorf("PBES2 parameters: %w", errDER)
	}
	kdf, err := elements(parts[0].content, "PBES2 key derivation")
	if err != nil {
		return nil, err
	}
	if len(kdf) != 2 || kdf[1].tag != tagSequence {
		return nil, fmt.Errorf("PBES2 key derivation: %w", errDER)
	}
	if kdfOID, err := oidOf(kdf[0], "PBES2 key derivation"); err != nil {
		return nil, err
	} else if !kdfOID.Equal(oidPBKDF2) {
		return nil, fmt.Errorf("%w: key derivation %s", ErrUnsupported, kdfOID)
	}
	kp, err := elements(kdf[1].content, "PBKDF2 parameters")
	if err != nil {
		return nil, err
	}
	if len(kp) < 2 || len(kp) > 4 || kp[0].tag != tagOctetString {
		return nil, fmt.Errorf("PBKDF2 parameters: %w", errDER)
	}
	p.salt = kp[0].content
	if p.iter, err = intOf(kp[1], "PBKDF2 iterations"); err != nil {
		return nil, err
	}
	for _, t := range kp[2:] {
		switch t.tag {
		case tagInteger:
			if p.keyLen, err = intOf(t, "PBKDF2 key length"); err != nil {
				return nil, err
			}
		case tagSequence:
			p.prf = t.full
		default:
			return nil, fmt.Errorf("PBKDF2 parameters: %w", errDER)
		}
	}
	if _, err := p.prfHash(); err != nil {
		return nil, err
	}
	enc, err := elements(parts[1].content, "PBES2 encryption scheme")
	if err != nil {
		return nil, err
	}
	if len(enc) != 2 || enc[1].tag != tagOctetString {
		return nil, fmt.Errorf("PBES2 encryption scheme: %w", errDER)
	}
	if p.enc, err = oidOf(enc[0], "PBES2 encryption scheme"); err != nil {
		return nil, err
	}
	p.iv = enc[1].content
	if _, bs, err := p.pbes2Cipher(); err != nil {
		return nil, err
	} else if len(p.iv) != bs {
		return nil, fmt.Errorf("PBES2 encryption scheme: %w: IV of %d bytes", errDER, len(p.iv))
	}
	if p.iter < 1 || p.iter > maxIterations {
		return nil, fmt.Errorf("%w: %d PBKDF2 iterations", ErrUnsupported, p.iter)
	}
	return p, nil
}

func saltIter(t tlv, what string) ([]byte, int, error) {
	if t.tag != tagSequence {
		return nil, 0, fmt.Errorf("%s: %w", what, errDER)
	}
	els, err := elements(t.content, what)
	if err != nil {
		return nil, 0, err
	}
	if len(els) != 2 || els[0].tag != tagOctetString {
		return nil, 0, fmt.Errorf("%s: %w", what, errDER)
	}
	iter, err := intOf(els[1], what)
	if err != nil {
		return nil, 0, err
	}
	if iter < 1 || iter > maxIterations {
		return nil, 0, fmt.Errorf("%w: %d iterations", ErrUnsupported, iter)
	}
	return els[0].content, iter, nil
}

func (p *pbeAlg) prfHash() (func() hash.Hash, error) {
	if p.prf == nil {
		return sha1.New, nil
	}
	seq, _, err := expect(p.prf, tagSequence, "PBKDF2 PRF")
	if err != nil {
		return nil, err
	}
	els, err := elements(seq.content, "PBKDF2 PRF")
	if err != nil || len(els) == 0 {
		return nil, fmt.Errorf("PBKDF2 PRF: %w", errDER)
	}
	oid, err := oidOf(els[0], "PBKDF2 PRF")
	if err != nil {
		return nil, err
	}
	h, ok := hmacByOID(oid)
	if !ok {
		return nil, fmt.Errorf("%w: PBKDF2 PRF %s", ErrUnsupported, oid)
	}
	return h, nil
}

// pbes2Cipher returns the PBES2 block cipher's key size and block size.
func (p *pbeAlg) pbes2Cipher() (keySize, blockSize int, err error) {
	switch {
	case p.enc.Equal(oidAES128CBC):
		return 16, 16, nil
	case p.enc.Equal(oidAES192CBC):
		return 24, 16, nil
	case p.enc.Equal(oidAES256CBC):
		return 32, 16, nil
	case p.enc.Equal(oidDESEDE3CBC):
		return 24, 8, nil
	}
	return 0, 0, fmt.Errorf("%w: PBES2 cipher %s", ErrUnsupported, p.enc)
}

// block derives the cipher and IV for password.
func (p *pbeAlg) block(password string) (cipher.Block, []byte, error) {
	if p.oid.Equal(oidPBES2) {
		h, err := p.prfHash()
		if err != nil {
			return nil, nil, err
		}
		ks, _, err := p.pbes2Cipher()
		if err != nil {
			return nil, nil, err
		}
		if p.keyLen != 0 && p.keyLen != ks {
			return nil, nil, fmt.Errorf("%w: PBKDF2 key length %d for a %d-byte key", ErrUnsupported, p.keyLen, ks)
		}
		// PBKDF2 takes the password as UTF-8, as Java and OpenSSL do.
		key, err := pbkdf2.Key(h, password, p.salt, p.iter, ks)
		if err != nil {
			return nil, nil, fmt.Errorf("derive key: %w", err)
		}
		var b cipher.Block
		if p.enc.Equal(oidDESEDE3CBC) {
			b, err = des.NewTripleDESCipher(key)
		} else {
			b, err = aes.NewCipher(key)
		}
		return b, p.iv, err
	}
	pw := p12Password(password)
	var keyLen int
	switch {
	case p.oid.Equal(oidPBEWithSHA3DES):
		keyLen = 24
	case p.oid.Equal(oidPBEWithSHARC2_128):
		keyLen = 16
	default:
		keyLen = 5
	}
	key := p12KDF(sha1.New, 64, pw, p.salt, p.iter, 1, keyLen)
	iv := p12KDF(sha1.New, 64, pw, p.salt, p.iter, 2, 8)
	if keyLen == 24 {
		b, err := des.NewTripleDESCipher(key)
		return b, iv, err
	}
	return newRC2(key, keyLen*8), iv, nil
}

// decrypt decrypts ciphertext with the algorithm alg (an
// AlgorithmIdentifier) and removes the PKCS#7 padding.
func pbeDecrypt(alg []byte, password string, ciphertext []byte) ([]byte, error) {
	p, err := parsePBE(alg)
	if err != nil {
		return nil, err
	}
	b, iv, err := p.block(password)
	if err != nil {
		return nil, err
	}
	bs := b.BlockSize()
	if len(ciphertext) == 0 || len(ciphertext)%bs != 0 {
		return nil, fmt.Errorf("%w: ciphertext of %d bytes", errDecrypt, len(ciphertext))
	}
	out := make([]byte, len(ciphertext))
	cipher.NewCBCDecrypter(b, iv).CryptBlocks(out, ciphertext)
	n := int(out[len(out)-1])
	if n == 0 || n > bs {
		return nil, errDecrypt
	}
	if subtle.ConstantTimeCompare(out[len(out)-n:], bytes.Repeat([]byte{byte(n)}, n)) != 1 {
		return nil, errDecrypt
	}
	return out[:len(out)-n], nil
}

// pbeEncrypt encrypts plaintext with the same scheme, iteration count, PRF
// and cipher as alg, under a new salt (and IV) of the same length derived
// from the old salt and the plaintext. It returns the new
// AlgorithmIdentifier and the ciphertext. The derivation makes the output
// a function of its input (the same store and certificates always give the
// same file, so that a second import writes nothing) while a change of
// content never reuses a key and IV. The plaintext is padded and
// encrypted in place, so the caller gives up its bytes; a capacity of one
// block more than its length saves a copy of it.
func pbeEncrypt(alg []byte, password string, plaintext []byte) ([]byte, []byte, error) {
	p, err := parsePBE(alg)
	if err != nil {
		return nil, nil, err
	}
	p.salt = derive("salt", p.salt, plaintext, len(p.salt))
	if p.iv != nil {
		p.iv = derive("iv", p.iv, plaintext, len(p.iv))
	}
	b, iv, err := p.block(password)
	if err != nil {
		return nil, nil, err
	}
	bs := b.BlockSize()
	n := bs - len(plaintext)%bs
	buf := plaintext
	for range n {
		buf = append(buf, byte(n))
	}
	cipher.NewCBCEncrypter(b, iv).CryptBlocks(buf, buf)
	return p.marshal(), buf, nil
}

// derive returns n bytes derived from label, old and data.
func derive(label string, old, data []byte, n int) []byte {
	var out []byte
	for ctr := byte(0); len(out) < n; ctr++ {
		h := sha256.New()
		h.Write([]byte("wso2-container/agent keystore " + label))
		h.Write([]byte{ctr})
		h.Write(old)
		h.Write(data)
		out = h.Sum(out)
	}
	return out[:n]
}

// marshal encodes the AlgorithmIdentifier.
func (p *pbeAlg) marshal() []byte {
	if !p.oid.Equal(oidPBES2) {
		return der(tagSequence, derOID(p.oid), der(tagSequence, der(tagOctetString, p.salt), derInt(p.iter)))
	}
	kp := [][]byte{der(tagOctetString, p.salt), derInt(p.iter)}
	if p.keyLen != 0 {
		kp = append(kp, derInt(p.keyLen))
	}
	if p.prf != nil {
		kp = append(kp, p.prf)
	}
	kdf := der(tagSequence, derOID(oidPBKDF2), der(tagSequence, kp...))
	enc := der(tagSequence, derOID(p.enc), der(tagOctetString, p.iv))
	return der(tagSequence, derOID(oidPBES2), der(tagSequence, kdf, enc))
}

// macData is a parsed PKCS12 MacData.
type macData struct {
	alg      []byte // DigestAlgorithmIdentifier as in the file
	hash     func() hash.Hash
	v        int
	digest   []byte
	salt     []byte
	iter     int
	iterSeen bool // the iterations field was present (it defaults to 1)
}

func parseMacData(t tlv) (*macData, error) {
	els, err := elements(t.content, "MAC")
	if err != nil {
		return nil, err
	}
	if len(els) < 2 || len(els) > 3 || els[0].tag != tagSequence || els[1].tag != tagOctetString {
		return nil, fmt.Errorf("MAC: %w", errDER)
	}
	di, err := elements(els[0].content, "MAC digest")
	if err != nil {
		return nil, err
	}
	if len(di) != 2 || di[0].tag != tagSequence || di[1].tag != tagOctetString {
		return nil, fmt.Errorf("MAC digest: %w", errDER)
	}
	ai, err := elements(di[0].content, "MAC algorithm")
	if err != nil {
		return nil, err
	}
	if len(ai) == 0 {
		return nil, fmt.Errorf("MAC algorithm: %w", errDER)
	}
	oid, err := oidOf(ai[0], "MAC algorithm")
	if err != nil {
		return nil, err
	}
	m := &macData{alg: di[0].full, digest: di[1].content, salt: els[1].content, iter: 1}
	var ok bool
	if m.hash, m.v, ok = digestByOID(oid); !ok {
		if oid.Equal(oidPBMAC1) {
			return nil, fmt.Errorf("%w: PBMAC1 integrity (RFC 9579)", ErrUnsupported)
		}
		return nil, fmt.Errorf("%w: MAC algorithm %s", ErrUnsupported, oid)
	}
	if len(els) == 3 {
		if m.iter, err = intOf(els[2], "MAC iterations"); err != nil {
			return nil, err
		}
		m.iterSeen = true
	}
	if m.iter < 1 || m.iter > maxIterations {
		return nil, fmt.Errorf("%w: %d MAC iterations", ErrUnsupported, m.iter)
	}
	return m, nil
}

// compute returns the MAC of data under password with m's parameters.
func (m *macData) compute(password string, salt, data []byte) []byte {
	key := p12KDF(m.hash, m.v, p12Password(password), salt, m.iter, 3, m.hash().Size())
	mac := hmac.New(m.hash, key)
	mac.Write(data)
	return mac.Sum(nil)
}

func (m *macData) verify(password string, data []byte) bool {
	return hmac.Equal(m.compute(password, m.salt, data), m.digest)
}

// marshal recomputes the MAC over data with a salt derived from the old
// one and data, and encodes the MacData.
func (m *macData) marshal(password string, data []byte) []byte {
	salt := derive("mac salt", m.salt, data, m.saltLen())
	return m.encode(salt, m.compute(password, salt, data))
}

// saltLen is the length of the salt marshal derives.
func (m *macData) saltLen() int { return max(len(m.salt), 8) }

// encodedLen is the length of what marshal returns, whatever the data.
func (m *macData) encodedLen() int {
	return len(m.encode(make([]byte, m.saltLen()), make([]byte, m.hash().Size())))
}

// encode encodes the MacData with salt and digest.
func (m *macData) encode(salt, digest []byte) []byte {
	parts := [][]byte{der(tagSequence, m.alg, der(tagOctetString, digest)), der(tagOctetString, salt)}
	if m.iterSeen {
		parts = append(parts, derInt(m.iter))
	}
	return der(tagSequence, parts...)
}
