package agent

import (
	"github.com/wso2-container/agent/tomlconf"
	"github.com/wso2-container/agent/xmlconf"
)

// fileEdits are the edits of one target file, relative to the product home
// (or absolute).
type fileEdits struct {
	rel      string
	optional bool // absent file: skip silently (the product does not ship it)
	xml      []xmlconf.Edit
	props    []xmlconf.PropEdit
	toml     []tomlEdit // for .toml files
	// base, when set, is the content the edits start from instead of the
	// file's own (a config volume's copy, a profile's template).
	base   []byte
	source string // who asked for them: the profile, or a patch file
}

// tomlEdit is one edit of a .toml file: apply makes it on the parsed
// document; what names it in errors; secret masks the values it writes,
// and, when key is set (the key it sets or removes, the array of tables it
// replaces), the values under key also where it changes nothing.
type tomlEdit struct {
	what   string
	secret bool
	key    tomlconf.Key
	apply  func(*tomlconf.Doc) error
}

// tomlPatch turns a patch file's TOML edit into a tomlEdit.
func tomlPatch(e tomlconf.PatchEdit) tomlEdit {
	return tomlEdit{what: e.String(), secret: e.Secret, key: e.Key, apply: func(d *tomlconf.Doc) error { return d.ApplyPatch(e) }}
}

// tomlPatchKind adds TOML files to the patch format (xmlconf/PATCHFORMAT.md).
var tomlPatchKind = xmlconf.FileKind{
	Suffix: ".toml",
	Ops:    tomlconf.PatchOps,
	Escape: tomlconf.EscapeString,
	Keep:   tomlconf.PlaceholderPrefixes,
	Parse:  func(op, args string) (any, error) { return tomlconf.ParsePatchOp(op, args) },
}

// editSet collects edits per file, in the order files are first named.
type editSet struct {
	files []*fileEdits
}

func (s *editSet) get(rel string) *fileEdits {
	for _, f := range s.files {
		if f.rel == rel {
			return f
		}
	}
	f := &fileEdits{rel: rel, source: "profile"}
	s.files = append(s.files, f)
	return f
}

// xml adds XML edits to the file rel.
func (s *editSet) xml(rel string, e ...xmlconf.Edit) { f := s.get(rel); f.xml = append(f.xml, e...) }

// props adds .properties edits to the file rel.
func (s *editSet) props(rel string, e ...xmlconf.PropEdit) {
	f := s.get(rel)
	f.props = append(f.props, e...)
}

// optional marks rel as a file the product may not ship.
func (s *editSet) optional(rel string) { s.get(rel).optional = true }

func setText(path, v string) xmlconf.Edit {
	return xmlconf.Edit{Op: xmlconf.SetText, Path: path, Value: v}
}

func setAll(path, v string) xmlconf.Edit {
	return xmlconf.Edit{Op: xmlconf.SetText, Path: path, Value: v, Match: xmlconf.All}
}

func secretText(path, v string) xmlconf.Edit {
	return xmlconf.Edit{Op: xmlconf.SetText, Path: path, Value: v, Secret: true}
}

func secretAll(path, v string) xmlconf.Edit {
	return xmlconf.Edit{Op: xmlconf.SetText, Path: path, Value: v, Secret: true, Match: xmlconf.All}
}

func setAttr(path, attr, v string) xmlconf.Edit {
	return xmlconf.Edit{Op: xmlconf.SetAttr, Path: path, Attr: attr, Value: v}
}

func secretAttr(path, attr, v string) xmlconf.Edit {
	return xmlconf.Edit{Op: xmlconf.SetAttr, Path: path, Attr: attr, Value: v, Secret: true}
}

func ensure(path, parent string, after []string, fragment string) xmlconf.Edit {
	return xmlconf.Edit{Op: xmlconf.Ensure, Path: path, Parent: parent, After: after, XML: fragment}
}

func remove(path string) xmlconf.Edit {
	return xmlconf.Edit{Op: xmlconf.Remove, Path: path, Match: xmlconf.Any}
}

func prop(key, v string) xmlconf.PropEdit { return xmlconf.PropEdit{Key: key, Value: v} }

func secretProp(key, v string) xmlconf.PropEdit {
	return xmlconf.PropEdit{Key: key, Value: v, Secret: true}
}

type xmlconfEdit = xmlconf.Edit

const (
	matchAny      = xmlconf.Any
	opSetChildren = xmlconf.SetChildren
)
