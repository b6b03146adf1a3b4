package xmlconf

import (
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"fmt"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/beevik/etree"
)

// ParseError reports malformed XML. Line is 1-based.
type ParseError struct {
	Line int
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// elem is the byte-level view of one element of the source, in document order.
type elem struct {
	el        *etree.Element
	name      string
	start     int  // offset of '<'
	nameEnd   int  // offset just after the name in the start tag
	tagEnd    int  // offset just after the '>' of the start tag (= content start)
	selfClose bool // written as <x/> or <x .../>
	slash     int  // self-closing: offset of the '/' of "/>"
	endStart  int  // offset of "</" (= content end); tagEnd for self-closing
	endEnd    int  // offset just after the end tag's '>'; tagEnd for self-closing
	parent    int  // index of the parent elem, -1 for the root
	children  int  // number of child elements
	attrLo    int  // attributes are doc.attrs[attrLo:attrHi]
	attrHi    int
}

// attrSpan is the byte-level view of one attribute.
type attrSpan struct {
	name      string
	nameStart int
	valStart  int // first byte inside the quotes
	valEnd    int // offset of the closing quote
	quote     byte
	value     string // decoded, normalised value
}

// doc is a parsed document: the etree view (for path evaluation) and the byte
// index of the original bytes (for splicing).
type doc struct {
	src      []byte
	latin1   bool // decode bytes as ISO-8859-1 (declared single-byte encoding)
	asciiOut bool // the declared encoding is not UTF-8: write non-ASCII as char refs
	tree     *etree.Document
	elems    []elem
	attrs    []attrSpan
	index    map[*etree.Element]int
	secret   []Edit           // Apply: the Secret edits of the call (see secretPlace)
	memo     map[string][]int // selectAll's results while the tree is unchanged (see forget)
}

type scanner struct {
	src    []byte
	str    string // src, converted once: names and plain values are slices of it
	tree   bool   // build the etree view (parse); check only validates
	pos    int
	latin1 bool
	d      *doc
	sb     strings.Builder
	ns     []nsBinding // in-scope prefix declarations (stack)
	laxNS  bool
	// fragEnd is, for a fragment (parseFragment), the offset of the end
	// tag of the wrapper element around it; 0 for a document. The
	// wrapper is not the author's: its tags are never named in an error.
	fragEnd int
	// blank is blank text (whitespace only) of the open element not yet
	// in the tree: it goes in at the end tag of an element without child
	// elements, and is dropped when a child element follows (see text).
	blank string
	// The text run of the open element not yet in the tree: the character
	// data up to its next child element or its end tag, in pieces that
	// comments, PIs and CDATA sections separate. It is joined once (see
	// appendText): adding piece by piece copied the run so far each time,
	// which is quadratic in a script that comments interrupt.
	runEl *etree.Element
	run   string          // the first piece
	runB  strings.Builder // all of them, from the second piece on
}

type nsBinding struct {
	prefix string
	depth  int
}

func lineOf(src []byte, off int) int {
	if off > len(src) {
		off = len(src)
	}
	return bytes.Count(src[:off], []byte{'\n'}) + 1
}

func (s *scanner) errAt(off int, format string, a ...any) error {
	return &ParseError{Line: lineOf(s.src, off), Msg: fmt.Sprintf(format, a...)}
}

// parse reads a complete document.
func parse(src []byte) (*doc, error) { return scan(src, false, true, 0) }

// check validates a complete document exactly as parse does, without
// building the etree view: the result has the byte index only (no tree, no
// index), for a document that is only checked, not edited or searched.
func check(src []byte) (*doc, error) { return scan(src, false, false, 0) }

// scan reads a document; laxNS skips the check that namespace prefixes are
// declared (used for fragments, checked again in context); fragEnd is the
// offset of the wrapper's end tag when src is a wrapped fragment (see
// scanner.fragEnd), else 0.
func scan(src []byte, laxNS, tree bool, fragEnd int) (*doc, error) {
	// Names and plain values are slices of str, a view of src, not a copy:
	// the tree and the changes made from it share src's memory. Nothing
	// here writes to a document's bytes (an edit splices a new buffer), and
	// the exported functions that take a document require that their
	// caller does not change it afterwards (see Apply).
	var str string
	if len(src) > 0 {
		str = unsafe.String(&src[0], len(src))
	}
	d := &doc{src: src}
	if tree {
		d.tree = etree.NewDocument()
	}
	s := &scanner{src: src, str: str, tree: tree, d: d, laxNS: laxNS, fragEnd: fragEnd}
	d.elems = make([]elem, 0, startTags(src))
	if len(src) >= 2 && (src[0] == 0xFE && src[1] == 0xFF || src[0] == 0xFF && src[1] == 0xFE) {
		return nil, s.errAt(0, "UTF-16 documents are not supported")
	}
	if bytes.HasPrefix(src, []byte("\xEF\xBB\xBF")) {
		s.pos = 3
	}
	if bytes.HasPrefix(src[s.pos:], []byte("<?xml")) && s.pos+5 < len(src) && isSpace(src[s.pos+5]) {
		if err := s.xmlDecl(); err != nil {
			return nil, err
		}
	}
	d.latin1 = s.latin1
	sawDoctype, sawRoot := false, false
	for {
		s.skipSpace()
		if s.pos >= len(src) {
			break
		}
		if src[s.pos] != '<' {
			return nil, s.errAt(s.pos, "text outside the root element")
		}
		switch {
		case s.has("<!--"):
			if err := s.comment(); err != nil {
				return nil, err
			}
		case s.has("<?"):
			if err := s.pi(); err != nil {
				return nil, err
			}
		case s.has("<!DOCTYPE"):
			if sawDoctype || sawRoot {
				return nil, s.errAt(s.pos, "unexpected DOCTYPE")
			}
			sawDoctype = true
			if err := s.doctype(); err != nil {
				return nil, err
			}
		case s.has("<!"):
			return nil, s.errAt(s.pos, "unexpected markup outside the root element")
		default:
			if sawRoot {
				return nil, s.errAt(s.pos, "more than one root element")
			}
			sawRoot = true
			if err := s.element(); err != nil {
				return nil, err
			}
		}
	}
	if !sawRoot {
		return nil, s.errAt(len(src), "no root element")
	}
	if tree {
		d.index = make(map[*etree.Element]int, len(d.elems))
		for i := range d.elems {
			d.index[d.elems[i].el] = i
		}
	}
	return d, nil
}

// startTags counts the '<' outside comments that may start an element: an
// upper bound of the number of elements (exact for most documents), so that
// the index is allocated once.
func startTags(src []byte) int {
	n := 0
	for i := 0; ; {
		j := bytes.IndexByte(src[i:], '<')
		if j < 0 || i+j+1 >= len(src) {
			return n
		}
		i += j + 1
		switch c := src[i]; {
		case c == '!' && bytes.HasPrefix(src[i:], []byte("!--")):
			k := bytes.Index(src[i+3:], []byte("-->"))
			if k < 0 {
				return n
			}
			i += 3 + k + 3
		case c != '/' && c != '!' && c != '?':
			n++
		}
	}
}

func (s *scanner) has(p string) bool {
	return len(s.src)-s.pos >= len(p) && string(s.src[s.pos:s.pos+len(p)]) == p
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (s *scanner) skipSpace() {
	for s.pos < len(s.src) && isSpace(s.src[s.pos]) {
		s.pos++
	}
}

// xmlDecl parses <?xml version="1.0" encoding="..." standalone="..."?>.
func (s *scanner) xmlDecl() error {
	start := s.pos
	s.pos += 5
	seen := 0
	for {
		hadSpace := s.pos < len(s.src) && isSpace(s.src[s.pos])
		s.skipSpace()
		if s.has("?>") {
			s.pos += 2
			break
		}
		if s.pos >= len(s.src) {
			return s.errAt(start, "unterminated XML declaration")
		}
		if !hadSpace {
			return s.errAt(s.pos, "malformed XML declaration")
		}
		ns := s.pos
		for s.pos < len(s.src) && (isNameByte(s.src[s.pos])) {
			s.pos++
		}
		name := string(s.src[ns:s.pos])
		s.skipSpace()
		if s.pos >= len(s.src) || s.src[s.pos] != '=' {
			return s.errAt(s.pos, "malformed XML declaration")
		}
		s.pos++
		s.skipSpace()
		if s.pos >= len(s.src) || (s.src[s.pos] != '"' && s.src[s.pos] != '\'') {
			return s.errAt(s.pos, "malformed XML declaration")
		}
		q := s.src[s.pos]
		s.pos++
		vs := s.pos
		for s.pos < len(s.src) && s.src[s.pos] != q && s.src[s.pos] != '<' {
			s.pos++
		}
		if s.pos >= len(s.src) || s.src[s.pos] != q {
			return s.errAt(vs, "malformed XML declaration")
		}
		val := string(s.src[vs:s.pos])
		s.pos++
		switch {
		case name == "version" && seen == 0:
			if val != "1.0" {
				return s.errAt(vs, "unsupported XML version %q", val)
			}
			seen = 1
		case name == "encoding" && seen == 1:
			seen = 2
			switch strings.ToLower(val) {
			case "utf-8", "utf8":
			case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "iso_8859-1", "us-ascii", "ascii":
				s.latin1 = true
				s.d.asciiOut = true
			default:
				return s.errAt(vs, "unsupported encoding %q", val)
			}
		case name == "standalone" && seen >= 1 && seen < 3:
			if val != "yes" && val != "no" {
				return s.errAt(vs, "malformed XML declaration")
			}
			seen = 3
		default:
			return s.errAt(ns, "malformed XML declaration")
		}
	}
	if seen == 0 {
		return s.errAt(start, "XML declaration without version")
	}
	return nil
}

// checkChars validates that src[from:to] holds only XML characters.
func (s *scanner) checkChars(from, to int) error {
	b := s.src
	for i := from; i < to; {
		// Eight plain ASCII characters at a time: no byte with the high bit
		// set and none below 0x20 (tab, line feed and carriage return take
		// the byte-wise path below, which accepts them).
		if to-i >= 8 {
			x := binary.LittleEndian.Uint64(b[i:])
			if x&hiBits == 0 && (x-loBits*0x20)&^x&hiBits == 0 {
				i += 8
				continue
			}
		}
		c := b[i]
		if c < 0x80 {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return s.errAt(i, "illegal character 0x%02X", c)
			}
			i++
			continue
		}
		if s.latin1 {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:to])
		if r == utf8.RuneError && n <= 1 {
			return s.errAt(i, "invalid UTF-8")
		}
		if !isXMLChar(r) {
			return s.errAt(i, "illegal character U+%04X", r)
		}
		i += n
	}
	return nil
}

// loBits and hiBits are the lowest and highest bit of each byte of a
// uint64: x-loBits*n has a borrow into a byte's high bit where that byte of
// x is below n (n <= 0x80, x without high bits).
const (
	loBits = 0x0101010101010101
	hiBits = 0x8080808080808080
)

func isXMLChar(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

func (s *scanner) comment() error {
	start := s.pos
	i := bytes.Index(s.src[s.pos+4:], []byte("--"))
	if i < 0 {
		return s.errAt(start, "unterminated comment")
	}
	end := s.pos + 4 + i
	if end+2 >= len(s.src) || s.src[end+2] != '>' {
		return s.errAt(end, "\"--\" inside a comment")
	}
	if err := s.checkChars(start+4, end); err != nil {
		return err
	}
	s.pos = end + 3
	return nil
}

func (s *scanner) pi() error {
	start := s.pos
	s.pos += 2
	ns := s.pos
	if err := s.name(); err != nil {
		return err
	}
	target := string(s.src[ns:s.pos])
	if strings.EqualFold(target, "xml") {
		return s.errAt(start, "XML declaration not at the start of the document")
	}
	i := bytes.Index(s.src[s.pos:], []byte("?>"))
	if i < 0 {
		return s.errAt(start, "unterminated processing instruction")
	}
	if i > 0 && !isSpace(s.src[s.pos]) {
		return s.errAt(s.pos, "malformed processing instruction")
	}
	if err := s.checkChars(s.pos, s.pos+i); err != nil {
		return err
	}
	s.pos += i + 2
	return nil
}

// doctype skips <!DOCTYPE ...> including an internal subset.
func (s *scanner) doctype() error {
	start := s.pos
	s.pos += len("<!DOCTYPE")
	for s.pos < len(s.src) {
		c := s.src[s.pos]
		switch c {
		case '"', '\'':
			j := bytes.IndexByte(s.src[s.pos+1:], c)
			if j < 0 {
				return s.errAt(start, "unterminated DOCTYPE")
			}
			s.pos += j + 2
		case '[':
			s.pos++
		subset:
			for {
				if s.pos >= len(s.src) {
					return s.errAt(start, "unterminated DOCTYPE")
				}
				switch {
				case s.has("<!--"):
					if err := s.comment(); err != nil {
						return err
					}
				case s.has("<?"):
					if err := s.pi(); err != nil {
						return err
					}
				case s.src[s.pos] == '"' || s.src[s.pos] == '\'':
					q := s.src[s.pos]
					j := bytes.IndexByte(s.src[s.pos+1:], q)
					if j < 0 {
						return s.errAt(start, "unterminated DOCTYPE")
					}
					s.pos += j + 2
				case s.src[s.pos] == ']':
					s.pos++
					break subset
				default:
					s.pos++
				}
			}
		case '>':
			s.pos++
			return s.checkChars(start, s.pos)
		default:
			s.pos++
		}
	}
	return s.errAt(start, "unterminated DOCTYPE")
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == ':' || c == '-' || c == '.' || c >= 0x80
}

func isNameStartRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' || r == ':' ||
		r >= 0xC0 && r <= 0xD6 || r >= 0xD8 && r <= 0xF6 || r >= 0xF8 && r <= 0x2FF ||
		r >= 0x370 && r <= 0x37D || r >= 0x37F && r <= 0x1FFF || r >= 0x200C && r <= 0x200D ||
		r >= 0x2070 && r <= 0x218F || r >= 0x2C00 && r <= 0x2FEF || r >= 0x3001 && r <= 0xD7FF ||
		r >= 0xF900 && r <= 0xFDCF || r >= 0xFDF0 && r <= 0xFFFD || r >= 0x10000 && r <= 0xEFFFF
}

func isNameRune(r rune) bool {
	return isNameStartRune(r) || r == '-' || r == '.' || r >= '0' && r <= '9' || r == 0xB7 ||
		r >= 0x300 && r <= 0x36F || r >= 0x203F && r <= 0x2040
}

// name scans an XML Name at s.pos.
func (s *scanner) name() error {
	start := s.pos
	first := true
	for s.pos < len(s.src) {
		c := s.src[s.pos]
		var r rune
		n := 1
		switch {
		case c < 0x80:
			r = rune(c)
		case s.latin1:
			r = rune(c)
		default:
			r, n = utf8.DecodeRune(s.src[s.pos:])
			if r == utf8.RuneError && n <= 1 {
				return s.errAt(s.pos, "invalid UTF-8")
			}
		}
		if first && !isNameStartRune(r) || !first && !isNameRune(r) {
			break
		}
		first = false
		s.pos += n
	}
	if s.pos == start {
		return s.errAt(start, "expected a name")
	}
	if !s.latin1 && !isASCII(string(s.src[start:s.pos])) && !xmlLibAcceptsName(string(s.src[start:s.pos])) {
		return s.errAt(start, "invalid XML name %q", s.src[start:s.pos])
	}
	return nil
}

// xmlLibAcceptsName reports whether encoding/xml (which etree parses with)
// accepts n as an element name. The scanner follows XML 1.0's fifth edition,
// whose name characters are a superset of the older tables encoding/xml
// uses; a document must satisfy both, since the paths are evaluated on an
// etree document. Only names with non-ASCII characters need the check.
func xmlLibAcceptsName(n string) bool {
	_, err := xml.NewDecoder(strings.NewReader("<" + n + "/>")).Token()
	return err == nil
}

// qname validates the namespace shape of a name: at most one colon, not at
// either end.
func (s *scanner) qname(off int, n string) error {
	if i := strings.IndexByte(n, ':'); i >= 0 {
		if i == 0 || i == len(n)-1 || strings.IndexByte(n[i+1:], ':') >= 0 {
			return s.errAt(off, "malformed qualified name %q", n)
		}
	}
	return nil
}

func (s *scanner) bound(prefix string) bool {
	if prefix == "xml" || s.laxNS {
		return true
	}
	for i := len(s.ns) - 1; i >= 0; i-- {
		if s.ns[i].prefix == prefix {
			return true
		}
	}
	return false
}

// element parses an element (iteratively, to bound stack use) starting at s.pos.
func (s *scanner) element() error {
	d := s.d
	var stack []int                   // open element indexes
	var root, parentEl *etree.Element // nil without a tree
	if s.tree {
		root = &d.tree.Element
		parentEl = root
	}
	parent := -1
	for {
		// at '<' of a start tag
		st := s.pos
		s.pos++
		if err := s.name(); err != nil {
			return err
		}
		name := s.str[st+1 : s.pos]
		if err := s.qname(st+1, name); err != nil {
			return err
		}
		e := elem{name: name, start: st, nameEnd: s.pos, parent: parent, attrLo: len(d.attrs)}
		var el *etree.Element
		if s.tree {
			el = parentEl.CreateElement(name)
		}
		e.el = el
		depth := len(stack) + 1
		// attributes
		for {
			ws := s.pos
			s.skipSpace()
			if s.pos >= len(s.src) {
				return s.errAt(st, "unterminated start tag <%s", name)
			}
			c := s.src[s.pos]
			if c == '>' {
				s.pos++
				break
			}
			if c == '/' {
				if s.pos+1 >= len(s.src) || s.src[s.pos+1] != '>' {
					return s.errAt(s.pos, "malformed start tag <%s", name)
				}
				e.selfClose = true
				e.slash = s.pos
				s.pos += 2
				break
			}
			if ws == s.pos {
				return s.errAt(s.pos, "missing whitespace before attribute in <%s", name)
			}
			ns := s.pos
			if err := s.name(); err != nil {
				return err
			}
			an := s.str[ns:s.pos]
			if err := s.qname(ns, an); err != nil {
				return err
			}
			s.skipSpace()
			if s.pos >= len(s.src) || s.src[s.pos] != '=' {
				return s.errAt(s.pos, "attribute %s without value in <%s", an, name)
			}
			s.pos++
			s.skipSpace()
			if s.pos >= len(s.src) || s.src[s.pos] != '"' && s.src[s.pos] != '\'' {
				return s.errAt(s.pos, "unquoted attribute value for %s in <%s", an, name)
			}
			q := s.src[s.pos]
			s.pos++
			vs := s.pos
			j := bytes.IndexByte(s.src[vs:], q)
			if j < 0 {
				return s.errAt(vs, "unterminated attribute value for %s in <%s", an, name)
			}
			ve := vs + j
			val, err := s.decode(vs, ve, true)
			if err != nil {
				return err
			}
			s.pos = ve + 1
			for _, a := range d.attrs[e.attrLo:] {
				if a.name == an {
					return s.errAt(ns, "duplicate attribute %s in <%s", an, name)
				}
			}
			d.attrs = append(d.attrs, attrSpan{name: an, nameStart: ns, valStart: vs, valEnd: ve, quote: q, value: val})
			if s.tree {
				el.CreateAttr(an, val)
			}
			if an == "xmlns" || strings.HasPrefix(an, "xmlns:") {
				if strings.HasPrefix(an, "xmlns:") && val == "" {
					return s.errAt(ns, "empty namespace URI for %s", an)
				}
				s.ns = append(s.ns, nsBinding{prefix: strings.TrimPrefix(an, "xmlns:"), depth: depth})
			}
		}
		e.attrHi = len(d.attrs)
		e.tagEnd = s.pos
		// namespace prefixes must be declared
		if i := strings.IndexByte(name, ':'); i > 0 && !s.bound(name[:i]) {
			return s.errAt(st, "undeclared namespace prefix %q in <%s>", name[:i], name)
		}
		for _, a := range d.attrs[e.attrLo:e.attrHi] {
			if i := strings.IndexByte(a.name, ':'); i > 0 && a.name[:i] != "xmlns" && !s.bound(a.name[:i]) {
				return s.errAt(a.nameStart, "undeclared namespace prefix %q in attribute %s", a.name[:i], a.name)
			}
		}
		idx := len(d.elems)
		if parent >= 0 {
			d.elems[parent].children++
		}
		if e.selfClose {
			e.endStart, e.endEnd = e.tagEnd, e.tagEnd
			d.elems = append(d.elems, e)
			s.popNS(depth)
		} else {
			d.elems = append(d.elems, e)
			stack = append(stack, idx)
			parent, parentEl = idx, el
		}
		// content until the next start tag, or until the stack is empty
		for {
			if len(stack) == 0 {
				return nil
			}
			if s.pos >= len(s.src) {
				top := d.elems[stack[len(stack)-1]]
				return s.errAt(top.start, "element <%s> is not closed", top.name)
			}
			c := s.src[s.pos]
			if c != '<' {
				if err := s.text(parentEl); err != nil {
					return err
				}
				continue
			}
			switch {
			case s.has("</"):
				es := s.pos
				s.pos += 2
				ns := s.pos
				if err := s.name(); err != nil {
					return err
				}
				en := s.str[ns:s.pos]
				s.skipSpace()
				if s.pos >= len(s.src) || s.src[s.pos] != '>' {
					return s.errAt(es, "malformed end tag </%s", en)
				}
				s.pos++
				top := &d.elems[stack[len(stack)-1]]
				switch {
				case s.fragEnd > 0 && es == s.fragEnd && len(stack) > 1:
					// the wrapper's end tag: the fragment left top open
					return s.errAt(top.start, "element <%s> is not closed", top.name)
				case s.fragEnd > 0 && es != s.fragEnd && len(stack) == 1:
					// an end tag of the fragment at its top level
					return s.errAt(es, "end tag </%s> without a start tag", en)
				case en != top.name:
					return s.errAt(es, "end tag </%s> does not match <%s> (line %d)", en, top.name, lineOf(s.src, top.start))
				}
				top.endStart, top.endEnd = es, s.pos
				if top.children == 0 {
					s.flushBlank(parentEl)
				}
				s.flushRun()
				s.blank = ""
				s.popNS(len(stack))
				stack = stack[:len(stack)-1]
				if len(stack) > 0 {
					parent = stack[len(stack)-1]
					parentEl = d.elems[parent].el
				} else {
					parent, parentEl = -1, root
				}
				continue
			case s.has("<!--"):
				if err := s.comment(); err != nil {
					return err
				}
				continue
			case s.has("<![CDATA["):
				cs := s.pos + 9
				j := bytes.Index(s.src[cs:], []byte("]]>"))
				if j < 0 {
					return s.errAt(s.pos, "unterminated CDATA section")
				}
				if err := s.checkChars(cs, cs+j); err != nil {
					return err
				}
				if s.tree {
					s.flushBlank(parentEl)
					s.appendText(parentEl, s.decodeRaw(cs, cs+j))
				}
				s.pos = cs + j + 3
				continue
			case s.has("<?"):
				if err := s.pi(); err != nil {
					return err
				}
				continue
			case s.has("<!"):
				return s.errAt(s.pos, "unexpected markup in content")
			}
			s.blank = "" // blank text between elements is formatting (see text)
			s.flushRun()
			break // a child start tag
		}
	}
}

// flushBlank adds the waiting blank text to el.
func (s *scanner) flushBlank(el *etree.Element) {
	if s.blank != "" {
		s.appendText(el, s.blank)
		s.blank = ""
	}
}

// appendText adds decoded character data to el's text run (see
// scanner.run); flushRun puts the run in the tree.
func (s *scanner) appendText(el *etree.Element, txt string) {
	if s.runEl != el {
		s.flushRun()
		s.runEl, s.run = el, txt
		return
	}
	if s.runB.Len() == 0 {
		s.runB.WriteString(s.run)
	}
	s.runB.WriteString(txt)
}

// flushRun adds the text run to its element as one character data child.
// Runs end where a child element starts, so the element's last child is
// never character data already.
func (s *scanner) flushRun() {
	if s.runEl == nil {
		return
	}
	txt := s.run
	if s.runB.Len() > 0 {
		txt = s.runB.String()
		s.runB = strings.Builder{} // String shares the buffer: a new one
	}
	s.runEl.CreateText(txt)
	s.runEl, s.run = nil, ""
}

// blank reports whether txt is whitespace only.
func blank(txt string) bool {
	for i := 0; i < len(txt); i++ {
		if !isSpace(txt[i]) {
			return false
		}
	}
	return true
}

func (s *scanner) popNS(depth int) {
	for len(s.ns) > 0 && s.ns[len(s.ns)-1].depth >= depth {
		s.ns = s.ns[:len(s.ns)-1]
	}
}

// text scans character data up to the next '<' (and adds it to el when
// building the tree). Blank text waits in s.blank: the tree keeps it only
// in an element without child elements (a value of spaces), not between
// child elements, where it is the document's indentation. The tree serves
// path evaluation and the values of leaves; the bytes keep every space.
func (s *scanner) text(el *etree.Element) error {
	ts := s.pos
	j := bytes.IndexByte(s.src[ts:], '<')
	te := len(s.src)
	if j >= 0 {
		te = ts + j
	}
	if k := bytes.Index(s.src[ts:te], []byte("]]>")); k >= 0 {
		return s.errAt(ts+k, "\"]]>\" in text")
	}
	txt, err := s.decode(ts, te, false)
	if err != nil {
		return err
	}
	if s.tree {
		if blank(txt) {
			s.blank += txt
		} else {
			s.flushBlank(el)
			s.appendText(el, txt)
		}
	}
	s.pos = te
	return nil
}

// decodeRaw converts src[from:to] to a Go string with line-end normalisation
// (CDATA content: no references).
func (s *scanner) decodeRaw(from, to int) string {
	b := s.src[from:to]
	if s.verbatim(b) {
		return s.str[from:to] // a view, like decode's plain values
	}
	s.sb.Reset()
	s.sb.Grow(len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '\r':
			s.sb.WriteByte('\n')
			if i+1 < len(b) && b[i+1] == '\n' {
				i++
			}
		case c >= 0x80 && s.latin1:
			s.sb.WriteRune(rune(c))
		default:
			s.sb.WriteByte(c)
		}
	}
	return s.sb.String()
}

// verbatim reports whether b needs neither line-end normalisation (no
// carriage return) nor decoding from Latin-1 (ASCII only, or a UTF-8
// document): what decodeRaw and decode return as it is.
func (s *scanner) verbatim(b []byte) bool {
	return bytes.IndexByte(b, '\r') < 0 && (!s.latin1 || ascii(b))
}

// decode validates and decodes text or an attribute value in src[from:to]:
// references are expanded, line ends normalised, and in attribute values
// whitespace characters become spaces.
func (s *scanner) decode(from, to int, attr bool) (string, error) {
	if err := s.checkChars(from, to); err != nil {
		return "", err
	}
	b := s.src[from:to]
	if bytes.IndexByte(b, '&') < 0 && (!attr || !bytes.ContainsAny(b, "\t\n<")) && s.verbatim(b) {
		return s.str[from:to], nil
	}
	s.sb.Reset()
	s.sb.Grow(len(b)) // enough but for Latin-1 bytes above 0x7F (two bytes each in UTF-8)
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '<':
			return "", s.errAt(from+i, "'<' in attribute value")
		case c == '\r':
			if attr {
				s.sb.WriteByte(' ')
			} else {
				s.sb.WriteByte('\n')
			}
			if i+1 < len(b) && b[i+1] == '\n' {
				i++
			}
		case attr && (c == '\n' || c == '\t'):
			s.sb.WriteByte(' ')
		case c == '&':
			j := bytes.IndexByte(b[i:], ';')
			if j < 0 {
				return "", s.errAt(from+i, "unterminated entity reference")
			}
			ref := string(b[i+1 : i+j])
			r, ok := resolveRef(ref)
			if !ok {
				return "", s.errAt(from+i, "invalid entity reference &%s;", ref)
			}
			s.sb.WriteRune(r)
			i += j
		case c >= 0x80 && s.latin1:
			s.sb.WriteRune(rune(c))
		default:
			s.sb.WriteByte(c)
		}
	}
	return s.sb.String(), nil
}

func ascii(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

func resolveRef(ref string) (rune, bool) {
	switch ref {
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "amp":
		return '&', true
	case "apos":
		return '\'', true
	case "quot":
		return '"', true
	}
	if len(ref) < 2 || ref[0] != '#' {
		return 0, false
	}
	var v int64
	digits := ref[1:]
	base := int64(10)
	if digits[0] == 'x' {
		base = 16
		digits = digits[1:]
		if digits == "" {
			return 0, false
		}
	}
	for _, c := range digits {
		var dv int64
		switch {
		case c >= '0' && c <= '9':
			dv = int64(c - '0')
		case base == 16 && c >= 'a' && c <= 'f':
			dv = int64(c-'a') + 10
		case base == 16 && c >= 'A' && c <= 'F':
			dv = int64(c-'A') + 10
		default:
			return 0, false
		}
		v = v*base + dv
		if v > 0x10FFFF {
			return 0, false
		}
	}
	if !isXMLChar(rune(v)) {
		return 0, false
	}
	return rune(v), true
}
