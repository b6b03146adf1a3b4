package apim4

// This file: what a 4.x home is (which pack), which profiles it can run,
// how its server is started and what health probes.

import (
	"bufio"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/pelletier/go-toml/v2"
	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/health"
	"github.com/wso2-container/agent/agent/product"
	"github.com/wso2-container/agent/internal/boundedread"
)

// The 4.x profile names (WSO2_PROFILE). Which of them a home can run is
// decided by the home (apim4Pack.Profiles), never by the name alone.
const (
	allInOne         = "all-in-one"
	ControlPlane     = "control-plane"
	gatewayWorker    = "gateway-worker"
	TrafficManager   = "traffic-manager"
	KeyManager       = "key-manager"
	keyManagerOld    = "api-key-manager-deprecated"
	UniversalGateway = "universal-gateway"
)

// Name is Profile.Product of every API Manager 4.x profile.
const Name = "apim4"

func init() {
	contract.ExtendVars(withAPIM4Vars)
	product.RegisterDetector(detectPack)
	product.Register(Name, apim4Product{})
	// Not what the 4.x profiles check (they check the pack's start script),
	// but what names a Carbon 4.9+ home when another product's profile is
	// pointed at it: such a pack generates its XML from deployment.toml.
	product.RegisterSignature(product.Signature{Name: "a Carbon 4.9+ product configured by deployment.toml (such as API Manager 4.x)",
		Has: []string{"repository/conf/deployment.toml"}, Fallback: true})
	for _, n := range []string{allInOne, ControlPlane, gatewayWorker, TrafficManager, KeyManager, keyManagerOld, UniversalGateway} {
		product.RegisterProfile(&product.Profile{Name: n, Product: Name})
	}
}

// apim4Product is API Manager 4.x (see product): its setup edits
// deployment.toml, which the product's config mapper turns into the XML
// files at start.
type apim4Product struct{}

// Problems returns nil: the 4.x variables are checked when LoadSetup
// parses them.
func (apim4Product) Problems(*contract.Config, *product.Profile) []string { return nil }

// LoadSetup parses the 4.x variables (env.go) for the
// profile's role into cfg; their secrets given as NAME_FILE have the values
// Load read.
func (apim4Product) LoadSetup(cfg *contract.Config, prof *product.Profile, secretFiles map[string]string) []string {
	env, problems := loadEnv(cfg.Getenv, secretFiles)
	in, more := parseInputs(env, RoleOf(prof.Name), prof.Name)
	if unused := cfg.SetCarbonOnly(); len(unused) > 0 {
		// With the 4.x variables named like a Carbon 4.4 one: an operator
		// moving from the 2.0.0 images reaches for the old name.
		in.warnings = append(in.warnings, contract.UnreadWarning(unused, "an API Manager 4.x setup", "the Carbon 4.4 products", "4.x", contract.CarbonTo4x))
	}
	cfg.ProductSetup = in
	return append(problems, more...)
}

// Health probes the pack's health endpoint; the port offset is WSO2_PORT_OFFSET of cfg's environment (what
// the agent writes), else deployment.toml's.
func (apim4Product) Health(cfg *contract.Config, prof *product.Profile, home string) (health.Check, error) {
	offset, _ := cfg.Getenv("WSO2_PORT_OFFSET")
	return apim4Health(prof.Name, home, offset, cfg.Getenv)
}

// Role is what a component is in a distributed deployment: it decides
// which port offset a bare host gets (see Inputs.offsetFor) and the shape of
// WSO2_EVENTHUB_URLS.
type Role int

const (
	RoleCP Role = iota // control plane, key manager, all-in-one
	RoleTM             // traffic manager
	RoleGW             // gateway
	// roleOther is a server of no API Manager role (the Identity Server as
	// key manager): a bare host of it gets no port offset.
	roleOther
)

// apim4Pack is a 4.x product home as detected from its bin folder.
type apim4Pack struct {
	Kind   string // "acp", "tm", "universal-gw", "all-in-one"
	Desc   string // for messages: "the API control plane pack (bin/api-cp.sh)"
	Script string // the start script, relative to bin/
	// Default is the profile the pack runs without -Dprofile.
	Default string
	// Flagged are the profiles started with -Dprofile=NAME (those the
	// home's bin/profileSetup.sh optimises for), sorted.
	Flagged []string
}

// packs are tried in order: the first start script present decides.
var packs = []apim4Pack{
	{Kind: "acp", Desc: "the API Manager 4.5 API control plane pack (bin/api-cp.sh)", Script: "api-cp.sh", Default: ControlPlane},
	{Kind: "tm", Desc: "the API Manager 4.5 traffic manager pack (bin/traffic-manager.sh)", Script: "traffic-manager.sh", Default: TrafficManager},
	{Kind: "universal-gw", Desc: "the API Manager 4.5 universal gateway pack (bin/gateway.sh)", Script: "gateway.sh", Default: UniversalGateway},
	{Kind: "all-in-one", Desc: "the API Manager 4.x all-in-one pack (bin/api-manager.sh)", Script: "api-manager.sh", Default: allInOne},
}

// detectAPIM4 returns the 4.x pack at home, or nil when home holds none of
// the 4.x start scripts.
func detectAPIM4(home string) *apim4Pack {
	for _, k := range packs {
		if st, err := os.Stat(filepath.Join(home, "bin", k.Script)); err == nil && st.Mode().IsRegular() {
			p := k
			p.Flagged = setupProfiles(home)
			return &p
		}
	}
	return nil
}

// profileCase is compiled on first use, not at init, which every start of
// the agent would pay for.
var profileCase = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\s*-Dprofile=([A-Za-z0-9_-]+)\)`) })

// setupProfiles lists the profiles bin/profileSetup.sh optimises for (its
// `-Dprofile=NAME)` case labels) that have a deployment template; none when
// the home has no profileSetup.sh (4.5 all-in-one, traffic manager,
// gateway).
func setupProfiles(home string) []string {
	src, err := boundedread.ReadFile(filepath.Join(home, "bin", "profileSetup.sh"), boundedread.Text)
	if err != nil {
		return nil // no profileSetup.sh (or not a readable script): no -Dprofile profiles
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(src))
	for sc.Scan() {
		if m := profileCase().FindStringSubmatch(sc.Text()); m != nil && !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	sort.Strings(out)
	return out
}

// Profiles lists what the pack can run, its default first.
func (k *apim4Pack) Profiles() []string { return append([]string{k.Default}, k.Flagged...) }

// accepts reports whether the pack runs profile, and whether it is started
// with -Dprofile. The universal gateway also answers to gateway-worker, the
// name of its role in the all-in-one.
func (k *apim4Pack) accepts(profile string) (ok, flagged bool) {
	if profile == k.Default || (k.Kind == "universal-gw" && profile == gatewayWorker) {
		return true, false
	}
	return slices.Contains(k.Flagged, profile), slices.Contains(k.Flagged, profile)
}

// isKeyManager reports whether profile is a key manager: a control-plane
// role without the developer portal or the event hub's pairs.
func isKeyManager(profile string) bool { return profile == KeyManager || profile == keyManagerOld }

// RoleOf is the component's role for a profile the pack accepts.
func RoleOf(profile string) Role {
	switch profile {
	case TrafficManager:
		return RoleTM
	case gatewayWorker, UniversalGateway:
		return RoleGW
	}
	return RoleCP
}

// detectPack is how API Manager 4.x recognises its packs (see
// product.RegisterDetector).
func detectPack(home string) *product.Pack {
	k := detectAPIM4(home)
	if k == nil {
		return nil
	}
	return &product.Pack{Desc: k.Desc, Default: k.Default, Profiles: k.Profiles()}
}

// apim4Resolve checks that the home is a 4.x home that can run prof and
// returns the pack and whether the profile is started with -Dprofile.
func apim4Resolve(cfg *contract.Config, prof *product.Profile) (string, *apim4Pack, bool, error) {
	home := product.Home(cfg, nil)
	if home == "" {
		return "", nil, false, exitcode.Errorf(exitcode.Config, "WSO2_HOME: not set (API Manager 4.x profiles have no default home; WSO2's images set WSO2_SERVER_HOME)")
	}
	if err := product.StatHome(cfg, nil, home); err != nil {
		return "", nil, false, err
	}
	k := detectAPIM4(home)
	if k == nil {
		return "", nil, false, exitcode.Errorf(exitcode.Config, "WSO2_PROFILE: %s is an API Manager 4.x profile, but %s has none of bin/api-cp.sh, bin/traffic-manager.sh, bin/gateway.sh, bin/api-manager.sh", prof.Name, home)
	}
	ok, flagged := k.accepts(prof.Name)
	if !ok {
		return "", nil, false, exitcode.Errorf(exitcode.Config, "WSO2_PROFILE: %s cannot run on %s at %s (it runs: %s)", prof.Name, k.Desc, home, strings.Join(k.Profiles(), ", "))
	}
	return home, k, flagged, nil
}

// apim4Command is the server command: the pack's start script, with
// -Dprofile=NAME --skipConfigOptimization for a profile profileSetup.sh
// optimises. --skipConfigOptimization keeps the script from replacing
// deployment.toml with the profile's template at every start (which would
// drop the agent's edits): the agent starts from that template itself (see
// Plan in plan.go), and the script still removes what the profile does not need.
func apim4Command(home string, k *apim4Pack, profile string, flagged bool) []string {
	cmd := []string{filepath.Join(home, "bin", k.Script)}
	if flagged {
		cmd = append(cmd, "-Dprofile="+profile, "--skipConfigOptimization")
	}
	return cmd
}

// Marker records, inside the home, the profile profileSetup.sh optimised
// it for: the optimisation deletes webapps and cannot be undone, so a home
// optimised for one profile must not be started as another.
const Marker = "repository/conf/.wso2-agent-profile"

// checkMarker fails when the home was optimised for another profile, or
// when the record exists but cannot be read.
func checkMarker(home, profile string) error {
	path := filepath.Join(home, Marker)
	b, err := boundedread.ReadFile(path, boundedread.Secret)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return exitcode.Errorf(exitcode.NoInput, "WSO2_PROFILE: read the profile record %s: %s", path, contract.DescribeFSError(err))
	}
	was := strings.TrimSpace(string(b))
	if was != "" && was != profile {
		return exitcode.Errorf(exitcode.Config, "WSO2_PROFILE: %s was optimised for %s by bin/profileSetup.sh (one-way: it deletes webapps; recorded in %s): it cannot run %s; start from a fresh home", home, was, Marker, profile)
	}
	return nil
}

// Template is the deployment template of a flagged profile, relative to
// the home.
func Template(profile string) string {
	return filepath.Join("repository", "resources", "conf", "deployment-templates", profile+".toml")
}

// apim4Health: the charts' readiness probes. Gateways and the all-in-one
// (which runs one: its chart probes it so): GET
// /api/am/gateway/v2/server-startup-healthcheck on the HTTPS port; the
// control plane, traffic manager and key manager (and the all-in-one
// pack's other -Dprofile names): /services/Version on the HTTP port. The
// offset is portOffset, the value of WSO2_PORT_OFFSET (what the agent
// writes), else ("") deployment.toml's [server] offset. An offset that is
// a whole $env{NAME} (which render accepts: the server's to resolve) is
// NAME of getenv, the container's environment the server resolves it from.
func apim4Health(profile, home, portOffset string, getenv func(string) (string, bool)) (health.Check, error) {
	off := 0
	if portOffset != "" {
		var err error
		if off, err = product.ParseOffset(portOffset); err != nil {
			return health.Check{}, exitcode.Errorf(exitcode.Config, "WSO2_PORT_OFFSET: %v", err)
		}
	} else {
		path := filepath.Join(home, "repository", "conf", "deployment.toml")
		b, err := os.ReadFile(path)
		if err != nil {
			return health.Check{}, exitcode.Errorf(exitcode.NoInput, "read %s: %s", path, contract.DescribeFSError(err))
		}
		var doc struct {
			Server struct {
				Offset any `toml:"offset"`
			} `toml:"server"`
		}
		if err := toml.Unmarshal(b, &doc); err != nil {
			return health.Check{}, exitcode.Errorf(exitcode.DataErr, "parse %s: %v", path, oneLine(err))
		}
		// The same reading of [server] offset as the setup's checks
		// (offsetValue), and a whole $env{NAME} read from this container's
		// environment, as the server reads it.
		n, placeholder, err := offsetValue(doc.Server.Offset)
		switch {
		case err != nil:
			return health.Check{}, exitcode.Errorf(exitcode.Config, "%s [server] offset: %v", path, err)
		case !placeholder:
			off = n
		default:
			v := doc.Server.Offset.(string)
			name, ok := envPlaceholder(v)
			if !ok {
				return health.Check{}, exitcode.Errorf(exitcode.Config, "%s [server] offset: %q is the server's to resolve, which agent health cannot: set WSO2_PORT_OFFSET to the server's offset", path, v)
			}
			val, set := getenv(name)
			if !set {
				return health.Check{}, exitcode.Errorf(exitcode.Config, "%s [server] offset: %s: %s is not set here; set it, or WSO2_PORT_OFFSET, to the server's offset", path, v, name)
			}
			if off, err = product.ParseOffset(val); err != nil {
				return health.Check{}, exitcode.Errorf(exitcode.Config, "%s [server] offset: %s: %s: %v", path, v, name, err)
			}
		}
	}
	if RoleOf(profile) == RoleGW || profile == allInOne {
		return health.Check{TLSPort: product.HTTPSPort + off, Endpoint: "/api/am/gateway/v2/server-startup-healthcheck",
			EndpointPort: product.HTTPSPort + off, EndpointTLS: true}, nil
	}
	return health.Check{TLSPort: product.HTTPSPort + off, Endpoint: "/services/Version", EndpointPort: product.HTTPPort + off}, nil
}

// envPlaceholder returns NAME when v is a whole $env{NAME}.
func envPlaceholder(v string) (string, bool) {
	name, ok := strings.CutPrefix(strings.TrimSpace(v), "$env{")
	if !ok {
		return "", false
	}
	name, ok = strings.CutSuffix(name, "}")
	return name, ok && name != "" && !strings.ContainsAny(name, "${}")
}

// oneLine joins a multi-line message.
func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }
