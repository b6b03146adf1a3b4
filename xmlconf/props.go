package xmlconf

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// PropEdit sets (or, with Remove, deletes) one key of a .properties file.
// Key and Value are raw (unescaped).
type PropEdit struct {
	Key    string
	Value  string
	Remove bool
	Secret bool
	Line   int // the line of the patch file that gave the edit (ParsePatch); 0 otherwise
}

// what names the edit as a patch file writes it: "prop KEY" or "unprop
// KEY" (quoted when it is empty or not UTF-8).
func (e PropEdit) what() string {
	op := "prop"
	if e.Remove {
		op = "unprop"
	}
	if e.Key == "" || !utf8.ValidString(e.Key) {
		return fmt.Sprintf("%s %q", op, strings.ToValidUTF8(e.Key, "?"))
	}
	return op + " " + e.Key
}

// propLine is one logical line of a properties file that holds a key.
type propLine struct {
	start    int // offset of the first byte of the logical line (its indentation)
	valStart int // offset where the value starts (or where it would be written)
	needSep  bool
	end      int // offset of the line terminator of the last natural line (or EOF)
	next     int // offset just after that terminator
	line     int // 1-based line number of the first natural line
	key      string
	value    string
}

// parseProps reads src with java.util.Properties.load(InputStream) semantics
// (ISO-8859-1 bytes; continuation lines; \ escapes; separators = : or
// whitespace; comment lines starting with # or !).
func parseProps(src []byte) ([]propLine, error) {
	var out []propLine
	var buf []byte
	var offs []int
	n := len(src)
	p := 0
	line := 1
	for p < n {
		// skip blank lines and leading whitespace
		c := src[p]
		if c == ' ' || c == '\t' || c == '\f' {
			p++
			continue
		}
		if c == '\n' {
			p++
			line++
			continue
		}
		if c == '\r' {
			p++
			if p < n && src[p] == '\n' {
				p++
			}
			line++
			continue
		}
		lineStart := p
		for lineStart > 0 && (src[lineStart-1] == ' ' || src[lineStart-1] == '\t' || src[lineStart-1] == '\f') {
			lineStart--
		}
		if c == '#' || c == '!' {
			for p < n && src[p] != '\n' && src[p] != '\r' {
				p++
			}
			continue
		}
		// a logical line: collect bytes and their source offsets
		buf, offs = buf[:0], offs[:0]
		first := line
		end := n
		contEOF := false
		for {
			for p < n && src[p] != '\n' && src[p] != '\r' {
				buf = append(buf, src[p])
				offs = append(offs, p)
				p++
			}
			// count trailing backslashes
			bs := 0
			for k := len(buf) - 1; k >= 0 && buf[k] == '\\'; k-- {
				bs++
			}
			if bs%2 == 0 {
				end = p
				break
			}
			// continuation: drop the backslash
			buf = buf[:len(buf)-1]
			offs = offs[:len(offs)-1]
			if p >= n {
				end = p // the dropped backslash lies in [valStart, end) and is replaced too
				contEOF = true
				break
			}
			if src[p] == '\r' {
				p++
				if p < n && src[p] == '\n' {
					p++
				}
			} else {
				p++
			}
			line++
			for p < n && (src[p] == ' ' || src[p] == '\t' || src[p] == '\f') {
				p++
			}
		}
		next := p
		if p < n {
			if src[p] == '\r' {
				next++
				if next < n && src[next] == '\n' {
					next++
				}
			} else {
				next++
			}
		}
		// split key and value (Properties.load0)
		limit := len(buf)
		keyLen, valStart := 0, limit
		hasSep, prevBS := false, false
		sepFound := false
		for keyLen < limit {
			c := buf[keyLen]
			if (c == '=' || c == ':') && !prevBS {
				valStart, hasSep, sepFound = keyLen+1, true, true
				break
			} else if (c == ' ' || c == '\t' || c == '\f') && !prevBS {
				valStart, sepFound = keyLen+1, true
				break
			}
			if c == '\\' {
				prevBS = !prevBS
			} else {
				prevBS = false
			}
			keyLen++
		}
		for valStart < limit {
			c := buf[valStart]
			if c != ' ' && c != '\t' && c != '\f' {
				if !hasSep && (c == '=' || c == ':') {
					hasSep = true
				} else {
					break
				}
			}
			valStart++
		}
		key, err := loadConvert(buf[:keyLen])
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", first, err)
		}
		val, err := loadConvert(buf[valStart:])
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", first, err)
		}
		vs := end
		if contEOF {
			vs = end - 1
		}
		if valStart < limit {
			vs = offs[valStart]
		}
		out = append(out, propLine{start: lineStart, valStart: vs, needSep: !sepFound, end: end, next: next, line: first, key: key, value: val})
		p = next
		if next > end {
			line++
		}
	}
	return out, nil
}

// loadConvert decodes escapes like Properties.loadConvert; bytes are ISO-8859-1.
func loadConvert(b []byte) (string, error) {
	plain := true
	for _, c := range b {
		if c == '\\' || c >= 0x80 {
			plain = false
			break
		}
	}
	if plain {
		return string(b), nil
	}
	u := make([]uint16, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' {
			u = append(u, uint16(c))
			continue
		}
		i++
		if i >= len(b) {
			break // a lone trailing backslash is dropped
		}
		c = b[i]
		switch c {
		case 'u':
			if i+4 > len(b)-1 {
				return "", fmt.Errorf("malformed \\uxxxx encoding")
			}
			var v uint16
			for k := 1; k <= 4; k++ {
				h := b[i+k]
				switch {
				case h >= '0' && h <= '9':
					v = v<<4 | uint16(h-'0')
				case h >= 'a' && h <= 'f':
					v = v<<4 | uint16(h-'a'+10)
				case h >= 'A' && h <= 'F':
					v = v<<4 | uint16(h-'A'+10)
				default:
					return "", fmt.Errorf("malformed \\uxxxx encoding")
				}
			}
			u = append(u, v)
			i += 4
		case 't':
			u = append(u, '\t')
		case 'r':
			u = append(u, '\r')
		case 'n':
			u = append(u, '\n')
		case 'f':
			u = append(u, '\f')
		default:
			u = append(u, uint16(c))
		}
	}
	return string(utf16.Decode(u)), nil
}

// escapeProp escapes s like Properties.store (saveConvert) does, except that
// = : # ! are left alone in values (only a leading = or : is escaped, so a
// whitespace separator cannot swallow it). Characters outside 0x20..0x7E are
// written as \uXXXX (UTF-16 units), so ISO-8859-1 readers get them right.
func escapeProp(s string, isKey bool) string {
	var b strings.Builder
	for x, u := range utf16.Encode([]rune(s)) {
		switch {
		case u == '\\':
			b.WriteString(`\\`)
		case u == ' ':
			if x == 0 || isKey {
				b.WriteByte('\\')
			}
			b.WriteByte(' ')
		case u == '\t':
			b.WriteString(`\t`)
		case u == '\n':
			b.WriteString(`\n`)
		case u == '\r':
			b.WriteString(`\r`)
		case u == '\f':
			b.WriteString(`\f`)
		case u == '=' || u == ':':
			if x == 0 || isKey {
				b.WriteByte('\\')
			}
			b.WriteByte(byte(u))
		case (u == '#' || u == '!') && isKey:
			b.WriteByte('\\')
			b.WriteByte(byte(u))
		case u < 0x20 || u > 0x7E:
			fmt.Fprintf(&b, `\u%04X`, u)
		default:
			b.WriteByte(byte(u))
		}
	}
	return b.String()
}

// ReadProperties parses with java.util.Properties semantics (last occurrence
// wins). A malformed \uxxxx escape is an error with its line number.
func ReadProperties(src []byte) (map[string]string, error) {
	lines, err := parseProps(src)
	if err != nil {
		return nil, fmt.Errorf("parse properties: %w", err)
	}
	m := make(map[string]string, len(lines))
	for _, l := range lines {
		m[l.key] = l.value
	}
	return m, nil
}

func propNewline(src []byte) string {
	for i, c := range src {
		if c == '\n' {
			return "\n"
		}
		if c == '\r' {
			if i+1 < len(src) && src[i+1] == '\n' {
				return "\r\n"
			}
			return "\r"
		}
	}
	return "\n"
}

// ApplyProperties applies edits in order. Setting a key replaces the value of
// every logical line with that key in place (key text, separator and line
// ending kept; a continued value becomes a single line) and appends
// "key=value" with the file's line ending when the key is absent (a file
// without a final line break keeps having none). Remove
// deletes every logical line with the key. Changes report the key as Path,
// Op SetText (set) or Remove. When changes is empty, out is src itself. The
// error of an edit is an *EditError naming it ("prop KEY", "unprop KEY").
func ApplyProperties(src []byte, edits []PropEdit) (out []byte, changes []Change, err error) {
	cur := src
	lines, err := parseProps(cur)
	if err != nil {
		return nil, nil, fmt.Errorf("parse properties: %w", err)
	}
	secret := map[string]bool{} // a key a Secret edit names is secret in every change (Change.Secret)
	for _, e := range edits {
		if e.Secret {
			secret[e.Key] = true
		}
	}
	for i, e := range edits {
		editErr := func(err error) error { return &EditError{Index: i, What: e.what(), Err: err} }
		if e.Key == "" {
			return nil, nil, editErr(fmt.Errorf("empty key"))
		}
		if !utf8.ValidString(e.Key) || !utf8.ValidString(e.Value) {
			return nil, nil, editErr(fmt.Errorf("key or value is not valid UTF-8"))
		}
		var spl []edit
		old, found := "", false
		for _, l := range lines {
			if l.key != e.Key {
				continue
			}
			old, found = l.value, true
			switch {
			case e.Remove:
				spl = append(spl, edit{start: l.start, end: l.next})
			case l.value != e.Value:
				repl := escapeProp(e.Value, false)
				if l.needSep {
					repl = "=" + repl
				}
				spl = append(spl, edit{start: l.valStart, end: l.end, repl: repl})
			}
		}
		if !found && !e.Remove {
			nl := propNewline(cur)
			kv := escapeProp(e.Key, true) + "=" + escapeProp(e.Value, false)
			add := kv + nl
			if last := len(cur) - 1; last >= 0 && cur[last] != '\n' && cur[last] != '\r' {
				add = nl + kv // no final line break: keep it that way
			}
			if !appendsCleanly(cur, len(lines), add, e.Key, e.Value) {
				// the last logical line continues onto ours: a blank line ends it
				add = nl + add
			}
			spl = append(spl, edit{start: len(cur), end: len(cur), repl: add})
		}
		if len(spl) == 0 {
			continue
		}
		next, err := splice(cur, spl)
		if err != nil {
			return nil, nil, editErr(err)
		}
		cur = next
		if lines, err = parseProps(cur); err != nil {
			return nil, nil, editErr(fmt.Errorf("result does not parse: %w", err))
		}
		ch := Change{Op: SetText, Path: e.Key, Old: old, New: e.Value, Secret: secret[e.Key]}
		if e.Remove {
			ch = Change{Op: Remove, Path: e.Key, Old: old, Secret: secret[e.Key]}
		}
		changes = append(changes, ch)
	}
	if len(changes) == 0 {
		return src, nil, nil
	}
	return cur, changes, nil
}

// appendsCleanly reports whether src+add ends with a logical line that
// holds exactly key=value, in addition to the n logical lines of src.
func appendsCleanly(src []byte, n int, add, key, value string) bool {
	lines, err := parseProps(append(src[:len(src):len(src)], add...))
	if err != nil || len(lines) != n+1 {
		return false
	}
	l := lines[len(lines)-1]
	return l.key == key && l.value == value
}
