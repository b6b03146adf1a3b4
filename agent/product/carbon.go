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

// MaxOffset is the largest port offset the agent accepts, wherever an
// offset comes from (WSO2_PORT_OFFSET, WSO2_THROTTLING_PORT_OFFSET,
// carbon.xml, deployment.toml): every port a Carbon server opens by default
// below 10000 (9443, 9763, 9711...) stays a port with it (the JMX RMI
// server's 11111, when JMX is on, needs 54424 at most: not checked). One
// limit for render and health alike, so that a setup that starts is one
// the health probe can read.
const MaxOffset = 55000

// ParseOffset reads a port offset: an integer from 0 to MaxOffset.
func ParseOffset(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q is not an integer", s)
	}
	if n < 0 || n > MaxOffset {
		return 0, fmt.Errorf("%d is not between 0 and %d", n, MaxOffset)
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
