package tomlconf

import (
	"bytes"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

type exprKind int

const (
	exKV exprKind = iota
	exTable
	exArrayTable
)

// expr is one key/value or header of the document, with the byte span of the
// whole line(s) it occupies.
type expr struct {
	kind       exprKind
	start, end int      // first byte of its first line; byte after its last line's newline (or len(src))
	path       []string // header: the table name; key/value: the full key (header + dotted key)
	keyLen     int      // key/value: number of names in its dotted key
	hdr        int      // key/value: index in exprs of its header, -1 for the root table
	keyEnd     int      // key/value: byte after its (last) key name
	valStart   int      // key/value: first byte of the value
	valEnd     int      // key/value: byte after the value
	aot        int      // index in exprs of the [[header]] of the array-of-tables element it lies in, -1 if none
	aotIdx     int      // element number of that array of tables (0-based), -1 if none
}

// state is a parsed document: its bytes, the expressions in file order and
// the decoded tree.
type state struct {
	src   []byte
	exprs []expr
	tree  map[string]any
	crlf  bool
}

// load parses src with both go-toml parsers. Errors are *Error.
func load(src []byte) (*state, error) {
	st := &state{src: src}
	if err := toml.Unmarshal(src, &st.tree); err != nil {
		return nil, toError(src, err)
	}
	if st.tree == nil {
		st.tree = map[string]any{}
	}
	var p unstable.Parser
	p.KeepComments = true
	p.Reset(src)
	hdr := -1
	type aotCtx struct {
		name []string
		at   int
	}
	var stack []aotCtx
	counts := map[string]int{}
	for p.NextExpression() {
		n := p.Expression()
		switch n.Kind {
		case unstable.KeyValue:
			e := expr{kind: exKV, hdr: hdr, aot: -1, aotIdx: -1}
			var prefix []string
			if hdr >= 0 {
				prefix = st.exprs[hdr].path
				e.aot, e.aotIdx = st.exprs[hdr].aot, st.exprs[hdr].aotIdx
			}
			e.path = append([]string(nil), prefix...)
			first := -1
			it := n.Key()
			for it.Next() {
				k := it.Node()
				if first < 0 {
					first = int(k.Raw.Offset)
				}
				e.keyEnd = int(k.Raw.Offset + k.Raw.Length)
				e.path = append(e.path, string(k.Data))
				e.keyLen++
			}
			e.start = lineStart(src, first)
			e.valEnd = int(n.Raw.Offset + n.Raw.Length)
			e.valStart = skipSep(src, e.keyEnd)
			e.end = lineEnd(src, e.valEnd)
			st.exprs = append(st.exprs, e)
		case unstable.Table, unstable.ArrayTable:
			e := expr{kind: exTable, hdr: -1, aot: -1, aotIdx: -1}
			if n.Kind == unstable.ArrayTable {
				e.kind = exArrayTable
			}
			first, last := -1, 0
			it := n.Key()
			for it.Next() {
				k := it.Node()
				if first < 0 {
					first = int(k.Raw.Offset)
				}
				last = int(k.Raw.Offset + k.Raw.Length)
				e.path = append(e.path, string(k.Data))
			}
			e.start = lineStart(src, first)
			e.end = lineEnd(src, last)
			// Leave the array-of-tables elements this header is not inside.
			for len(stack) > 0 {
				top := stack[len(stack)-1]
				if len(e.path) > len(top.name) && hasPrefix(e.path, top.name) {
					break
				}
				stack = stack[:len(stack)-1]
			}
			idx := len(st.exprs)
			if len(stack) > 0 {
				e.aot = stack[0].at
				e.aotIdx = st.exprs[stack[0].at].aotIdx
			} else if e.kind == exArrayTable {
				k := keyString(e.path)
				e.aot, e.aotIdx = idx, counts[k]
				counts[k]++
			}
			if e.kind == exArrayTable {
				stack = append(stack, aotCtx{e.path, idx})
			}
			hdr = idx
			st.exprs = append(st.exprs, e)
		}
	}
	if err := p.Error(); err != nil {
		return nil, toError(src, err)
	}
	st.crlf = bytes.Contains(src, []byte("\r\n"))
	return st, nil
}

// skipSep returns the offset of the value after a key ending at i.
func skipSep(src []byte, i int) int {
	for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
		i++
	}
	if i < len(src) && src[i] == '=' {
		i++
	}
	for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
		i++
	}
	return i
}

func lineStart(src []byte, i int) int {
	if i < 0 {
		return 0
	}
	return bytes.LastIndexByte(src[:i], '\n') + 1
}

func lineEnd(src []byte, i int) int {
	j := bytes.IndexByte(src[i:], '\n')
	if j < 0 {
		return len(src)
	}
	return i + j + 1
}

// position returns the 1-based line and column (in characters) of offset.
func position(src []byte, off int) (int, int) {
	if off > len(src) {
		off = len(src)
	}
	line := bytes.Count(src[:off], []byte("\n")) + 1
	ls := bytes.LastIndexByte(src[:off], '\n') + 1
	return line, utf8.RuneCount(src[ls:off]) + 1
}

// toError converts a go-toml error into an *Error with a position in src.
func toError(src []byte, err error) error {
	var de *toml.DecodeError
	if errors.As(err, &de) {
		l, c := de.Position()
		msg := de.Error()
		if len(msg) > 6 && msg[:6] == "toml: " {
			msg = msg[6:]
		}
		return &Error{Line: l, Column: c, Msg: msg}
	}
	var pe *unstable.ParserError
	if errors.As(err, &pe) {
		off := len(src)
		if pe.Highlight != nil && cap(pe.Highlight) <= cap(src) {
			off = cap(src) - cap(pe.Highlight)
		}
		l, c := position(src, off)
		return &Error{Line: l, Column: c, Msg: pe.Message}
	}
	return &Error{Line: 1, Column: 1, Msg: fmt.Sprint(err)}
}

func hasPrefix(p, prefix []string) bool {
	if len(prefix) > len(p) {
		return false
	}
	for i := range prefix {
		if p[i] != prefix[i] {
			return false
		}
	}
	return true
}

func equalPath(a, b []string) bool { return len(a) == len(b) && hasPrefix(a, b) }

func keyString(p []string) string { return Key(p).String() }

// lineNo returns the 1-based line of offset.
func (st *state) lineNo(off int) int { return bytes.Count(st.src[:off], []byte("\n")) + 1 }

// nl is the line end the document uses.
func (st *state) nl() string {
	if st.crlf {
		return "\r\n"
	}
	return "\n"
}

// get walks the decoded tree.
func (st *state) get(path []string) (any, bool) {
	var cur any = st.tree
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		cur, ok = m[p]
		if !ok {
			return nil, false
		}
	}
	return cur, true
}
