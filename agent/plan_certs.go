package agent

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/wso2-container/agent/agent/certs"
)

// now is the clock of planning (certificate validity, schedules); tests fix it.
var now = time.Now

// certResult is the certificate part of a plan, computed on its own so that
// it can run beside the file edits.
type certResult struct {
	imp      *certs.ImportPlan
	password string // the truststore's
	own      *certs.OwnKeystorePlan
	err      error
}

// computeCertificates plans the truststore import of every certificate in
// the shared folder and the copy of the component's own keystore (only its
// own, B13). Nothing is written; a bad store or certificate is an error.
func (t *target) computeCertificates() certResult {
	cfg := t.cfg
	ts := t.resolve(cfg.Truststore)
	imp, err := certs.PlanImport(cfg.CertificatesDir, ts, cfg.TruststorePassword, now())
	if err != nil {
		return certResult{err: err}
	}
	r := certResult{imp: imp, password: cfg.TruststorePassword}
	if t.ownKeystore {
		dst := filepath.Dir(t.resolve(t.keystoreRel()))
		r.own, r.err = certs.PlanOwnKeystore(cfg.CertificatesDir, t.prof.Component, dst, cfg.KeystorePassword)
	}
	return r
}

// resolve returns the absolute path of a file named relative to the home.
func (t *target) resolve(rel string) string {
	if filepath.IsAbs(rel) {
		return filepath.Clean(rel)
	}
	return filepath.Join(t.home, rel)
}

// recordCertificates adds the certificate plan to p.
func (p *Plan) recordCertificates(t *target, r certResult) error {
	if r.err != nil {
		return r.err
	}
	imp, own := r.imp, r.own
	p.Truststore, p.truststorePassword = imp.Truststore, r.password
	if imp.Truststore != "" {
		p.scanned = append(p.scanned, imp.Truststore)
	}
	p.Warnings = append(p.Warnings, imp.Warnings...)
	if imp.Changed() {
		f := p.file(imp.Truststore, "keystore", imp.Old)
		f.New = imp.New
		for _, c := range imp.Changes {
			if c.Action == certs.ActionUnchanged {
				continue
			}
			note := fmt.Sprintf("SHA-256 %s, %s, valid until %s, from %s", c.NewSHA256, c.Subject, c.NotAfter.UTC().Format("2006-01-02"), filepath.Base(c.File))
			if c.Action == certs.ActionReplace {
				note = "was SHA-256 " + c.OldSHA256 + "; now " + note
			}
			f.Changes = append(f.Changes, Change{Target: c.Alias, Op: c.Action, Note: note})
		}
	}
	if own == nil {
		return nil
	}
	p.Warnings = append(p.Warnings, own.Warnings...)
	p.scanned = append(p.scanned, own.Dst)
	if own.Changed {
		f := p.file(own.Dst, "keystore", own.Old)
		f.New = own.Data
		f.Mode = 0o600
		f.Changes = append(f.Changes, Change{Target: own.Alias, Op: "copy",
			Note: fmt.Sprintf("own key pair, SHA-256 %s, %s, valid until %s, from %s", own.SHA256, own.Subject, own.NotAfter.UTC().Format("2006-01-02"), own.Src)})
	}
	return nil
}
