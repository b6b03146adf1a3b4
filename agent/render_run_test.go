package agent

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/wso2-container/agent/agent/plan"
	"github.com/wso2-container/agent/internal/testnet"
)

// TestRenderEqualsRun (issue 13, "render == run"): for every Carbon 4.4
// profile and every API Manager 4.x case (a4Cases), on the same home path
// and with the same environment,
//
//   - the actions, changed files, dependencies and server command that
//     `render --dry-run --output json` lists are exactly what `render
//     --output json` then reports, and the files render changes on disk are
//     exactly the changed files it listed;
//   - `run` (on a fresh copy of the same home) logs one "setup: wrote" line
//     for each listed file, with the number of actions listed for it, waits
//     for exactly the listed dependencies, and starts exactly the listed
//     command (the start script it names, inside the home, is replaced by
//     one that prints how it was started).
//
// The database the profiles wait for is a listener of this test.
func TestRenderEqualsRun(t *testing.T) {
	db := testnet.Accepting(t, "127.0.0.1:0")
	dbPort := strconv.Itoa(db.Addr().(*net.TCPAddr).Port)

	type rrCase struct {
		name     string
		pristine func(t *testing.T) string
		env      func(t *testing.T, home string) map[string]string
	}
	var cases []rrCase
	for _, prof := range allProfiles {
		cases = append(cases, rrCase{prof, func(t *testing.T) string { return freshHome(t, prof) },
			func(t *testing.T, home string) map[string]string {
				env := processEnv(t, prof, home)
				env["WSO2_MYSQL_SERVER"] = "127.0.0.1"
				env["WSO2_MYSQL_PORT"] = dbPort
				return env
			}})
	}
	for _, c := range a4Cases {
		cases = append(cases, rrCase{"apim4-" + c.name, func(t *testing.T) string { return a4Layout(t, c) },
			func(t *testing.T, home string) map[string]string {
				env := a4GoldenEnv(t, c, home)
				for _, n := range []string{"WSO2_APIM_DB_URL", "WSO2_SHARED_DB_URL"} {
					if v, ok := env[n]; ok {
						env[n] = strings.Replace(v, "//mysql:3306/", "//127.0.0.1:"+dbPort+"/", 1)
					}
				}
				return env
			}})
	}

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pristine := c.pristine(t)
			home := filepath.Join(t.TempDir(), "home") // one path for all three
			fresh := func() {
				t.Helper()
				if err := os.RemoveAll(home); err != nil {
					t.Fatal(err)
				}
				fxCopy(t, pristine, home)
			}
			fresh()
			env := c.env(t, home)
			env["WSO2_AGENT_USER"] = ""

			report := func(args ...string) plan.Report {
				t.Helper()
				r := runPipe(t, env, args...)
				if r.Code != 0 {
					t.Fatalf("agent %s: exit %d\n%s", strings.Join(args, " "), r.Code, r.Stderr)
				}
				return parseReport(t, r)
			}
			dry := report("render", "--dry-run", "--output", "json")
			if len(dry.Actions) == 0 || len(dry.Changed) == 0 || len(dry.WaitFor) == 0 || len(dry.Command) == 0 {
				t.Fatalf("the dry run plans nothing to compare: %d actions, %d files, wait for %v, command %v",
					len(dry.Actions), len(dry.Changed), dry.WaitFor, dry.Command)
			}
			if want := []string{"127.0.0.1:" + dbPort}; !reflect.DeepEqual(dry.WaitFor, want) {
				t.Fatalf("dry run waits for %v, want %v", dry.WaitFor, want)
			}

			// render applies what the dry run listed, and nothing else.
			before := snapshot(t, home)
			applied := report("render", "--output", "json")
			after := snapshot(t, home)
			if applied.DryRun {
				t.Error("render reports dry_run true")
			}
			for _, c := range []struct {
				what      string
				got, want any
			}{
				{"actions", applied.Actions, dry.Actions},
				{"changed files", applied.Changed, dry.Changed},
				{"wait for", applied.WaitFor, dry.WaitFor},
				{"command", applied.Command, dry.Command},
				{"seeds", applied.Seeds, dry.Seeds},
				{"schedules", applied.Schedules, dry.Schedules},
				{"jobs", applied.Jobs, dry.Jobs},
			} {
				if !reflect.DeepEqual(c.got, c.want) {
					t.Errorf("%s: render applied %v, the dry run listed %v", c.what, c.got, c.want)
				}
			}
			var onDisk []string // regular files added, removed or changed
			for p := range before {
				if _, ok := after[p]; !ok && before[p].Mode.IsRegular() {
					onDisk = append(onDisk, p)
				}
			}
			for p, st := range after {
				if old, ok := before[p]; st.Mode.IsRegular() && (!ok || old != st) {
					onDisk = append(onDisk, p)
				}
			}
			for i, p := range onDisk {
				rel, err := filepath.Rel(home, p)
				if err != nil {
					t.Fatal(err)
				}
				onDisk[i] = rel
			}
			listed := append([]string(nil), dry.Changed...)
			sort.Strings(listed)
			sort.Strings(onDisk)
			if !reflect.DeepEqual(onDisk, listed) {
				t.Errorf("render changed on disk:\n%v\nthe dry run listed:\n%v", onDisk, listed)
			}

			// run, on a fresh copy: the same files and actions, the same
			// dependencies, the same command.
			fresh()
			server := dry.Command[0]
			if !strings.HasPrefix(server, home+string(filepath.Separator)) {
				t.Fatalf("the server command %s is not inside the home", server)
			}
			script := "#!/bin/sh\nprintf 'server-argv: %s' \"$0\"\nfor a; do printf ' %s' \"$a\"; done\necho\n"
			if err := os.WriteFile(server, []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(server, 0o755); err != nil { // an existing file keeps its mode
				t.Fatal(err)
			}
			r := runPipe(t, env, "run")
			if r.Code != 0 {
				t.Fatalf("agent run: exit %d\n%s", r.Code, r.Stderr)
			}
			want := map[string]int{}
			for _, a := range dry.Actions {
				want[a.File]++
			}
			for _, f := range dry.Changed {
				if _, ok := want[f]; !ok {
					want[f] = 0
				}
			}
			got := map[string]int{}
			for _, m := range regexp.MustCompile(`(?m)msg="setup: wrote" file=(\S+) changes=(\d+)$`).FindAllStringSubmatch(r.Stderr, -1) {
				n, _ := strconv.Atoi(m[2])
				got[m[1]] = n
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("run logged the files and changes\n%v\nthe dry run listed\n%v\nrun's log:\n%s", got, want, r.Stderr)
			}
			waitLine := fmt.Sprintf(`msg="waiting for dependencies" addrs=%s `, strings.Join(dry.WaitFor, ","))
			if !strings.Contains(r.Stderr, waitLine) {
				t.Errorf("run did not wait for %v:\n%s", dry.WaitFor, r.Stderr)
			}
			if w := "server-argv: " + strings.Join(dry.Command, " ") + "\n"; r.Stdout != w {
				t.Errorf("run started the server as %q, the dry run listed %q", r.Stdout, w)
			}
		})
	}
}
