package keystore

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// PKCS12 (RFC 7292) as Java's PKCS12 KeyStore reads and writes it:
//
//	PFX          SEQUENCE { 3, ContentInfo(data: AuthenticatedSafe), MacData OPTIONAL }
//	AuthSafe     SEQUENCE OF ContentInfo (data: SafeContents | encryptedData: SafeContents)
//	SafeContents SEQUENCE OF SafeBag { bagId, [0] bagValue, SET OF attribute OPTIONAL }
//
// The store is kept as the file's own pieces: a ContentInfo, a SafeBag or
// an attribute that is not changed is written back as its original bytes,
// so every alias, key, attribute and unknown element survives. Only the
// safe that receives or loses a certificate is re-encoded (and
// re-encrypted with its own algorithm), and the MAC, when the file has
// one, is recomputed with its own digest and iteration count.

var (
	oidData            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidEncryptedData   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
	oidKeyBag          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 1}
	oidShroudedKeyBag  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
	oidCertBag         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 3}
	oidX509Certificate = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 22, 1}
	oidFriendlyName    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 20}
	oidLocalKeyID      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 21}
	// oidJavaTrusted is Oracle's trustedKeyUsage attribute: Java's PKCS12
	// KeyStore lists a certificate bag as a trustedCertEntry only when it
	// carries it. keytool sets it to { anyExtendedKeyUsage }.
	oidJavaTrusted         = asn1.ObjectIdentifier{2, 16, 840, 1, 113894, 746875, 1, 1}
	oidAnyExtendedKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 37, 0}
	errOtherPassword       = errors.New("a PKCS12 store is written back with the password it was loaded with")
)

var (
	derFriendlyName = derOID(oidFriendlyName)
	derLocalKeyID   = derOID(oidLocalKeyID)
	derJavaTrusted  = derOID(oidJavaTrusted)
)

// p12Store is a loaded PKCS12 file.
type p12Store struct {
	raw      []byte // the file as loaded (trailing bytes excluded)
	password string
	safes    []*p12Safe
	mac      *macData // nil: the file has no integrity MAC
	dirty    bool
}

// p12Safe is one ContentInfo of the AuthenticatedSafe.
type p12Safe struct {
	raw       []byte // the ContentInfo as in the file
	encrypted bool   // encryptedData; else data
	opaque    bool   // a content type this package does not read: kept as is
	alg       []byte // encryption AlgorithmIdentifier (encrypted only)
	bags      []*p12Bag
	dirty     bool
}

// p12Bag is one SafeBag.
type p12Bag struct {
	raw     []byte // the SafeBag as in the file; nil once changed
	id      asn1.ObjectIdentifier
	value   []byte   // the bagValue element inside [0]
	attrs   [][]byte // each attribute as in the file
	alias   string   // friendlyName ("" if none)
	named   bool
	keyID   []byte // localKeyId
	trusted bool   // carries Java's trustedKeyUsage attribute
	cert    []byte // DER of an X.509 certificate bag
}

func (b *p12Bag) isKey() bool  { return b.id.Equal(oidKeyBag) || b.id.Equal(oidShroudedKeyBag) }
func (b *p12Bag) isCert() bool { return b.cert != nil }

func (b *p12Bag) encode() []byte {
	if b.raw != nil {
		return b.raw
	}
	parts := [][]byte{derOID(b.id), der(tagCtx0, b.value)}
	if len(b.attrs) > 0 {
		parts = append(parts, der(tagSet, b.attrs...))
	}
	return der(tagSequence, parts...)
}

// loadPKCS12 parses data and checks its MAC, if it has one, with password.
// Encrypted safes are decrypted with password.
func loadPKCS12(data []byte, password string) (*p12Store, error) {
	pfx, els, auth, err := pfxOutline(data)
	if err != nil {
		return nil, corrupt(err)
	}
	s := &p12Store{raw: pfx.full, password: password}
	if len(els) == 3 {
		if els[2].tag != tagSequence {
			return nil, corrupt(fmt.Errorf("MAC: %w", errDER))
		}
		m, err := parseMacData(els[2])
		if err != nil {
			return nil, macError(err)
		}
		if !m.verify(password, auth) {
			return nil, ErrWrongPassword
		}
		s.mac = m
	}
	cis, err := authSafes(auth)
	if err != nil {
		return nil, corrupt(err)
	}
	for i, ci := range cis {
		sf, err := loadSafe(ci, password)
		if err != nil {
			if errors.Is(err, ErrWrongPassword) || errors.Is(err, ErrUnsupported) {
				return nil, fmt.Errorf("safe %d: %w", i, err)
			}
			return nil, corrupt(fmt.Errorf("safe %d: %w", i, err))
		}
		s.safes = append(s.safes, sf)
	}
	return s, nil
}

// pfxOutline splits a PFX into the PFX element, its elements (version 3,
// the authenticated safe's ContentInfo and, when there is one, the MAC)
// and the bytes of the authenticated safe, which the MAC covers.
func pfxOutline(data []byte) (pfx tlv, els []tlv, auth []byte, err error) {
	if pfx, _, err = expect(data, tagSequence, "PFX"); err != nil {
		return tlv{}, nil, nil, err
	}
	if els, err = elements(pfx.content, "PFX"); err != nil {
		return tlv{}, nil, nil, err
	}
	if len(els) < 2 || len(els) > 3 {
		return tlv{}, nil, nil, fmt.Errorf("PFX has %d elements", len(els))
	}
	if v, err := intOf(els[0], "PFX version"); err != nil || v != 3 {
		return tlv{}, nil, nil, fmt.Errorf("PFX version is not 3")
	}
	ctype, content, err := contentInfo(els[1])
	if err != nil {
		return tlv{}, nil, nil, fmt.Errorf("authenticated safe: %w", err)
	}
	if !ctype.Equal(oidData) {
		return tlv{}, nil, nil, fmt.Errorf("%w: public-key protected PKCS12 (content type %s)", ErrUnsupported, ctype)
	}
	os, rest, err := expect(content, tagOctetString, "authenticated safe")
	if err == nil && len(rest) > 0 {
		err = errors.New("trailing bytes")
	}
	if err != nil {
		return tlv{}, nil, nil, err
	}
	return pfx, els, os.content, nil
}

// authSafes splits the authenticated safe auth into its ContentInfos.
func authSafes(auth []byte) ([]tlv, error) {
	seq, rest, err := expect(auth, tagSequence, "authenticated safe")
	if err == nil && len(rest) > 0 {
		err = errors.New("trailing bytes")
	}
	if err != nil {
		return nil, err
	}
	return elements(seq.content, "authenticated safe")
}

// PasswordFree reports whether data is a PKCS12 store that its password
// neither authenticates nor encrypts: it has no integrity MAC, every part
// of it is plain data, and no bag in it is an encrypted private key (API
// Manager 4.x's client-truststore.jks is such a store). Java lists such a
// store with any password, Load opens it with any, and Marshal writes it
// the same whatever the password. Anything else, a JKS store or bytes that
// are not a well-formed PKCS12 outline, gives false. It reads the outline
// and each bag's type only.
func PasswordFree(data []byte) bool {
	_, els, auth, err := pfxOutline(data)
	if err != nil || len(els) != 2 { // 3: a MAC
		return false
	}
	cis, err := authSafes(auth)
	if err != nil {
		return false
	}
	shrouded := derOID(oidShroudedKeyBag)
	for _, ci := range cis {
		t, content, err := contentInfo(ci)
		if err != nil || !t.Equal(oidData) {
			return false
		}
		os, rest, err := expect(content, tagOctetString, "safe")
		if err != nil || len(rest) > 0 {
			return false
		}
		bags, rest, err := expect(os.content, tagSequence, "safe")
		if err != nil || len(rest) > 0 {
			return false
		}
		for b := bags.content; len(b) > 0; {
			var bag tlv
			if bag, b, err = readTLV(b); err != nil {
				return false
			}
			id, _, err := readTLV(bag.content)
			if err != nil || bytes.Equal(id.full, shrouded) {
				return false
			}
		}
	}
	return true
}

func corrupt(err error) error {
	if errors.Is(err, ErrUnsupported) {
		return err
	}
	return fmt.Errorf("%w: PKCS12: %v", ErrCorrupt, err)
}

func macError(err error) error {
	if errors.Is(err, ErrUnsupported) {
		return err
	}
	return corrupt(err)
}

// contentInfo splits a ContentInfo into its type and the element inside
// [0].
func contentInfo(t tlv) (asn1.ObjectIdentifier, []byte, error) {
	if t.tag != tagSequence {
		return nil, nil, fmt.Errorf("content info: %w", errDER)
	}
	els, err := elements(t.content, "content info")
	if err != nil {
		return nil, nil, err
	}
	if len(els) != 2 || els[1].tag != tagCtx0 {
		return nil, nil, fmt.Errorf("content info: %w", errDER)
	}
	oid, err := oidOf(els[0], "content type")
	if err != nil {
		return nil, nil, err
	}
	return oid, els[1].content, nil
}

func loadSafe(ci tlv, password string) (*p12Safe, error) {
	sf := &p12Safe{raw: ci.full}
	ctype, content, err := contentInfo(ci)
	if err != nil {
		return nil, err
	}
	var plain []byte
	switch {
	case ctype.Equal(oidData):
		os, rest, err := expect(content, tagOctetString, "data")
		if err != nil {
			return nil, err
		}
		if len(rest) > 0 {
			return nil, fmt.Errorf("data: %w: trailing bytes", errDER)
		}
		plain = os.content
	case ctype.Equal(oidEncryptedData):
		sf.encrypted = true
		ed, rest, err := expect(content, tagSequence, "encrypted data")
		if err != nil {
			return nil, err
		}
		if len(rest) > 0 {
			return nil, fmt.Errorf("encrypted data: %w: trailing bytes", errDER)
		}
		els, err := elements(ed.content, "encrypted data")
		if err != nil {
			return nil, err
		}
		if len(els) != 2 || els[1].tag != tagSequence {
			// [1] unprotectedAttrs would be lost on rewrite: Java and
			// OpenSSL never write them.
			return nil, fmt.Errorf("%w: encrypted data with %d elements", ErrUnsupported, len(els))
		}
		if _, err := intOf(els[0], "encrypted data version"); err != nil {
			return nil, err
		}
		eci, err := elements(els[1].content, "encrypted content info")
		if err != nil {
			return nil, err
		}
		if len(eci) != 3 || eci[1].tag != tagSequence {
			return nil, fmt.Errorf("encrypted content info: %w", errDER)
		}
		if t, err := oidOf(eci[0], "encrypted content type"); err != nil {
			return nil, err
		} else if !t.Equal(oidData) {
			return nil, fmt.Errorf("%w: encrypted content type %s", ErrUnsupported, t)
		}
		if eci[2].tag != tagCtx0Prim {
			return nil, fmt.Errorf("%w: constructed encrypted content (BER)", ErrUnsupported)
		}
		sf.alg = eci[1].full
		plain, err = pbeDecrypt(sf.alg, password, eci[2].content)
		if err != nil {
			if errors.Is(err, errDecrypt) {
				return nil, ErrWrongPassword
			}
			return nil, err
		}
	default:
		sf.opaque = true
		return sf, nil
	}
	seq, rest, err := expect(plain, tagSequence, "safe contents")
	if err != nil {
		if sf.encrypted {
			// A wrong password can decrypt to valid padding by chance.
			return nil, ErrWrongPassword
		}
		return nil, err
	}
	if len(rest) > 0 {
		return nil, fmt.Errorf("safe contents: %w: trailing bytes", errDER)
	}
	bags, err := elements(seq.content, "safe contents")
	if err != nil {
		return nil, err
	}
	for i, b := range bags {
		bag, err := loadBag(b)
		if err != nil {
			return nil, fmt.Errorf("bag %d: %w", i, err)
		}
		sf.bags = append(sf.bags, bag)
	}
	return sf, nil
}

func loadBag(t tlv) (*p12Bag, error) {
	if t.tag != tagSequence {
		return nil, fmt.Errorf("safe bag: %w", errDER)
	}
	els, err := elements(t.content, "safe bag")
	if err != nil {
		return nil, err
	}
	if len(els) < 2 || len(els) > 3 || els[1].tag != tagCtx0 {
		return nil, fmt.Errorf("safe bag: %w", errDER)
	}
	id, err := oidOf(els[0], "bag type")
	if err != nil {
		return nil, err
	}
	b := &p12Bag{raw: t.full, id: id, value: els[1].content}
	if _, rest, err := readTLV(b.value); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("bag value: %w", errDER)
	}
	if len(els) == 3 {
		if els[2].tag != tagSet {
			return nil, fmt.Errorf("bag attributes: %w", errDER)
		}
		attrs, err := elements(els[2].content, "bag attributes")
		if err != nil {
			return nil, err
		}
		for _, a := range attrs {
			b.attrs = append(b.attrs, a.full)
			if err := b.readAttr(a); err != nil {
				return nil, err
			}
		}
	}
	if id.Equal(oidCertBag) {
		if b.cert, err = certBagDER(b.value); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// readAttr interprets the attributes Java uses.
func (b *p12Bag) readAttr(a tlv) error {
	if a.tag != tagSequence {
		return fmt.Errorf("attribute: %w", errDER)
	}
	els, err := elements(a.content, "attribute")
	if err != nil {
		return err
	}
	if len(els) != 2 || els[1].tag != tagSet {
		return fmt.Errorf("attribute: %w", errDER)
	}
	if els[0].tag != tagOID {
		return fmt.Errorf("attribute type: %w", errDER)
	}
	vals, err := elements(els[1].content, "attribute values")
	if err != nil {
		return err
	}
	// Compared as DER: a bag has several attributes and a store hundreds
	// of bags, and decoding each OID would dominate loading.
	switch typ := els[0].full; {
	case bytes.Equal(typ, derFriendlyName):
		if len(vals) != 1 || vals[0].tag != tagBMPString {
			return fmt.Errorf("friendlyName: %w", errDER)
		}
		if b.alias, err = decodeBMP(vals[0].content); err != nil {
			return err
		}
		b.named = true
	case bytes.Equal(typ, derLocalKeyID):
		if len(vals) != 1 || vals[0].tag != tagOctetString {
			return fmt.Errorf("localKeyId: %w", errDER)
		}
		b.keyID = vals[0].content
	case bytes.Equal(typ, derJavaTrusted):
		b.trusted = true
	}
	return nil
}

// certBagDER returns the certificate of a CertBag value, or nil for a
// certificate type other than X.509 (kept, never listed).
func certBagDER(v []byte) ([]byte, error) {
	seq, _, err := expect(v, tagSequence, "certificate bag")
	if err != nil {
		return nil, err
	}
	els, err := elements(seq.content, "certificate bag")
	if err != nil {
		return nil, err
	}
	if len(els) != 2 || els[1].tag != tagCtx0 {
		return nil, fmt.Errorf("certificate bag: %w", errDER)
	}
	typ, err := oidOf(els[0], "certificate type")
	if err != nil {
		return nil, err
	}
	if !typ.Equal(oidX509Certificate) {
		return nil, nil
	}
	os, rest, err := expect(els[1].content, tagOctetString, "certificate")
	if err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("certificate: %w", errDER)
	}
	if len(os.content) == 0 {
		return nil, fmt.Errorf("certificate: empty")
	}
	return os.content, nil
}

// entries describes the store as Java's PKCS12 KeyStore lists it: a bag
// with a friendlyName that is a private key (its chain found through the
// localKeyId and then issuer names), or a certificate with the
// trustedKeyUsage attribute. Other bags are kept but not listed. Aliases
// are lowercased, as Java lists them (the file keeps the friendlyName as
// stored). The returned map goes from lowercased alias to the bag.
func (s *p12Store) entries() ([]Entry, map[string]*p12Bag, error) {
	var certs []*p12Bag
	for _, sf := range s.safes {
		for _, b := range sf.bags {
			if b.isCert() {
				certs = append(certs, b)
			}
		}
	}
	var out []Entry
	byAlias := map[string]*p12Bag{}
	add := func(b *p12Bag, e Entry) error {
		low := strings.ToLower(b.alias)
		if _, dup := byAlias[low]; dup {
			return fmt.Errorf("%w: PKCS12: duplicate alias %q", ErrCorrupt, b.alias)
		}
		byAlias[low] = b
		out = append(out, e)
		return nil
	}
	for _, sf := range s.safes {
		for _, b := range sf.bags {
			switch {
			case !b.named:
				// Java names such entries "1", "2", ...; the agent never
				// adds them and leaves them alone.
			case b.isKey():
				chain := keyChain(b, certs)
				var first []byte
				if len(chain) > 0 {
					first = chain[0]
				}
				if err := add(b, describe(strings.ToLower(b.alias), false, created(b.keyID), first, len(chain), nil)); err != nil {
					return nil, nil, err
				}
			case b.isCert() && b.trusted:
				if err := add(b, describe(strings.ToLower(b.alias), true, created(b.keyID), b.cert, 1, nil)); err != nil {
					return nil, nil, err
				}
			}
		}
	}
	return out, byAlias, nil
}

// created returns the date Java encodes in a localKeyId "Time <ms>".
func created(keyID []byte) time.Time {
	if ms, ok := strings.CutPrefix(string(keyID), "Time "); ok {
		if n, err := strconv.ParseInt(ms, 10, 64); err == nil {
			return time.UnixMilli(n)
		}
	}
	return time.Time{}
}

// keyChain returns the certificate chain of a key bag as Java builds it:
// the certificate with the same localKeyId, then issuers by name.
func keyChain(key *p12Bag, certs []*p12Bag) [][]byte {
	if key.keyID == nil {
		return nil
	}
	var leaf *p12Bag
	for _, c := range certs {
		if bytes.Equal(c.keyID, key.keyID) {
			leaf = c
			break
		}
	}
	if leaf == nil {
		return nil
	}
	chain := [][]byte{leaf.cert}
	cur, err := x509.ParseCertificate(leaf.cert)
	if err != nil || bytes.Equal(cur.RawIssuer, cur.RawSubject) {
		return chain
	}
	parsed := make([]*x509.Certificate, len(certs))
	for i, c := range certs {
		parsed[i], _ = x509.ParseCertificate(c.cert)
	}
	for len(chain) < 16 && !bytes.Equal(cur.RawIssuer, cur.RawSubject) {
		var next *x509.Certificate
		for _, pc := range parsed {
			if pc != nil && bytes.Equal(pc.RawSubject, cur.RawIssuer) && !inChain(chain, pc.Raw) {
				next = pc
				break
			}
		}
		if next == nil {
			break
		}
		chain = append(chain, next.Raw)
		cur = next
	}
	return chain
}

func inChain(chain [][]byte, der []byte) bool {
	for _, c := range chain {
		if bytes.Equal(c, der) {
			return true
		}
	}
	return false
}

// newTrustedBag builds a certificate bag as keytool writes a trusted
// certificate: friendlyName and trustedKeyUsage = { anyExtendedKeyUsage }.
func newTrustedBag(alias string, cert []byte) *p12Bag {
	b := &p12Bag{id: oidCertBag, alias: alias, named: true, trusted: true, cert: cert}
	b.value = certBagValue(cert)
	b.attrs = [][]byte{
		der(tagSequence, derOID(oidFriendlyName), der(tagSet, der(tagBMPString, bmpString(alias)))),
		der(tagSequence, derOID(oidJavaTrusted), der(tagSet, derOID(oidAnyExtendedKeyUsage))),
	}
	return b
}

func certBagValue(cert []byte) []byte {
	return der(tagSequence, derOID(oidX509Certificate), der(tagCtx0, der(tagOctetString, cert)))
}

// replaceCert puts cert into the bag, keeping its attributes (and so its
// alias) byte for byte.
func (b *p12Bag) replaceCert(cert []byte) {
	b.cert = cert
	b.value = certBagValue(cert)
	b.raw = nil
}

// safeFor returns the safe a new trusted certificate goes into: the one
// holding the first trusted certificate, else the first holding any
// certificate, else a new unencrypted safe.
func (s *p12Store) safeFor() *p12Safe {
	var anyCert *p12Safe
	for _, sf := range s.safes {
		for _, b := range sf.bags {
			if b.isCert() && b.trusted {
				return sf
			}
			if b.isCert() && anyCert == nil {
				anyCert = sf
			}
		}
	}
	if anyCert != nil {
		return anyCert
	}
	sf := &p12Safe{}
	s.safes = append(s.safes, sf)
	return sf
}

// safeOf returns the safe holding b.
func (s *p12Store) safeOf(b *p12Bag) *p12Safe {
	for _, sf := range s.safes {
		for _, x := range sf.bags {
			if x == b {
				return sf
			}
		}
	}
	return nil
}

// marshal encodes the store. An unchanged store gives back the bytes it
// was loaded from.
func (s *p12Store) marshal(password string) ([]byte, error) {
	if password != s.password {
		return nil, fmt.Errorf("%w: %w", ErrPassword, errOtherPassword)
	}
	if !s.dirty {
		return bytes.Clone(s.raw), nil
	}
	// The file is written as one tree of nodes into a buffer of its exact
	// size: only a re-encrypted safe's plaintext is a second copy.
	cis := make([]node, 0, len(s.safes))
	for _, sf := range s.safes {
		if !sf.dirty && sf.raw != nil {
			cis = append(cis, rawNode(sf.raw))
			continue
		}
		bags := make([]node, len(sf.bags))
		for i, b := range sf.bags {
			bags[i] = rawNode(b.encode())
		}
		plain := wrap(tagSequence, bags...)
		if !sf.encrypted {
			cis = append(cis, wrap(tagSequence, rawNode(derOID(oidData)), wrap(tagCtx0, wrap(tagOctetString, plain))))
			continue
		}
		n := plain.size()
		alg, ct, err := pbeEncrypt(sf.alg, password, plain.appendTo(make([]byte, 0, n+maxBlockSize)))
		if err != nil {
			return nil, fmt.Errorf("encrypt certificates: %w", err)
		}
		eci := wrap(tagSequence, rawNode(derOID(oidData)), rawNode(alg), wrap(tagCtx0Prim, rawNode(ct)))
		cis = append(cis, wrap(tagSequence, rawNode(derOID(oidEncryptedData)), wrap(tagCtx0, wrap(tagSequence, rawNode(derInt(0)), eci))))
	}
	authSafe := wrap(tagSequence, cis...)
	authLen := authSafe.size()
	content := wrap(tagSequence, rawNode(derOID(oidData)), wrap(tagCtx0, wrap(tagOctetString, authSafe)))
	version := derInt(3)
	n := len(version) + content.size()
	macLen := 0
	if s.mac != nil {
		macLen = s.mac.encodedLen()
		n += macLen
	}
	out := appendHeader(make([]byte, 0, headerLen(n)+n), tagSequence, n)
	out = append(out, version...)
	out = content.appendTo(out)
	if s.mac != nil {
		// The authenticated safe is the end of what is written so far.
		mac := s.mac.marshal(password, out[len(out)-authLen:])
		if len(mac) != macLen {
			return nil, fmt.Errorf("encode MAC: %d bytes where %d were sized", len(mac), macLen)
		}
		out = append(out, mac...)
	}
	return out, nil
}

// maxBlockSize is the largest block of the ciphers pbeEncrypt uses (AES):
// room for the padding it adds in place.
const maxBlockSize = 16

// setTrustedP12 is SetTrusted for a PKCS12 store; low is the checked,
// lowercased alias.
func (s *Store) setTrustedP12(low string, der []byte, cert *x509.Certificate) (bool, error) {
	if b, ok := s.bags[low]; ok {
		old := s.info[low]
		if !old.Trusted {
			return false, fmt.Errorf("set %q: %w", low, ErrPrivateKeyEntry)
		}
		if bytes.Equal(old.DER, der) {
			return false, nil
		}
		der = bytes.Clone(der)
		b.replaceCert(der)
		s.p12.safeOf(b).dirty = true
		s.p12.dirty = true
		s.info[low] = describe(low, true, old.Created, der, 1, cert)
		return true, nil
	}
	der = bytes.Clone(der)
	b := newTrustedBag(low, der)
	sf := s.p12.safeFor()
	sf.bags = append(sf.bags, b)
	sf.dirty = true
	s.p12.dirty = true
	s.bags[low] = b
	s.info[low] = describe(low, true, time.Time{}, der, 1, cert)
	return true, nil
}

// privateKeyP12 is PrivateKey for a PKCS12 store.
func (s *Store) privateKeyP12(e Entry, keyPassword string) ([]byte, [][]byte, error) {
	b := s.bags[strings.ToLower(e.Alias)]
	var certs []*p12Bag
	for _, sf := range s.p12.safes {
		for _, c := range sf.bags {
			if c.isCert() {
				certs = append(certs, c)
			}
		}
	}
	chain := keyChain(b, certs)
	key := b.value
	if b.id.Equal(oidShroudedKeyBag) {
		seq, _, err := expect(b.value, tagSequence, "encrypted private key")
		if err != nil {
			return nil, nil, fmt.Errorf("private key %q: %w: %v", e.Alias, ErrCorrupt, err)
		}
		els, err := elements(seq.content, "encrypted private key")
		if err != nil || len(els) != 2 || els[0].tag != tagSequence || els[1].tag != tagOctetString {
			return nil, nil, fmt.Errorf("private key %q: %w: malformed encrypted private key", e.Alias, ErrCorrupt)
		}
		key, err = pbeDecrypt(els[0].full, keyPassword, els[1].content)
		switch {
		case errors.Is(err, errDecrypt):
			return nil, nil, fmt.Errorf("private key %q: %w", e.Alias, ErrWrongPassword)
		case errors.Is(err, ErrUnsupported):
			return nil, nil, fmt.Errorf("private key %q: %w", e.Alias, err)
		case err != nil:
			return nil, nil, fmt.Errorf("private key %q: %w: %v", e.Alias, ErrCorrupt, err)
		}
	}
	if _, err := x509.ParsePKCS8PrivateKey(key); err != nil {
		if b.id.Equal(oidShroudedKeyBag) {
			// The padding checked out by chance under a wrong password.
			return nil, nil, fmt.Errorf("private key %q: %w", e.Alias, ErrWrongPassword)
		}
		return nil, nil, fmt.Errorf("private key %q: %w: %v", e.Alias, ErrCorrupt, err)
	}
	return bytes.Clone(key), chain, nil
}
