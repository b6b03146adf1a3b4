package plan

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/internal/boundedread"
	"github.com/wso2-container/agent/internal/fixpoint"
	"github.com/wso2-container/agent/tomlconf"
	"github.com/wso2-container/agent/xmlconf"
	"golang.org/x/sys/unix"
)

// FileEdits are the edits of one target file, relative to the product home
// (or absolute).
type FileEdits struct {
	Rel      string
	optional bool // absent file: skip silently (the product does not ship it)
	xml      []xmlconf.Edit
	props    []xmlconf.PropEdit
	TOML     []TOMLEdit // for .toml files
	// Base, when set, is the content the edits start from instead of the
	// file's own (a config volume's copy, a profile's template).
	Base []byte
	// Who asked for the edits: the profile, when it named the file (Get);
	// the patch files, whose first `file` line naming it is patch, and
	// whose edits are in from, each with its patch line (as
	// contract.PatchFile.At names it; patch is "" when none names it).
	byProfile bool
	patch     string
	from      map[editRef]string
}

// editRef is one edit of a FileEdits: its kind ("xml", "properties" or
// "toml", as fileResult.kind: the list it is in, xml, props or TOML) and
// its index in that list.
type editRef struct {
	kind  string
	index int
}

// TOMLEdit is one edit of a .toml file: Apply makes it on the parsed
// document; What names it in errors; Secret masks the values it writes,
// and, when Key is set (the key it sets or removes, the array of tables it
// replaces), the values under key also where it changes nothing.
type TOMLEdit struct {
	What   string
	Secret bool
	Key    tomlconf.Key
	Apply  func(*tomlconf.Doc) error
	// Var names the environment variable whose content is the edit
	// itself, not only a value it writes (WSO2_DEPLOYMENT_TOML): an edit
	// that does not fit the file is that variable's error, exit 78, as a
	// patch line's is.
	Var string
}

// TOMLPatch turns a patch file's TOML edit into a TOMLEdit.
func TOMLPatch(e tomlconf.PatchEdit) TOMLEdit {
	return TOMLEdit{What: e.String(), Secret: e.Secret, Key: e.Key, Apply: func(d *tomlconf.Doc) error { return d.ApplyPatch(e) }}
}

// TOMLPatchKind adds TOML files to the patch format (xmlconf/PATCHFORMAT.md).
var TOMLPatchKind = xmlconf.FileKind{
	Suffix: ".toml",
	Ops:    tomlconf.PatchOps,
	Escape: tomlconf.EscapeString,
	Keep:   tomlconf.PlaceholderPrefixes,
	Parse:  func(op, args string) (any, error) { return tomlconf.ParsePatchOp(op, args) },
}

// EditSet collects edits per file, in the order files are first named.
type EditSet struct {
	Files []*FileEdits
}

// Get returns the edits of the file rel for the profile, adding an empty
// entry the first time rel is named.
func (s *EditSet) Get(rel string) *FileEdits {
	f := s.get(rel)
	f.byProfile = true
	return f
}

// get is Get without saying that the profile asked (for AddPatches).
func (s *EditSet) get(rel string) *FileEdits {
	for _, f := range s.Files {
		if f.Rel == rel {
			return f
		}
	}
	f := &FileEdits{Rel: rel}
	s.Files = append(s.Files, f)
	return f
}

// XML adds XML edits to the file rel.
func (s *EditSet) XML(rel string, e ...xmlconf.Edit) { f := s.Get(rel); f.xml = append(f.xml, e...) }

// Props adds .properties edits to the file rel.
func (s *EditSet) Props(rel string, e ...xmlconf.PropEdit) {
	f := s.Get(rel)
	f.props = append(f.props, e...)
}

// Optional marks rel as a file the product may not ship.
func (s *EditSet) Optional(rel string) { s.Get(rel).optional = true }

// Unwritable lists, for a dry run, the folders where applying the plan
// would fail: a changed file is replaced by a new file in its folder, so
// the folder must accept one (the file's own permissions do not matter);
// and the changed files that cannot be replaced at all (Unreplaceable:
// mounted by themselves), which Apply refuses.
func (p *Plan) Unwritable() []string {
	var out []string
	for _, u := range p.Unreplaceable() {
		out = append(out, "dry run: applying would fail: "+u)
	}
	seen := map[string]bool{}
	for _, f := range p.Changed() {
		dir := filepath.Dir(f.Path)
		if real, err := filepath.EvalSymlinks(f.Path); err == nil {
			dir = filepath.Dir(real) // a link's target is replaced, in its own folder
		}
		for d := dir; !seen[d]; d = filepath.Dir(d) {
			seen[d] = true
			err := unix.Access(d, unix.W_OK)
			if errors.Is(err, fs.ErrNotExist) {
				continue // created by apply: its parent must be writable
			}
			if err != nil {
				out = append(out, fmt.Sprintf("dry run: applying would fail: %s is not writable (%v), needed for %s", d, err, f.Display()))
			}
			break
		}
	}
	return out
}

// Resolve returns the absolute path of a file named relative to the home.
func (p *Plan) Resolve(rel string) string {
	if filepath.IsAbs(rel) {
		return filepath.Clean(rel)
	}
	return filepath.Join(p.Home, rel)
}

// AddEdits applies every file's edits in memory.
func (p *Plan) AddEdits(s *EditSet) error {
	// Files are independent: edit them in parallel, then record the results
	// (and the first error) in the order the files were named, so the plan
	// and its errors do not depend on scheduling.
	res := make([]fileResult, len(s.Files))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				res[i] = editFile(p.Resolve(s.Files[i].Rel), s.Files[i])
			}
		}()
	}
	for i := range s.Files {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, r := range res {
		if r.err != nil {
			return r.err
		}
		if r.skip {
			continue
		}
		f := p.File(r.path, r.kind, r.old)
		f.New = r.out
		f.memo = r.memo
		f.secret = p.secretPlaces(r.edits, r.tomlKeys)
		for _, c := range r.changes {
			if c.Secret {
				p.AddSecret(c.Old)
				p.AddSecret(c.New)
			}
			target := c.Path
			if c.Attr != "" {
				target += "/@" + c.Attr
			}
			f.Changes = append(f.Changes, Change{Target: target, Op: opName(r.kind, c.Op), Old: c.Old, New: c.New, Secret: c.Secret})
		}
		for _, v := range r.secrets {
			p.AddSecret(v)
		}
		f.Changes = append(f.Changes, r.tomlChanges...)
	}
	return nil
}

// fileResult is the outcome of editing one file in memory.
type fileResult struct {
	path, kind  string
	old, out    []byte
	changes     []xmlconf.Change
	tomlChanges []Change       // .toml files: changes with values in TOML syntax
	tomlKeys    []tomlconf.Key // .toml files: the keys whose values are secret (tomlSecret)
	secrets     []string       // .toml files: secret values written or replaced
	edits       *FileEdits
	memo        *fixpoint.Key // the key of the edits on out, when out is written (Remember)
	skip        bool
	err         error
}

// editFile reads path and applies fe's edits to its content in memory.
func editFile(path string, fe *FileEdits) fileResult {
	r := fileResult{path: path, kind: "xml", edits: fe}
	old, err := boundedread.ReadFile(path, boundedread.Config)
	if err != nil && fe.Base != nil && errors.Is(err, fs.ErrNotExist) {
		err = nil // the base takes the missing file's place
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && fe.optional && fe.patch == "" {
			r.skip = true
			return r
		}
		// A file the profile may lack is not the profile's to miss.
		needed := fe.byProfile && !(fe.optional && errors.Is(err, fs.ErrNotExist))
		r.err = exitcode.Wrap(exitcode.NoInput, fe.blame(needed, fmt.Errorf("read %s: %s", path, contract.DescribeFSError(err))))
		return r
	}
	r.old = old
	if fe.Base != nil {
		old = fe.Base
	}
	if TOMLPatchKind.Matches(path) {
		r.kind = "toml"
		if len(fe.props) > 0 || len(fe.xml) > 0 {
			r.err = exitcode.Errorf(exitcode.Config, "%s: XML or properties edits on a TOML file", fe.Rel)
			return r
		}
		r.out, r.tomlChanges, r.tomlKeys, r.secrets, err = ApplyTOML(old, fe.TOML)
		if err != nil {
			r.err = fe.editError(r.kind, path, err)
		}
		return r
	}
	if len(fe.TOML) > 0 {
		r.err = exitcode.Errorf(exitcode.Config, "%s: TOML edits on a file whose name does not end in .toml", fe.Rel)
		return r
	}
	if xmlconf.IsProperties(path) {
		r.kind = "properties"
	} else if len(fe.props) > 0 {
		r.err = exitcode.Errorf(exitcode.Config, "%s: properties edits on a non-.properties file", fe.Rel)
		return r
	}
	// A file that an earlier start wrote with these edits is left as it is
	// without parsing it (package internal/fixpoint).
	known, memo := editKnown(path, r.kind, fe, old)
	if known {
		r.out = old
		return r
	}
	if r.kind == "properties" {
		r.out, r.changes, err = xmlconf.ApplyProperties(old, fe.props)
	} else {
		r.out, r.changes, err = xmlconf.Apply(old, fe.xml)
	}
	if err != nil {
		r.err = fe.editError(r.kind, path, err)
		return r
	}
	if memo && !bytes.Equal(r.out, old) {
		k := editKey(r.kind, fe, r.out)
		r.memo = &k
	}
	return r
}

// editError is the error of fe's edits of the file at path, of kind.
// An edit of a patch file that does not fit the file is the patch line's
// error, named as the errors found in it at load are (exit 78):
// "WSO2_AGENT_PATCHES: NAME:LINE: OP PATH in FILE: reason"; so is an edit
// that is a variable's content (TOMLEdit.Var): "VAR: does not fit FILE:
// reason". Anything else
// is the file's: it does not parse, or the profile's own edit does not fit
// it (exit 65): "edit PATH: reason", after the patch line that named the
// file when the profile does not edit it (blame).
func (fe *FileEdits) editError(kind, path string, err error) error {
	var ee *xmlconf.EditError
	if errors.As(err, &ee) {
		if at, ok := fe.from[editRef{kind, ee.Index}]; ok {
			return exitcode.Errorf(exitcode.Config, "%s: %s in %s: %w", at, ee.What, fe.Rel, ee.Err)
		}
		if kind == "toml" && ee.Index < len(fe.TOML) && fe.TOML[ee.Index].Var != "" {
			return exitcode.Errorf(exitcode.Config, "%s: does not fit %s: %w", fe.TOML[ee.Index].Var, fe.Rel, ee.Err)
		}
	}
	return exitcode.Wrap(exitcode.DataErr, fe.blame(fe.byProfile, fmt.Errorf("edit %s: %w", path, err)))
}

// blame returns err, an error of the file itself (it cannot be read or
// parsed), after the first patch line that named the file unless the
// profile needs the file too: the patch line is then why it was read.
func (fe *FileEdits) blame(needed bool, err error) error {
	if fe.patch != "" && !needed {
		return fmt.Errorf("%s: %w", fe.patch, err)
	}
	return err
}

// addFrom records that the edit of kind at index came from the patch line
// at.
func (fe *FileEdits) addFrom(kind string, index int, at string) {
	if fe.from == nil {
		fe.from = map[editRef]string{}
	}
	fe.from[editRef{kind, index}] = at
}

// opName is the name a change of a file of kind is shown by, in render's
// text and JSON: the op of the patch format (xmlconf/PATCHFORMAT.md) that
// makes it, so that what render lists can be written in a patch file as it
// reads. XML: set, attr, ensure, remove, children; properties: prop,
// unprop. (TOML changes are named in ApplyTOML: set, unset.)
func opName(kind string, o xmlconf.Op) string {
	if kind == "properties" {
		if o == xmlconf.Remove {
			return "unprop"
		}
		return "prop"
	}
	return o.String()
}

// Unjoin returns the errors errors.Join joined into err, or err alone.
func Unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// AddPatches adds the edits of the patch files Load parsed after the
// profile's. File names are normalised relative to home, so that a file the
// profile edits, however a patch spells it, gets both sets of edits (one
// in-memory result per file).
//
// Each edit remembers its patch line, and each file the first `file` line
// that named it, so that an edit the file cannot take is the patch line's
// error (editError).
func AddPatches(s *EditSet, patches []contract.PatchFile, home string) {
	for _, pf := range patches {
		for _, fp := range pf.Files {
			f := s.get(patchFileRel(home, fp.File))
			if f.patch == "" {
				f.patch = pf.At(fp.Line)
			}
			for _, e := range fp.XML {
				f.addFrom("xml", len(f.xml), pf.At(e.Line))
				f.xml = append(f.xml, e)
			}
			for _, e := range fp.Props {
				f.addFrom("properties", len(f.props), pf.At(e.Line))
				f.props = append(f.props, e)
			}
			for _, o := range fp.Other {
				e := o.Edit.(tomlconf.PatchEdit)
				e.Secret = e.Secret || o.Secret
				f.addFrom("toml", len(f.TOML), pf.At(o.Line))
				f.TOML = append(f.TOML, TOMLPatch(e))
			}
		}
	}
}

// patchFileRel is the name a patch file's target is kept under: cleaned,
// and relative to home when it lies inside it.
func patchFileRel(home, name string) string {
	name = filepath.Clean(name)
	if filepath.IsAbs(name) {
		if rel, err := filepath.Rel(home, name); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
			return rel
		}
	}
	return name
}
