package adminpw

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// ErrRegexUnsupported is returned (wrapped) by CompileJavaRegex for a Java
// regular expression that Go's RE2 engine cannot evaluate with the same
// meaning.
var ErrRegexUnsupported = errors.New("not supported by Go's RE2 engine")

// CompileJavaRegex translates a java.util.regex pattern, as used with
// Matcher.matches() (the whole input must match), into a Go regexp.
//
// The translation keeps Java's meaning for the constructs Carbon's policies
// use: \s and \S are Java's ASCII whitespace [ \t\n\x0B\f\r] (Go's \s lacks
// \x0B), '.' excludes Java's line terminators, and the whole pattern is
// anchored. Constructs without an RE2 equivalent — lookaround,
// back-references, possessive or atomic groups, class intersection (&&),
// nested classes, Java-only \p{...} names, the x/u/U/d/c flags — give an
// error wrapping ErrRegexUnsupported, never a silently different pattern.
func CompileJavaRegex(javaRe string) (*regexp.Regexp, error) {
	var b strings.Builder
	inClass := false
	classStart := false // just after '[' or '[^'
	rs := []rune(javaRe)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '\\':
			if i+1 >= len(rs) {
				return nil, fmt.Errorf("regex %q: trailing backslash: %w", javaRe, ErrRegexUnsupported)
			}
			i++
			e := rs[i]
			switch e {
			case 's':
				if inClass {
					b.WriteString("[:space:]")
				} else {
					b.WriteString("[[:space:]]")
				}
			case 'S':
				if inClass {
					b.WriteString("[:^space:]")
				} else {
					b.WriteString("[[:^space:]]")
				}
			case 'Q':
				// Quoted literal up to \E (or the end): copy it escaped.
				end := len(rs)
				for j := i + 1; j+1 < len(rs); j++ {
					if rs[j] == '\\' && rs[j+1] == 'E' {
						end = j
						break
					}
				}
				b.WriteString(regexp.QuoteMeta(string(rs[i+1 : end])))
				i = end + 1 // skip \E
			case 'e':
				b.WriteString(`\x1B`)
			case 'u':
				// \uXXXX: exactly four hex digits in Java.
				if i+4 < len(rs) && isHex(rs[i+1:i+5]) {
					b.WriteString(`\x{` + string(rs[i+1:i+5]) + `}`)
					i += 4
				} else {
					return nil, fmt.Errorf("regex %q: malformed \\u escape: %w", javaRe, ErrRegexUnsupported)
				}
			case 'h', 'H', 'v', 'V', 'R', 'X', 'Z', 'G', 'k', 'c', '0',
				'1', '2', '3', '4', '5', '6', '7', '8', '9':
				return nil, fmt.Errorf("regex %q: \\%c: %w", javaRe, e, ErrRegexUnsupported)
			case 'p', 'P':
				return nil, fmt.Errorf("regex %q: \\%c{...} character properties: %w", javaRe, e, ErrRegexUnsupported)
			default:
				b.WriteRune('\\')
				b.WriteRune(e)
			}
			classStart = false
		case inClass:
			switch {
			case r == '[':
				if i+1 < len(rs) && rs[i+1] == ':' {
					// A literal "[:" in Java; in Go it would open a POSIX class.
					b.WriteString(`\[`)
				} else {
					return nil, fmt.Errorf("regex %q: nested character class: %w", javaRe, ErrRegexUnsupported)
				}
			case r == '&' && i+1 < len(rs) && rs[i+1] == '&':
				return nil, fmt.Errorf("regex %q: class intersection &&: %w", javaRe, ErrRegexUnsupported)
			case r == ']' && !classStart:
				inClass = false
				b.WriteRune(r)
			case r == ']' && classStart:
				// Java, like Go, takes a ']' right after '[' or '[^' literally.
				b.WriteString(`\]`)
			default:
				b.WriteRune(r)
			}
			classStart = false
			if r == '^' && i > 0 && rs[i-1] == '[' {
				classStart = true
			}
		case r == '[':
			inClass = true
			classStart = true
			b.WriteRune(r)
		case r == '.':
			b.WriteString(`[^\n\r\x{85}\x{2028}\x{2029}]`)
		case r == '(' && i+1 < len(rs) && rs[i+1] == '?':
			// Inline flags (?flags) and (?flags:...): only i, m and s.
			j := i + 2
			for j < len(rs) && (rs[j] >= 'a' && rs[j] <= 'z' || rs[j] >= 'A' && rs[j] <= 'Z' || rs[j] == '-') {
				j++
			}
			if j > i+2 && j < len(rs) && (rs[j] == ')' || rs[j] == ':') {
				for _, f := range rs[i+2 : j] {
					if f == 's' {
						return nil, fmt.Errorf("regex %q: flag s (DOTALL): %w", javaRe, ErrRegexUnsupported)
					}
					if f != 'i' && f != 'm' && f != '-' {
						return nil, fmt.Errorf("regex %q: flag %c: %w", javaRe, f, ErrRegexUnsupported)
					}
				}
			}
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	if inClass {
		return nil, fmt.Errorf("regex %q: unterminated character class: %w", javaRe, ErrRegexUnsupported)
	}
	// Compile the translation alone first: wrapped in the anchors, an
	// unbalanced pattern such as ")|(" would compile to a different regex
	// that is no longer anchored at both ends.
	if _, err := regexp.Compile(b.String()); err != nil {
		return nil, fmt.Errorf("regex %q: %v: %w", javaRe, err, ErrRegexUnsupported)
	}
	re, err := regexp.Compile(`\A(?:` + b.String() + `)\z`)
	if err != nil {
		return nil, fmt.Errorf("regex %q: %v: %w", javaRe, err, ErrRegexUnsupported)
	}
	return re, nil
}

func isHex(rs []rune) bool {
	for _, r := range rs {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
			return false
		}
	}
	return true
}

// javaTrim is Java's String.trim(): it strips every char <= U+0020 at both ends.
func javaTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// CheckPassword reports whether Carbon's AbstractUserStoreManager would
// accept password at login under PasswordJavaRegEx javaRe: the password is
// trimmed (Java's trim), must not be empty, and must match javaRe entirely
// (javaRe "" means no policy). It also refuses text that is not valid UTF-8,
// which no login form can send. Errors never contain the password.
func CheckPassword(password, javaRe string) error {
	if !utf8.ValidString(password) {
		return errors.New("is not valid UTF-8 text")
	}
	t := javaTrim(password)
	if t == "" {
		return errors.New("is empty (or only whitespace and control characters)")
	}
	if javaRe == "" {
		return nil
	}
	re, err := CompileJavaRegex(javaRe)
	if err != nil {
		return fmt.Errorf("cannot be checked against PasswordJavaRegEx: %w (check it yourself and pass --skip-policy)", err)
	}
	if !re.MatchString(t) {
		return fmt.Errorf("does not match PasswordJavaRegEx %s: Carbon would refuse it at login", javaRe)
	}
	return nil
}
