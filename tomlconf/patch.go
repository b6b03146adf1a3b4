package tomlconf

import (
	"errors"
	"fmt"
	"strings"
)

// PatchOps are the op names of TOML edits in a patch file (see
// xmlconf/PATCHFORMAT.md, "TOML files").
var PatchOps = []string{"set", "unset", "tables", "merge"}

// PlaceholderPrefixes start the WSO2 placeholders a patch file may write
// literally in a TOML value ($env{VAR} and so on): they are not variables of
// the patch file.
var PlaceholderPrefixes = []string{"$env{", "$sys{", "$secret{", "$ref{"}

// PatchEdit is one TOML edit of a patch file, checked when it is parsed:
//
//	set    KEY VALUE      set KEY (a dotted TOML key) to VALUE (a TOML value)
//	unset  KEY            remove KEY (nothing if it is missing)
//	tables NAME <<EOF     replace the array of tables NAME with the [[NAME]]
//	                      tables of the heredoc (none: remove it)
//	merge  <<EOF          merge the heredoc as a TOML fragment (see Doc.Merge)
type PatchEdit struct {
	Op     string
	Key    Key    // set, unset: the full key; tables: the array's name
	Text   string // set: the value as written; tables, merge: the TOML text
	Secret bool   // not used by tomlconf: callers mask the values of secret edits
}

// String renders the edit for messages, without its value.
func (e PatchEdit) String() string {
	if e.Op == "merge" {
		return "merge"
	}
	return e.Op + " " + e.Key.String()
}

// EscapeString escapes s for the inside of a TOML basic string ("..."), so a
// patch-file variable's value can be placed between double quotes.
func EscapeString(s string) string {
	q := quoteBasic(s)
	return q[1 : len(q)-1]
}

// ParsePatchOp parses one TOML edit: op is one of PatchOps and args the rest
// of the line (variables already expanded; for tables and merge, a heredoc's
// lines follow the arguments after a blank). Errors say what is wrong with
// the line, without the file and line number.
func ParsePatchOp(op, args string) (PatchEdit, error) {
	e := PatchEdit{Op: op}
	args = strings.TrimSpace(args)
	switch op {
	case "set", "unset", "tables":
		keyText, rest, err := scanKey(args)
		if err != nil {
			return e, err
		}
		if e.Key, err = parseKey(keyText); err != nil {
			return e, err
		}
		switch op {
		case "set":
			if rest == "" {
				return e, fmt.Errorf("missing value (write strings in double quotes, \"\" for an empty one)")
			}
			if strings.Contains(rest, "\n") {
				return e, fmt.Errorf("value on several lines: use merge for multi-line TOML")
			}
			if _, err := load([]byte("v = " + rest + "\n")); err != nil {
				return e, fmt.Errorf("value %s is not a TOML value (write strings in double quotes): %s", rest, errMsg(err))
			}
			e.Text = rest
		case "unset":
			if rest != "" {
				return e, fmt.Errorf("unexpected argument %q", rest)
			}
		case "tables":
			if err := checkTables(e.Key, rest); err != nil {
				return e, err
			}
			e.Text = rest
		}
	case "merge":
		if _, err := load([]byte(args)); err != nil {
			return e, fmt.Errorf("fragment: %v", err)
		}
		e.Text = args
	default:
		return e, fmt.Errorf("unknown TOML op %q (want %s)", op, strings.Join(PatchOps, ", "))
	}
	return e, nil
}

func errMsg(err error) string {
	if e, ok := err.(*Error); ok {
		return e.Msg
	}
	return err.Error()
}

// checkTables checks that body holds only [[name]] tables with plain keys.
func checkTables(name Key, body string) error {
	st, err := load([]byte(body))
	if err != nil {
		return fmt.Errorf("tables: %v", err)
	}
	for i, e := range st.exprs {
		l, _ := position(st.src, e.start)
		switch {
		case e.kind == exArrayTable && e.aot == i && equalPath(e.path, name):
		case e.kind == exKV && e.hdr >= 0 && st.exprs[e.hdr].aot == e.hdr && e.keyLen == 1:
		default:
			return fmt.Errorf("tables: line %d: only [[%s]] tables and their plain keys may follow", l, name)
		}
	}
	return nil
}

// scanKey splits a dotted TOML key off the front of s.
func scanKey(s string) (key, rest string, err error) {
	i := 0
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i >= len(s) {
			return "", "", fmt.Errorf("missing key")
		}
		switch s[i] {
		case '"':
			j := i + 1
			for j < len(s) && s[j] != '"' && s[j] != '\n' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) || s[j] != '"' {
				return "", "", fmt.Errorf("unterminated quoted key")
			}
			i = j + 1
		case '\'':
			j := strings.IndexAny(s[i+1:], "'\n")
			if j < 0 || s[i+1+j] != '\'' {
				return "", "", fmt.Errorf("unterminated quoted key")
			}
			i += j + 2
		default:
			j := i
			for j < len(s) && isBareKeyChar(s[j]) {
				j++
			}
			if j == i {
				return "", "", fmt.Errorf("bad key %q", s)
			}
			i = j
		}
		j := i
		for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
			j++
		}
		if j < len(s) && s[j] == '.' {
			i = j + 1
			continue
		}
		return strings.TrimSpace(s[:i]), strings.TrimSpace(s[i:]), nil
	}
}

func isBareKeyChar(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// parseKey decodes a dotted TOML key.
func parseKey(text string) (Key, error) {
	st, err := load([]byte(text + " = 0\n"))
	if err != nil || len(st.exprs) != 1 {
		return nil, fmt.Errorf("bad key %q", text)
	}
	return st.exprs[0].path, nil
}

// ApplyPatch applies one patch edit (see PatchEdit), with the guarantees of
// Set, Delete, ReplaceArrayOfTables and Merge. Errors name the key, not the
// value, and say what failed without naming the edit itself, which the
// caller names (String) with the patch line that gave it: a set of a key
// that is a table is "it is a table, not a value"; a key of a merged
// fragment is named ("line 2, column 1: set a.b: ...").
func (d *Doc) ApplyPatch(e PatchEdit) error {
	var err error
	switch e.Op {
	case "set":
		err = d.Merge([]byte(e.Key.String() + " = " + e.Text + "\n"))
		if x, ok := err.(*Error); ok {
			// The position is inside the one-line fragment, and its
			// "set KEY: " is the edit's own name.
			msg, _ := strings.CutPrefix(x.Msg, "set "+e.Key.String()+": ")
			err = errors.New(msg)
		}
	case "unset":
		if len(e.Key) == 0 {
			return fmt.Errorf("empty key")
		}
		if err = d.Delete(e.Key[:len(e.Key)-1], e.Key[len(e.Key)-1]); err != nil {
			msg, _ := strings.CutPrefix(err.Error(), "delete "+e.Key.String()+": ")
			err = errors.New(msg)
		}
	case "tables":
		st, lerr := load([]byte(e.Text))
		if lerr != nil {
			return lerr
		}
		if len(st.exprs) == 0 {
			err = d.ReplaceArrayOfTables(e.Key, nil)
		} else {
			err = d.Merge([]byte(e.Text))
		}
	case "merge":
		err = d.Merge([]byte(e.Text))
	default:
		err = fmt.Errorf("unknown TOML op %q", e.Op)
	}
	return err
}
