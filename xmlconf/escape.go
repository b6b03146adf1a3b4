package xmlconf

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// checkValue reports whether v can be represented in an XML 1.0 document:
// valid UTF-8 and only XML characters (no NUL or other C0 controls besides
// tab, newline and carriage return; no U+FFFE/U+FFFF).
func checkValue(v string) error {
	for i, r := range v {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(v[i:]); n <= 1 {
				return fmt.Errorf("value is not valid UTF-8 at byte %d", i)
			}
		}
		if !isXMLChar(r) {
			return fmt.Errorf("value contains U+%04X, which XML 1.0 cannot represent", r)
		}
	}
	return nil
}

// escapeText escapes v for element content: & < > and carriage return
// (which a parser would otherwise turn into a newline). With ascii set,
// non-ASCII characters become numeric character references.
func escapeText(v string, ascii bool) (string, error) {
	if err := checkValue(v); err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(len(v) + 8)
	for _, r := range v {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '\r':
			b.WriteString("&#13;")
		case r >= 0x80 && ascii:
			b.WriteString("&#" + strconv.Itoa(int(r)) + ";")
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), nil
}

// escapeAttr escapes v for an attribute value delimited by quote: & < " (and '
// when the delimiter is '), and tab, newline, carriage return as character
// references so attribute-value normalisation keeps them.
func escapeAttr(v string, quote byte, ascii bool) (string, error) {
	if err := checkValue(v); err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(len(v) + 8)
	for _, r := range v {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '"':
			b.WriteString("&quot;")
		case r == '\'' && quote == '\'':
			b.WriteString("&apos;")
		case r == '\t':
			b.WriteString("&#9;")
		case r == '\n':
			b.WriteString("&#10;")
		case r == '\r':
			b.WriteString("&#13;")
		case r >= 0x80 && ascii:
			b.WriteString("&#" + strconv.Itoa(int(r)) + ";")
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), nil
}

// asciiRefs replaces every non-ASCII character of an XML fragment with a
// numeric character reference (for documents in a non-UTF-8 encoding).
func asciiRefs(s string) string {
	if isASCII(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r >= 0x80 {
			b.WriteString("&#" + strconv.Itoa(int(r)) + ";")
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// Spellings returns every way this package may write the value v into a
// file: as element text, as an attribute value between either quote, each
// with and without numeric references for non-ASCII characters, and as a
// .properties value. Callers that must hide a value (secrets in a diff) look
// for all of them. Values XML cannot represent yield only the .properties
// spelling.
func Spellings(v string) []string {
	var out []string
	add := func(s string, err error) {
		if err == nil {
			out = append(out, s)
		}
	}
	for _, ascii := range []bool{false, true} {
		add(escapeText(v, ascii))
		add(escapeAttr(v, '"', ascii))
		add(escapeAttr(v, '\'', ascii))
	}
	out = append(out, escapeProp(v, false))
	return out
}

// CheckValue reports why v cannot be written into an XML 1.0 document at
// all (invalid UTF-8, a C0 control other than tab, newline and carriage
// return, U+FFFE or U+FFFF), or nil. The error never contains v.
func CheckValue(v string) error { return checkValue(v) }
