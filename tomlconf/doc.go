// Package tomlconf edits TOML configuration files with minimal diffs.
//
// A Doc is parsed once from bytes and every edit is a splice of those bytes:
// setting a key replaces the bytes of its value only, so comments, blank
// lines, key order, the quoting of keys (including quoted dotted keys such as
// 'header.X-Y'), the spacing around '=', CRLF line ends and a missing final
// newline all stay byte-identical outside the edited value. A key or table
// that is missing is inserted where a person would put it: a key after the
// last key/value line of its table (before any trailing blank or comment
// lines); a table just above the line that holds it commented out
// ("#[a.c]", as the stock WSO2 files have many), else after the last table
// that shares the longest leading part of its name (so [a.c] goes after
// [a.b] and its keys), else at the end.
// Arrays of tables are replaced as a whole: element i of the new list is
// edited in place over element i of the old one, surplus old elements are
// removed and extra new ones appended after the last old one.
//
// Every edit is idempotent: a value already in place (compared by meaning, so
// 0 and 0x0 are equal but "1" and 1 are not) changes nothing. After every
// effective edit the whole result is parsed again by
// github.com/pelletier/go-toml/v2 (its unstable parser for byte ranges, and
// Unmarshal for the TOML rules such as duplicate keys), and the edited value
// is read back and compared; a result that would not parse or read back is an
// error and the Doc is left as it was before that edit.
//
// Values are written with TOML escaping: strings keep the quoting style of
// the value they replace where that style can hold the new value (a literal
// '...' string cannot hold ' or control characters, so a basic "..." string
// with \" \\ \n \t \uXXXX escapes is written instead); new strings are basic
// strings. WSO2-style placeholders such as $env{VAR}, $sys{p}, $secret{a} and
// $ref{k} are ordinary strings to this package: they are never touched unless
// their key is set, and Placeholders lists them.
//
// It must not know any product, profile or key a product reads, nor the
// agent's environment variables, logging or the file system: it works on
// bytes. Of WSO2 it knows only the syntax of the placeholders above, which
// it leaves alone and lists, and of the patch file format only its TOML ops
// (PatchOps, ParsePatchOp), which the agent plugs into xmlconf's parser.
package tomlconf
