// Package treesnap records the state of file trees — mode, size,
// modification time, inode and content hash of every path — so that tests
// can prove that an operation wrote nothing at all (not even the same bytes
// again) or list exactly what it changed.
//
// It must not know what the trees are (product homes, fixtures, certificate
// folders) or which changes a test expects: it records and compares, and
// the tests judge.
package treesnap

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"time"
)

// State is what a snapshot records of one path. Folders are recorded by mode
// only: their modification time moves with any temporary file created and
// removed inside them, while their contents are recorded path by path.
type State struct {
	Mode  fs.FileMode
	Size  int64
	MTime time.Time
	Inode uint64
	Hash  string // SHA-256 of a file's content, or a symbolic link's target
}

// Snapshot maps every path under the roots to its state.
type Snapshot map[string]State

// Take records every path under the roots (a missing root records nothing).
func Take(roots ...string) (Snapshot, error) {
	out := Snapshot{}
	for _, root := range roots {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) && path == root {
					return nil
				}
				return err
			}
			info, err := os.Lstat(path)
			if err != nil {
				return err
			}
			if d.IsDir() {
				out[path] = State{Mode: info.Mode()}
				return nil
			}
			st := State{Mode: info.Mode(), Size: info.Size(), MTime: info.ModTime()}
			if s, ok := info.Sys().(*syscall.Stat_t); ok {
				st.Inode = s.Ino
			}
			switch {
			case info.Mode()&fs.ModeSymlink != 0:
				st.Hash, _ = os.Readlink(path)
			case info.Mode().IsRegular():
				f, err := os.Open(path)
				if err != nil {
					return err
				}
				h := sha256.New()
				_, err = io.Copy(h, f)
				f.Close()
				if err != nil {
					return err
				}
				st.Hash = hex.EncodeToString(h.Sum(nil))
			}
			out[path] = st
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("snapshot %s: %w", root, err)
		}
	}
	return out, nil
}

// Diff lists the paths that were removed, added or changed from a to b,
// sorted.
func Diff(a, b Snapshot) []string {
	var out []string
	for p, s := range a {
		t, ok := b[p]
		switch {
		case !ok:
			out = append(out, "removed "+p)
		case s != t:
			out = append(out, fmt.Sprintf("changed %s: %+v -> %+v", p, s, t))
		}
	}
	for p := range b {
		if _, ok := a[p]; !ok {
			out = append(out, "added "+p)
		}
	}
	sort.Strings(out)
	return out
}
