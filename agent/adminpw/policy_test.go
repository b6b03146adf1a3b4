package adminpw

import (
	"errors"
	"strings"
	"testing"
)

var policyRegexes = []string{
	DefaultPasswordRegex,
	`^[\S]{8,30}$`,
	`[^\s]{5,30}`,
	`[\s\S]{5,12}`,
	`\S+`,
	`[a-zA-Z0-9]{5,10}`,
	`^.{5,}$`,
	`(?i)^[a-z]{5,}$`,
	`\w{5,}`,
	`[]a-z]{5,}`,
	`[^]a]{5,}`,
	`\Qa.b\E.{2,}`,
	`\u0041dmin\d*`,
	`(adm|root)in[!?]?`,
}

var policyPasswords = []string{
	"admin", "adm", "Admin", "ADMIN", "admin1", "a.bcd", "axbcd",
	"admin\x0bx",           // vertical tab: whitespace to Java's \s, not to Go's
	" admin ", "\tadmin\n", // trimmed before the check
	"ad min", "pässwörd", "密码密码密码", "emoji😀😀😀",
	"abcd\u0085e", // NEL: a line terminator to Java's '.'
	strings.Repeat("x", 30), strings.Repeat("x", 31),
	"", "   ", "]]]]]]", "Admin42", "root!",
}

// For every policy RE2 can express, CheckPassword accepts exactly what a
// JVM's trim() + Pattern.matches() accepts.
func TestCheckPasswordAgreesWithJava(t *testing.T) {
	var lines []string
	for _, re := range policyRegexes {
		for _, pw := range policyPasswords {
			lines = append(lines, strings.Join([]string{"match", b64(re), b64(pw)}, "\t"))
		}
	}
	answers := javaOracle(t, lines)
	i := 0
	for _, re := range policyRegexes {
		if _, err := CompileJavaRegex(re); err != nil {
			t.Errorf("CompileJavaRegex(%q): %v", re, err)
		}
		for _, pw := range policyPasswords {
			java := answers[i]
			i++
			if java == "error" {
				t.Fatalf("Java cannot compile %q", re)
			}
			got := CheckPassword(pw, re) == nil
			if got != (java == "true") {
				t.Errorf("regex %q, password %q: Go accepts=%t, Java accepts=%s", re, pw, got, java)
			}
		}
	}
}

// Java constructs without an RE2 equivalent are reported, never evaluated
// with a different meaning.
func TestCompileJavaRegexUnsupported(t *testing.T) {
	for _, re := range []string{
		`^(?=.*[A-Z])(?=.*\d).{8,}$`, // lookahead
		`(?!admin).{5,}`,
		`(a)\1{4}`,         // back-reference
		`a*+b`,             // possessive
		`(?>ab).{3}`,       // atomic group
		`[a-z&&[^aeiou]]+`, // intersection
		`[a[b]]+`,          // union
		`\p{Alpha}{5,}`,    // Java property name
		`\p{javaLowerCase}+`,
		`(?x) a b c`, // comments flag
		`(?s).{5,}`,  // DOTALL changes '.'
		`(?U)\w+`,    // UNICODE_CHARACTER_CLASS (ungreedy in Go)
		`\h+`, `\v+`, `\R`, `abc\Z`, `\0101`,
		`[abc`, `abc\`, `\u12`,
	} {
		_, err := CompileJavaRegex(re)
		if !errors.Is(err, ErrRegexUnsupported) {
			t.Errorf("CompileJavaRegex(%q) = %v, want ErrRegexUnsupported", re, err)
		}
		perr := CheckPassword("Adm1nPassword", re)
		if perr == nil || !strings.Contains(perr.Error(), "--skip-policy") {
			t.Errorf("CheckPassword under %q = %v, want an error pointing to --skip-policy", re, perr)
		}
	}
}

func TestCheckPasswordMessages(t *testing.T) {
	for _, tc := range []struct {
		pw, re, want string
	}{
		{"abc", DefaultPasswordRegex, "does not match PasswordJavaRegEx"},
		{"   ", DefaultPasswordRegex, "is empty"},
		{"", "", "is empty"},
		{"bad\xffutf8", "", "not valid UTF-8"},
		{"has space", DefaultPasswordRegex, "Carbon would refuse it at login"},
	} {
		err := CheckPassword(tc.pw, tc.re)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("CheckPassword(%q, %q) = %v, want %q", tc.pw, tc.re, err, tc.want)
			continue
		}
		if tc.pw != "" && strings.TrimSpace(tc.pw) != "" && strings.Contains(err.Error(), tc.pw) {
			t.Errorf("error %q contains the password", err)
		}
	}
	if err := CheckPassword("x", ""); err != nil {
		t.Errorf("no policy: %v", err)
	}
}

func FuzzCompileJavaRegex(f *testing.F) {
	for _, re := range policyRegexes {
		f.Add(re, "admin")
	}
	f.Add(`[\s\S&&x]`, "abc")
	f.Add(`\Q`, "")
	f.Add(`)|(`, "0") // once compiled unanchored inside the anchors
	f.Fuzz(func(t *testing.T, re, pw string) {
		r, err := CompileJavaRegex(re)
		if err != nil {
			if !errors.Is(err, ErrRegexUnsupported) {
				t.Fatalf("error without ErrRegexUnsupported: %v", err)
			}
			return
		}
		// A compiled policy is anchored at both ends (Matcher.matches).
		if s := r.String(); !strings.HasPrefix(s, `\A(?:`) || !strings.HasSuffix(s, `)\z`) {
			t.Fatalf("%q compiled to unanchored %q", re, s)
		}
		if loc := r.FindStringIndex(pw); loc != nil && (loc[0] != 0 || loc[1] != len(pw)) {
			t.Fatalf("%q matched part %v of %q", re, loc, pw)
		}
		_ = CheckPassword(pw, re)
	})
}
