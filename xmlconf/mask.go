package xmlconf

import (
	"fmt"
	"sort"
	"strings"

	"github.com/beevik/etree"
)

// Mask returns src with the values at the places that edits select
// replaced by mask(value), for showing a document without its secrets: the
// text of each element a SetText selects (every text and CDATA run,
// decoded; comments inside stay), attribute Attr of each element a SetAttr
// selects (decoded), and the whole content of each element an Ensure,
// SetChildren or Remove selects (as written), or a SetText that selects an
// element with child elements. Every match counts (Match is ignored), the
// edits' values are not used, an empty value is left as it is, and a place
// inside another is masked with it. The result is escaped like a value
// but not parsed again: it is for display. Like Apply, Mask never writes
// to src, and the values it passes to mask may share src's memory: src
// must not be changed after the call while they are kept.
func Mask(src []byte, edits []Edit, mask func(v string) string) ([]byte, error) {
	d, err := parse(src)
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	var spl []edit
	for _, e := range edits {
		for _, i := range d.selectAll(e.Path) {
			s, err := d.maskPlace(i, e, mask)
			if err != nil {
				return nil, fmt.Errorf("mask %s %s: %w", e.Op, e.Path, err)
			}
			spl = append(spl, s...)
		}
	}
	// Outer places first: a place inside one already masked goes.
	sort.SliceStable(spl, func(i, j int) bool {
		return spl[i].start < spl[j].start || spl[i].start == spl[j].start && spl[i].end > spl[j].end
	})
	kept := spl[:0]
	for _, s := range spl {
		if n := len(kept); n > 0 && s.start < kept[n-1].end || n > 0 && s.start == kept[n-1].start {
			continue
		}
		kept = append(kept, s)
	}
	return splice(d.src, kept)
}

// maskPlace returns the splices that mask the place of element i that e
// selects (see Mask).
func (d *doc) maskPlace(i int, e Edit, mask func(string) string) ([]edit, error) {
	el := d.elems[i]
	switch {
	case e.Op == SetAttr:
		for _, a := range d.attrs[el.attrLo:el.attrHi] {
			if a.name == e.Attr && a.value != "" {
				esc, err := escapeAttr(mask(a.value), a.quote, d.asciiOut)
				return []edit{{start: a.valStart, end: a.valEnd, repl: esc}}, err
			}
		}
		return nil, nil
	case e.Op == SetText && el.children == 0:
		var v strings.Builder
		for _, c := range el.el.Child {
			if cd, ok := c.(*etree.CharData); ok {
				v.WriteString(cd.Data)
			}
		}
		runs := d.contentRuns(i)
		if v.Len() == 0 || len(runs) == 0 {
			return nil, nil
		}
		esc, err := escapeText(mask(v.String()), d.asciiOut)
		spl := []edit{{start: runs[0][0], end: runs[0][1], repl: esc}}
		for _, r := range runs[1:] {
			spl = append(spl, edit{start: r[0], end: r[1]})
		}
		return spl, err
	}
	raw := string(d.src[el.tagEnd:el.endStart])
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	esc, err := escapeText(mask(raw), d.asciiOut)
	return []edit{{start: el.tagEnd, end: el.endStart, repl: esc}}, err
}

// secretPlace reports whether a Secret edit of d.secret selects the place
// that a change of element i touches: its text (attr ""), or its attribute
// attr; or whether one of them holds i whole (Ensure, SetChildren, Remove,
// or a SetText of an element with child elements, as Mask masks it).
func (d *doc) secretPlace(i int, attr string) bool {
	for _, s := range d.secret {
		for _, j := range d.selectAll(s.Path) {
			switch {
			case s.Op == SetAttr:
				if j == i && attr == s.Attr {
					return true
				}
			case s.Op == SetText && d.elems[j].children == 0:
				if j == i && attr == "" {
					return true
				}
			case j == i || d.insideAny(i, []int{j}):
				return true
			}
		}
	}
	return false
}

// MaskProperties returns src with the value of every logical line whose
// key one of edits names (set or remove alike) replaced by mask(value),
// escaped as a value, for showing a file without its secrets. An empty
// value is left as it is.
func MaskProperties(src []byte, edits []PropEdit, mask func(v string) string) ([]byte, error) {
	lines, err := parseProps(src)
	if err != nil {
		return nil, fmt.Errorf("parse properties: %w", err)
	}
	keys := map[string]bool{}
	for _, e := range edits {
		keys[e.Key] = true
	}
	var spl []edit
	for _, l := range lines {
		if keys[l.key] && l.value != "" {
			spl = append(spl, edit{start: l.valStart, end: l.end, repl: escapeProp(mask(l.value), false)})
		}
	}
	return splice(src, spl)
}
