package product

import (
	"path/filepath"
	"sort"

	"github.com/wso2-container/agent/agent/contract"
)

// Profile is everything the agent knows about one component image: where the
// product lives, how its server is started, and which edits make its
// configuration match the environment (see agent/product/carbon44 and agent/product/apim4).
type Profile struct {
	Name        string   // WSO2_PROFILE value
	Product     string   // the name its product registered under (Register): which product's files the edits target
	Home        string   // default WSO2_HOME; empty: none (WSO2_SERVER_HOME applies, as WSO2's 4.x images set it)
	ServerFlags []string // default flags of bin/wso2server.sh (-Dprofile=...)
	// Component is the component's name in the shared certificates folder
	// (wso2<Component>.jks, wso2<Component>.pem) and its service name;
	// empty: the profile takes no keystore of its own from that folder
	// (API Manager 4.x, whose keystores its own volumes provide).
	Component string
	// Members are the default DNS names of the cluster's well-known members;
	// empty means the profile does not cluster.
	Members []string
	// SubDomain is the axis2 clustering subDomain property (worker or mgt).
	SubDomain string
	// MemberPort is axis2 localMemberPort and the port of every WKA member.
	MemberPort string
	// ClusterDomain is the default axis2 clustering domain: components that
	// form one cluster share it, others differ (B11).
	ClusterDomain string
	// SeedsDeployment: the profile seeds an empty shared deployment volume.
	SeedsDeployment bool
	// MirrorsMediators: the profile mirrors WSO2_MEDIATOR_DIR into components/lib.
	MirrorsMediators bool
}

// Home is the product home of profile prof under cfg. It is the one
// rule every command resolves the home by (setup, render, the jobs'
// working folder and lock, health, admin-password): WSO2_HOME when set;
// else the profile's default home (the Carbon 4.4 products); else, for a
// profile without a default home but none (API Manager 4.x) or when no
// profile is known (prof nil), WSO2_SERVER_HOME, which WSO2's own 4.x
// images set; else "" (the profile none, or a 4.x profile with neither
// variable). The result is cleaned.
func Home(cfg *contract.Config, prof *Profile) string {
	if cfg.Home != "" {
		return filepath.Clean(cfg.Home)
	}
	if prof != nil && prof.Home != "" {
		return prof.Home
	}
	if prof == nil || prof.Name != ProfileNone {
		if h, _ := cfg.Getenv(contract.ServerHomeVar); h != "" {
			return filepath.Clean(h)
		}
	}
	return ""
}

// ProfileNone is the profile of a plain init: no setup, the given command runs.
const ProfileNone = "none"

var profiles = map[string]*Profile{}

// RegisterProfile registers p under its name; each product registers its
// profiles from an init function.
func RegisterProfile(p *Profile) { profiles[p.Name] = p }

// LookupProfile returns the profile named name (WSO2_PROFILE), and
// whether there is one; "none" is always there.
func LookupProfile(name string) (*Profile, bool) {
	if name == ProfileNone {
		return &Profile{Name: ProfileNone}, true
	}
	p, ok := profiles[name]
	return p, ok
}

// ProfileNames lists the valid WSO2_PROFILE values, sorted, "none" last.
func ProfileNames() []string {
	var out []string
	for n := range profiles {
		out = append(out, n)
	}
	sort.Strings(out)
	return append(out, ProfileNone)
}
