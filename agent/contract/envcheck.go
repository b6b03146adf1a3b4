package contract

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// UnknownVarWarnings returns one warning for each variable of environ whose
// name starts with WSO2_ (in any case) that the agent does not read, naming
// the closest variable it does read when one is close (or has the same
// words in another order): a misspelt variable is otherwise silently
// ignored. (The server still gets it, as any variable that is not a
// secret's, and a deployment.toml may read it: $env{NAME}.) Only names
// are shown, never values. Other variables (HAProxy's SERVICE_PORTS,
// COOKIE, VIRTUAL_HOST ...; the JVM's JAVA_OPTS, JVM_MEM_OPTS) are not the
// agent's concern and stay silent.
func UnknownVarWarnings(environ []string) []string {
	known := KnownVarNames()
	var out []string
	seen := map[string]bool{}
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if seen[name] || !strings.HasPrefix(strings.ToUpper(name), "WSO2_") || known[name] || isJobVar(name) {
			continue
		}
		seen[name] = true
		w := fmt.Sprintf("%s is not a variable the agent reads, so the agent ignores it", name)
		if best := ClosestVar(name, known); best != "" {
			w += "; did you mean " + best + "?"
		}
		out = append(out, w)
	}
	sort.Strings(out)
	return out
}

// KnownVarNames is every variable name the agent reads, with the NAME_FILE
// forms of the secrets; WSO2_AGENT_JOB_<NAME> is matched by isJobVar.
func KnownVarNames() map[string]bool {
	out := map[string]bool{}
	for _, v := range Vars() {
		if !strings.Contains(v.Name, "<") {
			out[v.Name] = true
		}
	}
	for _, n := range SecretNames() {
		out[n+"_FILE"] = true
	}
	return out
}

// jobVarPrefix starts the variables that declare jobs.
const jobVarPrefix = "WSO2_AGENT_JOB_"

// isJobVar reports whether name declares a job, the bare prefix included:
// the jobs' load reads it too (and refuses it, "empty job name"), so a
// warning that the agent ignores it would contradict that error.
func isJobVar(name string) bool {
	return strings.HasPrefix(name, jobVarPrefix)
}

// ClosestVar returns the known names nearest to name (edit distance, a
// transposition counting as one edit, ignoring case), joined with " or "
// when several are as near (WSO2_PROXY_PORT_HTTS), or "" when none is
// within a quarter of the name's length (at least 1, at most 3 edits).
func ClosestVar(name string, known map[string]bool) string {
	u := strings.ToUpper(name)
	if strings.HasPrefix(u, "WSO2_AGENT_JOBS_") || strings.HasPrefix(u, "WSO2_JOB_") || u == strings.TrimSuffix(jobVarPrefix, "_") {
		return jobVarPrefix + "<NAME>"
	}
	// The same words in another order (the Helm charts'
	// WSO2_PRIMARY_KEYSTORE_PASSWORD for WSO2_KEYSTORE_PRIMARY_PASSWORD),
	// which no edit distance within the limit reaches.
	var same []string
	for k := range known {
		if sameWords(u, k) {
			same = append(same, k)
		}
	}
	if len(same) > 0 {
		sort.Strings(same)
		return strings.Join(same, " or ")
	}
	limit := min(max(len(u)/4, 1), 3)
	var best []string
	bestD := limit + 1
	for k := range known {
		switch d := EditDistance(u, k); {
		case d < bestD:
			best, bestD = []string{k}, d
		case d == bestD && d <= limit:
			best = append(best, k)
		}
	}
	sort.Strings(best)
	return strings.Join(best, " or ")
}

// sameWords reports whether a and b are the same '_'-separated words in
// another order.
func sameWords(a, b string) bool {
	if a == b || len(a) != len(b) {
		return false
	}
	wa, wb := strings.Split(a, "_"), strings.Split(b, "_")
	sort.Strings(wa)
	sort.Strings(wb)
	return slices.Equal(wa, wb)
}

// EditDistance is the optimal string alignment distance of a and b
// (insertions, deletions, substitutions and adjacent transpositions).
func EditDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
