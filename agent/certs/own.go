package certs

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/internal/atomicfile"
	"github.com/wso2-container/agent/internal/boundedread"
	"github.com/wso2-container/agent/internal/fixpoint"
	"github.com/wso2-container/agent/keystore"
)

// KeystoreFile is the file name of a component's own keystore in the shared
// certificates folder (wso2gateway.jks), PEMFile that of its certificate
// (wso2gateway.pem), KeyAlias the alias of its key pair (wso2gatewaycert).
func KeystoreFile(component string) string { return "wso2" + component + ".jks" }

// PEMFile: see KeystoreFile.
func PEMFile(component string) string { return "wso2" + component + ".pem" }

// KeyAlias: see KeystoreFile.
func KeyAlias(component string) string { return "wso2" + component + "cert" }

// CheckComponent fails unless name is a component name: 1 to 63 lowercase
// letters and digits (store, gatewaymanager, das ...).
func CheckComponent(name string) error {
	if name == "" || len(name) > 63 {
		return fmt.Errorf("component name %q: must be 1 to 63 lowercase letters or digits", name)
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return fmt.Errorf("component name %q: must be lowercase letters or digits", name)
		}
	}
	return nil
}

// OwnKeystorePlan is the copy of the component's own keystore from the
// shared certificates folder into the product (only this component's, not
// every component's private key as the old scripts did).
type OwnKeystorePlan struct {
	Src, Dst string
	Data     []byte // content of Src, to be written to Dst
	Old      []byte // current content of Dst; nil when it does not exist
	Changed  bool   // Dst differs from Data (or does not exist)
	Alias    string // alias of the private key entry (wso2<component>cert)
	SHA256   string // fingerprint of the key entry's certificate
	Subject  string
	NotAfter time.Time
	Warnings []string
	// Key, when not nil, is the key (package internal/fixpoint) the written
	// copy carries: with it a later plan of the same keystore skips the
	// check of its private key (see ownKey).
	Key *fixpoint.Key
}

// PlanOwnKeystore validates certDir/wso2<component>.jks and plans its copy
// to dstDir/wso2<component>.jks. The keystore (JKS or PKCS12, told by
// content, copied byte for byte) must open with password, and hold a private key entry under wso2<component>cert whose
// key decrypts with the same password (Carbon uses one password for both)
// and matches the entry's certificate. An expired certificate gives a
// warning. Nothing is written.
//
// A missing source gives an error wrapping fs.ErrNotExist with
// exitcode.NoInput, so that a caller may decide to keep the product's
// default keystore instead. Other errors: exitcode.DataErr (wrong password,
// corrupt or unsupported store, missing or mismatched key), exitcode.Config
// (bad component name, unusable password). Planning only reads: a dstDir
// that is not writable is found by Apply.
func PlanOwnKeystore(certDir, component, dstDir, password string) (*OwnKeystorePlan, error) {
	if err := CheckComponent(component); err != nil {
		return nil, exitcode.Wrap(exitcode.Config, fmt.Errorf("plan own keystore: %w", err))
	}
	p := &OwnKeystorePlan{
		Src:   filepath.Join(certDir, KeystoreFile(component)),
		Dst:   filepath.Join(dstDir, KeystoreFile(component)),
		Alias: KeyAlias(component),
	}
	data, st, err := OpenStore(p.Src, password, "own keystore")
	if err != nil {
		return nil, err
	}
	e, ok := st.Entry(p.Alias)
	if !ok || e.Trusted {
		return nil, exitcode.Errorf(exitcode.DataErr, "check own keystore %s: no private key entry under alias %q", p.Src, p.Alias)
	}
	old, err := boundedread.ReadFile(p.Dst, boundedread.Keystore)
	switch {
	case err == nil:
		p.Old = old
	case errors.Is(err, fs.ErrNotExist):
	default:
		return nil, exitcode.Wrap(exitcode.NoInput, fmt.Errorf("read own keystore copy: %w", err))
	}
	// A copy that an earlier start wrote from this keystore says its key
	// was checked then: the check is a function of the bytes and password.
	keyed := keyable(data)
	checked := keyed && bytes.Equal(p.Old, data) && fixpoint.Holds(p.Dst, ownKey(p.Alias, password, data))
	if !checked {
		if err := checkOwnKey(st, p.Src, p.Alias, password); err != nil {
			return nil, err
		}
	}
	p.Data, p.SHA256, p.Subject, p.NotAfter = data, e.SHA256, e.Subject, e.NotAfter
	if !e.NotAfter.IsZero() && time.Now().After(e.NotAfter) {
		p.Warnings = append(p.Warnings, fmt.Sprintf("own keystore %s: certificate %q expired on %s", p.Src, e.Subject, e.NotAfter.UTC().Format(time.RFC3339)))
	}
	p.Changed = p.Old == nil || !bytes.Equal(p.Old, p.Data)
	if p.Changed && keyed {
		k := ownKey(p.Alias, password, data)
		p.Key = &k
	}
	return p, nil
}

// checkOwnKey checks that the private key entry alias of st (read from
// src) decrypts with password and matches the entry's first certificate.
func checkOwnKey(st *keystore.Store, src, alias, password string) error {
	key, chain, err := st.PrivateKey(alias, password)
	if err != nil {
		if errors.Is(err, keystore.ErrWrongPassword) {
			return exitcode.Errorf(exitcode.DataErr, "check own keystore %s: the private key %q does not open with the keystore password (Carbon needs both to be equal)", src, alias)
		}
		return exitcode.Wrap(exitcode.DataErr, fmt.Errorf("check own keystore %s: %w", src, err))
	}
	if len(chain) == 0 {
		return exitcode.Errorf(exitcode.DataErr, "check own keystore %s: the key entry %q has no certificate", src, alias)
	}
	if err := keystore.KeyMatches(key, chain[0]); err != nil {
		return exitcode.Wrap(exitcode.DataErr, fmt.Errorf("check own keystore %s: %w", src, err))
	}
	return nil
}

// ownKey is the key of checking the own keystore data under alias with
// password (checkOwnKey): it passed, for exactly these inputs.
func ownKey(alias, password string, data []byte) fixpoint.Key {
	h := fixpoint.New("certs.own")
	h.String(alias)
	h.String(password)
	h.Bytes(data)
	return h.Sum()
}

// Apply copies the keystore atomically when it changed. A new file gets
// mode 0640 and, when running as root, the owner and group of its folder,
// so that the server user can read it; an existing file keeps its mode and
// owner.
func (p *OwnKeystorePlan) Apply() error {
	if !p.Changed {
		return nil
	}
	if err := atomicfile.WriteFile(p.Dst, p.Data, 0o640); err != nil {
		return exitcode.Wrap(exitcode.IOErr, fmt.Errorf("copy own keystore: %w", err))
	}
	if p.Old == nil && os.Geteuid() == 0 {
		if err := chownLikeDir(p.Dst); err != nil {
			return exitcode.Wrap(exitcode.IOErr, fmt.Errorf("copy own keystore %s: %w", p.Dst, err))
		}
	}
	return nil
}

// chownLikeDir gives path the owner and group of its folder.
func chownLikeDir(path string) error {
	st, err := os.Stat(filepath.Dir(path))
	if err != nil {
		return err
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	return os.Chown(path, int(sys.Uid), int(sys.Gid))
}
