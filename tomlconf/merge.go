package tomlconf

import (
	"bytes"
	"fmt"
)

// Merge merges a TOML fragment into the document: every key/value the
// fragment holds is Set (under its table), every [table] of the fragment
// that has no keys is created if missing, and every array of tables of the
// fragment replaces the document's array of the same name as a whole (see
// ReplaceArrayOfTables), in the fragment's order. A value that replaces an
// existing one is written in that value's quoting style when it is a string,
// number, boolean or array of those; otherwise, and for new keys, the
// fragment's own text of the value is used. Every error is an *Error with the
// line and column inside the fragment (a malformed fragment, or a key that
// cannot be set: "line 3, column 1: set apim.cors: it is a table, not a
// value"); on any error the document is left as it was before Merge.
func (d *Doc) Merge(fragment []byte) error {
	f, err := load(bytes.TrimPrefix(fragment, []byte(utf8BOM)))
	if err != nil {
		return err
	}
	saved, nchanges := d.st, len(d.changes)
	if err := d.merge(f); err != nil {
		d.st, d.changes = saved, d.changes[:nchanges]
		return err
	}
	return nil
}

func (d *Doc) merge(f *state) error {
	at := func(i int, err error) error {
		l, c := position(f.src, f.exprs[i].start)
		return &Error{Line: l, Column: c, Msg: err.Error()}
	}
	done := map[string]bool{}
	for i, e := range f.exprs {
		switch {
		case e.kind == exArrayTable && e.aot == i:
			k := keyString(e.path)
			if done[k] {
				continue
			}
			done[k] = true
			var elems [][]rkv
			for _, el := range f.elements(e.path) {
				if len(el.subHdrs) > 0 {
					return at(el.subHdrs[0], fmt.Errorf("replace [[%s]]: sub-tables of an array of tables are not supported in a fragment", Key(e.path)))
				}
				var kvs []rkv
				for _, j := range el.kvs {
					x := f.exprs[j]
					if x.keyLen > 1 {
						return at(j, fmt.Errorf("replace [[%s]]: dotted keys inside an array of tables are not supported in a fragment", Key(e.path)))
					}
					v, _, _, _ := f.valueOf(x)
					kvs = append(kvs, rkv{key: x.path[len(x.path)-1], val: v, raw: string(f.src[x.valStart:x.valEnd])})
				}
				elems = append(elems, kvs)
			}
			if err := d.replace(e.path, elems); err != nil {
				return at(i, fmt.Errorf("replace [[%s]]: %w", Key(e.path), err))
			}
		case e.aot >= 0:
			// Inside an array of tables of the fragment: handled with it.
		case e.kind == exTable:
			if f.lastKV(func(x expr) bool { return x.hdr == i }) >= 0 {
				continue
			}
			if err := d.ensureTable(e.path); err != nil {
				return at(i, fmt.Errorf("add [%s]: %w", Key(e.path), err))
			}
		case e.kind == exKV:
			v, _ := f.get(e.path)
			if err := d.set(e.path, v, string(f.src[e.valStart:e.valEnd])); err != nil {
				return at(i, fmt.Errorf("set %s: %w", Key(e.path), err))
			}
		}
	}
	return nil
}

// ensureTable makes table exist, adding an empty [table] header when it is
// missing.
func (d *Doc) ensureTable(table []string) error {
	st := d.st
	if err := st.checkPath(table, "the table"); err != nil {
		return err
	}
	if v, ok := st.get(table); ok {
		if _, isMap := v.(map[string]any); !isMap || st.kvIndex(table) >= 0 {
			return fmt.Errorf("it is a value, not a table")
		}
		return nil
	}
	sp := st.insertTable("["+Key(table).String()+"]"+st.nl(), table)
	err := d.commit([]splice{sp}, func(n *state) error {
		if v, ok := n.get(table); !ok || !sameValue(v, map[string]any{}) {
			return fmt.Errorf("%s reads back as %s", Key(table), showValue(v))
		}
		return nil
	})
	if err != nil {
		return err
	}
	d.changes = append(d.changes, Change{Path: append(Key(nil), table...), Index: -1, New: map[string]any{}})
	return nil
}
