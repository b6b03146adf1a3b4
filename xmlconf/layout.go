package xmlconf

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/beevik/etree"
)

const fragTag = "xmlconf-fragment"

// newline returns the document's line ending: CRLF when its first line break
// is CRLF, otherwise LF.
func (d *doc) newline() string {
	if i := bytes.IndexByte(d.src, '\n'); i > 0 && d.src[i-1] == '\r' {
		return "\r\n"
	}
	return "\n"
}

// lineIndent returns the blanks between the start of the line and pos, and
// whether only blanks precede pos on its line.
func (d *doc) lineIndent(pos int) (string, bool) {
	k := pos
	for k > 0 && (d.src[k-1] == ' ' || d.src[k-1] == '\t') {
		k--
	}
	if k == 0 || d.src[k-1] == '\n' || d.src[k-1] == '\r' || k == 3 && bytes.HasPrefix(d.src, []byte("\xEF\xBB\xBF")) {
		return string(d.src[k:pos]), true
	}
	return "", false
}

// indentUnit returns the most frequent indentation step between an element
// and its parent (both at the start of their lines); default four spaces.
func (d *doc) indentUnit() string {
	count := map[string]int{}
	for i := range d.elems {
		e := &d.elems[i]
		if e.parent < 0 {
			continue
		}
		ci, ok := d.lineIndent(e.start)
		if !ok {
			continue
		}
		pi, ok := d.lineIndent(d.elems[e.parent].start)
		if !ok || len(ci) <= len(pi) || !strings.HasPrefix(ci, pi) {
			continue
		}
		count[ci[len(pi):]]++
	}
	best, n := "    ", 0
	for u, c := range count {
		if c > n || c == n && len(u) < len(best) {
			best, n = u, c
		}
	}
	return best
}

// parseFragment parses an XML fragment (zero or more elements and comments).
// Namespace prefixes are checked later, in the context of the document. The
// fragment is read inside a wrapper element (fragTag) that its errors never
// name: they speak of the fragment's own elements and tags.
func parseFragment(x string, ascii bool) (*doc, error) {
	if ascii {
		if strings.Contains(x, "<![CDATA[") && !isASCII(x) {
			return nil, fmt.Errorf("fragment: non-ASCII characters in CDATA cannot be written in this document's encoding")
		}
		x = asciiRefs(x)
	}
	src := "<" + fragTag + ">" + x + "</" + fragTag + ">"
	f, err := scan([]byte(src), true, true, len(src)-len("</"+fragTag+">"))
	if err != nil {
		return nil, fmt.Errorf("fragment: %w", err)
	}
	return f, nil
}

// item is one child of an element in a fragment: an element (elem >= 0) or a
// comment or processing instruction (elem < 0) at src[start:end].
type item struct {
	elem       int
	start, end int
}

// items lists the children of element i; ok is false when the content has
// text or CDATA that is not whitespace (mixed content).
func (d *doc) items(i int) ([]item, bool) {
	var out []item
	e := d.elems[i]
	p := e.tagEnd
	gap := func(to int) bool {
		b := d.src
		for p < to {
			switch {
			case isSpace(b[p]):
				p++
			case bytes.HasPrefix(b[p:to], []byte("<!--")):
				q := p + 4 + bytes.Index(b[p+4:], []byte("-->")) + 3
				out = append(out, item{elem: -1, start: p, end: q})
				p = q
			case bytes.HasPrefix(b[p:to], []byte("<?")):
				q := p + 2 + bytes.Index(b[p+2:], []byte("?>")) + 2
				out = append(out, item{elem: -1, start: p, end: q})
				p = q
			default:
				return false
			}
		}
		return true
	}
	for _, c := range d.children(i) {
		if !gap(d.elems[c].start) {
			return nil, false
		}
		out = append(out, item{elem: c, start: d.elems[c].start, end: d.elems[c].endEnd})
		p = d.elems[c].endEnd
	}
	if !gap(e.endStart) {
		return nil, false
	}
	return out, true
}

// format writes element i of a fragment: elements with element-only content
// one child per line (indent + unit deeper), anything else as written.
func (d *doc) format(i int, indent, unit, nl string, b *strings.Builder) {
	e := d.elems[i]
	if e.children == 0 {
		b.Write(d.src[e.start:e.endEnd])
		return
	}
	its, ok := d.items(i)
	if !ok {
		b.Write(d.src[e.start:e.endEnd])
		return
	}
	b.Write(d.src[e.start:e.tagEnd])
	for _, it := range its {
		b.WriteString(nl + indent + unit)
		if it.elem >= 0 {
			d.format(it.elem, indent+unit, unit, nl, b)
		} else {
			b.Write(d.src[it.start:it.end])
		}
	}
	b.WriteString(nl + indent)
	b.Write(d.src[e.endStart:e.endEnd])
}

// formatItems formats the top-level items of a fragment, separated by line
// breaks at indent; line ends inside are converted to nl.
func (d *doc) formatItems(its []item, indent, unit, nl string) string {
	var b strings.Builder
	for n, it := range its {
		if n > 0 {
			b.WriteString(nl + indent)
		}
		if it.elem >= 0 {
			d.format(it.elem, indent, unit, nl, &b)
		} else {
			b.Write(d.src[it.start:it.end])
		}
	}
	s := strings.ReplaceAll(b.String(), "\r\n", "\n")
	if nl != "\n" {
		s = strings.ReplaceAll(s, "\n", nl)
	}
	return s
}

// canonChildren is a formatting-independent form of an element's content:
// child elements (name, sorted attributes, text), non-blank text; comments
// and blank text ignored.
func canonChildren(el *etree.Element, b *strings.Builder) {
	for _, t := range el.Child {
		switch c := t.(type) {
		case *etree.Element:
			canonElem(c, b)
		case *etree.CharData:
			if strings.TrimSpace(c.Data) != "" {
				b.WriteString("T" + strconv.Quote(c.Data))
			}
		}
	}
}

func canonElem(e *etree.Element, b *strings.Builder) {
	b.WriteString("<" + e.FullTag())
	attrs := make([]string, 0, len(e.Attr))
	for _, a := range e.Attr {
		attrs = append(attrs, a.FullKey()+"="+strconv.Quote(a.Value))
	}
	sort.Strings(attrs)
	for _, a := range attrs {
		b.WriteString(" " + a)
	}
	b.WriteString(">")
	if len(e.ChildElements()) > 0 {
		canonChildren(e, b)
	} else {
		b.WriteString("T" + strconv.Quote(e.Text()))
	}
	b.WriteString("</>")
}

func (d *doc) selfCloseStart(e elem) int {
	s := e.slash
	for s > e.nameEnd && (d.src[s-1] == ' ' || d.src[s-1] == '\t') {
		s--
	}
	return s
}

func (d *doc) setChildren(i int, f *doc) (edit, string, bool, error) {
	its, ok := f.items(0)
	if !ok {
		return edit{}, "", false, fmt.Errorf("fragment: text outside elements")
	}
	var a, b strings.Builder
	canonChildren(d.elems[i].el, &a)
	canonChildren(f.elems[0].el, &b)
	if a.String() == b.String() {
		return edit{}, "", false, nil
	}
	e := d.elems[i]
	old := strings.TrimSpace(string(d.src[e.tagEnd:e.endStart]))
	if len(its) == 0 {
		return edit{start: e.tagEnd, end: e.endStart}, old, true, nil
	}
	nl, unit := d.newline(), d.indentUnit()
	pind, _ := d.lineIndent(e.start)
	cind := pind + unit
	body := f.formatItems(its, cind, unit, nl)
	if e.selfClose {
		return edit{start: d.selfCloseStart(e), end: e.tagEnd, repl: ">" + nl + cind + body + nl + pind + "</" + e.name + ">"}, old, true, nil
	}
	return edit{start: e.tagEnd, end: e.endStart, repl: nl + cind + body + nl + pind}, old, true, nil
}

// parentPath cuts the last step off a path.
func parentPath(p string) (string, error) {
	last := -1
	topLevel(p, func(i int) bool {
		if p[i] == '/' {
			last = i
		}
		return true
	})
	if last <= 0 || strings.HasSuffix(p[:last], "/") {
		return "", fmt.Errorf("cannot derive the parent of the path; set Parent")
	}
	return p[:last], nil
}

// topLevel calls yield with the index of every byte of a path that stands
// outside predicates ([...]) and quoted strings, until yield returns false.
// It reports whether the brackets and quotes are balanced.
func topLevel(p string, yield func(i int) bool) bool {
	depth := 0
	var q byte
	for i := 0; i < len(p); i++ {
		c := p[i]
		if q != 0 {
			if c == q {
				q = 0
			}
			continue
		}
		switch c {
		case '\'', '"':
			q = c
		case '[':
			depth++
		case ']':
			depth--
		default:
			if depth == 0 && !yield(i) {
				return true
			}
		}
	}
	return q == 0 && depth == 0
}

func (d *doc) ensure(e Edit) ([]edit, []Change, error) {
	if strings.TrimSpace(e.XML) == "" {
		return nil, nil, fmt.Errorf("ensure needs an XML element to insert")
	}
	f, err := parseFragment(e.XML, d.asciiOut)
	if err != nil {
		return nil, nil, err
	}
	its, ok := f.items(0)
	if !ok || len(its) != 1 || its[0].elem < 0 {
		return nil, nil, fmt.Errorf("fragment: want exactly one element")
	}
	idx, err := d.sel(e.Path, Any)
	if err != nil {
		return nil, nil, err
	}
	if len(idx) == 1 {
		return nil, nil, nil
	}
	if len(idx) > 1 {
		var spl []edit
		var chs []Change
		for _, i := range idx[1:] {
			if d.insideAny(i, idx) {
				continue
			}
			s, t := d.removeSpan(i)
			spl = append(spl, edit{start: s, end: t})
			chs = append(chs, Change{Op: Ensure, Path: d.pathOf(i), Old: d.raw(i), New: "", Secret: e.Secret})
		}
		return spl, chs, nil
	}
	pp := e.Parent
	if pp == "" {
		if pp, err = parentPath(e.Path); err != nil {
			return nil, nil, err
		}
	}
	pidx, err := d.sel(pp, One)
	if err != nil {
		return nil, nil, fmt.Errorf("parent %s: %w", pp, err)
	}
	p := pidx[0]
	pe := d.elems[p]
	nl, unit := d.newline(), d.indentUnit()
	pind, _ := d.lineIndent(pe.start)
	kids := d.children(p)
	ref := -1
	for _, c := range kids {
		for _, a := range e.After {
			if a == d.elems[c].name || a == localName(d.elems[c].name) {
				ref = c
			}
		}
	}
	ch := []Change{{Op: Ensure, Path: d.pathOf(p) + "/" + f.elems[its[0].elem].name, New: strings.TrimSpace(e.XML), Secret: e.Secret}}
	if ref >= 0 {
		ind, ok := d.lineIndent(d.elems[ref].start)
		if !ok {
			ind = pind + unit
		}
		body := f.formatItems(its, ind, unit, nl)
		pos := d.lineEndAfter(d.elems[ref].endEnd)
		return []edit{{start: pos, end: pos, repl: nl + ind + body}}, ch, nil
	}
	cind := pind + unit
	if len(kids) > 0 {
		if ind, ok := d.lineIndent(d.elems[kids[len(kids)-1]].start); ok {
			cind = ind
		}
	}
	body := f.formatItems(its, cind, unit, nl)
	if pe.selfClose {
		return []edit{{start: d.selfCloseStart(pe), end: pe.tagEnd, repl: ">" + nl + cind + body + nl + pind + "</" + pe.name + ">"}}, ch, nil
	}
	content := d.src[pe.tagEnd:pe.endStart]
	t := len(bytes.TrimRight(content, " \t\r\n"))
	if t == 0 {
		return []edit{{start: pe.tagEnd, end: pe.endStart, repl: nl + cind + body + nl + pind}}, ch, nil
	}
	repl := nl + cind + body
	if !bytes.ContainsAny(content[t:], "\r\n") {
		repl += nl + pind
	}
	pos := d.lineEndAfter(pe.tagEnd + t)
	return []edit{{start: pos, end: pos, repl: repl}}, ch, nil
}

// lineEndAfter returns the offset of the line break that follows pos when
// only blanks lie between them (so an inserted line does not move trailing
// blanks), else pos.
func (d *doc) lineEndAfter(pos int) int {
	k := pos
	for k < len(d.src) && (d.src[k] == ' ' || d.src[k] == '\t') {
		k++
	}
	if k == len(d.src) || d.src[k] == '\n' || d.src[k] == '\r' {
		return k
	}
	return pos
}
