// Package adminpw changes the password of a user (the admin, by default) in
// the UM_USER table of a WSO2 Carbon 4.4 JDBC user store, hashed the way
// Carbon's JDBCUserStoreManager hashes it, in one checked transaction.
//
// The hashing follows carbon-kernel 4.4.7/4.4.9 JDBCUserStoreManager
// (see testdata/wso2-fixtures/NOTES-password-hash.md):
//
//	salt   = base64(16 random bytes)                    when StoreSaltedPassword is true, else ""
//	stored = base64(Digest(bytes(password + salt)))     Digest = PasswordDigest
//	stored = password                                   when PasswordDigest is absent or PLAIN_TEXT
//
// bytes() is Java's String.getBytes() in the server JVM's default charset.
// Every Carbon 4.4 product starts its JVM through bin/wso2server.sh, which
// passes -Dfile.encoding=UTF8, so the bytes are UTF-8.
//
// It knows Carbon 4.4's user store, which is its job: the UM_USER schema,
// the hashing, the password policy and where user-mgt.xml lies in a product
// home. It must not know which product or profile it serves, nor the
// agent's environment variables: the caller gives the database address and
// credentials, the user, the new password (and the name of the variable it
// came from, and the names of its other inputs, for the hints of its
// messages: InputNames) and the home.
package adminpw

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"hash"
	"io"
	"strings"
)

// PlainText is the PasswordDigest value that stores passwords in clear.
const PlainText = "PLAIN_TEXT"

// SaltBytes is the number of random bytes in a Carbon salt (before Base64).
const SaltBytes = 16

// digests maps upper-cased JCA MessageDigest names (and the aliases of the
// SUN provider) that a Java 8 JVM accepts to Go implementations.
var digests = map[string]func() hash.Hash{
	"MD5":         md5.New,
	"SHA":         sha1.New,
	"SHA1":        sha1.New,
	"SHA-1":       sha1.New,
	"SHA-224":     sha256.New224,
	"SHA-256":     sha256.New,
	"SHA-384":     sha512.New384,
	"SHA-512":     sha512.New,
	"SHA-512/224": sha512.New512_224,
	"SHA-512/256": sha512.New512_256,
}

// SupportedDigests lists the PasswordDigest values Hash accepts besides
// PlainText (case-insensitive, as Java's MessageDigest.getInstance).
func SupportedDigests() []string {
	return []string{"MD5", "SHA-1", "SHA-224", "SHA-256", "SHA-384", "SHA-512", "SHA-512/224", "SHA-512/256"}
}

// CheckDigest returns an error when digest is neither empty (no digest: the
// password is stored in clear), PlainText nor a supported algorithm.
func CheckDigest(digest string) error {
	if digest == "" || digest == PlainText {
		return nil
	}
	if _, ok := digests[strings.ToUpper(digest)]; !ok {
		return fmt.Errorf("PasswordDigest %q is not supported (use one of %s, or %s)", digest, strings.Join(SupportedDigests(), ", "), PlainText)
	}
	return nil
}

// Hash returns what Carbon stores in UM_USER_PASSWORD for password and salt
// ("" for none) under PasswordDigest digest: the password itself when digest
// is empty or PlainText (the salt is then ignored, as in Carbon), otherwise
// the standard, padded Base64 of the digest of the UTF-8 bytes of
// password+salt.
func Hash(password, salt, digest string) (string, error) {
	if digest == "" || digest == PlainText {
		return password, nil
	}
	newHash, ok := digests[strings.ToUpper(digest)]
	if !ok {
		return "", CheckDigest(digest)
	}
	h := newHash()
	io.WriteString(h, password+salt)
	return base64.StdEncoding.EncodeToString(h.Sum(nil)), nil
}

// NewSalt reads SaltBytes bytes from random and returns their standard,
// padded Base64 (24 characters), which is Carbon's salt text.
func NewSalt(random io.Reader) (string, error) {
	b := make([]byte, SaltBytes)
	if _, err := io.ReadFull(random, b); err != nil {
		return "", fmt.Errorf("generate salt: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}
