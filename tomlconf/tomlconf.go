package tomlconf

import (
	"fmt"
	"strings"
)

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
// values in TOML syntax and the element of an array of tables as
// "name[i].key". It shows values as they are: callers mask secrets.
func (c Change) String() string {
	p := c.Path.String()
	if c.Index >= 0 && len(c.Path) > 1 {
		p = fmt.Sprintf("%s[%d].%s", c.Path[:len(c.Path)-1], c.Index, quoteKey(c.Path[len(c.Path)-1]))
	}
	return fmt.Sprintf("%s: %s -> %s", p, showValue(c.Old), showValue(c.New))
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

// FormatValue renders a value in TOML syntax ("(none)" for nil), as Change
// does.
func FormatValue(v Value) string { return showValue(v) }
