package xmlconf

import (
	"errors"
	"fmt"
	"strings"

	"github.com/beevik/etree"
)

// FilePatch is the list of edits a patch file gives for one target file.
type FilePatch struct {
	File  string      // as written (after ${VAR} expansion)
	Line  int         // line of the `file` directive
	XML   []Edit      // for .xml files (anything not .properties or of a FileKind)
	Props []PropEdit  // for .properties files
	Other []OtherEdit // for files of a FileKind given to ParsePatchKinds
}

// FileKind lets a caller add a kind of file to the patch format without
// xmlconf knowing its syntax: xmlconf splits the lines, options (only
// --secret) and heredocs and expands variables; Parse turns one op into the
// caller's edit.
type FileKind struct {
	Suffix string   // file names ending in Suffix (ASCII case ignored) are of this kind
	Ops    []string // the op names of this kind
	// Escape is applied to every variable's value inside the arguments
	// (nil: values are used as they are).
	Escape func(string) string
	// Keep lists "$…" prefixes that are written literally, not read as
	// variables (for example "$env{").
	Keep []string
	// Parse parses an op's arguments (heredoc lines follow them after a
	// blank) and returns the edit or an error without file or line.
	Parse func(op, args string) (any, error)
}

// Matches reports whether a file name is of this kind: it ends in Suffix,
// ASCII case ignored. It is the one test of a file's kind: the patch format
// and the agent's editing of the file ask it the same way.
func (k *FileKind) Matches(name string) bool {
	return k.Suffix != "" && strings.HasSuffix(strings.ToLower(name), strings.ToLower(k.Suffix))
}

// OtherEdit is one edit of a FileKind file, as its Parse returned it.
type OtherEdit struct {
	Line   int  // line of the op in the patch file
	Secret bool // --secret, or a secret variable was used
	Edit   any
}

// IsProperties reports whether a file name is treated as a .properties
// file: it ends in ".properties", ASCII case ignored. The patch format and
// the agent's editing of the file use this one test.
func IsProperties(name string) bool { return strings.HasSuffix(strings.ToLower(name), ".properties") }

// ParsePatch parses a patch file (format: PATCHFORMAT.md). name is used in
// error messages, which have the form "NAME:LINE: reason"; all errors found
// are reported at once (joined). lookup resolves ${VAR}; an edit whose value,
// path or XML uses a variable for which isSecret(name) is true is Secret.
// Every path is compiled and every XML fragment parsed here, so a patch that
// parses will not fail later for syntax reasons.
func ParsePatch(name string, src []byte, lookup func(string) (string, bool), isSecret func(string) bool) ([]FilePatch, error) {
	return ParsePatchKinds(name, src, lookup, isSecret)
}

// ParsePatchKinds is ParsePatch with more kinds of files: a file whose name
// ends in a kind's Suffix takes that kind's ops, which are returned in
// FilePatch.Other (format: PATCHFORMAT.md).
func ParsePatchKinds(name string, src []byte, lookup func(string) (string, bool), isSecret func(string) bool, kinds ...FileKind) ([]FilePatch, error) {
	if lookup == nil {
		lookup = func(string) (string, bool) { return "", false }
	}
	if isSecret == nil {
		isSecret = func(string) bool { return false }
	}
	lines := strings.Split(strings.ReplaceAll(string(src), "\r\n", "\n"), "\n")
	var out []FilePatch
	var errs []error
	fail := func(ln int, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s", name, ln, fmt.Sprintf(format, a...)))
	}
	for i := 0; i < len(lines); i++ {
		ln := i + 1
		line := strings.TrimSpace(lines[i])
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		op, rest := cutWord(line)
		x := &expander{lookup: lookup, isSecret: isSecret}
		if op == "file" {
			if rest == "" {
				fail(ln, "file: missing file name")
				continue
			}
			f, err := x.expand(rest, false)
			if err != nil {
				fail(ln, "file: %v", err)
				continue
			}
			out = append(out, FilePatch{File: f, Line: ln})
			continue
		}
		var kind *FileKind
		if len(out) > 0 {
			kind = kindOf(kinds, out[len(out)-1].File)
		}
		if kind == nil && !knownOp(op) {
			fail(ln, "unknown op %q (want file, set, attr, ensure, remove, children, prop or unprop)", op)
			continue
		}
		if len(out) == 0 {
			fail(ln, "%s before any `file` line", op)
			continue
		}
		fp := &out[len(out)-1]
		if kind != nil {
			i = parseKindOp(fp, kind, op, rest, lines, i, x, fail)
			continue
		}
		props := IsProperties(fp.File)
		if isPropOp(op) != props {
			if props {
				fail(ln, "%s: not allowed on properties file %s (use prop or unprop)", op, fp.File)
			} else {
				fail(ln, "%s: not allowed on XML file %s (prop and unprop are for .properties files)", op, fp.File)
			}
			continue
		}
		// options
		var opts []string
		for strings.HasPrefix(rest, "--") {
			var o string
			o, rest = cutWord(rest)
			opts = append(opts, o)
		}
		var err error
		if rest, i, err = heredoc(rest, lines, i); err != nil {
			fail(ln, "%s: %v", op, err)
			continue
		}
		if err := parseOp(fp, ln, op, opts, rest, x); err != nil {
			fail(ln, "%s: %v", op, err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// heredoc: when the last argument of line i is <<WORD, the lines up to one
// holding only WORD are appended to rest after a blank; it returns the new
// rest and the index of the last line used, or an error when WORD never
// comes.
func heredoc(rest string, lines []string, i int) (string, int, error) {
	j := strings.LastIndex(rest, "<<")
	if j < 0 || (j > 0 && rest[j-1] != ' ' && rest[j-1] != '\t') || !isWord(rest[j+2:]) {
		return rest, i, nil
	}
	word := rest[j+2:]
	var body []string
	k := i + 1
	for ; k < len(lines) && strings.TrimSpace(lines[k]) != word; k++ {
		body = append(body, lines[k])
	}
	if k == len(lines) {
		return rest, k, fmt.Errorf("heredoc <<%s is not closed", word)
	}
	return strings.TrimSpace(rest[:j]) + " " + strings.Join(body, "\n"), k, nil
}

// kindOf returns the kind of file name, or nil for XML and properties.
func kindOf(kinds []FileKind, name string) *FileKind {
	for i := range kinds {
		if kinds[i].Matches(name) {
			return &kinds[i]
		}
	}
	return nil
}

// parseKindOp parses an op of a FileKind file at line i and returns the
// index of the last line it used.
func parseKindOp(fp *FilePatch, kind *FileKind, op, rest string, lines []string, i int, x *expander, fail func(int, string, ...any)) int {
	ln := i + 1
	known := false
	for _, o := range kind.Ops {
		known = known || o == op
	}
	if !known {
		fail(ln, "unknown op %q for %s (want file, %s)", op, fp.File, strings.Join(kind.Ops, ", "))
		return i
	}
	secret := false
	for strings.HasPrefix(rest, "--") {
		var o string
		o, rest = cutWord(rest)
		if o != "--secret" {
			fail(ln, "%s: unknown option %s", op, o)
			return i
		}
		secret = true
	}
	var err error
	if rest, i, err = heredoc(rest, lines, i); err != nil {
		fail(ln, "%s: %v", op, err)
		return i
	}
	x.esc, x.keep = kind.Escape, kind.Keep
	args, err := x.expand(rest, false)
	if err != nil {
		fail(ln, "%s: %v", op, err)
		return i
	}
	e, err := kind.Parse(op, args)
	if err != nil {
		fail(ln, "%s: %v", op, err)
		return i
	}
	fp.Other = append(fp.Other, OtherEdit{Line: ln, Secret: secret || x.secret, Edit: e})
	return i
}

func knownOp(op string) bool {
	switch op {
	case "set", "attr", "ensure", "remove", "children", "prop", "unprop":
		return true
	}
	return false
}

func isPropOp(op string) bool { return op == "prop" || op == "unprop" }

func isWord(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// cutWord splits off the first blank-separated word.
func cutWord(s string) (string, string) {
	s = strings.TrimLeft(s, " \t")
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimLeft(s[i:], " \t")
}

// cutPath splits off a path: up to the first blank outside [] and quotes.
func cutPath(s string) (string, string, error) {
	s = strings.TrimLeft(s, " \t")
	cut := -1
	balanced := topLevel(s, func(i int) bool {
		if s[i] == ' ' || s[i] == '\t' {
			cut = i
			return false
		}
		return true
	})
	if cut >= 0 {
		return s[:cut], strings.TrimLeft(s[cut:], " \t"), nil
	}
	if !balanced {
		return "", "", fmt.Errorf("unbalanced quotes or brackets in path %q", s)
	}
	return s, "", nil
}

// parseOp parses the op at line ln and adds its edit to fp.
func parseOp(fp *FilePatch, ln int, op string, opts []string, rest string, x *expander) error {
	e := Edit{Line: ln}
	for _, o := range opts {
		k, v, hasV := strings.Cut(o, "=")
		switch {
		case k == "--all" && !hasV && op != "ensure" && op != "remove" && !isPropOp(op):
			e.Match = All
		case k == "--any" && !hasV && op != "ensure" && op != "remove" && !isPropOp(op):
			e.Match = Any
		case k == "--secret" && !hasV:
			e.Secret = true
		case k == "--after" && hasV && op == "ensure" && v != "":
			e.After = strings.Split(v, ",")
		case k == "--parent" && hasV && op == "ensure" && v != "":
			p, err := x.expand(v, false)
			if err != nil {
				return err
			}
			if _, err := etree.CompilePath(p); err != nil {
				return fmt.Errorf("bad parent path %q: %v", p, err)
			}
			e.Parent = p
		default:
			return fmt.Errorf("unknown option %s", o)
		}
	}
	if isPropOp(op) {
		keyRaw, val := cutWord(rest)
		if keyRaw == "" {
			return fmt.Errorf("missing key")
		}
		key, err := x.expand(keyRaw, false)
		if err != nil {
			return err
		}
		pe := PropEdit{Key: key, Secret: e.Secret, Line: ln}
		if op == "unprop" {
			if val != "" {
				return fmt.Errorf("unexpected argument %q", val)
			}
			pe.Remove = true
		} else {
			if val == "" {
				return fmt.Errorf("missing value (write \"\" for an empty value)")
			}
			if pe.Value, err = x.value(val); err != nil {
				return err
			}
		}
		pe.Secret = pe.Secret || x.secret
		fp.Props = append(fp.Props, pe)
		return nil
	}
	rawPath, args, err := cutPath(rest)
	if err != nil {
		return err
	}
	if rawPath == "" {
		return fmt.Errorf("missing path")
	}
	if e.Path, err = x.expand(rawPath, false); err != nil {
		return err
	}
	if _, err := etree.CompilePath(e.Path); err != nil {
		return fmt.Errorf("bad path %q: %v", e.Path, err)
	}
	switch op {
	case "set":
		e.Op = SetText
		if args == "" {
			return fmt.Errorf("missing value (write \"\" for an empty value)")
		}
		if e.Value, err = x.value(args); err != nil {
			return err
		}
	case "attr":
		e.Op = SetAttr
		var a string
		a, args = cutWord(args)
		if a == "" || args == "" {
			return fmt.Errorf("want: attr PATH NAME VALUE")
		}
		if err := checkName(a); err != nil {
			return fmt.Errorf("attribute: %v", err)
		}
		e.Attr = a
		if e.Value, err = x.value(args); err != nil {
			return err
		}
	case "remove":
		e.Op = Remove
		if args != "" {
			return fmt.Errorf("unexpected argument %q", args)
		}
	case "ensure", "children":
		e.Op = Ensure
		if op == "children" {
			e.Op = SetChildren
		}
		if args == "" && op == "ensure" {
			return fmt.Errorf("missing XML element")
		}
		if e.XML, err = x.expand(args, true); err != nil {
			return err
		}
		f, err := parseFragment(e.XML, false)
		if err != nil {
			return err
		}
		its, ok := f.items(0)
		if !ok {
			return fmt.Errorf("fragment: text outside elements")
		}
		if op == "ensure" {
			if len(its) != 1 || its[0].elem < 0 {
				return fmt.Errorf("fragment: want exactly one element")
			}
			if e.Parent == "" {
				if _, err := parentPath(e.Path); err != nil {
					return err
				}
			}
		}
	}
	e.Secret = e.Secret || x.secret
	fp.XML = append(fp.XML, e)
	return nil
}

// expander resolves ${VAR}, ${VAR:-default} and $$, and remembers whether a
// secret variable was used.
type expander struct {
	lookup   func(string) (string, bool)
	isSecret func(string) bool
	secret   bool
	esc      func(string) string // escapes variable values (FileKind)
	keep     []string            // "$…" prefixes kept literally (FileKind)
}

// value parses a value argument: a "quoted string" (with \" \\ \n \t \r
// escapes; nothing may follow the closing quote) or the bare rest of the line.
func (x *expander) value(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, `"`) {
		return x.expand(s, false)
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			if i+1 >= len(s) {
				return "", fmt.Errorf("unterminated quoted value")
			}
			i++
			switch s[i] {
			case '"', '\\':
				b.WriteByte(s[i])
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '$':
				b.WriteString("$$")
			default:
				return "", fmt.Errorf("unknown escape \\%c in quoted value", s[i])
			}
		case '"':
			if strings.TrimSpace(s[i+1:]) != "" {
				return "", fmt.Errorf("text after the closing quote: %q", s[i+1:])
			}
			return x.expand(b.String(), false)
		default:
			b.WriteByte(c)
		}
	}
	return "", fmt.Errorf("unterminated quoted value")
}

// expand replaces variables in s; with xmlEsc the values are XML-escaped.
func (x *expander) expand(s string, xmlEsc bool) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '$' {
			b.WriteByte(c)
			continue
		}
		if i+1 < len(s) && s[i+1] == '$' {
			b.WriteByte('$')
			i++
			continue
		}
		if p := keptPrefix(s[i:], x.keep); p != "" {
			b.WriteString(p)
			i += len(p) - 1
			continue
		}
		if i+1 >= len(s) || s[i+1] != '{' {
			return "", fmt.Errorf("lone $ (write ${NAME} for a variable or $$ for a literal $)")
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return "", fmt.Errorf("unterminated ${ in %q", s[i:])
		}
		ref := s[i+2 : i+j]
		name, def, hasDef := strings.Cut(ref, ":-")
		if !isVarName(name) {
			return "", fmt.Errorf("bad variable name %q", name)
		}
		v, ok := x.lookup(name)
		if !ok {
			if !hasDef {
				return "", fmt.Errorf("variable %s is not set (write ${%s:-default} for a default)", name, name)
			}
			v = def
		}
		if x.isSecret(name) {
			x.secret = true
		}
		if xmlEsc {
			v = escapeXMLAll(v)
		} else if x.esc != nil {
			v = x.esc(v)
		}
		b.WriteString(v)
		i += j
	}
	return b.String(), nil
}

func isVarName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	return isWord(s)
}

func escapeXMLAll(v string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;", "\r", "&#13;", "\t", "&#9;", "\n", "&#10;")
	return r.Replace(v)
}

// keptPrefix returns the prefix of keep that s starts with, or "".
func keptPrefix(s string, keep []string) string {
	for _, p := range keep {
		if strings.HasPrefix(s, p) {
			return p
		}
	}
	return ""
}
