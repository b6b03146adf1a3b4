package tomlconf

import (
	"fmt"
)

// rkv is one key of a new array-of-tables element: its decoded value and,
// from a fragment, its raw text.
type rkv struct {
	key string
	val any
	raw string
}

// ReplaceArrayOfTables makes the array of tables name ([[name]]) equal to
// tables, idempotently: element i keeps its place, header, comments and key
// order, with only differing keys set, missing ones added (after its last
// key) and extra ones removed; surplus old elements are removed (with the
// blank lines before them); new ones are appended after the last old
// element, or, when there is none, where a new table would go. An empty
// tables removes the array. It is an error when name is an ordinary table,
// key or array value, when a Table repeats a key or holds an unsupported
// Value, or when an element that must change has a sub-table ([name.sub]),
// which a Table cannot describe.
func (d *Doc) ReplaceArrayOfTables(name []string, tables []Table) error {
	elems := make([][]rkv, len(tables))
	for i, t := range tables {
		for _, kv := range t {
			nv, err := normalize(kv.Value)
			if err != nil {
				return fmt.Errorf("replace [[%s]]: element %d: key %s: %w", Key(name), i, quoteKey(kv.Key), err)
			}
			elems[i] = append(elems[i], rkv{key: kv.Key, val: nv})
		}
	}
	if err := d.replace(name, elems); err != nil {
		return fmt.Errorf("replace [[%s]]: %w", Key(name), err)
	}
	return nil
}

// elemInfo describes one element of an array of tables in the document.
type elemInfo struct {
	hdr     int   // index of its [[header]]
	end     int   // byte after its last key/value or sub-table line
	kvs     []int // its own key/values
	subHdrs []int // its sub-table headers
}

func (st *state) elements(name []string) []elemInfo {
	var out []elemInfo
	for i, e := range st.exprs {
		if e.kind == exArrayTable && e.aot == i && equalPath(e.path, name) {
			el := elemInfo{hdr: i, end: e.end}
			for j := i + 1; j < len(st.exprs); j++ {
				f := st.exprs[j]
				if f.aot != i {
					break
				}
				el.end = f.end
				if f.kind == exKV && f.hdr == i {
					el.kvs = append(el.kvs, j)
				} else if f.kind != exKV {
					el.subHdrs = append(el.subHdrs, j)
				}
			}
			out = append(out, el)
		}
	}
	return out
}

func (d *Doc) replace(name []string, elems [][]rkv) error {
	st := d.st
	if len(name) == 0 {
		return fmt.Errorf("empty name")
	}
	if err := st.checkPath(name, "the array"); err != nil {
		return err
	}
	want := make([]any, len(elems))
	for i, el := range elems {
		m := map[string]any{}
		for _, kv := range el {
			if _, dup := m[kv.key]; dup {
				return fmt.Errorf("element %d: key %s given twice", i, quoteKey(kv.key))
			}
			m[kv.key] = kv.val
		}
		want[i] = m
	}
	old, exists := st.get(name)
	if exists && !st.isArrayOfTables(name) {
		return fmt.Errorf("%s is not an array of tables", Key(name))
	}
	if (!exists && len(elems) == 0) || (exists && sameValue(old, want)) {
		return nil
	}
	oldList, _ := old.([]any)
	cur := st.elements(name)
	nl := st.nl()
	var sps []splice
	var changes []Change
	path := func(k string) Key { return append(append(Key(nil), name...), k) }
	sep := " = "
	if len(cur) > 0 && len(cur[0].kvs) > 0 {
		sep = st.sepOf(cur[0].kvs[0])
	}
	// Elements present on both sides: edit in place.
	for i := 0; i < len(cur) && i < len(elems); i++ {
		oldM, _ := oldList[i].(map[string]any)
		if sameValue(oldM, want[i]) {
			continue
		}
		el := cur[i]
		if len(el.subHdrs) > 0 {
			return fmt.Errorf("element %d has the sub-table [%s], which a replacement cannot describe: edit it by hand", i, Key(st.exprs[el.subHdrs[0]].path))
		}
		groups := map[string][]int{}
		for _, k := range el.kvs {
			top := st.exprs[k].path[len(name)]
			groups[top] = append(groups[top], k)
		}
		newKeys := map[string]bool{}
		insertAt := st.exprs[el.hdr].end
		if len(el.kvs) > 0 {
			insertAt = st.exprs[el.kvs[len(el.kvs)-1]].end
		}
		ins := ""
		for _, kv := range elems[i] {
			newKeys[kv.key] = true
			ov, had := oldM[kv.key]
			if had && sameValue(ov, kv.val) {
				continue
			}
			lines := groups[kv.key]
			if len(lines) == 1 && st.exprs[lines[0]].keyLen == 1 {
				e := st.exprs[lines[0]]
				sty := styleOf(st.src[e.valStart:e.valEnd])
				sps = append(sps, splice{e.valStart, e.valEnd, valueText(kv.val, kv.raw, &sty)})
			} else {
				for _, k := range lines {
					sps = append(sps, splice{st.exprs[k].start, st.exprs[k].end, ""})
				}
				ins += quoteKey(kv.key) + sep + valueText(kv.val, kv.raw, nil) + nl
			}
			if had {
				changes = append(changes, Change{Path: path(kv.key), Index: i, Old: ov, New: kv.val})
			} else {
				changes = append(changes, Change{Path: path(kv.key), Index: i, New: kv.val})
			}
		}
		for _, k := range el.kvs {
			top := st.exprs[k].path[len(name)]
			if !newKeys[top] {
				sps = append(sps, st.removeLines(st.exprs[k].start, st.exprs[k].end))
			}
		}
		for _, top := range sortedKeys(oldM) {
			if !newKeys[top] {
				changes = append(changes, Change{Path: path(top), Index: i, Old: oldM[top]})
			}
		}
		if ins != "" {
			sps = append(sps, st.insertAt(insertAt, ins, false))
		}
	}
	// Surplus old elements: removed with the blank lines before them.
	for i := len(elems); i < len(cur); i++ {
		sps = append(sps, st.removeElement(cur[i]))
		changes = append(changes, removedChanges(name, i, oldList[i])...)
	}
	// Extra new elements: after the last old one, or where a table would go.
	if len(elems) > len(cur) {
		block := ""
		for i := len(cur); i < len(elems); i++ {
			if i > len(cur) {
				block += nl
			}
			block += "[[" + Key(name).String() + "]]" + nl
			for _, kv := range elems[i] {
				block += quoteKey(kv.key) + sep + valueText(kv.val, kv.raw, nil) + nl
				changes = append(changes, Change{Path: path(kv.key), Index: i, New: kv.val})
			}
		}
		if len(cur) > 0 {
			sps = append(sps, st.insertAt(cur[len(cur)-1].end, block, true))
		} else {
			sps = append(sps, st.insertTable(block, name))
		}
	}
	if err := d.commit(sps, readsBack(name, want)); err != nil {
		return err
	}
	d.changes = append(d.changes, changes...)
	return nil
}

// removeElement is the splice that removes the array-of-tables element el
// whole (header, keys, sub-tables) with the blank lines before it.
func (st *state) removeElement(el elemInfo) splice {
	start := st.exprs[el.hdr].start
	for start > 0 {
		ps := lineStart(st.src, start-1)
		if len(trimBlank(st.src[ps:start])) != 0 {
			break
		}
		start = ps
	}
	return st.removeLines(start, el.end)
}

// removedChanges are the changes of removing element i, old, of the array
// of tables name: one per key, in key order.
func removedChanges(name []string, i int, old any) []Change {
	oldM, _ := old.(map[string]any)
	var out []Change
	for _, k := range sortedKeys(oldM) {
		out = append(out, Change{Path: append(append(Key(nil), name...), k), Index: i, Old: oldM[k]})
	}
	return out
}

// readsBack checks, after an edit, that the array of tables name reads
// back as want: gone when want is empty.
func readsBack(name []string, want []any) func(*state) error {
	return func(n *state) error {
		got, ok := n.get(name)
		switch {
		case len(want) == 0 && ok:
			return fmt.Errorf("%s is still there", Key(name))
		case len(want) > 0 && (!ok || !sameValue(got, want)):
			return fmt.Errorf("%s reads back as %s", Key(name), showValue(got))
		}
		return nil
	}
}

func trimBlank(b []byte) []byte {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return b[i:]
}

// DeleteArrayElement removes element i (from 0) of the array of tables
// name ([[name]]), whole: its header, keys, sub-tables ([name.sub]) and
// the blank lines before it; every other byte stays. Removing the only
// element removes the array. It is an error when name is not an array of
// tables written as [[name]] tables (an inline array, name = [{...}], is
// refused saying so) or has no element i.
func (d *Doc) DeleteArrayElement(name []string, i int) error {
	st := d.st
	old, ok := st.get(name)
	oldList, isList := old.([]any)
	switch {
	case ok && isList && !st.isArrayOfTables(name):
		return fmt.Errorf("delete [[%s]] element %d: %s is written inline (%s = [...]), not as [[%s]] tables", Key(name), i, Key(name), Key(name), Key(name))
	case !ok || !st.isArrayOfTables(name):
		return fmt.Errorf("delete [[%s]] element %d: %s is not an array of tables", Key(name), i, Key(name))
	}
	cur := st.elements(name)
	if i < 0 || i >= len(cur) || len(cur) != len(oldList) {
		return fmt.Errorf("delete [[%s]] element %d: it has %d", Key(name), i, len(cur))
	}
	want := append(append([]any(nil), oldList[:i]...), oldList[i+1:]...)
	if err := d.commit([]splice{st.removeElement(cur[i])}, readsBack(name, want)); err != nil {
		return fmt.Errorf("delete [[%s]] element %d: %w", Key(name), i, err)
	}
	d.changes = append(d.changes, removedChanges(name, i, oldList[i])...)
	return nil
}
