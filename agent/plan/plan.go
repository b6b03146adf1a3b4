package plan

import (
	"bytes"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/wso2-container/agent/internal/atomicfile"
	"github.com/wso2-container/agent/internal/fixpoint"
	"github.com/wso2-container/agent/tomlconf"
	"github.com/wso2-container/agent/xmlconf"
)

// Plan is the pure result of planning: every file the setup would write or
// remove, with its old and new content and the individual changes, computed
// without touching anything. Apply carries it out; render shows it.
type Plan struct {
	Profile   string
	Home      string
	Files     []*FilePlan
	Seeds     []*SeedPlan
	Schedules []SchedulePreview
	Jobs      []JobPreview
	Warnings  []string
	Command   []string
	WaitFor   []string
	// Checks are the results of the checks made before the start (the
	// $env{} references of a 4.x deployment.toml), shown by render.
	Checks []string
	// ChildEnv are variables the server's environment gets in addition
	// (values may be secret: never shown).
	ChildEnv map[string]string
	// Truststore is the truststore the certificates folder is imported
	// into (absolute; for 4.x the one deployment.toml names, or its
	// writable copy when the product's own is read-only), and
	// TruststorePassword its password: the certificate sync job
	// (WSO2_AGENT_CERT_SYNC) imports into the same store, never into a
	// path of its own making. Empty when the plan imports nothing.
	Truststore         string
	TruststorePassword string
	// Secrets are the secret values of this run (config and old values
	// found at secret places of files), longest first, masked wherever
	// free text shows them (MaskSecrets; in files render masks the secret
	// places, see show); secretNo numbers them in the order they were
	// found, so that render can tell two different secrets apart without
	// showing either.
	Secrets  []string
	secretNo map[string]int
	forms    map[string][]string // the spellings of each secret (secretForms)
	// scanned are target files the plan read and leaves as they are (an
	// up-to-date keystore, a mirrored folder's manifest): no FilePlan, but
	// Apply still removes the temporary files an interrupted start left
	// beside them.
	scanned []string
	// Unlocked is set when the setup runs without the home lock: Apply
	// then leaves temporary files alone, since they may be another agent's.
	Unlocked bool
	// OwnerNotKept lists the replaced files whose owner or group Apply
	// could not keep (the agent is not root), for one log line.
	OwnerNotKept []string
	// SeedLeftovers are the seeds' temporary copies Apply could not
	// remove once their folder was seeded (a mount inside one, say), each
	// with the reason, for a warning: the seed is complete, so the start
	// goes on and the copy stays, whatever is in it untouched.
	SeedLeftovers []string
	// MountAdvice, when set, is what an operator may do, besides mounting
	// its folder, with a file the plan changes that is mounted by itself
	// (see Unreplaceable): the product's own way of giving the agent a
	// file, for the message.
	MountAdvice string
	// NewOwner, when set (the agent is root and runs the server as another
	// user), owns every file and folder Apply creates: a file from before it
	// appears, a folder from right after it is made, a seeded tree from
	// before its copy counts as complete. A start that fails or dies after
	// creating them therefore leaves nothing the server cannot use, though
	// the next start finds their work done. A replaced file keeps its owner.
	NewOwner *atomicfile.Owner
}

// FilePlan is one file the setup writes (or removes).
type FilePlan struct {
	Path    string      // absolute path
	Kind    string      // xml, properties, keystore, archive, file
	Old     []byte      // current content; nil when the file does not exist
	New     []byte      // content after the setup; equal to Old when nothing changes
	Remove  bool        // the file is removed
	Mode    fs.FileMode // mode for a new file
	Changes []Change
	home    string
	// phase orders the file's write or removal among the others': Apply
	// writes and removes the files phase by phase, lowest first, each
	// phase durable before the next begins (see Apply). 0 for all but a
	// mirrored folder's (see AddMirror).
	phase int
	memo  *fixpoint.Key // see Remember
	// secret says where the file holds secret values (xml, properties
	// and toml files): render masks those places and nothing else.
	secret secretPlaces
}

// secretPlaces are where a text file holds secret values: the places its
// secret edits select (xmlconf.Mask, xmlconf.MaskProperties), or for a
// TOML file the keys of tomlSecret; and the secret values those edits
// carry outside their values (in a path, a key, an element's name or an
// XML fragment: a patch may put ${TOKEN} there), which are masked wherever
// they appear in the file.
type secretPlaces struct {
	xml     []xmlconf.Edit
	props   []xmlconf.PropEdit
	toml    []tomlconf.Key
	carried []string
}

// secretPlaces returns the secret places of a file edited by fe (nil: the
// file has no edits of its own), whose secret TOML keys are tomlKeys.
func (p *Plan) secretPlaces(fe *FileEdits, tomlKeys []tomlconf.Key) secretPlaces {
	sp := secretPlaces{toml: tomlKeys}
	if fe == nil {
		return sp
	}
	var names []string // what the secret edits say besides their values
	for _, e := range fe.xml {
		if e.Secret {
			sp.xml = append(sp.xml, e)
			names = append(names, e.Path, e.Attr, e.Parent, e.XML)
		}
	}
	for _, e := range fe.props {
		if e.Secret {
			sp.props = append(sp.props, e)
			names = append(names, e.Key)
		}
	}
	for _, e := range fe.TOML {
		if e.Secret {
			names = append(names, e.What)
		}
	}
	text := strings.Join(names, "\x00")
	for _, v := range p.Secrets {
		if p.maskValues(text, []string{v}) != text {
			sp.carried = append(sp.carried, v)
		}
	}
	return sp
}

// Change is one effective modification inside a file.
type Change struct {
	Target string `json:"target"`         // element path, property key, keystore alias, archive entry
	Op     string `json:"op"`             // set, create, remove, add, replace, copy ...
	Old    string `json:"old,omitempty"`  // previous value (masked when secret)
	New    string `json:"new,omitempty"`  // new value (masked when secret)
	Secret bool   `json:"secret"`         // the values are secret
	Note   string `json:"note,omitempty"` // extra information (fingerprints, validity)
}

// SeedPlan seeds an empty shared folder (the deployment volume) from the
// image's copy.
type SeedPlan struct {
	Src   string `json:"src"`   // the image's copy
	Dst   string `json:"dst"`   // the empty shared folder
	Files int    `json:"files"` // how many files are copied
	// Cleanup: the folder is seeded, and only the temporary copy that a
	// seed killed after its marker left is removed (a best effort).
	Cleanup bool `json:"cleanup,omitempty"`
	// Wait bounds the wait for another container seeding the same shared
	// folder; WaitSetting names the setting it comes from, for the error.
	Wait        time.Duration `json:"-"`
	WaitSetting string        `json:"-"`
	// Done, when closed, ends that wait at once (the agent is stopping).
	Done <-chan struct{} `json:"-"`
	// Waiting, when not nil, is called once if the wait begins, with the
	// holder described, so that the wait is not a silent hang.
	Waiting func(holder string) `json:"-"`
}

// SchedulePreview is a Quartz schedule written by the analytics profile.
type SchedulePreview struct {
	Var  string      `json:"var"`
	Expr string      `json:"expr"`
	Next []time.Time `json:"next"`
}

// Changed reports whether applying f modifies the file system.
func (f *FilePlan) Changed() bool {
	if f.Remove {
		return f.Old != nil
	}
	return f.Old == nil || !bytes.Equal(f.Old, f.New)
}

// Display is the path shown to people: relative to the product home when
// inside it.
func (f *FilePlan) Display() string { return displayPath(f.home, f.Path) }

// displayPath is path relative to home when it is inside it ("" home:
// none), else path as it is.
func displayPath(home, path string) string {
	if home != "" {
		if rel, err := filepath.Rel(home, path); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return path
}

// Changed returns the file plans that modify something, in plan order.
func (p *Plan) Changed() []*FilePlan {
	var out []*FilePlan
	for _, f := range p.Files {
		if f.Changed() {
			out = append(out, f)
		}
	}
	return out
}

// File returns the plan entry for path, creating it (with the file's
// current content) on first use.
func (p *Plan) File(path, kind string, old []byte) *FilePlan {
	for _, f := range p.Files {
		if f.Path == path {
			return f
		}
	}
	f := &FilePlan{Path: path, Kind: kind, Old: old, New: old, Mode: 0o644, home: p.Home}
	p.Files = append(p.Files, f)
	return f
}

// AddSecret records a value to mask in every output.
func (p *Plan) AddSecret(v string) {
	if v == "" {
		return
	}
	for _, s := range p.Secrets {
		if s == v {
			return
		}
	}
	p.Secrets = append(p.Secrets, v)
	if p.secretNo == nil {
		p.secretNo, p.forms = map[string]int{}, map[string][]string{}
	}
	p.secretNo[v] = len(p.secretNo) + 1
	p.forms[v] = secretForms(v)
	sort.Slice(p.Secrets, func(i, j int) bool { return len(p.Secrets[i]) > len(p.Secrets[j]) })
}

// FindFile returns the plan entry of path, or nil.
func (p *Plan) FindFile(path string) *FilePlan {
	for _, f := range p.Files {
		if f.Path == path {
			return f
		}
	}
	return nil
}

// SetChildEnv records a variable the server's environment gets.
func (p *Plan) SetChildEnv(k, v string) {
	if p.ChildEnv == nil {
		p.ChildEnv = map[string]string{}
	}
	p.ChildEnv[k] = v
}

// JobPreview is one scheduled job as `render` shows it.
type JobPreview struct {
	Name     string      `json:"name"`
	Source   string      `json:"source"`            // variable or crontab file:line
	Schedule string      `json:"schedule"`          // as declared
	Command  []string    `json:"command,omitempty"` // argv; empty for a built-in job
	Builtin  string      `json:"builtin,omitempty"` // what a built-in job does
	Next     []time.Time `json:"next"`              // the next 3 run times after now
}
