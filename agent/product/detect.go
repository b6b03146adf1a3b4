package product

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/wso2-container/agent/agent/exitcode"
)

// productSignature tells a product's home from the files in it.
type productSignature struct {
	product string   // Profile.Product
	name    string   // what people call it
	has     []string // files that exist in its home (relative)
	lacks   []string // files that do not
}

// productSignatures are tried in order; the first that matches names what a
// home holds. A product without a signature is not checked.
var productSignatures = []productSignature{
	// A deployment.toml beside them does not change what they are (an
	// image builder may add one; patch files edit it).
	{AM, "API Manager 2.0.0", []string{"repository/conf/api-manager.xml"}, nil},
	{DAS, "API Manager Analytics 2.0.0", []string{"repository/conf/datasources/analytics-datasources.xml"},
		[]string{"repository/conf/api-manager.xml"}},
	// Not a product of the Carbon 4.4 profiles, but worth naming: a Carbon
	// 4.9+ pack generates its XML from deployment.toml at start.
	{"", "a Carbon 4.9+ product configured by deployment.toml (such as API Manager 4.x)", []string{"repository/conf/deployment.toml"}, nil},
	{IS, "Identity Server 5.2.0", []string{"repository/conf/identity/identity.xml"},
		[]string{"repository/conf/api-manager.xml", "repository/conf/datasources/analytics-datasources.xml"}},
}

// matches reports whether home looks like the signature's product, and the
// file that shows it.
func (s productSignature) matches(home string) (bool, string) {
	for _, f := range s.has {
		if st, err := os.Stat(filepath.Join(home, f)); err != nil || !st.Mode().IsRegular() {
			return false, ""
		}
	}
	for _, f := range s.lacks {
		if _, err := os.Lstat(filepath.Join(home, f)); err == nil {
			return false, ""
		}
	}
	return true, s.has[0]
}

// CheckHome makes sure home holds the product prof configures, before
// anything is planned: a profile of another product would fail on a missing
// file at best, and at worst edit files of the same name into a product that
// does not read them. The error names what the home holds.
func CheckHome(prof *Profile, home string) error {
	var want *productSignature
	for i := range productSignatures {
		if productSignatures[i].product == prof.Product && prof.Product != "" {
			want = &productSignatures[i]
		}
	}
	if want == nil {
		return nil
	}
	if ok, _ := want.matches(home); ok {
		return nil
	}
	for _, s := range productSignatures {
		ok, evidence := s.matches(home)
		if !ok {
			continue
		}
		hint := "set WSO2_HOME to a home holding " + want.name
		if others := profilesOf(s.product); len(others) > 0 {
			hint = "use one of its profiles (" + strings.Join(others, ", ") + "), or " + hint
		}
		return exitcode.Errorf(exitcode.Config, "WSO2_PROFILE: profile %s configures %s, but WSO2_HOME %s holds %s (it has %s); %s",
			prof.Name, want.name, home, s.name, evidence, hint)
	}
	return exitcode.Errorf(exitcode.NoInput, "WSO2_HOME: %s holds no %s (%s is missing) nor any other known product",
		home, want.name, want.has[0])
}

// profilesOf lists the profiles of a product, sorted.
func profilesOf(product string) []string {
	var out []string
	for n, p := range profiles {
		if product != "" && p.Product == product {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}
