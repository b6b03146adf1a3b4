package certs

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/internal/atomicfile"
	"github.com/wso2-container/agent/internal/boundedread"
	"github.com/wso2-container/agent/internal/fixpoint"
	"github.com/wso2-container/agent/keystore"
)

// Actions of an EntryChange.
const (
	ActionAdd       = "add"
	ActionReplace   = "replace"
	ActionUnchanged = "unchanged"
)

// EntryChange is what the import does to one truststore alias.
type EntryChange struct {
	Alias     string
	Action    string // ActionAdd, ActionReplace or ActionUnchanged
	OldSHA256 string // fingerprint of the replaced certificate (replace only)
	NewSHA256 string
	Subject   string
	File      string // certificate file the entry comes from
	NotAfter  time.Time
}

// ImportPlan is the result of PlanImport: what importing the certificates
// folder would do to the truststore, computed without writing anything.
type ImportPlan struct {
	Truststore string // the file Apply writes
	Source     string // the file read (Truststore, unless PlanImportTo)
	Old        []byte // content of Truststore read while planning (nil when not read or absent)
	New        []byte // content to write; nil when nothing changes
	Changes    []EntryChange
	Warnings   []string
	// Key, when not nil, is the key (package internal/fixpoint) the written
	// truststore carries: with it a later plan of the same import takes the
	// file as it is without loading it (see importKey).
	Key    *fixpoint.Key
	absent bool // Truststore did not exist while planning (PlanImportTo)
}

// Changed reports whether Apply would write the truststore.
func (p *ImportPlan) Changed() bool { return p.New != nil }

// certFile is one parsed certificate file.
type certFile struct {
	path  string
	certs [][]byte // DER
	subj  []string
	until []time.Time
}

// listCertFiles returns the certificate files of dir in name order and the
// warnings about skipped files. A missing dir is not an error (exists=false).
func listCertFiles(dir string) (files []string, warnings []string, exists bool, err error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, false, nil
		}
		// The folder is WSO2_CERTIFICATES_DIR, wherever it is read (the
		// start, the certificate-sync job): name it for the operator.
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, nil, false, exitcode.Wrap(exitcode.NoInput, fmt.Errorf("read certificates folder %s (WSO2_CERTIFICATES_DIR): %w", dir, err))
	}
	for _, e := range ents {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		p := filepath.Join(dir, name)
		st, err := os.Stat(p) // follows symbolic links
		if err != nil {
			return nil, nil, true, exitcode.Wrap(exitcode.NoInput, fmt.Errorf("read certificate file: %w", err))
		}
		if st.IsDir() {
			continue
		}
		ext := strings.ToLower(filepath.Ext(name))
		switch {
		case certExts[ext]:
			files = append(files, p)
		case skipExts[ext]:
		default:
			warnings = append(warnings, fmt.Sprintf("certificates folder: ignored %s (not .pem, .crt, .cer or .der)", p))
		}
	}
	sort.Strings(files)
	return files, warnings, true, nil
}

// MissingFolderWarning is the warning of an import whose certificates
// folder dir does not exist, so that a product for which the folder is
// optional can leave it out.
func MissingFolderWarning(dir string) string {
	return fmt.Sprintf("certificates folder %s does not exist: nothing to import", dir)
}

// readCertFiles reads and parses every certificate file of dir. Expired and
// not yet valid certificates are kept, with a warning.
func readCertFiles(dir string, now time.Time) (cfs []certFile, warnings []string, err error) {
	files, warnings, exists, err := listCertFiles(dir)
	if err != nil {
		return nil, nil, err
	}
	if !exists {
		return nil, []string{MissingFolderWarning(dir)}, nil
	}
	for _, f := range files {
		data, err := boundedread.ReadFile(f, boundedread.Text)
		if err != nil {
			return nil, nil, readError("read certificate file", err)
		}
		certs, skipped, err := ParseCerts(data)
		if err != nil {
			return nil, nil, exitcode.Wrap(exitcode.DataErr, fmt.Errorf("read certificate file %s: %w", f, err))
		}
		if len(skipped) > 0 {
			warnings = append(warnings, fmt.Sprintf("%s: ignored PEM blocks that are not certificates: %s", f, strings.Join(skipped, ", ")))
		}
		cf := certFile{path: f}
		for i, c := range certs {
			cf.certs = append(cf.certs, c.Raw)
			cf.subj = append(cf.subj, c.Subject.String())
			cf.until = append(cf.until, c.NotAfter)
			what := f
			if len(certs) > 1 {
				what = fmt.Sprintf("%s (certificate %d)", f, i+1)
			}
			switch {
			case now.After(c.NotAfter):
				warnings = append(warnings, fmt.Sprintf("%s: certificate %q expired on %s; imported anyway, but TLS peers presenting it will be rejected", what, c.Subject.String(), c.NotAfter.UTC().Format(time.RFC3339)))
			case now.Before(c.NotBefore):
				warnings = append(warnings, fmt.Sprintf("%s: certificate %q is not valid before %s; imported anyway", what, c.Subject.String(), c.NotBefore.UTC().Format(time.RFC3339)))
			}
		}
		cfs = append(cfs, cf)
	}
	return cfs, warnings, nil
}

// PlanImport computes what importing every certificate file of certDir into
// the truststore (JKS or PKCS12, told apart by content; opened with
// password) would change. It only reads. The alias of each certificate
// follows AliasFor / AliasForIndex; entries are added or replaced, never
// removed, and an alias that already holds the same certificate is left as
// it is, so a second run plans nothing. The store keeps its format; a
// PKCS12 store keeps every other entry and alias, its MAC or its absence
// and its encryption, and the certificates added are marked trusted as
// keytool marks them.
//
// Errors name the file and carry an exit code: exitcode.NoInput for a
// missing or unreadable truststore or certificate file, exitcode.DataErr
// for a certificate that does not parse, a wrong password, a corrupt or
// JCEKS store or one using a PKCS12 feature the agent does not read, an
// alias clash, exitcode.Config for a password Java cannot use. Planning
// only reads: a truststore on a read-only file system plans fine (a dry run
// must work there), and Apply reports it.
func PlanImport(certDir, truststore, password string, now time.Time) (*ImportPlan, error) {
	return planImport(certDir, truststore, truststore, password, now)
}

// PlanImportTo is PlanImport reading the truststore from src and writing
// the result to dst instead (src is never written; dst may not exist yet).
// It is for a truststore on a read-only mount: the merged store goes to a
// writable place and the product is pointed at it. The result is src with
// the certificates imported (a plain copy of src when there is nothing to
// import); Changes say what differs from src. When dst already holds that
// result — the same bytes, or a store of the same format with the same
// entries (alias, type, certificates) — the plan is unchanged (New is nil,
// every Action is ActionUnchanged) and Apply writes nothing, so a restart
// with the same inputs writes nothing. A new dst gets mode 0644. Errors as
// for PlanImport; exitcode.IOErr when dst would change but cannot be
// written, exitcode.NoInput when dst exists but cannot be read.
func PlanImportTo(certDir, src, dst, password string, now time.Time) (*ImportPlan, error) {
	return planImport(certDir, src, dst, password, now)
}

func planImport(certDir, src, dst, password string, now time.Time) (*ImportPlan, error) {
	redirect := filepath.Clean(src) != filepath.Clean(dst)
	cfs, warnings, err := readCertFiles(certDir, now)
	if err != nil {
		return nil, err
	}
	plan := &ImportPlan{Truststore: dst, Source: src, Warnings: warnings}
	if len(cfs) == 0 && !redirect {
		return plan, nil
	}
	// Aliases must be unique across files.
	owner := map[string]string{}
	for _, cf := range cfs {
		for i := range cf.certs {
			a := AliasForIndex(cf.path, i)
			if prev, ok := owner[a]; ok {
				return nil, exitcode.Errorf(exitcode.DataErr, "import certificates: %s and %s both give the truststore alias %q: rename one of them", prev, cf.path, a)
			}
			owner[a] = cf.path
		}
	}
	srcData, err := boundedread.ReadFile(src, boundedread.Keystore)
	if err != nil {
		return nil, readError("read truststore", err)
	}
	plan.Old = srcData
	keyPW, keyed := importKeyable(srcData, password)
	keyed = keyed && !redirect
	if keyed && fixpoint.Holds(src, importKey(cfs, keyPW, srcData)) {
		// An earlier start wrote this store with these certificates: every
		// one is in it, as the plan below would find.
		for _, cf := range cfs {
			for i, der := range cf.certs {
				plan.Changes = append(plan.Changes, EntryChange{Alias: AliasForIndex(cf.path, i), Action: ActionUnchanged,
					NewSHA256: keystore.Fingerprint(der), Subject: cf.subj[i], File: cf.path, NotAfter: cf.until[i]})
			}
		}
		return plan, nil
	}
	st, err := loadStore(src, srcData, password, "truststore")
	if err != nil {
		return nil, err
	}
	for _, cf := range cfs {
		for i, der := range cf.certs {
			a := AliasForIndex(cf.path, i)
			ch := EntryChange{Alias: a, NewSHA256: keystore.Fingerprint(der), Subject: cf.subj[i], File: cf.path, NotAfter: cf.until[i]}
			prev, had := st.Entry(a)
			changed, err := st.SetTrusted(a, der, now)
			if err != nil {
				return nil, exitcode.Wrap(exitcode.DataErr, fmt.Errorf("import %s into truststore %s: %w", cf.path, src, err))
			}
			switch {
			case !changed:
				ch.Action = ActionUnchanged
			case had:
				ch.Action, ch.OldSHA256 = ActionReplace, prev.SHA256
			default:
				ch.Action = ActionAdd
			}
			plan.Changes = append(plan.Changes, ch)
		}
	}
	if !redirect && !plan.changedEntries() {
		return plan, nil
	}
	data := srcData
	if plan.changedEntries() {
		if data, err = st.Marshal(password); err != nil {
			return nil, exitcode.Wrap(exitcode.Software, fmt.Errorf("write truststore %s: %w", dst, err))
		}
	}
	if redirect {
		cur, err := boundedread.ReadFile(dst, boundedread.Keystore)
		switch {
		case err == nil:
			plan.Old = cur
			if upToDate(cur, data, st, password) {
				for i := range plan.Changes {
					plan.Changes[i].Action, plan.Changes[i].OldSHA256 = ActionUnchanged, ""
				}
				return plan, nil
			}
		case errors.Is(err, fs.ErrNotExist):
			plan.Old, plan.absent = nil, true
		default:
			return nil, readError("read truststore copy", err)
		}
	}
	plan.New = data
	if keyed { // data is of src's kind: Marshal keeps a store's format, MAC and encryption
		k := importKey(cfs, keyPW, data)
		plan.Key = &k
	}
	return plan, nil
}

// keyable reports whether a store may carry a key: a JKS store, whose own
// integrity check is a single SHA-1 of its password and content, so that a
// key (a SHA-256 of them among others) gives nobody a faster way to try
// passwords. A PKCS12 store's MAC is a slow hash of its password (or
// absent): it gets no key and is always loaded.
func keyable(data []byte) bool {
	return fixpoint.Enabled() && keystore.DetectFormat(data) == keystore.JKS
}

// importKeyable reports whether the store data may carry the key of an
// import, and the password as that key includes it. A JKS store may, with
// the password (keyable). So may a PKCS12 store that its password neither
// authenticates nor encrypts (keystore.PasswordFree: API Manager 4.x's
// client-truststore.jks), without it: the import reads and writes it the
// same whatever the password, and a key that left the password in would
// be the fast check of it that the store itself does not offer. Any other
// PKCS12 store is loaded every time.
func importKeyable(data []byte, password string) (keyPassword string, ok bool) {
	switch {
	case keyable(data):
		return password, true
	case fixpoint.Enabled() && keystore.PasswordFree(data):
		return "", true
	}
	return "", false
}

// importKey is the key of importing cfs into the store data opened with
// password: the inputs of planImport but the clock, which only dates new
// entries (a store that carries the key gets none).
func importKey(cfs []certFile, password string, data []byte) fixpoint.Key {
	h := fixpoint.New("certs.import")
	h.String(password)
	h.Int(len(cfs))
	for _, cf := range cfs {
		h.String(cf.path) // the aliases come from it
		h.Int(len(cf.certs))
		for _, der := range cf.certs {
			h.Bytes(der)
		}
	}
	h.Bytes(data)
	return h.Sum()
}

// upToDate reports whether cur (the destination's content) already holds
// the planned store: the same bytes, or a store of the same format that
// opens with password and lists the same entries (JKS records creation
// dates, so two merges of the same inputs differ in bytes).
func upToDate(cur, planned []byte, st *keystore.Store, password string) bool {
	if bytes.Equal(cur, planned) {
		return true
	}
	have, err := keystore.Load(cur, password)
	if err != nil || have.Format() != st.Format() {
		return false
	}
	a, b := have.Entries(), st.Entries()
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Alias != b[i].Alias || a[i].Trusted != b[i].Trusted || a[i].SHA256 != b[i].SHA256 || a[i].Chain != b[i].Chain {
			return false
		}
	}
	return true
}

func (p *ImportPlan) changedEntries() bool {
	for _, c := range p.Changes {
		if c.Action != ActionUnchanged {
			return true
		}
	}
	return false
}

// Apply writes the planned truststore atomically (temporary file, fsync,
// rename; mode and owner kept), with its Key. It writes nothing when nothing
// changes, and refuses (exitcode.IOErr) when the file changed on disk since
// planning.
func (p *ImportPlan) Apply() error {
	if p.New == nil {
		return nil
	}
	cur, err := boundedread.ReadFile(p.Truststore, boundedread.Keystore)
	switch {
	case p.absent && errors.Is(err, fs.ErrNotExist):
		cur = nil
	case p.absent && err == nil:
		return exitcode.Errorf(exitcode.IOErr, "write truststore %s: the file appeared since the plan was made; nothing written", p.Truststore)
	case err != nil:
		return exitcode.Wrap(exitcode.IOErr, fmt.Errorf("write truststore: %w", err))
	}
	if !bytes.Equal(cur, p.Old) {
		return exitcode.Errorf(exitcode.IOErr, "write truststore %s: the file changed since the plan was made; nothing written", p.Truststore)
	}
	var attrs []atomicfile.Attr
	if p.Key != nil {
		attrs = append(attrs, atomicfile.Attr{Name: fixpoint.Attr, Value: p.Key[:]})
	}
	st, err := atomicfile.StageUnsynced(p.Truststore, p.New, 0o644, attrs...)
	if err == nil {
		_, err = atomicfile.CommitAll([]*atomicfile.Staged{st})
	}
	if err != nil {
		return exitcode.Wrap(exitcode.IOErr, fmt.Errorf("write truststore: %w", err))
	}
	return nil
}

// OpenStore reads and loads the keystore at path, JKS or PKCS12 by content. what ("truststore",
// "keystore") starts every error message. Errors carry exit codes as
// described at PlanImport.
func OpenStore(path, password, what string) ([]byte, *keystore.Store, error) {
	data, err := boundedread.ReadFile(path, boundedread.Keystore)
	if err != nil {
		return nil, nil, readError("read "+what, err)
	}
	st, err := loadStore(path, data, password, what)
	if err != nil {
		return nil, nil, err
	}
	return data, st, nil
}

// loadStore loads data, the content of the keystore at path, with
// OpenStore's errors.
func loadStore(path string, data []byte, password, what string) (*keystore.Store, error) {
	st, err := keystore.Load(data, password)
	if err != nil {
		return nil, storeError(path, what, err)
	}
	return st, nil
}

// storeError turns a keystore.Load error into the agent's one-line error.
func storeError(path, what string, err error) error {
	switch {
	case errors.Is(err, keystore.ErrPassword):
		return exitcode.Wrap(exitcode.Config, fmt.Errorf("load %s %s: %w", what, path, err))
	default:
		return exitcode.Wrap(exitcode.DataErr, fmt.Errorf("load %s %s: %w", what, path, err))
	}
}

// readError is the error for a file of the plan that could not be read:
// exitcode.DataErr when it is larger than a file of its kind can be,
// exitcode.NoInput otherwise (missing, unreadable, not a regular file).
func readError(what string, err error) error {
	if errors.Is(err, boundedread.ErrTooLarge) {
		return exitcode.Wrap(exitcode.DataErr, fmt.Errorf("%s: %w", what, err))
	}
	return exitcode.Wrap(exitcode.NoInput, fmt.Errorf("%s: %w", what, err))
}
