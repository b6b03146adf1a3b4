package agent

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/wso2-container/agent/agent/certs"
	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/homelock"
	"github.com/wso2-container/agent/internal/boundedread"
	"github.com/wso2-container/agent/tomlconf"
	"github.com/wso2-container/agent/xmlconf"
)

// setupResult is what the setup pipeline reports to its callers.
type setupResult struct {
	Home    string
	Plan    *Plan
	Written []string // files written (nothing on dry-run)
	Created []string // the written files that did not exist before (seeded folders included)
}

// setup plans the profile's actions for cfg and, unless dryRun, applies
// them. A planning error means nothing was written.
//
// The plan's warnings (each once) are in the result's Plan.Warnings, also
// when applying failed; setup does not print them: its caller shows each
// once, in its report or through logWarnings.
//
// The whole of it runs under the home's lock (see lockHome): exclusive for
// a real setup, shared for a dry run.
func setup(_ context.Context, cfg *contract.Config, prof *Profile, io IO, dryRun bool) (*setupResult, error) {
	lk, err := lockHome(productHome(cfg, prof), cfg.LockTimeout.V, dryRun, io.Log)
	if err != nil {
		return nil, err
	}
	defer lk.Release()
	p, err := buildPlan(cfg, prof, defaultDiscovery)
	if err != nil {
		return nil, err
	}
	p.unlocked = lk.Unlocked != ""
	if dryRun {
		p.Warnings = append(p.Warnings, p.unwritable()...)
	}
	p.Warnings = uniqueStrings(p.Warnings)
	res := &setupResult{Home: p.Home, Plan: p}
	if dryRun {
		return res, nil
	}
	written, err := p.Apply()
	res.Written = written
	replaced := map[string]bool{}
	for _, f := range p.Files {
		if f.Old != nil {
			replaced[f.Path] = true
		}
	}
	for _, w := range written {
		if !replaced[w] {
			res.Created = append(res.Created, w)
		}
	}
	if len(p.ownerNotKept) > 0 {
		io.Log.Warn(fmt.Sprintf("setup: could not keep the owner or group of %d replaced files (the agent runs as uid %d, and only root may give a file away); their mode is kept", len(p.ownerNotKept), os.Geteuid()),
			"files", strings.Join(p.ownerNotKept, "; "))
	}
	if err != nil {
		return res, err
	}
	if len(written) == 0 {
		io.Log.Info("setup: configuration up to date, nothing written", "profile", prof.Name)
	} else {
		// One line per file written, as render lists them: the changes
		// behind each are what render --dry-run showed (its actions).
		for _, f := range p.Changed() {
			io.Log.Info("setup: wrote", "file", f.Display(), "changes", len(f.Changes))
		}
		io.Log.Info("setup: configuration applied", "profile", prof.Name, "files", len(written))
	}
	return res, nil
}

// logWarnings logs each of the plan's warnings once, secrets masked.
func logWarnings(io IO, p *Plan) {
	for _, w := range p.Warnings {
		io.Log.Warn(p.maskSecrets(w))
	}
}

// uniqueStrings returns ss without repeats, in their first order.
func uniqueStrings(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	out := ss[:0]
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// discovery answers the questions about the network that planning asks.
// Tests replace it.
type discovery struct {
	lookupHost func(name string) ([]string, error)
	localIP    func() (string, error)
}

var defaultDiscovery = discovery{lookupHost: net.LookupHost, localIP: detectLocalIP}

// detectLocalIP returns the address this host's name resolves to, or else
// the first non-loopback IPv4 address of an interface that is up.
func detectLocalIP() (string, error) {
	if h, err := os.Hostname(); err == nil {
		if addrs, err := net.LookupHost(h); err == nil {
			for _, a := range addrs {
				if ip := net.ParseIP(a); ip != nil && ip.To4() != nil && !ip.IsLoopback() {
					return a, nil
				}
			}
		}
	}
	ifs, err := net.Interfaces()
	if err != nil {
		return "", fmt.Errorf("detect own address: %w", err)
	}
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil {
				return n.IP.String(), nil
			}
		}
	}
	return "", errors.New("detect own address: no non-loopback IPv4 address (set WSO2_LOCAL_MEMBER_HOST)")
}

// buildPlan computes every action of the profile without writing anything:
// its product's plan (see product), and the jobs beside the server.
func buildPlan(cfg *contract.Config, prof *Profile, d discovery) (*Plan, error) {
	pr := prof.product()
	if pr == nil {
		return nil, exitcode.Errorf(exitcode.Software, "plan %s: the profile has no product", prof.Name)
	}
	p, err := pr.plan(cfg, prof, d)
	if err != nil {
		return nil, err
	}
	jobs := jobPreviews(cfg, now())
	for i := range jobs {
		if jobs[i].Name == certSyncJob && p.Truststore != "" {
			// The job imports into the plan's truststore (see runJobs).
			jobs[i].Builtin = "re-import " + cfg.CertificatesDir + " into " + p.Truststore
		}
	}
	p.Jobs = jobs
	return p, nil
}

// unwritable lists, for a dry run, the folders where applying the plan
// would fail: a changed file is replaced by a new file in its folder, so
// the folder must accept one (the file's own permissions do not matter).
func (p *Plan) unwritable() []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range p.Changed() {
		dir := filepath.Dir(f.Path)
		if real, err := filepath.EvalSymlinks(f.Path); err == nil {
			dir = filepath.Dir(real) // a link's target is replaced, in its own folder
		}
		for d := dir; !seen[d]; d = filepath.Dir(d) {
			seen[d] = true
			err := unix.Access(d, unix.W_OK)
			if errors.Is(err, fs.ErrNotExist) {
				continue // created by apply: its parent must be writable
			}
			if err != nil {
				out = append(out, fmt.Sprintf("dry run: applying would fail: %s is not writable (%v), needed for %s", d, err, f.Display()))
			}
			break
		}
	}
	return out
}

// lockHome takes the lock of home (package homelock): exclusive, or shared
// for a dry run, waiting at most timeout for another agent and logging once
// that it waits and for whom. A home that is still busy after timeout is
// exitcode.TempFail. When the lock file cannot be created (a read-only
// home) the setup goes on without it, with a warning; a home that is not a
// folder is left for planning to report.
func lockHome(home string, timeout time.Duration, shared bool, log *slog.Logger) (*homelock.Lock, error) {
	if st, err := os.Stat(home); err != nil || !st.IsDir() {
		return &homelock.Lock{}, nil
	}
	lk, err := homelock.Acquire(home, homelock.Options{Timeout: timeout, Shared: shared, Waiting: func(holder string) {
		log.Info("home is busy: waiting for the agent holding its lock", "home", home, "holder", holder, "timeout", timeout.String())
	}})
	if errors.Is(err, homelock.ErrBusy) {
		return nil, exitcode.Wrap(exitcode.TempFail, fmt.Errorf("WSO2_HOME: %w (another agent is setting up %s; WSO2_AGENT_LOCK_TIMEOUT)", err, home))
	}
	if err != nil {
		return nil, exitcode.Wrap(exitcode.IOErr, fmt.Errorf("WSO2_HOME: %w", err))
	}
	if lk.Unlocked != "" && !shared {
		log.Warn("home lock not taken, going on without it: do not start two agents on this home at once", "home", home, "err", lk.Unlocked)
	}
	return lk, nil
}

// discover fills in the own address, the cluster members and whether the
// component's own keystore is in the certificates folder. Member names that
// do not resolve are a warning, not an error: peers start in any order, and
// Hazelcast finds late members through the ones it knows.
func (t *target) discover(p *Plan, d discovery) error {
	cfg := t.cfg
	names := t.prof.Members
	if cfg.ClusterMembers.Set {
		names = cfg.ClusterMembers.V
	}
	t.clusterOn = len(names) > 0
	if t.clusterOn {
		t.localIP = cfg.LocalMemberHost
		if t.localIP == "" {
			ip, err := d.localIP()
			if err != nil {
				return exitcode.Wrap(exitcode.Config, err)
			}
			t.localIP = ip
		}
		seen := map[string]bool{t.localIP: true}
		for _, n := range names {
			if ip := net.ParseIP(n); ip != nil {
				if !seen[n] {
					seen[n] = true
					t.members = append(t.members, n)
				}
				continue
			}
			addrs, err := d.lookupHost(n)
			if err != nil || len(addrs) == 0 {
				p.Warnings = append(p.Warnings, fmt.Sprintf("WSO2_CLUSTER_MEMBERS: %s does not resolve yet; continuing with the other members", n))
				continue
			}
			sort.Strings(addrs)
			for _, a := range addrs {
				if !seen[a] {
					seen[a] = true
					t.members = append(t.members, a)
				}
			}
		}
	}
	own := filepath.Join(cfg.CertificatesDir, certs.KeystoreFile(t.prof.Component))
	if _, err := os.Stat(own); err == nil {
		t.ownKeystore = true
	}
	return nil
}

// resolve returns the absolute path of a file named relative to the home.
func (p *Plan) resolve(rel string) string {
	if filepath.IsAbs(rel) {
		return filepath.Clean(rel)
	}
	return filepath.Join(p.Home, rel)
}

// planEdits applies every file's edits in memory.
func (p *Plan) planEdits(s *editSet) error {
	// Files are independent: edit them in parallel, then record the results
	// (and the first error) in the order the files were named, so the plan
	// and its errors do not depend on scheduling.
	res := make([]fileResult, len(s.files))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				res[i] = editFile(p.resolve(s.files[i].rel), s.files[i])
			}
		}()
	}
	for i := range s.files {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, r := range res {
		if r.err != nil {
			return r.err
		}
		if r.skip {
			continue
		}
		f := p.file(r.path, r.kind, r.old)
		f.New = r.out
		f.secret = p.secretPlaces(r.edits, r.tomlKeys)
		for _, c := range r.changes {
			if c.Secret {
				p.addSecret(c.Old)
				p.addSecret(c.New)
			}
			target := c.Path
			if c.Attr != "" {
				target += "/@" + c.Attr
			}
			f.Changes = append(f.Changes, Change{Target: target, Op: opName(r.kind, c.Op), Old: c.Old, New: c.New, Secret: c.Secret})
		}
		for _, v := range r.secrets {
			p.addSecret(v)
		}
		f.Changes = append(f.Changes, r.tomlChanges...)
	}
	return nil
}

// fileResult is the outcome of editing one file in memory.
type fileResult struct {
	path, kind  string
	old, out    []byte
	changes     []xmlconf.Change
	tomlChanges []Change       // .toml files: changes with values in TOML syntax
	tomlKeys    []tomlconf.Key // .toml files: the keys whose values are secret (tomlSecret)
	secrets     []string       // .toml files: secret values written or replaced
	edits       *fileEdits
	skip        bool
	err         error
}

// editFile reads path and applies fe's edits to its content in memory.
func editFile(path string, fe *fileEdits) fileResult {
	r := fileResult{path: path, kind: "xml", edits: fe}
	old, err := boundedread.ReadFile(path, boundedread.Config)
	if err != nil && fe.base != nil && errors.Is(err, fs.ErrNotExist) {
		err = nil // the base takes the missing file's place
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && fe.optional {
			r.skip = true
			return r
		}
		r.err = exitcode.Errorf(exitcode.NoInput, "read %s: %s", path, contract.DescribeFSError(err))
		return r
	}
	r.old = old
	if fe.base != nil {
		old = fe.base
	}
	if tomlPatchKind.Matches(path) {
		r.kind = "toml"
		if len(fe.props) > 0 || len(fe.xml) > 0 {
			r.err = exitcode.Errorf(exitcode.Config, "%s: XML or properties edits on a TOML file", fe.rel)
			return r
		}
		r.out, r.tomlChanges, r.tomlKeys, r.secrets, err = applyTOML(old, fe.toml)
		if err != nil {
			r.err = exitcode.Errorf(exitcode.DataErr, "edit %s: %w", path, err)
		}
		return r
	}
	if len(fe.toml) > 0 {
		r.err = exitcode.Errorf(exitcode.Config, "%s: TOML edits on a file whose name does not end in .toml", fe.rel)
		return r
	}
	if xmlconf.IsProperties(path) {
		r.kind = "properties"
		r.out, r.changes, err = xmlconf.ApplyProperties(old, fe.props)
	} else {
		if len(fe.props) > 0 {
			r.err = exitcode.Errorf(exitcode.Config, "%s: properties edits on a non-.properties file", fe.rel)
			return r
		}
		r.out, r.changes, err = xmlconf.Apply(old, fe.xml)
	}
	if err != nil {
		r.err = exitcode.Errorf(exitcode.DataErr, "patch %s: %w", path, err)
	}
	return r
}

// opName is the name a change of a file of kind is shown by, in render's
// text and JSON: the op of the patch format (xmlconf/PATCHFORMAT.md) that
// makes it, so that what render lists can be written in a patch file as it
// reads. XML: set, attr, ensure, remove, children; properties: prop,
// unprop. (TOML changes are named in applyTOML: set, unset.)
func opName(kind string, o xmlconf.Op) string {
	if kind == "properties" {
		if o == xmlconf.Remove {
			return "unprop"
		}
		return "prop"
	}
	return o.String()
}

// loadPatches reads and parses every file of WSO2_AGENT_PATCHES, for Load:
// each file is read once, here. A file that cannot be read is one problem
// naming it; a file that does not parse is one problem per bad line
// ("WSO2_AGENT_PATCHES: NAME:LINE: reason"). ${NAME} in a patch is resolved
// by patchLookup, so c's variables (secret files included) must be loaded.
func loadPatches(c *contract.Config) ([]contract.PatchFile, []string) {
	var out []contract.PatchFile
	var problems []string
	for _, name := range c.Patches.V {
		src, err := boundedread.ReadFile(name, boundedread.Text)
		if err != nil {
			problems = append(problems, fmt.Sprintf("WSO2_AGENT_PATCHES: read %s: %s", name, contract.DescribeFSError(err)))
			continue
		}
		fps, err := xmlconf.ParsePatchKinds(name, src, c.PatchLookup, contract.IsSecretName, tomlPatchKind)
		if err != nil {
			for _, e := range unjoin(err) {
				problems = append(problems, "WSO2_AGENT_PATCHES: "+e.Error())
			}
			continue
		}
		out = append(out, contract.PatchFile{Name: name, Files: fps})
	}
	return out, problems
}

// unjoin returns the errors errors.Join joined into err, or err alone.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// addPatches adds the edits of the patch files Load parsed after the
// profile's. File names are normalised relative to home, so that a file the
// profile edits, however a patch spells it, gets both sets of edits (one
// in-memory result per file).
func addPatches(s *editSet, patches []contract.PatchFile, home string) {
	for _, pf := range patches {
		for _, fp := range pf.Files {
			f := s.get(patchFileRel(home, fp.File))
			f.xml = append(f.xml, fp.XML...)
			f.props = append(f.props, fp.Props...)
			for _, o := range fp.Other {
				e := o.Edit.(tomlconf.PatchEdit)
				e.Secret = e.Secret || o.Secret
				te := tomlPatch(e)
				te.what = fmt.Sprintf("%s:%d: %s", pf.Name, o.Line, te.what)
				f.toml = append(f.toml, te)
			}
		}
	}
}

// patchFileRel is the name a patch file's target is kept under: cleaned,
// and relative to home when it lies inside it.
func patchFileRel(home, name string) string {
	name = filepath.Clean(name)
	if filepath.IsAbs(name) {
		if rel, err := filepath.Rel(home, name); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
			return rel
		}
	}
	return name
}
