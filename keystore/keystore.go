// Package keystore reads, edits and writes Java keystores: JKS and PKCS12,
// each written back in its own format.
//
// JKS goes through github.com/pavlo-v-chernykh/keystore-go/v4; PKCS12 is
// read and written by this package (see pkcs12.go), because no Go library
// edits a PKCS12 store in place without losing its aliases. The rules a JVM
// needs and a container entrypoint can afford:
//
//   - Aliases are lowercased when set, as keytool and Java's JKS provider do
//     (mixed-case aliases in a JKS are unusable by Java). Entries already in a
//     file keep their alias bytes exactly.
//   - Passwords are converted as Java does (see JavaPassword): a password with
//     a character above U+00FF is refused instead of producing a store that
//     Java cannot open.
//   - Before any byte reaches keystore-go, the whole file structure is walked
//     and every length field is checked against the bytes that remain, so that
//     arbitrary input yields ErrCorrupt, never a panic or a huge allocation.
//   - Entries are written in alias order, so the same store always marshals to
//     the same bytes (private keys added in this process excepted: their
//     encryption uses a random salt).
//   - The format is recognised by the first bytes (FE ED FE ED is JKS, a DER
//     SEQUENCE holding INTEGER 3 is PKCS12), never by file name: WSO2 API
//     Manager 4.4/4.5 ship PKCS12 files named .jks. A store is never
//     converted. JCEKS is refused with ErrUnsupported.
//   - A PKCS12 store keeps everything this package does not change as the
//     file's own bytes: entries, aliases (as stored, commas and spaces
//     included), keys, attributes, the integrity MAC or its absence, and
//     each safe's encryption. A certificate added is marked trusted the way
//     keytool does (Oracle's trustedKeyUsage attribute), so that Java lists
//     it as a trustedCertEntry. Aliases compare case-insensitively, as Java
//     lowercases them when it loads a PKCS12 file.
//
// It must not know WSO2, its products or their keystore names, nor files or
// environment variables: it works on byte slices and returns errors
// wrapping the sentinel errors below.
package keystore

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	jks "github.com/pavlo-v-chernykh/keystore-go/v4"
)

// MaxSize is the largest keystore Load accepts (64 MiB). WSO2's stock
// truststore is about 100 KiB.
const MaxSize = 64 << 20

// Errors returned (wrapped) by this package. Test with errors.Is.
var (
	// ErrUnsupported means a Java keystore format other than JKS or PKCS12
	// (JCEKS), or a PKCS12 feature this package does not read (an unknown
	// encryption or MAC algorithm, public-key protection, BER encoding), or
	// an operation the store's format does not offer here.
	ErrUnsupported = errors.New("unsupported keystore format")
	// ErrCorrupt means the data is not a well-formed JKS or PKCS12 keystore
	// (truncated, wrong magic, impossible lengths, duplicate aliases).
	ErrCorrupt = errors.New("not a valid keystore")
	// ErrWrongPassword means the integrity digest (or a private key's
	// digest) did not match: the password is wrong or the file was modified.
	// keytool says "Keystore was tampered with, or password was incorrect".
	ErrWrongPassword = errors.New("wrong password, or the keystore was modified")
	// ErrPassword means a password Java cannot represent in a JKS (a
	// character above U+00FF, or invalid UTF-8), or a PKCS12 store being
	// written with another password than the one it was loaded with.
	ErrPassword = errors.New("password not usable for this keystore")
	// ErrAlias means an alias that is empty, too long, or not printable ASCII.
	ErrAlias = errors.New("invalid alias")
	// ErrCertificate means bytes that are not a DER X.509 certificate.
	ErrCertificate = errors.New("not an X.509 certificate")
	// ErrPrivateKeyEntry means an attempt to replace a private key entry
	// with a trusted certificate.
	ErrPrivateKeyEntry = errors.New("alias holds a private key entry")
	// ErrNotFound means no entry of the wanted kind under the alias.
	ErrNotFound = errors.New("no such entry")
)

// Format is the kind of a keystore file, recognised by its first bytes.
type Format int

// Keystore formats.
const (
	Unknown Format = iota // none of the below
	JKS                   // magic FE ED FE ED
	PKCS12                // DER SEQUENCE { INTEGER 3, ... } (RFC 7292 PFX)
	JCEKS                 // magic CE CE CE CE
)

func (f Format) String() string {
	switch f {
	case JKS:
		return "JKS"
	case PKCS12:
		return "PKCS12"
	case JCEKS:
		return "JCEKS"
	}
	return "unknown"
}

const (
	magicJKS   = 0xFEEDFEED
	magicJCEKS = 0xCECECECE
)

// DetectFormat tells the format of a keystore from its first bytes. The file
// name extension plays no part: Java itself loads a .jks that is PKCS12.
func DetectFormat(data []byte) Format {
	if len(data) >= 4 {
		switch be32(data) {
		case magicJKS:
			return JKS
		case magicJCEKS:
			return JCEKS
		}
	}
	if isPFX(data) {
		return PKCS12
	}
	return Unknown
}

// isPFX reports whether data starts like a PKCS12 PFX: a DER SEQUENCE whose
// first element is INTEGER 3.
func isPFX(d []byte) bool {
	if len(d) < 2 || d[0] != 0x30 {
		return false
	}
	i := 2
	if l := d[1]; l&0x80 != 0 {
		n := int(l & 0x7f)
		if n == 0 || n > 4 {
			return false
		}
		i += n
	}
	return len(d) >= i+3 && d[i] == 0x02 && d[i+1] == 0x01 && d[i+2] == 0x03
}

// JavaPassword returns the bytes keystore-go must be given so that the
// result matches what Java computes for the same password: Java hashes each
// UTF-16 char, keystore-go widens each byte to a char, so every rune up to
// U+00FF becomes one Latin-1 byte. A rune above U+00FF (or invalid UTF-8)
// gives ErrPassword; the error names the character position, never the
// character.
func JavaPassword(pw string) ([]byte, error) {
	b := make([]byte, 0, len(pw))
	pos := 0
	for i := 0; i < len(pw); {
		r, size := utf8.DecodeRuneInString(pw[i:])
		pos++
		if r == utf8.RuneError && size == 1 {
			return nil, fmt.Errorf("%w: character %d is not valid UTF-8", ErrPassword, pos)
		}
		if r > 0xFF {
			return nil, fmt.Errorf("%w: character %d is above U+00FF (a JKS password may use only Latin-1 characters)", ErrPassword, pos)
		}
		b = append(b, byte(r))
		i += size
	}
	return b, nil
}

// Entry describes one keystore entry.
type Entry struct {
	Alias    string    // JKS: as stored (lowercase for entries this package set); PKCS12: lowercased, as Java lists it
	Trusted  bool      // trustedCertEntry; false: PrivateKeyEntry
	Created  time.Time // creation date recorded in the store
	SHA256   string    // fingerprint of the (first) certificate, upper-case hex with colons, as keytool prints it
	Subject  string    // subject of the (first) certificate; empty if it does not parse
	NotAfter time.Time // expiry of the (first) certificate; zero if it does not parse
	Chain    int       // number of certificates (1 for a trusted entry)
	DER      []byte    // the (first) certificate, DER: the store's own bytes (shared with the data it was loaded from), not to be modified
}

// Store is a JKS or PKCS12 keystore in memory. The zero value is not
// usable; use New or Load.
type Store struct {
	ks   jks.KeyStore
	p12  *p12Store          // non-nil: a PKCS12 store (ks unused)
	bags map[string]*p12Bag // PKCS12: lowercased alias -> bag
	info map[string]Entry   // alias (JKS: as stored; PKCS12: lowercased) -> entry description
}

// New returns an empty JKS store.
func New() *Store {
	return &Store{ks: jks.New(jks.WithOrderedAliases()), info: map[string]Entry{}}
}

// Format returns the store's format, JKS or PKCS12. Marshal writes it in
// the same format.
func (s *Store) Format() Format {
	if s.p12 != nil {
		return PKCS12
	}
	return JKS
}

// HasMAC reports whether a PKCS12 store carries an integrity MAC (always
// true for JKS, whose digest is mandatory). A PKCS12 file without one
// lists with any password, as in Java.
func (s *Store) HasMAC() bool { return s.p12 == nil || s.p12.mac != nil }

// Load parses a keystore, choosing JKS or PKCS12 by content (DetectFormat),
// and verifies its integrity digest or MAC with password. A PKCS12 file
// without a MAC loads with any password, as Java's does, unless it has
// encrypted parts, which need the right password. Errors wrap
// ErrUnsupported, ErrCorrupt, ErrWrongPassword or ErrPassword. Data longer
// than MaxSize is ErrCorrupt. Bytes after the JKS digest or the PKCS12 PFX
// are ignored, as Java ignores them (and are not written back). The store
// keeps parts of data, which the caller must not change afterwards.
func Load(data []byte, password string) (*Store, error) {
	format := DetectFormat(data)
	switch format {
	case JKS, PKCS12:
	case JCEKS:
		return nil, fmt.Errorf("%w: JCEKS", ErrUnsupported)
	default:
		return nil, fmt.Errorf("%w: unknown file format (no JKS or PKCS12 header)", ErrCorrupt)
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes is larger than %d", ErrCorrupt, len(data), MaxSize)
	}
	if format == PKCS12 {
		return loadP12(data, password)
	}
	pw, err := JavaPassword(password)
	if err != nil {
		return nil, err
	}
	entries, err := scan(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	s := New()
	if err := s.ks.Load(bytes.NewReader(data), pw); err != nil {
		if strings.Contains(err.Error(), "invalid digest") {
			return nil, ErrWrongPassword
		}
		// scan accepted the structure, so this is unexpected.
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	for _, e := range entries {
		s.info[e.Alias] = e
	}
	return s, nil
}

func loadP12(data []byte, password string) (*Store, error) {
	if !utf8.ValidString(password) {
		return nil, fmt.Errorf("%w: not valid UTF-8", ErrPassword)
	}
	p, err := loadPKCS12(data, password)
	if err != nil {
		return nil, err
	}
	entries, bags, err := p.entries()
	if err != nil {
		return nil, err
	}
	s := &Store{p12: p, bags: bags, info: make(map[string]Entry, len(entries))}
	for _, e := range entries {
		s.info[e.Alias] = e
	}
	return s, nil
}

// Len returns the number of entries.
func (s *Store) Len() int { return len(s.info) }

// Entries returns every entry, ordered by alias.
func (s *Store) Entries() []Entry {
	out := make([]Entry, 0, len(s.info))
	for _, e := range s.info {
		out = append(out, complete(e))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Alias < out[j].Alias })
	return out
}

// Entry returns the entry stored under alias (compared case-insensitively,
// as Java does for aliases it sets).
func (s *Store) Entry(alias string) (Entry, bool) {
	if e, ok := s.info[strings.ToLower(alias)]; ok {
		return complete(e), true
	}
	if raw, ok := s.findFold(alias); ok {
		return complete(s.info[raw]), true
	}
	return Entry{}, false
}

func (s *Store) findFold(alias string) (string, bool) {
	for a := range s.info {
		if strings.EqualFold(a, alias) {
			return a, true
		}
	}
	return "", false
}

// checkAlias lowercases alias and checks that Java and keytool can use it:
// 1 to 255 printable ASCII characters.
func checkAlias(alias string) (string, error) {
	if alias == "" || len(alias) > 255 {
		return "", fmt.Errorf("%w %q: must be 1 to 255 characters", ErrAlias, alias)
	}
	for i := 0; i < len(alias); i++ {
		if c := alias[i]; c < 0x20 || c > 0x7e {
			return "", fmt.Errorf("%w %q: only printable ASCII characters are allowed", ErrAlias, alias)
		}
	}
	low := strings.ToLower(alias)
	return low, nil
}

// SetTrusted stores the DER certificate der as a trusted certificate entry
// under alias (lowercased). If the alias already holds exactly this
// certificate nothing changes and changed is false; a different certificate
// is replaced (in a JKS its creation date becomes created; PKCS12 records no
// dates). It refuses to replace a private key entry (ErrPrivateKeyEntry),
// and it never touches other aliases. In a JKS an entry whose stored alias
// differs only in case is refused (ErrAlias: Java could not use it); in a
// PKCS12 it is the same alias (Java lowercases them) and is replaced, its
// stored alias kept as it was.
func (s *Store) SetTrusted(alias string, der []byte, created time.Time) (changed bool, err error) {
	low, err := checkAlias(alias)
	if err != nil {
		return false, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return false, fmt.Errorf("%w: %v", ErrCertificate, err)
	}
	if s.p12 != nil {
		return s.setTrustedP12(low, der, cert)
	}
	if old, ok := s.info[low]; ok {
		if !old.Trusted {
			return false, fmt.Errorf("set %q: %w", low, ErrPrivateKeyEntry)
		}
		if bytes.Equal(old.DER, der) {
			return false, nil
		}
	} else if raw, ok := s.findFold(low); ok {
		return false, fmt.Errorf("%w %q: the store already has %q, which differs only in case", ErrAlias, low, raw)
	}
	der = bytes.Clone(der)
	err = s.ks.SetTrustedCertificateEntry(low, jks.TrustedCertificateEntry{
		CreationTime: created,
		Certificate:  jks.Certificate{Type: "X.509", Content: der},
	})
	if err != nil {
		return false, fmt.Errorf("set %q: %w", low, err)
	}
	s.info[low] = describe(low, true, created, der, 1, cert)
	return true, nil
}

// SetPrivateKey stores a private key entry under alias (lowercased): the
// PKCS#8 DER key, encrypted with keyPassword as Java's JKS does, and its
// certificate chain (DER, leaf first). The leaf's public key must match the
// key. An existing entry under the alias is replaced. JKS only: a PKCS12
// store gives ErrUnsupported.
func (s *Store) SetPrivateKey(alias string, pkcs8 []byte, chain [][]byte, keyPassword string, created time.Time) error {
	low, err := checkAlias(alias)
	if err != nil {
		return err
	}
	if s.p12 != nil {
		return fmt.Errorf("set %q: %w: adding a private key to a PKCS12 store", low, ErrUnsupported)
	}
	if raw, ok := s.findFold(low); ok && raw != low {
		return fmt.Errorf("%w %q: the store already has %q, which differs only in case", ErrAlias, low, raw)
	}
	if len(chain) == 0 {
		return fmt.Errorf("set %q: %w: empty certificate chain", low, ErrCertificate)
	}
	certs := make([]jks.Certificate, len(chain))
	var leaf *x509.Certificate
	for i, der := range chain {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return fmt.Errorf("set %q: chain certificate %d: %w: %v", low, i, ErrCertificate, err)
		}
		if i == 0 {
			leaf = c
		}
		certs[i] = jks.Certificate{Type: "X.509", Content: bytes.Clone(der)}
	}
	if err := keyMatches(pkcs8, leaf); err != nil {
		return fmt.Errorf("set %q: %w", low, err)
	}
	pw, err := JavaPassword(keyPassword)
	if err != nil {
		return err
	}
	err = s.ks.SetPrivateKeyEntry(low, jks.PrivateKeyEntry{
		CreationTime:     created,
		PrivateKey:       bytes.Clone(pkcs8),
		CertificateChain: certs,
	}, pw)
	if err != nil {
		return fmt.Errorf("set %q: %w", low, err)
	}
	s.info[low] = describe(low, false, created, certs[0].Content, len(certs), leaf)
	return nil
}

// PrivateKey decrypts the private key entry under alias with keyPassword
// and returns the PKCS#8 DER key and the certificate chain (DER, leaf
// first). A wrong key password gives ErrWrongPassword; a missing or trusted
// entry gives ErrNotFound.
func (s *Store) PrivateKey(alias, keyPassword string) (pkcs8 []byte, chain [][]byte, err error) {
	e, ok := s.Entry(alias)
	if !ok || e.Trusted {
		return nil, nil, fmt.Errorf("private key %q: %w", alias, ErrNotFound)
	}
	if s.p12 != nil {
		return s.privateKeyP12(e, keyPassword)
	}
	if e.Alias != strings.ToLower(e.Alias) {
		// keystore-go lowercases lookups, so it cannot reach this entry.
		return nil, nil, fmt.Errorf("private key %q: %w: mixed-case alias", e.Alias, ErrUnsupported)
	}
	pw, err := JavaPassword(keyPassword)
	if err != nil {
		return nil, nil, err
	}
	pke, err := s.ks.GetPrivateKeyEntry(e.Alias, pw)
	if err != nil {
		if strings.Contains(err.Error(), "invalid digest") {
			return nil, nil, fmt.Errorf("private key %q: %w", e.Alias, ErrWrongPassword)
		}
		return nil, nil, fmt.Errorf("private key %q: %w: %v", e.Alias, ErrCorrupt, err)
	}
	for _, c := range pke.CertificateChain {
		chain = append(chain, c.Content)
	}
	return pke.PrivateKey, chain, nil
}

// Marshal returns the store as a file of its own format protected by
// password. A JKS is written with its entries in alias order. A PKCS12
// store must be written with the password it was loaded with (ErrPassword
// otherwise): unchanged, it gives back the loaded bytes; changed, only the
// safe that changed is re-encoded, and the output depends only on the
// loaded file and the changes, so the same edit always gives the same
// bytes.
func (s *Store) Marshal(password string) ([]byte, error) {
	if s.p12 != nil {
		out, err := s.p12.marshal(password)
		if err != nil {
			return nil, fmt.Errorf("marshal keystore: %w", err)
		}
		return out, nil
	}
	pw, err := JavaPassword(password)
	if err != nil {
		return nil, err
	}
	size := 32
	for a, e := range s.info {
		size += len(a) + 64 + e.Chain*(len(e.DER)+16)
	}
	buf := bytes.NewBuffer(make([]byte, 0, size))
	if err := s.ks.Store(buf, pw); err != nil {
		return nil, fmt.Errorf("marshal keystore: %w", err)
	}
	return buf.Bytes(), nil
}

// Fingerprint returns the SHA-256 of der as keytool prints it: upper-case
// hex pairs separated by colons.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	const hex = "0123456789ABCDEF"
	out := make([]byte, 0, len(sum)*3-1)
	for i, b := range sum {
		if i > 0 {
			out = append(out, ':')
		}
		out = append(out, hex[b>>4], hex[b&0xf])
	}
	return string(out)
}

// describe is the Entry of an alias. It keeps der, not a copy: der is the
// store's own (a copy, or the loaded data, which Load's caller leaves
// alone).
func describe(alias string, trusted bool, created time.Time, der []byte, chain int, cert *x509.Certificate) Entry {
	e := Entry{Alias: alias, Trusted: trusted, Created: created, Chain: chain, DER: der}
	if len(der) > 0 {
		e.SHA256 = Fingerprint(der)
	}
	if cert != nil {
		e.Subject = cert.Subject.String()
		e.NotAfter = cert.NotAfter
	}
	return e
}

// complete fills Subject and NotAfter from the certificate, if it parses.
func complete(e Entry) Entry {
	if e.Subject == "" && e.NotAfter.IsZero() && len(e.DER) > 0 {
		if c, err := x509.ParseCertificate(e.DER); err == nil {
			e.Subject = c.Subject.String()
			e.NotAfter = c.NotAfter
		}
	}
	return e
}

// keyMatches checks that pkcs8 parses and belongs to cert's public key.
func keyMatches(pkcs8 []byte, cert *x509.Certificate) error {
	key, err := x509.ParsePKCS8PrivateKey(pkcs8)
	if err != nil {
		return fmt.Errorf("parse private key: %w", err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return fmt.Errorf("parse private key: unsupported key type %T", key)
	}
	pub, ok := signer.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(cert.PublicKey) {
		return errors.New("private key does not match the certificate's public key")
	}
	return nil
}

// KeyMatches reports (as an error) whether the PKCS#8 DER key belongs to the
// DER certificate.
func KeyMatches(pkcs8, certDER []byte) error {
	cert, err := x509.ParseCertificate(certDER)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrCertificate, err)
	}
	return keyMatches(pkcs8, cert)
}

func be32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}
