package product

import (
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/health"
	"github.com/wso2-container/agent/agent/plan"
)

// Product is the knowledge of one WSO2 product, for all of its profiles,
// as the pipeline asks for it. The pipeline reaches a product only through
// this interface (see For); everything a product knows — its files,
// elements and keys, its variables beyond the contract's fields, its start
// script, what health probes — sits behind it, in the product's own
// package: agent/product/carbon44 for the Carbon 4.4 products,
// agent/product/apim4 for API Manager 4.x. Adding a product is
// implementing Product in a package of its own, registering it (Register)
// with its profiles (RegisterProfile), and importing that package in
// agent/pipeline/products.go.
type Product interface {
	// Problems returns what is wrong with cfg for profile prof that only
	// the product knows (a value its files cannot hold, a variable it
	// requires), one line each naming the variable. Load asks it for every
	// command that names a profile.
	Problems(cfg *contract.Config, prof *Profile) []string
	// LoadSetup reads and checks what the setup of prof takes from the
	// environment beyond the contract's fields, keeping the result in cfg
	// for plan; secretFiles are the values Load read from NAME_FILE. Load
	// asks it for the commands that set a profile up (render, run), so that
	// its problems are reported with every other.
	LoadSetup(cfg *contract.Config, prof *Profile, secretFiles map[string]string) []string
	// Plan computes every action of the setup of prof for cfg — file
	// edits, keystores, copies, seeds, the dependencies to wait for and the
	// server command — without writing anything. The jobs are the
	// pipeline's (pipeline.BuildPlan).
	Plan(cfg *contract.Config, prof *Profile, d Discovery) (*plan.Plan, error)
	// Health says what `agent health` probes for prof in home; cfg holds
	// the environment health read (not loaded: a probe must not fail on a
	// setup variable).
	Health(cfg *contract.Config, prof *Profile, home string) (health.Check, error)
}

// products are the products by Profile.Product; each registers itself
// beside its profiles.
var products = map[string]Product{}

// Register registers p as the product named name (Profile.Product);
// each product registers itself, from an init function, beside its
// profiles (RegisterProfile).
func Register(name string, p Product) { products[name] = p }

// For returns the product of profile p, or nil for the profile none.
func For(p *Profile) Product { return products[p.Product] }

// Discovery answers the questions about the network that planning asks.
// Tests replace it.
type Discovery struct {
	LookupHost func(name string) ([]string, error)
	LocalIP    func() (string, error)
}

// DefaultDiscovery asks the resolver and the network interfaces: what
// every command but the tests plans with.
var DefaultDiscovery = Discovery{LookupHost: net.LookupHost, LocalIP: detectLocalIP}

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
