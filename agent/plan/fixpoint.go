package plan

import (
	"github.com/wso2-container/agent/internal/atomicfile"
	"github.com/wso2-container/agent/internal/fixpoint"
)

// Remember records that the computation that gave f.New, run again on
// f.New, leaves it as it is, under the key k of that computation on f.New
// (package internal/fixpoint): Apply gives the written file the key, and a
// later start that computes the same key skips the computation. Only for a
// pure computation whose every input k hashes.
func (f *FilePlan) Remember(k fixpoint.Key) { f.memo = &k }

// attrs are the extended attributes Apply gives the file it writes.
func (f *FilePlan) attrs() []atomicfile.Attr {
	if f.memo == nil {
		return nil
	}
	return []atomicfile.Attr{{Name: fixpoint.Attr, Value: f.memo[:]}}
}

// editKey is the fixpoint key of applying fe's XML or properties edits to
// content, a file of kind ("xml" or "properties"). It hashes every field of
// every edit (TestEditKeyCoversEveryField keeps it so): anything left out
// would let a start skip an edit that changed.
func editKey(kind string, fe *FileEdits, content []byte) fixpoint.Key {
	h := fixpoint.New("plan-edits/" + kind)
	h.Int(len(fe.xml))
	for _, e := range fe.xml {
		h.Int(int(e.Op))
		h.String(e.Path)
		h.String(e.Attr)
		h.String(e.Value)
		h.String(e.XML)
		h.String(e.Parent)
		h.Int(len(e.After))
		for _, a := range e.After {
			h.String(a)
		}
		h.Int(int(e.Match))
		h.Bool(e.Secret)
	}
	h.Int(len(fe.props))
	for _, e := range fe.props {
		h.String(e.Key)
		h.String(e.Value)
		h.Bool(e.Remove)
		h.Bool(e.Secret)
	}
	h.Bytes(content)
	return h.Sum()
}

// editKnown reports whether the file at path, whose content is content,
// carries the key of fe's edits on it (known: the edits leave it as it is),
// and whether these edits take keys at all (memo): not when they start from
// a Base instead of the file, not for TOML edits (code, not data to hash),
// not when no key can be made.
func editKnown(path, kind string, fe *FileEdits, content []byte) (known, memo bool) {
	if fe.Base != nil || len(fe.TOML) > 0 || !fixpoint.Enabled() {
		return false, false
	}
	return fixpoint.Holds(path, editKey(kind, fe, content)), true
}
