package agent

import (
	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/health"
	"github.com/wso2-container/agent/agent/plan"
)

// product is the knowledge of one WSO2 product, for all of its profiles,
// as the pipeline asks for it. The pipeline reaches a product only through
// this interface (see Profile.product); everything a product knows — its
// files, elements and keys, its variables beyond the contract's fields, its
// start script, what health probes — sits behind it, in the product's own
// files: product_carbon44.go with product_am.go, product_is.go and
// product_das.go for the Carbon 4.4 products, product_apim4*.go for API
// Manager 4.x. Adding a product is implementing product and registering it
// with its profiles.
type product interface {
	// problems returns what is wrong with cfg for profile prof that only
	// the product knows (a value its files cannot hold, a variable it
	// requires), one line each naming the variable. Load asks it for every
	// command that names a profile.
	problems(cfg *contract.Config, prof *Profile) []string
	// loadSetup reads and checks what the setup of prof takes from the
	// environment beyond the contract's fields, keeping the result in cfg
	// for plan; secretFiles are the values Load read from NAME_FILE. Load
	// asks it for the commands that set a profile up (render, run), so that
	// its problems are reported with every other.
	loadSetup(cfg *contract.Config, prof *Profile, secretFiles map[string]string) []string
	// plan computes every action of the setup of prof for cfg — file
	// edits, keystores, copies, seeds, the dependencies to wait for and the
	// server command — without writing anything. The jobs are the
	// pipeline's (buildPlan).
	plan(cfg *contract.Config, prof *Profile, d discovery) (*plan.Plan, error)
	// health says what `agent health` probes for prof in home; cfg holds
	// the environment health read (not loaded: a probe must not fail on a
	// setup variable).
	health(cfg *contract.Config, prof *Profile, home string) (health.Check, error)
}

// products are the products by Profile.Product; each registers itself
// beside its profiles.
var products = map[string]product{}

// product returns the profile's product, or nil for the profile none.
func (p *Profile) product() product { return products[p.Product] }
