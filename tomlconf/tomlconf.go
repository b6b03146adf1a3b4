package tomlconf

import (
	"errors"
	"fmt"
	"strings"
)

// errNotImplemented is returned by the API while it is being built.
var errNotImplemented = errors.New("not implemented")

// Key is the path of a key or table: its names, unquoted, from the root, for
// example Key{"server", "hostname"} or Key{"event_listener", "properties",
// "header.X-WSO2-KEY-MANAGER"}.
type Key []string

// String renders the key the way TOML writes it: names joined by '.', each
// name bare when it only holds A-Z a-z 0-9 _ -, else as a basic string.
func (k Key) String() string {
	parts := make([]string, len(k))
	for i, p := range k {
		parts[i] = quoteKey(p)
	}
	return strings.Join(parts, ".")
}

// Value is a TOML value. Set accepts string, bool, int, int64, float64,
// []string and []Value (= []any) whose elements are themselves such values.
// Get and Change report values as go-toml/v2's Unmarshal into map[string]any
// yields them: string, bool, int64, float64, []any, map[string]any (tables,
// inline tables), and time.Time or toml.LocalDate/LocalTime/LocalDateTime.
type Value = any

// KeyValue is one key of a Table, in file order. Key is a single name
// (written quoted when it is not a bare key, never split at dots).
type KeyValue struct {
	Key   string
	Value Value
}

// Table is an ordered list of keys, one element of an array of tables.
type Table []KeyValue

// Change reports one effective modification made through a Doc.
type Change struct {
	// Path is the full key: table names then the key name. For a key inside
	// an array of tables it is the array's name followed by the key name.
	Path Key
	// Index is the element of the array of tables the key belongs to, or -1
	// for a key outside any array of tables.
	Index int
	// Old is the previous value, nil when the key was added.
	Old Value
	// New is the new value, nil when the key was removed.
	New Value
}

// String renders the change as "path: old -> new" ("(none)" for nil), with
// values in TOML syntax. It shows values as they are: callers mask secrets.
func (c Change) String() string {
	idx := ""
	if c.Index >= 0 {
		idx = fmt.Sprintf("[%d]", c.Index)
	}
	return fmt.Sprintf("%s%s: %s -> %s", c.Path, idx, showValue(c.Old), showValue(c.New))
}

// Placeholder is one WSO2-style placeholder found in a string value: Kind is
// "env", "sys", "secret" or "ref" and Name what the braces hold, for
// $env{NODE_IP} Kind "env" and Name "NODE_IP".
type Placeholder struct {
	Path  Key // the key whose value holds it (array name + key inside arrays of tables)
	Index int // element of the array of tables, or -1
	Kind  string
	Name  string
	Line  int // 1-based line of the key in Bytes()
}

// Error is a syntax or TOML-rule error in a document or fragment, at a
// 1-based line and column of its input.
type Error struct {
	Line, Column int
	Msg          string
}

// Error renders "line L, column C: msg".
func (e *Error) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// Doc is a parsed TOML document being edited. It is not safe for concurrent
// use.
type Doc struct {
	src     []byte
	changes []Change
}

// Parse parses a TOML document (TOML 1.0, as go-toml/v2 reads it). A
// malformed document yields an *Error with the line and column of the
// problem. src is copied.
func Parse(src []byte) (*Doc, error) {
	return nil, errNotImplemented
}

// Bytes returns the current document. The caller must not modify it.
func (d *Doc) Bytes() []byte { return d.src }

// Changes returns every effective modification made so far, in order. Edits
// that found their value already in place are not listed.
func (d *Doc) Changes() []Change { return d.changes }

// Get returns the value at path (see Value for the types). Tables are
// returned as map[string]any; Get does not descend into arrays (an array of
// tables is returned whole, as []any of map[string]any).
func (d *Doc) Get(path Key) (Value, bool) {
	return nil, false
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
	return errNotImplemented
}

// Delete removes key from table: the line(s) of its key/value (a comment on
// the same line goes with it). A missing key is not an error and changes
// nothing.
func (d *Doc) Delete(table []string, key string) error {
	return errNotImplemented
}

// ReplaceArrayOfTables makes the array of tables name ([[name]]) equal to
// tables, idempotently: element i keeps its place, header, comments and key
// order, with only differing keys set, missing ones added and extra ones
// removed; surplus old elements are removed (with sub-tables such as
// [name.sub] that belong to them); new ones are appended after the last old
// element, or, when there is none, where a new table would go. An empty
// tables removes the array. It is an error when name is an ordinary table or
// key, or when an element has a sub-table that a new element does not
// describe (the key must then be removed by hand).
func (d *Doc) ReplaceArrayOfTables(name []string, tables []Table) error {
	return errNotImplemented
}

// Merge merges a TOML fragment into the document: every key/value the
// fragment holds is Set (under its table), every [table] of the fragment
// that has no keys is created if missing, and every array of tables of the
// fragment replaces the document's array of the same name as a whole
// (ReplaceArrayOfTables). Values keep the fragment's spelling unless the
// document's value has a quoting style that can hold them. A malformed
// fragment yields an *Error with the line and column inside the fragment;
// on any error the document is left as it was before Merge.
func (d *Doc) Merge(fragment []byte) error {
	return errNotImplemented
}

// Placeholders lists every $env{…}, $sys{…}, $secret{…} and $ref{…} in the
// string values of the document (inside arrays and inline tables too), in
// file order.
func (d *Doc) Placeholders() []Placeholder {
	return nil
}

// KeyAt returns the full key (as in Change.Path) of the key/value that
// covers the 1-based line of Bytes(), for example to mask a secret line in a
// diff. Lines of comments, headers and blanks have none.
func (d *Doc) KeyAt(line int) (Key, bool) {
	return nil, false
}

func quoteKey(s string) string {
	if s != "" && strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == "" {
		return s
	}
	return quoteBasic(s)
}

func quoteBasic(s string) string { return `"` + s + `"` } // replaced by real escaping

func showValue(v Value) string {
	if v == nil {
		return "(none)"
	}
	return fmt.Sprint(v)
}
