package agent

import "github.com/wso2-container/agent/agent/carbonapp"

// patchCarbonApp rewrites the schedules inside a carbon app archive; see
// carbonapp.Patch. The caller wraps errors with the archive's path.
func patchCarbonApp(car []byte, crons map[string]string) ([]byte, []carbonapp.Change, error) {
	return carbonapp.Patch(car, crons)
}
