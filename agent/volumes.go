package agent

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/internal/atomicfile"
)

// mediatorManifest lists, inside components/lib, the jars the agent mirrored
// there, so that a jar removed from the share is removed again (B26) while
// the image's own jars are never touched.
const mediatorManifest = ".agent-mediators"

// planMirror mirrors the *.jar files of src into lib. A missing src means
// the image has no mediator share: nothing is planned.
func (p *Plan) planMirror(src, lib string) error {
	entries, err := os.ReadDir(src)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return exitcode.Errorf(exitcode.NoInput, "WSO2_MEDIATOR_DIR: read %s: %s", src, describeFSError(err))
	}
	manifestPath := filepath.Join(lib, mediatorManifest)
	oldManifest, _ := os.ReadFile(manifestPath)
	var jars []string
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".jar") {
			jars = append(jars, e.Name())
		}
	}
	sort.Strings(jars)
	want := map[string]bool{}
	for _, j := range jars {
		want[j] = true
		data, err := os.ReadFile(filepath.Join(src, j))
		if err != nil {
			return exitcode.Errorf(exitcode.NoInput, "WSO2_MEDIATOR_DIR: read %s: %s", filepath.Join(src, j), describeFSError(err))
		}
		dst := filepath.Join(lib, j)
		old, _ := os.ReadFile(dst)
		if old != nil && bytes.Equal(old, data) {
			continue
		}
		f := p.file(dst, "file", old)
		f.New = data
		op := "copy"
		if old != nil {
			op = "replace"
		}
		f.Changes = append(f.Changes, Change{Target: j, Op: op, Note: fmt.Sprintf("from %s (%d bytes)", src, len(data))})
	}
	for _, j := range strings.Fields(string(oldManifest)) {
		if want[j] || strings.ContainsAny(j, "/\\") {
			continue
		}
		dst := filepath.Join(lib, j)
		old, err := os.ReadFile(dst)
		if err != nil {
			continue // already gone
		}
		f := p.file(dst, "file", old)
		f.Remove = true
		f.Changes = append(f.Changes, Change{Target: j, Op: "remove", Note: "no longer in " + src})
	}
	manifest := []byte(strings.Join(jars, "\n"))
	if len(jars) > 0 {
		manifest = append(manifest, '\n')
	}
	if !bytes.Equal(manifest, oldManifest) && (oldManifest != nil || len(jars) > 0) {
		f := p.file(manifestPath, "file", oldManifest)
		f.New = manifest
		f.Changes = append(f.Changes, Change{Target: mediatorManifest, Op: "set", Note: "jars mirrored by the agent"})
	}
	return nil
}

// Seed markers inside the shared deployment folder.
const (
	seedMarker = ".agent-seeded"
	seedLock   = ".agent-seed.lock"
	seedTmp    = ".agent-seed-tmp"
	seedDone   = ".agent-copy-complete"
)

// planSeed plans to seed dst from src when dst is empty (only the agent's
// own lock or temporary entries) and was never seeded. A folder with content
// that the agent did not seed is left alone.
func (p *Plan) planSeed(src, dst string) error {
	if st, err := os.Stat(src); err != nil || !st.IsDir() {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dst, seedMarker)); err == nil {
		return nil
	}
	entries, err := os.ReadDir(dst)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return exitcode.Errorf(exitcode.NoInput, "read %s: %s", dst, describeFSError(err))
	}
	for _, e := range entries {
		switch e.Name() {
		case seedLock, seedTmp:
		default:
			return nil // populated by someone else (or an older image): leave it
		}
	}
	n := 0
	_ = filepath.WalkDir(src, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	p.Seeds = append(p.Seeds, &SeedPlan{Src: src, Dst: dst, Files: n})
	return nil
}

// seed copies s.Src into s.Dst under an exclusive lock inside Dst, so that
// several containers starting at once on one shared (NFS) volume seed it
// exactly once (B25). The copy goes to a temporary folder first; its entries
// are renamed into place and the marker is written last. An interrupted seed
// is resumed (complete copy) or redone (incomplete copy) by the next start.
func seed(s *SeedPlan) ([]string, error) {
	if err := os.MkdirAll(s.Dst, 0o755); err != nil {
		return nil, fmt.Errorf("seed %s: %w", s.Dst, err)
	}
	lf, err := os.OpenFile(filepath.Join(s.Dst, seedLock), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("seed %s: %w", s.Dst, err)
	}
	defer lf.Close()
	if err := syscall.Flock(int(lf.Fd()), syscall.LOCK_EX); err != nil {
		return nil, fmt.Errorf("seed %s: lock: %w", s.Dst, err)
	}
	defer syscall.Flock(int(lf.Fd()), syscall.LOCK_UN) //nolint:errcheck
	if _, err := os.Stat(filepath.Join(s.Dst, seedMarker)); err == nil {
		return nil, nil // another container seeded it while we waited
	}
	tmp := filepath.Join(s.Dst, seedTmp)
	if _, err := os.Stat(filepath.Join(tmp, seedDone)); err != nil {
		if err := os.RemoveAll(tmp); err != nil {
			return nil, fmt.Errorf("seed %s: %w", s.Dst, err)
		}
		if err := copyTree(s.Src, tmp); err != nil {
			return nil, fmt.Errorf("seed %s from %s: %w", s.Dst, s.Src, err)
		}
		if err := os.WriteFile(filepath.Join(tmp, seedDone), nil, 0o644); err != nil {
			return nil, fmt.Errorf("seed %s: %w", s.Dst, err)
		}
	}
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return nil, fmt.Errorf("seed %s: %w", s.Dst, err)
	}
	var written []string
	for _, e := range entries {
		if e.Name() == seedDone {
			continue
		}
		dst := filepath.Join(s.Dst, e.Name())
		if _, err := os.Lstat(dst); err == nil {
			continue // renamed by the interrupted run
		}
		if err := os.Rename(filepath.Join(tmp, e.Name()), dst); err != nil {
			return written, fmt.Errorf("seed %s: %w", s.Dst, err)
		}
		written = append(written, dst)
	}
	if err := atomicfile.WriteFile(filepath.Join(s.Dst, seedMarker), []byte("seeded from "+s.Src+"\n"), 0o644); err != nil {
		return written, fmt.Errorf("seed %s: %w", s.Dst, err)
	}
	if err := os.RemoveAll(tmp); err != nil {
		return written, fmt.Errorf("seed %s: %w", s.Dst, err)
	}
	return written, nil
}

// copyTree copies the folder src to dst (which must not exist), keeping
// modes and symbolic links.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		to := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(to, info.Mode().Perm()|0o700)
		case info.Mode()&fs.ModeSymlink != 0:
			l, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(l, to)
		case info.Mode().IsRegular():
			in, err := os.Open(path)
			if err != nil {
				return err
			}
			defer in.Close()
			out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, info.Mode().Perm())
			if err != nil {
				return err
			}
			if _, err := io.Copy(out, in); err != nil {
				out.Close()
				return err
			}
			return out.Close()
		}
		return nil
	})
}
