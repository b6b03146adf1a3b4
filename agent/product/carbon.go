package product

import (
	"fmt"
	"strconv"
	"strings"
)

// This file holds what every Carbon product shares, whatever its version:
// its stock ports and their offset, and the packs that say by their files
// alone which profiles they run.

// Carbon's stock ports, before the offset.
const (
	HTTPSPort = 9443
	HTTPPort  = 9763
)

// ParseOffset reads a port offset: an integer such that every Carbon port
// stays a port.
func ParseOffset(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q is not an integer", s)
	}
	if n < 0 || n > 55000 {
		return 0, fmt.Errorf("%d is not between 0 and 55000", n)
	}
	return n, nil
}

// Pack is a product home that names its own profiles: a product
// recognises it by its files alone (API Manager 4.x: by its start script),
// so that WSO2_PROFILE may be left unset, and a profile of another product
// is refused with what the home does run.
type Pack struct {
	Desc     string   // for messages: "the API Manager 4.5 traffic manager pack (bin/traffic-manager.sh)"
	Default  string   // the profile the home runs when WSO2_PROFILE is unset
	Profiles []string // every profile it can run
}

// detectors are the products' ways of recognising a Pack.
var detectors []func(home string) *Pack

// RegisterDetector registers how a product recognises its packs (nil: home
// is not one). It must be called from an init function.
func RegisterDetector(detect func(home string) *Pack) { detectors = append(detectors, detect) }

// DetectPack returns the pack at home, or nil when no product recognises
// home by its files alone (or home is "").
func DetectPack(home string) *Pack {
	if home == "" {
		return nil
	}
	for _, d := range detectors {
		if p := d(home); p != nil {
			return p
		}
	}
	return nil
}
