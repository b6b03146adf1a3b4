package adminpw

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"
)

// The vectors of NOTES-password-hash.md section 7 (SHA-256).
func TestHashNotesVectors(t *testing.T) {
	for _, tc := range []struct{ password, salt, want string }{
		{"admin", "", "jGl25bVBBBW96Qi9Te4V37Fnqchz/Eu4qB9vKrRIqRg="},
		{"admin", "AAAAAAAAAAAAAAAAAAAAAA==", "esJjDPC9KNCkHSiVZYeYSgODS+k1ZkWy5R3ee6UFcF4="},
		{"admin", "c2FsdHNhbHRzYWx0c2FsdA==", "wcpYc6Iqx3k8rRp61TEEd91QnuRdxJpz77YEWyTjGrE="},
	} {
		got, err := Hash(tc.password, tc.salt, "SHA-256")
		if err != nil || got != tc.want {
			t.Errorf("Hash(%q, %q) = %q, %v; want %q", tc.password, tc.salt, got, err, tc.want)
		}
	}
}

// hashPasswords are ASCII specials, Latin-1, Cyrillic, CJK, a supplementary
// character, and whitespace, all hashed as a Carbon JVM under wso2server.sh.
var hashPasswords = []string{
	"admin",
	`Adm1n!@#$%^&*()_+-=[]{};':",./<>?\|` + "`~",
	"pässwörd€",
	"пароль123",
	"密码密码密码",
	"emoji😀pw",
	" spaced\tout ",
}

// Every digest a Java 8+ JVM knows under these names agrees with Hash, for
// salted, unsalted and clear-text storage.
func TestHashAgreesWithJava(t *testing.T) {
	digests := []string{"SHA-256", "sha-256", "SHA-1", "SHA", "SHA1", "MD5", "SHA-224", "SHA-384", "SHA-512", "SHA-512/224", "SHA-512/256", PlainText, ""}
	salts := []string{"", "AAAAAAAAAAAAAAAAAAAAAA==", "c2FsdHNhbHRzYWx0c2FsdA=="}
	type req struct{ pw, salt, digest string }
	var reqs []req
	var lines []string
	for _, d := range digests {
		for _, s := range salts {
			for _, pw := range hashPasswords {
				reqs = append(reqs, req{pw, s, d})
				dd, ss := "-", "-"
				if d != "" {
					dd = b64(d)
				}
				if s != "" {
					ss = b64(s)
				}
				lines = append(lines, strings.Join([]string{"hash", dd, b64(pw), ss}, "\t"))
			}
		}
	}
	answers := javaOracle(t, lines)
	for i, r := range reqs {
		got, err := Hash(r.pw, r.salt, r.digest)
		if err != nil {
			t.Errorf("Hash(%q, %q, %q): %v", r.pw, r.salt, r.digest, err)
			continue
		}
		if got != answers[i] {
			t.Errorf("Hash(%q, %q, %q) = %q, Java says %q", r.pw, r.salt, r.digest, got, answers[i])
		}
	}
}

func TestHashUnknownDigest(t *testing.T) {
	for _, d := range []string{"MD2", "SHA3-256", "BCRYPT", "sha-257"} {
		if _, err := Hash("admin", "", d); err == nil || !strings.Contains(err.Error(), d) {
			t.Errorf("Hash with %q: err = %v, want an error naming it", d, err)
		}
		if err := CheckDigest(d); err == nil {
			t.Errorf("CheckDigest(%q) = nil", d)
		}
	}
}

func TestNewSalt(t *testing.T) {
	src := bytes.NewReader(bytes.Repeat([]byte{0}, 16))
	s, err := NewSalt(src)
	if err != nil || s != "AAAAAAAAAAAAAAAAAAAAAA==" {
		t.Fatalf("NewSalt(zeros) = %q, %v; want the NOTES' zero salt", s, err)
	}
	shape := regexp.MustCompile(`^[A-Za-z0-9+/]{22}==$`)
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		s, err := NewSalt(randReader())
		if err != nil || !shape.MatchString(s) || len(s) > 31 {
			t.Fatalf("NewSalt = %q, %v; want 24 Base64 chars fitting UM_SALT_VALUE VARCHAR(31)", s, err)
		}
		if seen[s] {
			t.Fatalf("NewSalt repeated %q", s)
		}
		seen[s] = true
	}
	if _, err := NewSalt(iotest.ErrReader(errors.New("no entropy"))); err == nil {
		t.Fatal("NewSalt with a failing reader: no error")
	}
}

// Hash of the default configuration, written out with the standard library
// only, as the NOTES' Go equivalent.
func notesFormula(pw, salt string) string {
	sum := sha256.Sum256([]byte(pw + salt))
	return base64.StdEncoding.EncodeToString(sum[:])
}

func BenchmarkHashSHA256Salted(b *testing.B) {
	for i := 0; i < b.N; i++ {
		salt, _ := NewSalt(randReader())
		if _, err := Hash("Adm1nPassw0rd", salt, "SHA-256"); err != nil {
			b.Fatal(err)
		}
	}
}

func ExampleHash() {
	h, _ := Hash("admin", "AAAAAAAAAAAAAAAAAAAAAA==", "SHA-256")
	fmt.Println(h)
	// Output: esJjDPC9KNCkHSiVZYeYSgODS+k1ZkWy5R3ee6UFcF4=
}
