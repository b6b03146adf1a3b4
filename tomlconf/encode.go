package tomlconf

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// normalize converts a caller's Value to the form Unmarshal yields (int64,
// float64, []any, map[string]any) and checks that it can be written.
func normalize(v Value) (any, error) {
	switch x := v.(type) {
	case string:
		if !utf8.ValidString(x) {
			return nil, fmt.Errorf("string is not valid UTF-8")
		}
		return x, nil
	case bool, int64, float64:
		return x, nil
	case int:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			n, err := normalize(s)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			n, err := normalize(e)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case nil:
		return nil, fmt.Errorf("value is nil")
	default:
		return nil, fmt.Errorf("unsupported value type %T", v)
	}
}

// sameValue compares two decoded values by meaning (NaN equals NaN).
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		if !ok {
			return false
		}
		if math.IsNaN(x) && math.IsNaN(y) {
			return true
		}
		return x == y && math.Signbit(x) == math.Signbit(y)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !sameValue(v, w) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// style says how an existing value was written, so a replacement can be
// written the same way.
type style struct {
	literal  bool   // strings as '...'
	arraySep string // between array elements
}

// styleOf reads the style of a raw value.
func styleOf(raw []byte) style {
	s := style{arraySep: ", "}
	r := strings.TrimSpace(string(raw))
	if strings.HasPrefix(r, "'") && !strings.HasPrefix(r, "'''") {
		s.literal = true
	}
	if strings.HasPrefix(r, "[") {
		inner := strings.TrimLeft(r[1:], " \t")
		if strings.HasPrefix(inner, "'") && !strings.HasPrefix(inner, "'''") {
			s.literal = true
		}
		if i := strings.Index(r, ","); i >= 0 && !strings.Contains(r, "\n") {
			if i+1 < len(r) && r[i+1] != ' ' {
				s.arraySep = ","
			}
		}
	}
	return s
}

// encode writes a normalized value as TOML (1.0 syntax only, so older
// readers accept it).
func encode(v any, st style) string {
	switch x := v.(type) {
	case string:
		if st.literal && literalOK(x) {
			return "'" + x + "'"
		}
		return quoteBasic(x)
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		switch {
		case math.IsNaN(x):
			return "nan"
		case math.IsInf(x, 1):
			return "inf"
		case math.IsInf(x, -1):
			return "-inf"
		}
		s := strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eE") {
			s += ".0"
		}
		return s
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = encode(e, st)
		}
		return "[" + strings.Join(parts, st.arraySep) + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = quoteKey(k) + " = " + encode(x[k], st)
		}
		if len(parts) == 0 {
			return "{}"
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	}
	return fmt.Sprint(v)
}

// literalOK reports whether s can be written as a single-line literal string.
func literalOK(s string) bool {
	for _, r := range s {
		if r == '\'' || r == 0x7f || (r < 0x20 && r != '\t') {
			return false
		}
	}
	return true
}

// quoteBasic writes s as a TOML basic string: " and \ escaped, control
// characters as \b \t \n \f \r or \uXXXX, everything else as UTF-8.
func quoteBasic(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u%04X`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

func quoteKey(s string) string {
	if s != "" && strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == "" {
		return s
	}
	return quoteBasic(s)
}

// showValue renders a value in TOML syntax for messages; nil is "(none)".
func showValue(v Value) string {
	if v == nil {
		return "(none)"
	}
	if n, err := normalize(v); err == nil {
		v = n
	}
	return encode(v, style{arraySep: ", "})
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
