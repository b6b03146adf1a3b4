package product

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/exitcode"
)

// Signature tells a product's home from the files in it.
type Signature struct {
	Product string   // Profile.Product; "" for a product named only in messages
	Name    string   // what people call it: "API Manager 2.0.0"
	Has     []string // files that exist in its home (relative)
	Lacks   []string // files that do not
	// Fallback: tried after every other signature (a file many products
	// have, such as a Carbon 4.9+ pack's deployment.toml).
	Fallback bool
}

// signatures are tried in the order registered, fallbacks last; the first
// that matches names what a home holds. A product without a signature is
// not checked.
var signatures []Signature

// RegisterSignature registers how a product's home is told apart; products
// call it from an init function.
func RegisterSignature(s Signature) { signatures = append(signatures, s) }

// ordered returns the signatures, fallbacks last.
func ordered() []Signature {
	var out, last []Signature
	for _, s := range signatures {
		if s.Fallback {
			last = append(last, s)
		} else {
			out = append(out, s)
		}
	}
	return append(out, last...)
}

// matches reports whether home looks like the signature's product, and the
// file that shows it.
func (s Signature) matches(home string) (bool, string) {
	for _, f := range s.Has {
		if st, err := os.Stat(filepath.Join(home, f)); err != nil || !st.Mode().IsRegular() {
			return false, ""
		}
	}
	for _, f := range s.Lacks {
		if _, err := os.Lstat(filepath.Join(home, f)); err == nil {
			return false, ""
		}
	}
	return true, s.Has[0]
}

// CheckHome makes sure home holds the product prof configures, before
// anything is planned: a profile of another product would fail on a missing
// file at best, and at worst edit files of the same name into a product that
// does not read them. The error names what the home holds.
func CheckHome(prof *Profile, home string) error {
	var want *Signature
	sigs := ordered()
	for i := range sigs {
		if sigs[i].Product == prof.Product && prof.Product != "" {
			want = &sigs[i]
		}
	}
	if want == nil {
		return nil
	}
	if ok, _ := want.matches(home); ok {
		return nil
	}
	for _, s := range sigs {
		ok, evidence := s.matches(home)
		if !ok {
			continue
		}
		hint := "set WSO2_HOME to a home holding " + want.Name
		if others := profilesOf(s.Product); len(others) > 0 {
			hint = "use one of its profiles (" + strings.Join(others, ", ") + "), or " + hint
		}
		return exitcode.Errorf(exitcode.Config, "WSO2_PROFILE: profile %s configures %s, but WSO2_HOME %s holds %s (it has %s); %s",
			prof.Name, want.Name, home, s.Name, evidence, hint)
	}
	return exitcode.Errorf(exitcode.NoInput, "WSO2_HOME: %s holds no %s (%s is missing) nor any other known product",
		home, want.Name, want.Has[0])
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

// StatHome checks that home, the product home of prof (nil: a 4.x home
// found without a profile), is a folder. The error (exit 66) names the
// variable the home came from — WSO2_HOME, or WSO2_SERVER_HOME as WSO2's
// 4.x images set it — says what is wrong (no such file or directory, not a
// folder, permission denied) and, when WSO2_HOME is unset and home is the
// profile's default, says so.
func StatHome(cfg *contract.Config, prof *Profile, home string) error {
	st, err := os.Stat(home)
	var why string
	switch {
	case err != nil:
		why = contract.DescribeFSError(err)
	case !st.IsDir():
		why = "not a folder"
	default:
		return nil
	}
	hint := ""
	if cfg.Home == "" && prof != nil && prof.Home != "" {
		hint = fmt.Sprintf(" (the %s profile's default home; set WSO2_HOME to the product's folder)", prof.Name)
	}
	return exitcode.Errorf(exitcode.NoInput, "%s: product home %s: %s%s", HomeVar(cfg, prof), home, why, hint)
}

// HomeVar names the variable the home of Home(cfg, prof) comes from, for
// messages: WSO2_HOME when it is set or the profile's default applies,
// else WSO2_SERVER_HOME (WSO2's 4.x images).
func HomeVar(cfg *contract.Config, prof *Profile) string {
	if cfg.Home != "" || prof != nil && prof.Home != "" {
		return "WSO2_HOME"
	}
	return contract.ServerHomeVar
}
