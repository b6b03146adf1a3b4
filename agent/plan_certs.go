package agent

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/wso2-container/agent/agent/certs"
)

// now is the clock of planning (certificate validity, schedules); tests fix it.
var now = time.Now

// planCertificates plans the truststore import of every certificate in the
// shared folder and the copy of the component's own keystore (only its own,
// B13). Both are computed without writing; a bad store or certificate fails
// the plan.
func (t *target) planCertificates(p *Plan) error {
	cfg := t.cfg
	ts := p.resolve(cfg.Truststore)
	imp, err := certs.PlanImport(cfg.CertificatesDir, ts, cfg.TruststorePassword, now())
	if err != nil {
		return err
	}
	p.Warnings = append(p.Warnings, imp.Warnings...)
	if imp.Changed() {
		f := p.file(ts, "keystore", imp.Old)
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
	if !t.ownKeystore {
		return nil
	}
	dst := filepath.Dir(p.resolve(t.keystoreRel()))
	own, err := certs.PlanOwnKeystore(cfg.CertificatesDir, t.prof.Component, dst, cfg.KeystorePassword)
	if err != nil {
		return err
	}
	p.Warnings = append(p.Warnings, own.Warnings...)
	if own.Changed {
		f := p.file(own.Dst, "keystore", own.Old)
		f.New = own.Data
		f.Mode = 0o600
		f.Changes = append(f.Changes, Change{Target: own.Alias, Op: "copy",
			Note: fmt.Sprintf("own key pair, SHA-256 %s, %s, valid until %s, from %s", own.SHA256, own.Subject, own.NotAfter.UTC().Format("2006-01-02"), own.Src)})
	}
	return nil
}
