package tomlconf

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Doc is a parsed TOML document being edited. It is not safe for concurrent
// use.
type Doc struct {
	st      *state
	changes []Change
	// bom is set when the document started with a UTF-8 byte order mark:
	// it is parsed without it and Bytes puts it back.
	bom bool
}

// utf8BOM is the UTF-8 byte order mark some Windows editors put at the
// start of a text file.
const utf8BOM = "\xef\xbb\xbf"

// Parse parses a TOML document (as go-toml/v2 reads it). A malformed
// document yields an *Error with the line and column of the problem. src is
// copied. A UTF-8 byte order mark at its start is accepted and kept: Bytes
// starts with it too, and lines and columns are counted as if it were not
// there (as an editor shows them).
func Parse(src []byte) (*Doc, error) {
	bom := bytes.HasPrefix(src, []byte(utf8BOM))
	st, err := load(bytes.Clone(bytes.TrimPrefix(src, []byte(utf8BOM))))
	if err != nil {
		return nil, err
	}
	return &Doc{st: st, bom: bom}, nil
}

// Bytes returns the current document, with the byte order mark it was
// parsed with. The caller must not modify it.
func (d *Doc) Bytes() []byte {
	if d.bom {
		return append([]byte(utf8BOM), d.st.src...)
	}
	return d.st.src
}

// Changes returns every effective modification made so far, in order. Edits
// that found their value already in place are not listed.
func (d *Doc) Changes() []Change { return append([]Change(nil), d.changes...) }

// Get returns the value at path (see Value for the types). Tables are
// returned as map[string]any; Get does not descend into arrays (an array of
// tables is returned whole, as []any of map[string]any). An empty path
// returns the root table. The caller must not modify what Get returns.
func (d *Doc) Get(path Key) (Value, bool) { return d.st.get(path) }

// splice replaces src[start:end] with text.
type splice struct {
	start, end int
	text       string
}

// apply applies non-overlapping splices to src and returns new bytes.
func apply(src []byte, sp []splice) []byte {
	sort.SliceStable(sp, func(i, j int) bool {
		if sp[i].start != sp[j].start {
			return sp[i].start > sp[j].start
		}
		return sp[i].end > sp[j].end
	})
	out := bytes.Clone(src)
	for _, s := range sp {
		out = append(out[:s.start:s.start], append([]byte(s.text), out[s.end:]...)...)
	}
	return out
}

// commit applies splices, re-parses the result and runs check on it; on
// success the Doc moves to the new state.
func (d *Doc) commit(sp []splice, check func(*state) error) error {
	if len(sp) == 0 {
		return nil
	}
	st, err := load(apply(d.st.src, sp))
	if err != nil {
		return fmt.Errorf("result does not parse (%w)", err)
	}
	if err := check(st); err != nil {
		return err
	}
	d.st = st
	return nil
}

// readBack checks that path holds want in st.
func readBack(st *state, path []string, want any) error {
	got, ok := st.get(path)
	if !ok {
		return fmt.Errorf("%s reads back as missing", Key(path))
	}
	if !sameValue(got, want) {
		return fmt.Errorf("%s reads back as %s, not %s", Key(path), showValue(got), showValue(want))
	}
	return nil
}

// Set sets key in table (nil or empty: the root table) to v. An existing
// value, however the key is written (dotted key, quoted key, under its own
// [table] header), is replaced in place and only when it differs; a missing
// key is inserted after the last key of its table, written with the same
// spacing around '=' as that key; a missing table is created (see the package
// documentation). It is an error to set a key inside an inline table or an
// array of tables (use ReplaceArrayOfTables), to set a key whose value is a
// table, or to give an unsupported Value type.
func (d *Doc) Set(table []string, key string, v Value) error {
	full := append(append([]string(nil), table...), key)
	nv, err := normalize(v)
	if err != nil {
		return fmt.Errorf("set %s: %w", Key(full), err)
	}
	if err := d.set(full, nv, ""); err != nil {
		return fmt.Errorf("set %s: %w", Key(full), err)
	}
	return nil
}

// simple reports whether encode can write v (else the raw text is used).
func simple(v any) bool {
	switch x := v.(type) {
	case string, bool, int64, float64:
		return true
	case []any:
		for _, e := range x {
			if !simple(e) {
				return false
			}
		}
		return true
	}
	return false
}

// valueText is the text written for nv: encoded in style st, or raw (from a
// fragment) when raw is given and the value is not simple or there is no
// style to follow.
func valueText(nv any, raw string, st *style) string {
	if raw != "" && (st == nil || !simple(nv)) {
		return raw
	}
	if st == nil {
		st = &style{arraySep: ", "}
	}
	return encode(nv, *st)
}

// checkPath refuses paths that go through an array of tables, an array, an
// inline table or a non-table value.
func (st *state) checkPath(full []string, what string) error {
	for i := 1; i < len(full); i++ {
		v, ok := st.get(full[:i])
		if !ok {
			return nil
		}
		switch v.(type) {
		case map[string]any:
			if st.kvIndex(full[:i]) >= 0 {
				return fmt.Errorf("%s is an inline table: set it as a whole", Key(full[:i]))
			}
		case []any:
			if st.isArrayOfTables(full[:i]) {
				return fmt.Errorf("%s is inside the array of tables [[%s]]: replace the array as a whole", what, Key(full[:i]))
			}
			return fmt.Errorf("%s is an array, not a table", Key(full[:i]))
		default:
			return fmt.Errorf("%s is a value, not a table", Key(full[:i]))
		}
	}
	return nil
}

// isArrayOfTables reports whether name is a top-level [[name]] array.
func (st *state) isArrayOfTables(name []string) bool {
	for i, e := range st.exprs {
		if e.kind == exArrayTable && e.aot == i && equalPath(e.path, name) {
			return true
		}
	}
	return false
}

// kvIndex returns the key/value outside arrays of tables whose full key is
// path, or -1.
func (st *state) kvIndex(path []string) int {
	for i, e := range st.exprs {
		if e.kind == exKV && e.aot < 0 && equalPath(e.path, path) {
			return i
		}
	}
	return -1
}

// headerIndex returns the [table] header (outside arrays of tables) named
// path, or -1.
func (st *state) headerIndex(path []string) int {
	for i, e := range st.exprs {
		if e.kind == exTable && e.aot < 0 && equalPath(e.path, path) {
			return i
		}
	}
	return -1
}

// hdrLen is the length of the name of the header a key/value lies under.
func (st *state) hdrLen(e expr) int {
	if e.hdr < 0 {
		return 0
	}
	return len(st.exprs[e.hdr].path)
}

// set sets full to nv (normalized); raw is the fragment's text of the value
// (Merge) or "".
func (d *Doc) set(full []string, nv any, raw string) error {
	st := d.st
	if err := st.checkPath(full, "the key"); err != nil {
		return err
	}
	old, exists := st.get(full)
	if exists {
		if _, ok := old.(map[string]any); ok && st.kvIndex(full) < 0 {
			return fmt.Errorf("it is a table, not a value")
		}
		if _, ok := old.([]any); ok && st.isArrayOfTables(full) {
			return fmt.Errorf("it is an array of tables: replace it as a whole")
		}
		if sameValue(old, nv) {
			return nil
		}
		i := st.kvIndex(full)
		if i < 0 {
			return fmt.Errorf("cannot find the key in the document")
		}
		e := st.exprs[i]
		sty := styleOf(st.src[e.valStart:e.valEnd])
		sp := splice{e.valStart, e.valEnd, valueText(nv, raw, &sty)}
		if err := d.commit([]splice{sp}, func(n *state) error { return readBack(n, full, nv) }); err != nil {
			return err
		}
		d.changes = append(d.changes, Change{Path: full, Index: -1, Old: old, New: nv})
		return nil
	}
	sp, err := st.insertKey(full[:len(full)-1], full[len(full)-1], valueText(nv, raw, nil))
	if err != nil {
		return err
	}
	if err := d.commit([]splice{sp}, func(n *state) error { return readBack(n, full, nv) }); err != nil {
		return err
	}
	d.changes = append(d.changes, Change{Path: full, Index: -1, New: nv})
	return nil
}

// sepOf returns the text between key and value of a key/value ("=" with its
// blanks), or " = ".
func (st *state) sepOf(i int) string {
	if i < 0 || st.exprs[i].kind != exKV {
		return " = "
	}
	e := st.exprs[i]
	s := string(st.src[e.keyEnd:e.valStart])
	if strings.TrimSpace(s) != "=" {
		return " = "
	}
	return s
}

// insertKey plans the insertion of a missing key with value text val into
// table.
func (st *state) insertKey(table []string, key, val string) (splice, error) {
	nl := st.nl()
	// The table has its own header: after its last key.
	if h := st.headerIndex(table); h >= 0 {
		anchor := st.lastKV(func(e expr) bool { return e.hdr == h })
		if anchor < 0 {
			return st.insertAfter(h, quoteKey(key)+" = "+val+nl, false), nil
		}
		return st.insertAfter(anchor, quoteKey(key)+st.sepOf(anchor)+val+nl, false), nil
	}
	// The table exists through dotted keys: after the last of them.
	anchor := st.lastKV(func(e expr) bool {
		return e.aot < 0 && len(e.path) > len(table) && hasPrefix(e.path, table) && st.hdrLen(e) < len(table)
	})
	if anchor >= 0 {
		hl := st.hdrLen(st.exprs[anchor])
		k := Key(append(append([]string(nil), table[hl:]...), key)).String()
		return st.insertAfter(anchor, k+st.sepOf(anchor)+val+nl, false), nil
	}
	if len(table) == 0 {
		anchor := st.lastKV(func(e expr) bool { return e.hdr < 0 })
		line := quoteKey(key) + st.sepOf(anchor) + val + nl
		if anchor >= 0 {
			return st.insertAfter(anchor, line, false), nil
		}
		if len(st.exprs) > 0 {
			line += nl
		}
		return splice{0, 0, line}, nil
	}
	return st.insertTable("["+Key(table).String()+"]"+nl+quoteKey(key)+" = "+val+nl, table), nil
}

// lastKV returns the last key/value for which ok holds, or -1.
func (st *state) lastKV(ok func(expr) bool) int {
	for i := len(st.exprs) - 1; i >= 0; i-- {
		if st.exprs[i].kind == exKV && ok(st.exprs[i]) {
			return i
		}
	}
	return -1
}

// insertAfter plans inserting text (whole lines) after expression i; with
// blank, a blank line goes first.
func (st *state) insertAfter(i int, text string, blank bool) splice {
	return st.insertAt(st.exprs[i].end, text, blank)
}

// insertAt plans inserting whole lines at pos, keeping a missing final
// newline missing.
func (st *state) insertAt(pos int, text string, blank bool) splice {
	nl := st.nl()
	if blank && pos > 0 {
		text = nl + text
	}
	if pos == len(st.src) && pos > 0 && st.src[pos-1] != '\n' {
		text = nl + strings.TrimSuffix(text, nl)
	}
	return splice{pos, pos, text}
}

// insertTable plans inserting block (a header and its lines) for a table
// named name: where the file has that table commented out ("#[name]" or
// "#[[name]]" alone on a line, followed by no key before the next table),
// just before that line; else after the block of the last table that
// shares the longest leading part of its name; else at the end.
func (st *state) insertTable(block string, name []string) splice {
	if pos, ok := st.commentedHeader(name); ok {
		return splice{pos, pos, block + st.nl()}
	}
	best, bestLen := -1, 0
	for i, e := range st.exprs {
		if e.kind == exKV {
			continue
		}
		c := 0
		for c < len(e.path) && c < len(name) && e.path[c] == name[c] {
			c++
		}
		if c > 0 && c >= bestLen {
			best, bestLen = i, c
		}
	}
	if best < 0 {
		return st.insertAt(len(st.src), block, true)
	}
	anchor := best
	if a := st.lastKV(func(e expr) bool { return e.hdr == best }); a >= 0 {
		anchor = a
	}
	return st.insertAfter(anchor, block, true)
}

// Delete removes key from table: the line(s) of its key/value (a comment on
// the same line goes with it). A missing key is not an error and changes
// nothing.
func (d *Doc) Delete(table []string, key string) error {
	full := append(append([]string(nil), table...), key)
	if err := d.st.checkPath(full, "the key"); err != nil {
		return fmt.Errorf("delete %s: %w", Key(full), err)
	}
	old, ok := d.st.get(full)
	if !ok {
		return nil
	}
	i := d.st.kvIndex(full)
	if i < 0 {
		return fmt.Errorf("delete %s: it is a table, not a value", Key(full))
	}
	sp := d.st.removeLines(d.st.exprs[i].start, d.st.exprs[i].end)
	err := d.commit([]splice{sp}, func(n *state) error {
		if _, ok := n.get(full); ok {
			return fmt.Errorf("%s is still there", Key(full))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete %s: %w", Key(full), err)
	}
	d.changes = append(d.changes, Change{Path: full, Index: -1, Old: old})
	return nil
}

// removeLines plans removing the whole lines [start, end), keeping a missing
// final newline missing.
func (st *state) removeLines(start, end int) splice {
	if end == len(st.src) && end > 0 && st.src[end-1] != '\n' && start > 0 {
		start--
		if start > 0 && st.src[start-1] == '\r' {
			start--
		}
	}
	return splice{start, end, ""}
}

// placeholderRE is compiled on first use: compiled at init it cost every
// start of the agent, most of which never read TOML.
var placeholderRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\$(env|sys|secret|ref)\{([^}]*)\}`) })

// valueOf returns the decoded value of key/value e, its reported path and
// array-of-tables element.
func (st *state) valueOf(e expr) (any, Key, int, bool) {
	if e.aot < 0 {
		v, ok := st.get(e.path)
		return v, e.path, -1, ok
	}
	name := st.exprs[e.aot].path
	arr, ok := st.get(name)
	list, _ := arr.([]any)
	if !ok || e.aotIdx < 0 || e.aotIdx >= len(list) {
		return nil, nil, 0, false
	}
	var cur any = list[e.aotIdx]
	for _, p := range e.path[len(name):] {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, nil, 0, false
		}
		if cur, ok = m[p]; !ok {
			return nil, nil, 0, false
		}
	}
	return cur, e.path, e.aotIdx, true
}

// Placeholders lists every $env{…}, $sys{…}, $secret{…} and $ref{…} in the
// string values of the document (inside arrays and inline tables too), in
// file order.
func (d *Doc) Placeholders() []Placeholder {
	var out []Placeholder
	for _, e := range d.st.exprs {
		if e.kind != exKV {
			continue
		}
		v, path, idx, ok := d.st.valueOf(e)
		if !ok {
			continue
		}
		line := d.st.lineNo(e.start)
		walkStrings(v, func(s string) {
			for _, m := range placeholderRE().FindAllStringSubmatch(s, -1) {
				out = append(out, Placeholder{Path: append(Key(nil), path...), Index: idx, Kind: m[1], Name: m[2], Line: line})
			}
		})
	}
	return out
}

func walkStrings(v any, f func(string)) {
	switch x := v.(type) {
	case string:
		f(x)
	case []any:
		for _, e := range x {
			walkStrings(e, f)
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			walkStrings(x[k], f)
		}
	}
}

// KeyAt returns the full key (as in Change.Path) of the key/value that
// covers the 1-based line of Bytes(), for example to mask a secret line in a
// diff. Lines of comments, headers and blanks have none.
func (d *Doc) KeyAt(line int) (Key, bool) {
	for _, e := range d.st.exprs {
		if e.kind != exKV {
			continue
		}
		first := d.st.lineNo(e.start)
		last := d.st.lineNo(e.end - 1)
		if line >= first && line <= last {
			return append(Key(nil), e.path...), true
		}
	}
	return nil, false
}

// commentedHeader finds the first line "#[name]" or "#[[name]]" (blanks
// allowed, name spelled as Key.String spells it) that lies outside every
// key/value and after which the next expression is not a key/value, so
// that a header inserted there takes no existing key into its table.
func (st *state) commentedHeader(name []string) (int, bool) {
	want := strings.ReplaceAll(Key(name).String(), " ", "")
	for pos := 0; pos < len(st.src); {
		end := lineEnd(st.src, pos)
		line := strings.TrimSpace(string(st.src[pos:end]))
		if strings.HasPrefix(line, "#") {
			h := strings.ReplaceAll(strings.TrimSpace(line[1:]), " ", "")
			h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
			h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
			if h == want && st.freeLine(pos) {
				return pos, true
			}
		}
		pos = end
	}
	return 0, false
}

// freeLine reports whether the line at pos is outside every expression and
// the next expression after it is a header (or there is none).
func (st *state) freeLine(pos int) bool {
	for _, e := range st.exprs {
		if pos >= e.start && pos < e.end {
			return false
		}
		if e.start > pos {
			return e.kind != exKV
		}
	}
	return true
}

// Masked returns the document's bytes with the value of every key/value
// whose full key secret reports (as Change.Path: inside an array of tables
// the array's name and the key) replaced by the text mask returns for the
// value, decoded as Get reports it, when mask says to replace it; every
// other byte stays. It is for showing the document without its secrets:
// the result is not parsed again.
func (d *Doc) Masked(secret func(Key) bool, mask func(Value) (string, bool)) []byte {
	var sp []splice
	for _, e := range d.st.exprs {
		if e.kind != exKV || !secret(append(Key(nil), e.path...)) {
			continue
		}
		raw := d.st.src[e.valStart:e.valEnd]
		var v Value = string(raw) // the text as written, should it not read alone
		if st, err := load(append([]byte("v = "), raw...)); err == nil {
			v = st.tree["v"]
		}
		if text, ok := mask(v); ok {
			sp = append(sp, splice{e.valStart, e.valEnd, text})
		}
	}
	out := apply(d.st.src, sp)
	if d.bom {
		return append([]byte(utf8BOM), out...)
	}
	return out
}
