// Package carbonapp rewrites the schedules of the Spark scripts inside a
// WSO2 carbon application archive (.car, a zip file) such as DAS 2.0.0's
// org_wso2_carbon_analytics_apim-1.0.0.car.
//
// It is a pure function on bytes: the caller reads the archive, calls Patch
// and writes the result atomically (or not at all when nothing changed).
// Every entry that is not patched is copied raw (its compressed bytes, CRC,
// name, comment, times and attributes as they were); the archive comment and
// the entry order are kept. A patched entry is the original XML with only the
// text of /Analytics/CronExpression replaced (a byte splice by package
// xmlconf: comments, indentation and line ends stay), written with the
// entry's original method under its original header (name, comment,
// modification time, extra fields, attributes). A deflated entry is written
// as deflate's stored blocks (RFC 1951 3.2.4): a valid deflate stream that
// every reader inflates, made without a compressor, which would cost a
// start more than the rest of the patch; the archive grows by what the
// scripts' compression saved (about 60 KB for API Manager's carbon app).
// The scripts are edited in parallel.
//
// Errors carry exit code DataErr (65): an archive that is not a zip or is
// truncated, a named entry that is missing or duplicated, an entry whose XML
// is malformed or has no single /Analytics/CronExpression. They say "carbon
// app archive"; the caller adds the file name.
//
// The expressions are written as given: validate them (package
// agent/quartz) before calling Patch.
//
// It knows the carbon app archive and the Spark script's
// /Analytics/CronExpression, which is its job. It must not know which
// product ships which archive, which scripts it holds or what they should
// run at, nor the variables that set those schedules: the Analytics product
// (agent/product/carbon44) names the entries and gives the expressions. Nor does it
// know Quartz's syntax or the file system: it works on bytes.
package carbonapp

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/internal/fixpoint"
	"github.com/wso2-container/agent/xmlconf"
)

// CronPath is the element holding a Spark script's Quartz schedule.
const CronPath = "/Analytics/CronExpression"

// Change is one schedule that Patch changed.
type Change struct {
	Entry string // entry path inside the archive
	Old   string // the previous expression (decoded text)
	New   string
}

// Patch rewrites, inside the zip archive car, the text of
// /Analytics/CronExpression in each entry named in crons (entry path inside
// the zip, for example "APIM_STAT_SCRIPT_1.0.0/APIM_STAT_SCRIPT.xml" →
// expression). Every other entry is copied byte-identical (raw, without
// recompression); entry order, names and comments are preserved. changes
// are in archive order. out is nil (and changes empty) when every
// expression is already in place. On error out and changes are nil.
func Patch(car []byte, crons map[string]string) (out []byte, changes []Change, err error) {
	r, err := open(car)
	if err != nil {
		return nil, nil, err
	}
	names := keys(crons)
	files, err := find(r, names)
	if err != nil {
		return nil, nil, err
	}

	// Plan: compute every new entry before writing anything. The entries are
	// independent, so they are edited and compressed in parallel.
	jobs := make([]job, len(names))
	for i, name := range names {
		jobs[i] = job{f: files[name], value: crons[name]}
	}
	runJobs(jobs)
	patched := make(map[*zip.File]*job)
	for i := range jobs {
		j := &jobs[i]
		if j.err != nil {
			return nil, nil, j.err // the first in name order
		}
		if j.change != nil {
			patched[j.f] = j
		}
	}
	if len(patched) == 0 {
		return nil, nil, nil
	}

	// The new archive is the old one with each patched entry's data
	// replaced: size the buffer once (stored-deflate entries are larger
	// than the compressed ones they replace).
	size := len(car) + 1024
	for _, j := range patched {
		size += max(0, len(j.comp)-int(j.f.CompressedSize64))
	}
	var buf bytes.Buffer
	buf.Grow(size)
	w := zip.NewWriter(&buf)
	for _, f := range r.File {
		j := patched[f]
		if j == nil {
			if err := copyEntry(w, car, f); err != nil {
				return nil, nil, err
			}
			continue
		}
		if err := j.write(w); err != nil {
			return nil, nil, err
		}
		changes = append(changes, *j.change)
	}
	if err := w.SetComment(r.Comment); err != nil {
		return nil, nil, exitcode.Errorf(exitcode.DataErr, "carbon app archive: comment: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, nil, exitcode.Errorf(exitcode.Software, "carbon app archive: write: %w", err)
	}
	return buf.Bytes(), changes, nil
}

// PatchKey is the key (package internal/fixpoint) of Patch(car, crons): it
// hashes every input of Patch.
func PatchKey(car []byte, crons map[string]string) fixpoint.Key {
	h := fixpoint.New("carbonapp.Patch")
	names := keys(crons)
	h.Int(len(names))
	for _, n := range names {
		h.String(n)
		h.String(crons[n])
	}
	h.Bytes(car)
	return h.Sum()
}

// job is the edit of one script entry.
type job struct {
	f     *zip.File
	value string

	change *Change // nil when the value is already in place
	header zip.FileHeader
	comp   []byte // the new compressed data
	err    error
}

// runJobs runs every job on at most GOMAXPROCS goroutines. A worker takes
// the next job when it is done with one: a goroutine's stack grows while it
// parses an entry, and a few workers grow theirs once instead of one fresh
// goroutine per entry growing its own.
func runJobs(jobs []job) {
	var next atomic.Int64
	work := func() {
		for i := next.Add(1) - 1; i < int64(len(jobs)); i = next.Add(1) - 1 {
			jobs[i].err = jobs[i].run()
		}
	}
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(jobs)) - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
}

// run reads the entry, sets its CronExpression and compresses the result
// with the entry's method.
func (j *job) run() error {
	f := j.f
	src, err := readEntry(f)
	if err != nil {
		return err
	}
	edited, chs, err := xmlconf.Apply(src, []xmlconf.Edit{{Op: xmlconf.SetText, Path: CronPath, Value: j.value}})
	if err != nil {
		return exitcode.Errorf(exitcode.DataErr, "carbon app archive: entry %q: %w", f.Name, err)
	}
	if len(chs) == 0 {
		return nil
	}
	var comp bytes.Buffer
	switch f.Method {
	case zip.Store:
		comp.Write(edited)
	case zip.Deflate:
		storeDeflate(&comp, edited)
	default:
		return exitcode.Errorf(exitcode.DataErr, "carbon app archive: entry %q: unsupported compression method %d", f.Name, f.Method)
	}
	j.header = f.FileHeader
	j.header.CRC32 = crc32.ChecksumIEEE(edited)
	j.header.UncompressedSize64 = uint64(len(edited))
	j.header.CompressedSize64 = uint64(comp.Len())
	j.comp = comp.Bytes()
	j.change = &Change{Entry: f.Name, Old: chs[0].Old, New: chs[0].New}
	return nil
}

// write writes the new entry under the original header (name, comment,
// times, extra fields, attributes, method).
func (j *job) write(w *zip.Writer) error {
	raw, err := w.CreateRaw(&j.header)
	if err == nil {
		_, err = raw.Write(j.comp)
	}
	if err != nil {
		return exitcode.Errorf(exitcode.Software, "carbon app archive: write entry %q: %w", j.f.Name, err)
	}
	return nil
}

// maxStored is the most a stored deflate block holds (LEN is 16 bits).
const maxStored = 65535

// storeDeflate appends data to w as a deflate stream of stored blocks
// (RFC 1951 3.2.4: BFINAL and BTYPE 00 in a byte of their own, then LEN and
// its one's complement NLEN, little-endian, then the bytes), the last one
// final; no data is one empty final block.
func storeDeflate(w *bytes.Buffer, data []byte) {
	w.Grow(len(data) + 5*(len(data)/maxStored+1))
	for {
		n := min(len(data), maxStored)
		final := n == len(data)
		var h [5]byte
		if final {
			h[0] = 1
		}
		binary.LittleEndian.PutUint16(h[1:], uint16(n))
		binary.LittleEndian.PutUint16(h[3:], ^uint16(n))
		w.Write(h[:])
		w.Write(data[:n])
		data = data[n:]
		if final {
			return
		}
	}
}

// ReadCrons returns the current text of /Analytics/CronExpression of each
// named entry (for a dry-run display). Errors are those of Patch.
func ReadCrons(car []byte, entries []string) (map[string]string, error) {
	r, err := open(car)
	if err != nil {
		return nil, err
	}
	names := append([]string(nil), entries...)
	sort.Strings(names)
	names = compact(names)
	files, err := find(r, names)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(names))
	for _, name := range names {
		src, err := readEntry(files[name])
		if err != nil {
			return nil, err
		}
		v, err := cronText(src)
		if err != nil {
			return nil, exitcode.Errorf(exitcode.DataErr, "carbon app archive: entry %q: %w", name, err)
		}
		out[name] = v
	}
	return out, nil
}

func open(car []byte) (*zip.Reader, error) {
	r, err := zip.NewReader(bytes.NewReader(car), int64(len(car)))
	if err != nil {
		return nil, exitcode.Errorf(exitcode.DataErr, "carbon app archive: not a readable zip archive (%d bytes): %w", len(car), err)
	}
	return r, nil
}

// find maps each name to its entry; a missing or duplicated name is an error.
func find(r *zip.Reader, names []string) (map[string]*zip.File, error) {
	want := make(map[string]bool, len(names))
	for _, n := range names {
		want[n] = true
	}
	files := make(map[string]*zip.File, len(names))
	for _, f := range r.File {
		if !want[f.Name] {
			continue
		}
		if files[f.Name] != nil {
			return nil, exitcode.Errorf(exitcode.DataErr, "carbon app archive: entry %q appears more than once", f.Name)
		}
		files[f.Name] = f
	}
	for _, n := range names {
		if files[n] == nil {
			return nil, exitcode.Errorf(exitcode.DataErr, "carbon app archive: entry %q not found", n)
		}
		if strings.HasSuffix(n, "/") {
			return nil, exitcode.Errorf(exitcode.DataErr, "carbon app archive: entry %q is a folder", n)
		}
	}
	return files, nil
}

// maxEntrySize bounds a script entry read into memory (the largest DAS
// script is about 20 KB).
const maxEntrySize = 16 << 20

// sizeHint is the most readEntry reserves on the word of an entry's header.
const sizeHint = 1 << 20

func readEntry(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, exitcode.Errorf(exitcode.DataErr, "carbon app archive: entry %q: %w", f.Name, err)
	}
	defer rc.Close()
	// Sized from the header, so that the entry is read without regrowing
	// the buffer. The header is only a hint (the reader checks the real
	// size): past sizeHint the buffer grows as the data comes, so that a
	// header that lies costs no more than the entry itself.
	var buf bytes.Buffer
	buf.Grow(int(min(f.UncompressedSize64, sizeHint)) + bytes.MinRead)
	_, err = buf.ReadFrom(io.LimitReader(rc, maxEntrySize+1))
	data := buf.Bytes()
	if err == nil && len(data) > maxEntrySize {
		err = fmt.Errorf("larger than %d bytes", maxEntrySize)
	}
	if err != nil {
		return nil, exitcode.Errorf(exitcode.DataErr, "carbon app archive: entry %q: %w", f.Name, err)
	}
	return data, nil
}

// copyEntry writes f unchanged: its header and its compressed bytes, taken
// straight from car (what zip.Writer.Copy does, without its 32 KB buffer).
func copyEntry(w *zip.Writer, car []byte, f *zip.File) error {
	off, err := f.DataOffset()
	end := off + int64(f.CompressedSize64)
	if err == nil && (off < 0 || end < off || end > int64(len(car))) {
		err = errors.New("compressed data outside the archive")
	}
	if err != nil {
		return exitcode.Errorf(exitcode.DataErr, "carbon app archive: entry %q: %w", f.Name, err)
	}
	fh := f.FileHeader
	raw, err := w.CreateRaw(&fh)
	if err == nil {
		_, err = raw.Write(car[off:end])
	}
	if err != nil {
		return exitcode.Errorf(exitcode.Software, "carbon app archive: copy entry %q: %w", f.Name, err)
	}
	return nil
}

// cronText returns the decoded text of the single /Analytics/CronExpression.
func cronText(src []byte) (string, error) {
	dec := xml.NewDecoder(bytes.NewReader(src))
	var stack []string
	var text strings.Builder
	found := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("parse: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, t.Name.Local)
			if len(stack) == 2 && stack[0] == "Analytics" && stack[1] == "CronExpression" {
				found++
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 2 && stack[0] == "Analytics" && stack[1] == "CronExpression" && found == 1 {
				text.Write(t)
			}
		}
	}
	if found != 1 {
		return "", fmt.Errorf("%s: found %d elements, want 1", CronPath, found)
	}
	return text.String(), nil
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func compact(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
