package agent

import "errors"

type carChange struct{ Entry, Old, New string }

// patchCarbonApp is a placeholder until package carbonapp lands.
func patchCarbonApp(_ []byte, _ map[string]string) ([]byte, []carChange, error) {
	return nil, nil, errors.New("carbon app patching not implemented yet")
}
