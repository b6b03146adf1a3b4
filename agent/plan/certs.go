package plan

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/wso2-container/agent/agent/certs"
)

// Now is the clock of planning (certificate validity, schedules); tests fix it.
var Now = time.Now

// CertResult is the certificate part of a plan, computed on its own so that
// it can run beside the file edits.
type CertResult struct {
	Imp      *certs.ImportPlan
	Password string // the truststore's
	Own      *certs.OwnKeystorePlan
	Err      error
}

// RecordCertificates adds the certificate plan to p.
func (p *Plan) RecordCertificates(r CertResult) error {
	if r.Err != nil {
		return r.Err
	}
	imp, own := r.Imp, r.Own
	p.Truststore, p.TruststorePassword = imp.Truststore, r.Password
	if imp.Truststore != "" {
		p.scanned = append(p.scanned, imp.Truststore)
	}
	p.Warnings = append(p.Warnings, imp.Warnings...)
	if imp.Changed() {
		f := p.File(imp.Truststore, "keystore", imp.Old)
		f.New = imp.New
		if imp.Key != nil {
			f.Remember(*imp.Key)
		}
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
		f := p.File(own.Dst, "keystore", own.Old)
		f.New = own.Data
		f.Mode = 0o600
		if own.Key != nil {
			f.Remember(*own.Key)
		}
		f.Changes = append(f.Changes, Change{Target: own.Alias, Op: "copy",
			Note: fmt.Sprintf("own key pair, SHA-256 %s, %s, valid until %s, from %s", own.SHA256, own.Subject, own.NotAfter.UTC().Format("2006-01-02"), own.Src)})
	}
	return nil
}
