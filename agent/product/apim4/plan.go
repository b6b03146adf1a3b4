package apim4

// Planning a 4.x component: config and artifact volumes over the home, the
// profile's template, the deployment.toml edits and patches, the truststore
// import (redirected when the truststore is read-only), the $env{} check and
// the server command. Like every plan it only reads.

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/wso2-container/agent/agent/certs"
	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/plan"
	"github.com/wso2-container/agent/agent/product"
	"github.com/wso2-container/agent/internal/boundedread"
	"github.com/wso2-container/agent/tomlconf"
)

// agentTruststoreDir is where the merged truststore goes when the product's own is
// read-only (a Kubernetes secret mounted into the home), relative to
// repository/resources/security, as [truststore] file_name names it.
const agentTruststoreDir = "../agent-security/"

// volumeFile is one file a config or artifact volume puts over the home.
type volumeFile struct {
	src  string // the file in the volume
	data []byte
	mode fs.FileMode
}

// Plan is the setup of a 4.x profile: deployment.toml edited (from the
// profile's template when profileSetup.sh optimises for it), config and
// artifact volumes laid over the home, the truststore merged, the $env{}
// references checked, the profile record written; the pack's start script.
func (apim4Product) Plan(cfg *contract.Config, prof *product.Profile, d product.Discovery) (*plan.Plan, error) {
	home, pack, flagged, err := apim4Resolve(cfg, prof)
	if err != nil {
		return nil, err
	}
	if err := checkMarker(home, prof.Name); err != nil {
		return nil, err
	}
	// The 4.x variables, as Load parsed them for this profile.
	in, _ := cfg.ProductSetup.(*Inputs)
	if in == nil || in.role != RoleOf(prof.Name) {
		return nil, exitcode.Errorf(exitcode.Software, "plan %s: the API Manager 4.x variables were not loaded for it", prof.Name)
	}
	env := in.env
	p := &plan.Plan{Profile: prof.Name, Home: home}
	// The secrets set for 4.x (the 2.0.0 defaults of the keystore and
	// truststore passwords are not: "wso2carbon" is also a user name).
	for _, v := range env.secretValues() {
		p.AddSecret(v)
	}
	for _, v := range cfg.EnvSecretValues() { // a password inside a URL
		p.AddSecret(v)
	}
	p.Warnings = append(p.Warnings, in.warnings...)

	// Volumes: the config volume, then the artifact volume, over the home.
	overlay := map[string]*volumeFile{}
	for _, name := range []string{"WSO2_CONFIG_VOLUME", "WSO2_ARTIFACT_VOLUME"} {
		dir, ok := env.get(name)
		if !ok {
			dir = envDefaults[name]
		}
		if err := readVolume(name, dir, overlay); err != nil {
			return nil, err
		}
		if name == "WSO2_CONFIG_VOLUME" {
			p.MountAdvice = "put the file in WSO2_CONFIG_VOLUME (" + dir + "), which is copied over the home at every start"
		}
	}

	// deployment.toml starts from: the volume's copy, else (a profile
	// profileSetup.sh optimises) the profile's template, else the home's.
	var s plan.EditSet
	f := s.Get(DeploymentTOML)
	if v, ok := overlay[DeploymentTOML]; ok {
		f.Base = v.data
		if _, err := tomlconf.Parse(v.data); err != nil {
			return nil, exitcode.Errorf(exitcode.DataErr, "read %s: %v", v.src, err)
		}
	} else if flagged {
		tpl := filepath.Join(home, Template(prof.Name))
		b, err := boundedread.ReadFile(tpl, boundedread.Config)
		if err != nil {
			return nil, exitcode.Errorf(exitcode.NoInput, "WSO2_PROFILE: read the %s template %s: %s", prof.Name, tpl, contract.DescribeFSError(err))
		}
		f.Base = b
	}
	localIP := ""
	if _, set := env.get("WSO2_NODE_IP"); !set {
		if ip, err := d.LocalIP(); err == nil {
			localIP = ip
		} else {
			p.Warnings = append(p.Warnings, "WSO2_NODE_IP: "+err.Error())
		}
	}
	f.TOML = tomlEdits(in, prof.Name, localIP)
	p.Warnings = append(p.Warnings, fragmentOverrides(f.TOML, in.fragmentDoc)...)
	plan.AddPatches(&s, cfg.PatchFiles, home)
	for _, fe := range s.Files {
		if v, ok := overlay[filepath.Clean(fe.Rel)]; ok && fe.Base == nil {
			fe.Base = v.data
		}
	}
	if err := p.AddEdits(&s); err != nil {
		return nil, err
	}
	tomlPath := filepath.Join(home, DeploymentTOML)
	tf := p.FindFile(tomlPath)
	if tf == nil {
		return nil, exitcode.Errorf(exitcode.Software, "plan %s: no result", tomlPath)
	}
	doc, err := tomlconf.Parse(tf.New)
	if err != nil {
		return nil, exitcode.Errorf(exitcode.DataErr, "read %s: %v", tomlPath, err)
	}

	if err := checkOffset(doc, in.fragmentDoc, tomlPath); err != nil {
		return nil, err
	}
	if w := imageOffsetWarning(doc, in); w != "" {
		p.Warnings = append(p.Warnings, w)
	}
	p.Warnings = append(p.Warnings, eventHubWarnings(doc)...)

	// The truststore: its source is the volume's copy or the home's.
	tsName, tsPW := "client-truststore.jks", cfg.TruststorePassword
	if v, ok := doc.Get(tomlconf.Key{"truststore", "file_name"}); ok {
		if sv, ok := v.(string); ok && !isPlaceholder(sv) {
			tsName = sv
		}
	}
	if v, ok := doc.Get(tomlconf.Key{"truststore", "password"}); ok {
		if sv, ok := v.(string); ok && !isPlaceholder(sv) {
			tsPW = sv
			p.AddSecret(sv)
		}
	}
	orig := strings.TrimPrefix(tsName, agentTruststoreDir)
	secDir := filepath.Join(home, "repository", "resources", "security")
	tsRel := filepath.Join("repository", "resources", "security", filepath.FromSlash(orig))
	src, inPlace := filepath.Join(secDir, filepath.FromSlash(orig)), filepath.Join(secDir, filepath.FromSlash(orig))
	fromVolume := "" // the volume's copy the truststore starts from
	if v, ok := overlay[tsRel]; ok {
		src, fromVolume = v.src, v.src
		delete(overlay, tsRel)
	}
	dest := inPlace
	if _, set := env.get("WSO2_TRUSTSTORE_NAME"); set {
		// The import reads the truststore only when there are
		// certificates; the server always does.
		if _, err := os.Stat(src); err != nil {
			return nil, exitcode.Errorf(exitcode.NoInput, "[truststore] (WSO2_TRUSTSTORE_NAME): truststore %s: %s", tsRel, contract.DescribeFSError(err))
		}
	}
	imp, err := certs.PlanImportTo(cfg.CertificatesDir, src, inPlace, tsPW, plan.Now())
	wantName := orig
	// Planning only reads (a dry run works anywhere): whether the import
	// can be written in place is asked of the folder here.
	if (err != nil && exitcode.Of(err) == exitcode.IOErr) || (err == nil && imp.Changed() && unix.Access(filepath.Dir(inPlace), unix.W_OK) != nil) {
		// Read-only (a secret mounted into the home): the merge goes to
		// a writable place inside the home, and the file points there.
		alt := filepath.Join(home, "repository", "resources", "agent-security", filepath.Base(orig))
		imp, err = certs.PlanImportTo(cfg.CertificatesDir, src, alt, tsPW, plan.Now())
		wantName, dest = agentTruststoreDir+filepath.Base(orig), alt
		if err == nil {
			p.Warnings = append(p.Warnings, fmt.Sprintf("truststore %s is read-only: the merged truststore is written to %s and [truststore] file_name points there", inPlace, alt))
		}
	}
	if err != nil {
		return nil, err
	}
	if wantName != tsName {
		n := len(doc.Changes())
		if err := doc.Set([]string{"truststore"}, "file_name", wantName); err != nil {
			return nil, exitcode.Errorf(exitcode.Software, "point [truststore] file_name at %s: %v", wantName, err)
		}
		for _, c := range doc.Changes()[n:] {
			tf.Changes = append(tf.Changes, plan.Change{Target: c.Path.String(), Op: "set", Old: plan.TOMLText(c.Old), New: plan.TOMLText(c.New), Note: "merged truststore"})
		}
		tf.New = doc.Bytes()
	}
	if _, set := cfg.Getenv("WSO2_CERTIFICATES_DIR"); !set {
		// Optional on 4.x: the charts and WSO2's images bring no such
		// folder, and the keystores come with the pack or a volume. A
		// folder named on purpose and missing is still a warning.
		imp.Warnings = slices.DeleteFunc(imp.Warnings, func(w string) bool { return w == certs.MissingFolderWarning(cfg.CertificatesDir) })
	}
	if err := p.RecordCertificates(plan.CertResult{Imp: imp, Password: tsPW}); err != nil {
		return nil, err
	}
	if fp := p.FindFile(dest); fp != nil && fromVolume != "" {
		// Written from the volume's copy: shown as the copy it is, as the
		// volumes' other files are, before what the import adds.
		rel, _ := filepath.Rel(home, dest)
		fp.Changes = append([]plan.Change{{Target: rel, Op: "copy", Note: "from " + fromVolume}}, fp.Changes...)
	}

	ksWarnings, err := checkKeystores(doc, env, home, overlay, !bytes.Equal(tf.Old, tf.New))
	if err != nil {
		return nil, err
	}
	p.Warnings = append(p.Warnings, ksWarnings...)

	// The volumes' other files, copied as they are.
	rels := make([]string, 0, len(overlay))
	for rel := range overlay {
		rels = append(rels, rel)
	}
	sort.Strings(rels)
	for _, rel := range rels {
		v := overlay[rel]
		path := filepath.Join(home, rel)
		if fp := p.FindFile(path); fp != nil {
			fp.Changes = append([]plan.Change{{Target: rel, Op: "copy", Note: "from " + v.src}}, fp.Changes...)
			continue
		}
		old, err := boundedread.ReadFile(path, boundedread.Archive)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, exitcode.Errorf(exitcode.NoInput, "read %s: %s", path, contract.DescribeFSError(err))
		}
		fp := p.File(path, "file", old)
		fp.New, fp.Mode = v.data, v.mode
		fp.Changes = append(fp.Changes, plan.Change{Target: rel, Op: "copy", Note: "from " + v.src})
	}

	nodeIP := localIP
	if ip, ok := env.get("WSO2_NODE_IP"); ok {
		nodeIP = ip
	}
	if err := checkEnvRefs(p, doc, cfg, env, nodeIP); err != nil { // doc is tf.New, parsed
		return nil, err
	}
	if flagged {
		mp := filepath.Join(home, Marker)
		old, _ := boundedread.ReadFile(mp, boundedread.Secret) // checkMarker read it
		fp := p.File(mp, "file", old)
		fp.New = []byte(prof.Name + "\n")
		fp.Changes = append(fp.Changes, plan.Change{Target: Marker, Op: "set", New: prof.Name, Note: "profileSetup.sh optimises the home for this profile, one-way"})
	}
	dbs, warnings := waitFor(in, cfg.WaitFor.Set)
	p.Warnings = append(p.Warnings, warnings...)
	p.WaitFor = contract.WaitTargets(cfg, dbs)
	p.Command = apim4Command(home, pack, prof.Name, flagged)
	return p, nil
}

// readVolume adds every file of the folder dir (name is its variable) to
// overlay, relative to dir, later volumes replacing earlier ones. Symlinks
// are followed (a Kubernetes ConfigMap or Secret mount is symlinks); the
// mount's own bookkeeping entries ("..data", "..2024_...") are skipped. A
// missing folder is no volume. Files are read through boundedread: an entry
// that is not a regular file (a device, a FIFO) or is larger than
// boundedread.Archive is an error naming it.
func readVolume(name, dir string, overlay map[string]*volumeFile) error {
	if dir == "" {
		return nil
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		if err == nil || errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return exitcode.Errorf(exitcode.NoInput, "%s: read %s: %s", name, dir, contract.DescribeFSError(err))
	}
	var walk func(abs, rel string, depth int) error
	walk = func(abs, rel string, depth int) error {
		if depth > 40 {
			return exitcode.Errorf(exitcode.DataErr, "%s: %s: symbolic links nested too deep (a loop?)", name, abs)
		}
		ents, err := os.ReadDir(abs)
		if err != nil {
			return exitcode.Errorf(exitcode.NoInput, "%s: read %s: %s", name, abs, contract.DescribeFSError(err))
		}
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), "..") {
				continue
			}
			p, r := filepath.Join(abs, e.Name()), filepath.Join(rel, e.Name())
			st, err := os.Stat(p) // follows symlinks
			if err != nil {
				return exitcode.Errorf(exitcode.NoInput, "%s: read %s: %s", name, p, contract.DescribeFSError(err))
			}
			if st.IsDir() {
				if err := walk(p, r, depth+1); err != nil {
					return err
				}
				continue
			}
			// Anything else must be a regular file of a sensible size: a
			// device, a FIFO or a huge file is an error naming it.
			data, err := boundedread.ReadFile(p, boundedread.Archive)
			if err != nil {
				return exitcode.Errorf(exitcode.NoInput, "%s: read %s: %s", name, p, contract.DescribeFSError(err))
			}
			overlay[r] = &volumeFile{src: p, data: data, mode: st.Mode().Perm() | 0o200}
		}
		return nil
	}
	return walk(dir, "", 0)
}

// checkEnvRefs checks that every $env{VAR} of the final deployment.toml, doc,
// will be set in the server's environment, as WSO2's config mapper fails
// obscurely otherwise. A variable the agent withholds from the server (a
// secret) is passed on when the file reads it; NODE_IP, when the file reads
// it and it is unset, is set to WSO2_NODE_IP or the container's address.
func checkEnvRefs(p *plan.Plan, doc *tomlconf.Doc, cfg *contract.Config, env *Env, nodeIP string) error {
	child := map[string]bool{}
	for _, kv := range cfg.ServerEnviron() {
		k, _, _ := strings.Cut(kv, "=")
		child[k] = true
	}
	seen := map[string]bool{}
	for _, ph := range doc.Placeholders() {
		if ph.Kind != "env" || seen[ph.Name] {
			continue
		}
		seen[ph.Name] = true
		key := ph.Path.String()
		if ph.Index >= 0 {
			key = fmt.Sprintf("%s[%d].%s", tomlconf.Key(ph.Path[:len(ph.Path)-1]), ph.Index, tomlconf.Key(ph.Path[len(ph.Path)-1:]))
		}
		switch {
		case child[ph.Name]:
			p.Checks = append(p.Checks, fmt.Sprintf("$env{%s} (%s, line %d): set", ph.Name, key, ph.Line))
		case ph.Name == "NODE_IP" && nodeIP != "":
			p.SetChildEnv("NODE_IP", nodeIP)
			p.Checks = append(p.Checks, fmt.Sprintf("$env{NODE_IP} (%s, line %d): unset, the agent sets it to %s", key, ph.Line, nodeIP))
		default:
			v, ok := env.get(ph.Name)
			if !ok {
				v, ok = cfg.Getenv(ph.Name)
				if !ok {
					if fv, err := configValue(cfg, ph.Name); err == nil {
						v, ok = fv, true
					}
				}
			}
			if !ok {
				return exitcode.Errorf(exitcode.Config, "deployment.toml: %s (line %d) reads $env{%s}, which is not set: set %s or the key", key, ph.Line, ph.Name, ph.Name)
			}
			p.SetChildEnv(ph.Name, v)
			p.Checks = append(p.Checks, fmt.Sprintf("$env{%s} (%s, line %d): a secret, passed on to the server because the file reads it", ph.Name, key, ph.Line))
		}
	}
	return nil
}

// configValue is the loaded value of a secret the 2.0.0 contract reads
// (NAME_FILE included), for $env{} references to it.
func configValue(cfg *contract.Config, name string) (string, error) {
	switch name {
	case "WSO2_ADMIN_PASSWORD":
		return cfg.AdminPassword, nil
	case "WSO2_KEYSTORE_PASSWORD":
		return cfg.KeystorePassword, nil
	case "WSO2_TRUSTSTORE_PASSWORD":
		return cfg.TruststorePassword, nil
	}
	return "", errors.New("not a config secret")
}

// waitFor is the default dependency list: the database server of each
// JDBC URL the agent reads (jdbcServer, at load), once each. A URL it does
// not read (but H2's, an embedded database) is named in a warning, unless
// WSO2_AGENT_WAIT_FOR is set: its server is not waited for.
func waitFor(in *Inputs, waitSet bool) (out, warnings []string) {
	for _, n := range []string{"WSO2_APIM_DB_URL", "WSO2_SHARED_DB_URL"} {
		a, ok := in.dbServers[n]
		if !ok {
			continue
		}
		v, _ := in.env.get(n)
		switch {
		case a != "" && !slices.Contains(out, a):
			out = append(out, a)
		case a == "" && !waitSet && !strings.HasPrefix(v, "jdbc:h2:"): // H2 is embedded
			warnings = append(warnings, n+": the agent does not read the database server of this kind of URL, so the start does not wait for it: set WSO2_AGENT_WAIT_FOR=tcp://HOST:PORT to wait")
		}
	}
	return out, warnings
}

// checkOffset refuses a [server] offset that `agent health` would refuse
// (product.MaxOffset) in the deployment.toml the setup leaves, naming where
// it comes from: WSO2_DEPLOYMENT_TOML's fragment (frag, as parsed at load;
// nil for none), or the file itself.
// WSO2_PORT_OFFSET is checked at load; a placeholder ($env{...}) is the
// server's to resolve.
func checkOffset(doc, frag *tomlconf.Doc, path string) error {
	v, ok := doc.Get(tomlconf.Key{"server", "offset"})
	if !ok {
		return nil
	}
	_, placeholder, err := offsetValue(v)
	if err == nil || placeholder {
		return nil
	}
	where := path
	if frag != nil {
		if _, set := frag.Get(tomlconf.Key{"server", "offset"}); set {
			where = "WSO2_DEPLOYMENT_TOML"
		}
	}
	return exitcode.Errorf(exitcode.Config, "%s: [server] offset: %v (agent health could not probe the server)", where, err)
}

// imageOffsetWarning warns when the agent derived ports of this component
// (its peers', its event copies', a bare host of its own role) from offset
// 0, with neither WSO2_PORT_OFFSET nor the fragment giving one, while the
// deployment.toml the setup leaves (the image's, or a config volume's)
// has another [server] offset: those ports then miss the servers.
func imageOffsetWarning(doc *tomlconf.Doc, in *Inputs) string {
	if !in.ownOffsetUsed || in.offsetSet || in.offsetFrag {
		return ""
	}
	v, _ := doc.Get(tomlconf.Key{"server", "offset"})
	used := in.offsetFor(in.role)
	n, placeholder, _ := offsetValue(v) // checked by checkOffset
	if placeholder {
		// The server resolves it: the agent cannot tell whether it matches.
		return fmt.Sprintf("deployment.toml: [server] offset is %q, which the server resolves, but WSO2_PORT_OFFSET is unset, so the ports the agent derives for this component (its peers, its event copies, a bare host of its role) assume offset %d: set WSO2_PORT_OFFSET to the same value", v, used)
	}
	if n == used {
		return ""
	}
	return fmt.Sprintf("deployment.toml: [server] offset is %d, but WSO2_PORT_OFFSET is unset, so the ports the agent derives for this component (its peers, its event copies, a bare host of its role) assume offset %d: set WSO2_PORT_OFFSET=%d", n, used, n)
}

// offsetValue reads a [server] offset as deployment.toml holds it (nil:
// none, 0): an integer, or a string of one, between 0 and
// product.MaxOffset; a string with a $ in it is a placeholder, the
// server's to resolve (placeholder true, no error).
func offsetValue(v any) (n int, placeholder bool, err error) {
	switch o := v.(type) {
	case nil:
		return 0, false, nil
	case int64:
		if o < 0 || o > product.MaxOffset {
			return 0, false, fmt.Errorf("%d is not between 0 and %d", o, product.MaxOffset)
		}
		return int(o), false, nil
	case string:
		if strings.Contains(o, "$") {
			return 0, true, nil
		}
		n, err = product.ParseOffset(o)
		return n, false, err
	}
	return 0, false, fmt.Errorf("%v is not an integer", v)
}

// eventHubWarnings warns of an event hub given listening endpoints, in the
// deployment.toml the setup leaves, that the server cannot use as meant:
// without a service_url (the control plane the server pulls its APIs,
// subscriptions and keys from, which the endpoints' events are about), or
// switched off (enable = false: it takes no events). enable itself is not
// required: the product's default is true (carbon-apimgt's
// org.wso2.carbon.apimgt.core.default.json). WSO2's stock files have the
// whole [apim.event_hub] table commented out, and the charts write enable,
// service_url and the endpoints together (eventhub.enabled); the agent
// writes enable with service_url (WSO2_EVENTHUB_SERVICE_URL), so
// WSO2_EVENTHUB_URLS alone gives the endpoints only.
func eventHubWarnings(doc *tomlconf.Doc) []string {
	if _, ok := doc.Get(tomlconf.Key{"apim", "event_hub", "event_listening_endpoints"}); !ok {
		return nil
	}
	if on, ok := doc.Get(tomlconf.Key{"apim", "event_hub", "enable"}); ok && on == false {
		return []string{"deployment.toml: [apim.event_hub] has event_listening_endpoints but enable = false, so the server takes no events from them"}
	}
	if _, ok := doc.Get(tomlconf.Key{"apim", "event_hub", "service_url"}); ok {
		return nil
	}
	return []string{"deployment.toml: [apim.event_hub] has event_listening_endpoints but no service_url, the control plane the server pulls its APIs, subscriptions and keys from: set WSO2_EVENTHUB_SERVICE_URL too, which writes it with enable = true, as the charts' eventhub.enabled does"}
}
