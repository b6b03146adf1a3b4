package plan

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/jobs"
	"github.com/wso2-container/agent/agent/udiff"
	"github.com/wso2-container/agent/tomlconf"
	"github.com/wso2-container/agent/xmlconf"
)

// mask is what a secret value is shown as.
const mask = "********"

// MaskSecrets replaces every secret value in s (raw, XML-escaped,
// properties-escaped and percent-encoded) with "[secret N]": wherever it
// appears, or, for a weak secret (weakSecret: a documented default or
// shorter than 4 bytes), where it stands as a whole token: not preceded or
// followed by a letter, digit, '_', '.' or '-'. So
// <Password>wso2carbon</Password> is masked while the file name
// wso2carbon.jks is not, and a real password is masked inside
// /opt/PASSWORD.sh too. N numbers the distinct secret values in the order
// they were found, so a changed secret still shows as a changed line.
// Longer secrets are replaced first.
func (p *Plan) MaskSecrets(s string) string { return p.maskLongestFirst(s, p.Secrets) }

// maskValues is MaskSecrets for the secret values vals only (each
// registered with AddSecret).
func (p *Plan) maskValues(s string, vals []string) string {
	vals = slices.Clone(vals)
	sort.SliceStable(vals, func(i, j int) bool { return len(vals[i]) > len(vals[j]) })
	return p.maskLongestFirst(s, vals)
}

// maskLongestFirst masks vals, sorted longest first (a secret inside a
// longer one must not cut the longer one's mask short), in s.
func (p *Plan) maskLongestFirst(s string, vals []string) string {
	for _, v := range vals {
		m := fmt.Sprintf("[secret %d]", p.secretNo[v])
		weak := weakSecret(v)
		for _, form := range p.forms[v] {
			switch {
			case form == "":
			case weak:
				s = replaceToken(s, form, m)
			default:
				s = strings.ReplaceAll(s, form, m)
			}
		}
	}
	return s
}

// weakSecret reports whether a secret value is masked only as a whole
// token: a documented default (admin, wso2carbon), which would otherwise
// mask file names such as wso2carbon.jks, or a value under 4 bytes, which
// would otherwise mask parts of any word.
func weakSecret(v string) bool { return len(v) < 4 || contract.SecretDefaults()[v] }

// replaceToken replaces the occurrences of old in s that are not part of a
// longer word.
func replaceToken(s, old, repl string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, old)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := i + len(old)
		if (i > 0 && isWordByte(s[i-1])) || (j < len(s) && isWordByte(s[j])) {
			b.WriteString(s[:i+1])
			s = s[i+1:]
			continue
		}
		b.WriteString(s[:i])
		b.WriteString(repl)
		s = s[j:]
	}
}

func isWordByte(c byte) bool {
	return c == '_' || c == '.' || c == '-' || c >= 0x80 ||
		(c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// secretForms are the spellings a value may have inside a file: raw, as
// xmlconf writes it (XML text and attributes, .properties), as the profiles'
// inserted fragments escape it, percent-encoded (URLs), and .properties
// escapes in lower-case hex (files written by other tools), and escaped
// for a TOML basic string. Each once.
func secretForms(v string) []string {
	forms := append([]string{v, html.EscapeString(v), url.PathEscape(v), AMQPEscape(v)}, xmlconf.Spellings(v)...)
	forms = append(forms, tomlconf.EscapeString(v)) // inside a TOML "string"
	for _, f := range forms[4:] {
		if l := strings.ToLower(f); strings.Contains(f, `\u`) && l != f {
			forms = append(forms, l)
		}
	}
	seen := map[string]bool{}
	out := forms[:0]
	for _, f := range forms {
		if f != "" && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

// shownFile is a changed text file as render shows it.
type shownFile struct {
	old, new string
	// found are the secret values that its places held, before or after:
	// masked in its structural changes' XML too.
	found []string
}

// showFiles returns the changed xml, properties and toml files as render
// shows them (see show), numbering the secret values found in plan order.
//
// Without diff (the record after an apply: no file content is printed)
// an XML file whose changes and secret edits are all values (SetText,
// SetAttr) is not read again: the values its secret places held are those
// the secret edits set or replaced, and the plan knows them (a changed
// secret's old and new value, registered by AddEdits; an unchanged one
// equals its edit's value, registered here, in edit order). Its shown
// content and found values are left empty, which the record does not use:
// shownValue reads found for structural changes only. Re-reading every
// file cost this record as much as the edits themselves.
func (p *Plan) showFiles(diff bool) map[*FilePlan]*shownFile {
	out := map[*FilePlan]*shownFile{}
	for _, f := range p.Changed() {
		if f.Kind == "xml" || f.Kind == "properties" || f.Kind == "toml" {
			sf := &shownFile{}
			if !diff && valuesOnly(f) {
				for _, e := range f.secret.xml {
					p.AddSecret(e.Value) // an empty value is not a secret
				}
				out[f] = sf
				continue
			}
			sf.old, sf.new = p.show(f, f.Old, sf, diff), p.show(f, f.New, sf, diff)
			out[f] = sf
		}
	}
	return out
}

// valuesOnly reports whether f is an XML file whose changes and secret
// edits all set values (no element added, replaced or removed).
func valuesOnly(f *FilePlan) bool {
	if f.Kind != "xml" {
		return false
	}
	for _, c := range f.Changes {
		if c.Op != xmlconf.SetText.String() && c.Op != xmlconf.SetAttr.String() {
			return false
		}
	}
	for _, e := range f.secret.xml {
		if e.Op != xmlconf.SetText && e.Op != xmlconf.SetAttr {
			return false
		}
	}
	return true
}

// show returns content (f's old or new) as render shows it: the value at
// each of f's secret places replaced by "[secret N]" (N numbering the
// value, see MaskSecrets), and the secret values f's edits carry outside
// their values masked wherever they appear. Nothing else is masked: a value
// that equals a secret elsewhere in the file is shown. Content whose places
// cannot be found (it does not parse: a file a volume's copy replaces)
// has every known secret value masked wherever it appears instead.
//
// Without text (the record after an apply, which prints no content) it
// returns "": it still finds the values at the secret places (sf.found, and
// registered in the same order), but skips masking the rest, a pure
// function of the content that the record does not read.
func (p *Plan) show(f *FilePlan, content []byte, sf *shownFile, text bool) string {
	ref := func(v string) string {
		if !slices.Contains(sf.found, v) {
			sf.found = append(sf.found, v)
		}
		p.AddSecret(v)
		return fmt.Sprintf("[secret %d]", p.secretNo[v])
	}
	out, err := content, error(nil)
	switch {
	case f.Kind == "xml" && len(f.secret.xml) > 0:
		out, err = xmlconf.Mask(content, f.secret.xml, ref)
	case f.Kind == "properties" && len(f.secret.props) > 0:
		out, err = xmlconf.MaskProperties(content, f.secret.props, ref)
	case f.Kind == "toml" && len(content) > 0:
		var d *tomlconf.Doc
		if d, err = tomlconf.Parse(content); err == nil {
			out = d.Masked(func(k tomlconf.Key) bool { return tomlSecret(f.secret.toml, k) }, func(v tomlconf.Value) (string, bool) {
				s, str := v.(string)
				if !str {
					s = tomlconf.FormatValue(v)
				}
				if s == "" || wso2Reference(s) {
					return "", false
				}
				if str {
					return `"` + ref(s) + `"`, true
				}
				return ref(s), true
			})
		}
	}
	switch {
	case !text:
		return ""
	case err != nil:
		return p.MaskSecrets(string(content))
	}
	return p.maskValues(string(out), f.secret.carried)
}

// shownValue is how render shows value v of change c of file f: a secret
// change's as mask; the XML of a structural change (ensure, set-children,
// remove: it has no places of its own) with the secret values of its
// file's places and carried values masked wherever they appear in it; any
// other as it is.
func (p *Plan) shownValue(f *FilePlan, sf *shownFile, c Change, v string) string {
	switch {
	case v == "":
		return ""
	case c.Secret:
		return mask
	case f.Kind == "xml" && (c.Op == xmlconf.Ensure.String() || c.Op == xmlconf.SetChildren.String() || c.Op == xmlconf.Remove.String()):
		vals := slices.Clone(f.secret.carried)
		if sf != nil {
			vals = append(vals, sf.found...)
		}
		return p.maskValues(v, vals)
	}
	return v
}

// Action is one line of the machine-readable plan.
type Action struct {
	File   string `json:"file"`
	Kind   string `json:"kind"`
	Change        // target, op, old, new, secret, note
}

// Report is the machine-readable form of a plan (render --output json).
type Report struct {
	Profile   string            `json:"profile"`
	Home      string            `json:"home"`
	DryRun    bool              `json:"dry_run"`
	Changed   []string          `json:"changed_files"`
	Actions   []Action          `json:"actions"`
	Seeds     []*SeedPlan       `json:"seeds,omitempty"`
	Schedules []SchedulePreview `json:"schedules,omitempty"`
	Jobs      []JobPreview      `json:"jobs,omitempty"`
	WaitFor   []string          `json:"wait_for"`
	Command   []string          `json:"command"`
	Warnings  []string          `json:"warnings,omitempty"`
	Checks    []string          `json:"checks,omitempty"`
}

// Report builds the machine-readable plan, with secret values masked: the
// values of secret changes, the secrets in the XML of structural changes
// (see shownValue), and every secret value known (MaskSecrets) in file
// names, targets, notes, job commands, warnings and checks, free text that
// may carry a secret from the environment anywhere.
func (p *Plan) Report(dryRun bool) Report {
	shown := p.showFiles(dryRun)
	// The home, the seed folders, the addresses waited for and the server
	// command are free text too: a secret may be part of a path.
	r := Report{Profile: p.Profile, Home: p.MaskSecrets(p.Home), DryRun: dryRun, Schedules: p.Schedules,
		WaitFor: p.maskAll(p.WaitFor), Command: p.maskAll(p.Command), Changed: []string{}, Actions: []Action{}}
	for _, s := range p.Seeds {
		c := *s
		c.Src, c.Dst = p.MaskSecrets(s.Src), p.MaskSecrets(s.Dst)
		r.Seeds = append(r.Seeds, &c)
	}
	if r.WaitFor == nil {
		r.WaitFor = []string{}
	}
	// Job command lines and warnings are masked as in the text output.
	for _, j := range p.Jobs {
		j.Command = append([]string(nil), j.Command...)
		for i, a := range j.Command {
			j.Command[i] = p.MaskSecrets(a)
		}
		r.Jobs = append(r.Jobs, j)
	}
	for _, w := range p.Warnings {
		r.Warnings = append(r.Warnings, p.MaskSecrets(w))
	}
	for _, c := range p.Checks {
		r.Checks = append(r.Checks, p.MaskSecrets(c))
	}
	for _, f := range p.Changed() {
		file := p.MaskSecrets(f.Display())
		r.Changed = append(r.Changed, file)
		for _, c := range f.Changes {
			// A patch file may put a secret into a key, a path or a file
			// name: every field is masked, not only the values.
			c.Target, c.Note = p.MaskSecrets(c.Target), p.MaskSecrets(c.Note)
			c.Old, c.New = p.shownValue(f, shown[f], c, c.Old), p.shownValue(f, shown[f], c, c.New)
			r.Actions = append(r.Actions, Action{File: file, Kind: f.Kind, Change: c})
		}
	}
	return r
}

// maskAll returns a copy of list with every secret value masked
// (MaskSecrets), nil for nil.
func (p *Plan) maskAll(list []string) []string {
	if list == nil {
		return nil
	}
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = p.MaskSecrets(s)
	}
	return out
}

// WriteJSON writes the report as indented JSON.
func (p *Plan) WriteJSON(w io.Writer, dryRun bool) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p.Report(dryRun))
}

// WriteText writes the plan for people: with dryRun a unified diff per
// changed text file, after an apply one line per change; a summary per
// keystore, archive or copied file; the schedules, the
// dependencies and the server command. Secret values never appear: the
// diff is of the files as show shows them (the values at secret places
// masked, by meaning), a changed secret is listed by name, and the rest is
// masked as in Report.
func (p *Plan) WriteText(w io.Writer, dryRun bool) error {
	shown := p.showFiles(dryRun)
	verb := "applied"
	if dryRun {
		verb = "would change"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# profile %s, home %s\n", p.Profile, p.MaskSecrets(p.Home))
	changed := p.Changed()
	for _, f := range changed {
		// File names and targets are masked too: a patch file may put a
		// secret into a file name, a key or a path.
		file := p.MaskSecrets(f.Display())
		if dryRun && (f.Kind == "xml" || f.Kind == "properties" || f.Kind == "toml") {
			// Mask the contents, not the diff: a secret with a line break
			// would otherwise be split over diff lines and escape the mask.
			d := udiff.Unified("a/"+file, "b/"+file, shown[f].old, shown[f].new, 3)
			b.WriteString(d)
			for _, c := range f.Changes {
				if c.Secret {
					fmt.Fprintf(&b, "# secret %s: %s (value not shown)\n", verb, p.MaskSecrets(c.Target))
				} else if f.Kind == "toml" {
					// TOML keys are dotted names the diff does not spell.
					fmt.Fprintf(&b, "# key %s: %s (%s)\n", verb, p.MaskSecrets(c.Target), c.Op)
				}
			}
			continue
		}
		// After a real apply (and for keystores, archives and copies) one
		// line per change: the diff was for deciding, this is the record.
		what := f.Kind
		if f.Remove {
			what += " removed"
		}
		fmt.Fprintf(&b, "# %s %s\n", what, file)
		for _, c := range f.Changes {
			line := "#   " + c.Op + " " + p.MaskSecrets(c.Target)
			if c.Secret {
				line += " (secret, value not shown)"
			} else if c.Old != "" || c.New != "" {
				line += fmt.Sprintf(": %q -> %q", p.shownValue(f, shown[f], c, c.Old), p.shownValue(f, shown[f], c, c.New))
			}
			if c.Note != "" {
				line += "  " + p.MaskSecrets(c.Note)
			}
			b.WriteString(line + "\n")
		}
	}
	for _, s := range p.Seeds {
		if s.Cleanup {
			fmt.Fprintf(&b, "# remove what an interrupted seed left in %s\n", p.MaskSecrets(s.Dst))
			continue
		}
		fmt.Fprintf(&b, "# seed %s from %s (%d files) when no other container has\n", p.MaskSecrets(s.Dst), p.MaskSecrets(s.Src), s.Files)
	}
	for _, s := range p.Schedules {
		var next []string
		for _, t := range s.Next {
			next = append(next, t.UTC().Format(time.RFC3339))
		}
		if len(next) == 0 {
			next = []string{"never fires again"}
		}
		fmt.Fprintf(&b, "# schedule %s = %q; next: %s\n", s.Var, s.Expr, strings.Join(next, ", "))
	}
	for _, l := range JobPreviewLines(p.Jobs) {
		b.WriteString(p.MaskSecrets(l) + "\n")
	}
	for _, wmsg := range p.Warnings {
		fmt.Fprintf(&b, "# warning: %s\n", p.MaskSecrets(wmsg))
	}
	for _, c := range p.Checks {
		fmt.Fprintf(&b, "# check: %s\n", p.MaskSecrets(c))
	}
	if len(p.WaitFor) > 0 {
		fmt.Fprintf(&b, "# wait for: %s\n", p.MaskSecrets(strings.Join(p.WaitFor, ", ")))
	} else {
		b.WriteString("# wait for: nothing\n")
	}
	fmt.Fprintf(&b, "# command: %s\n", p.MaskSecrets(strings.Join(p.Command, " ")))
	if len(changed) == 0 {
		b.WriteString("# no changes: the configuration is up to date\n")
	} else {
		fmt.Fprintf(&b, "# %d file(s) %s\n", len(changed), verb)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// AMQPEscape percent-encodes every byte of s but A-Z a-z 0-9 - . _ ~.
func AMQPEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// JobPreviewLines renders previews for `render` text output, one comment
// line per job, times in UTC:
//
//	# job purge (WSO2_AGENT_JOB_PURGE) "@daily": find /logs -mtime +7 -delete; next: 2026-11-23T00:00:00Z, ...
func JobPreviewLines(ps []JobPreview) []string {
	var out []string
	for _, p := range ps {
		what := jobs.QuoteArgs(p.Command)
		if p.Builtin != "" {
			what = p.Builtin
		}
		var next []string
		for _, t := range p.Next {
			next = append(next, t.UTC().Format(time.RFC3339))
		}
		if len(next) == 0 {
			next = []string{"never fires again"}
		}
		out = append(out, fmt.Sprintf("# job %s (%s) %q: %s; next: %s", p.Name, p.Source, p.Schedule, what, strings.Join(next, ", ")))
	}
	return out
}
