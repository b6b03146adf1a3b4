package agent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wso2-container/agent/agent/exitcode"
)

// TestPatchErrorsNameTheLine: a patch line whose edit the file cannot take
// stops the agent with an error naming the patch file and line, the edit
// and the file ("WSO2_AGENT_PATCHES: FILE:LINE: OP PATH in FILE: reason",
// exit 78, as a patch file's errors found at load), whichever of several
// patch files holds it; a file that a patch line names and that is missing
// (66) or malformed (65) names that line too; the profile's own edits and
// the product's files do not look like a patch's error. Every row runs the
// real binary on the real fixture tree: one error line, and every file as
// it was (runBadCase).
func TestPatchErrorsNameTheLine(t *testing.T) {
	const (
		carbon   = "file repository/conf/carbon.xml\n"
		badSet   = "set /Server/Nope x\n"
		noMatch  = "set /Server/Nope in repository/conf/carbon.xml: path matches 0 elements, want exactly 1"
		goodEdit = "set /Server/Ports/Offset 2\n"
	)
	// In want, {p} is the folder of the patch files, {home} the home.
	cases := []struct {
		name    string
		profile string
		patches []string // a.patch, b.patch, ... in WSO2_AGENT_PATCHES order
		setup   func(t *testing.T, b *badEnv)
		code    int
		want    string // the error line after "agent: render: "
	}{
		{name: "two patch files with the same bad line: the first one's",
			patches: []string{"# site tweaks\n" + carbon + goodEdit + "\n" + badSet, carbon + badSet},
			code:    exitcode.Config, want: "WSO2_AGENT_PATCHES: {p}/a.patch:5: " + noMatch},
		{name: "the bad line in the second patch file",
			patches: []string{carbon + goodEdit, "# more\n" + carbon + badSet},
			code:    exitcode.Config, want: "WSO2_AGENT_PATCHES: {p}/b.patch:3: " + noMatch},
		{name: "a path that matches two elements",
			patches: []string{carbon + "set /Server/ServiceUserRoles/Role/Name x\n"},
			code:    exitcode.Config, want: "WSO2_AGENT_PATCHES: {p}/a.patch:2: set /Server/ServiceUserRoles/Role/Name in repository/conf/carbon.xml: path matches 2 elements, want exactly 1"},
		{name: "--all without a match",
			patches: []string{"file repository/conf/axis2/axis2.xml\nattr /axisconfig/clustering enable true\nattr --all //Nope a 1\n"},
			code:    exitcode.Config, want: "WSO2_AGENT_PATCHES: {p}/a.patch:3: attr //Nope in repository/conf/axis2/axis2.xml: path matches no element"},
		{name: "set of an element with child elements",
			patches: []string{carbon + "set /Server/Ports x\n"},
			code:    exitcode.Config, want: "WSO2_AGENT_PATCHES: {p}/a.patch:2: set /Server/Ports in repository/conf/carbon.xml: element /Server/Ports has child elements; use SetChildren"},
		{name: "ensure whose element does not match its path",
			patches: []string{carbon + "ensure /Server/X <Y/>\n"},
			code:    exitcode.Config, want: "WSO2_AGENT_PATCHES: {p}/a.patch:2: ensure /Server/X in repository/conf/carbon.xml: after inserting the XML the path matches 0 elements, want 1"},
		{name: "a properties value that is not UTF-8",
			patches: []string{"file repository/conf/log4j.properties\nprop log4j.rootLogger \xff\n"},
			code:    exitcode.Config, want: "WSO2_AGENT_PATCHES: {p}/a.patch:2: prop log4j.rootLogger in repository/conf/log4j.properties: key or value is not valid UTF-8"},
		{name: "a TOML key that is a table",
			setup:   withFile("repository/conf/deployment.toml", "wso2am-acp-4.5.0/repository/conf/deployment.toml"),
			patches: []string{"file repository/conf/deployment.toml\nset server.hostname \"x\"\nset apim.cors 1\n"},
			code:    exitcode.Config, want: "WSO2_AGENT_PATCHES: {p}/a.patch:3: set apim.cors in repository/conf/deployment.toml: it is a table, not a value"},
		{name: "a fragment that is not well-formed (found at load)",
			patches: []string{carbon + "ensure /Server/X <<EOF\n<X>\n  <Y/>\nEOF\n"},
			code:    exitcode.Config, want: "WSO2_AGENT_PATCHES: {p}/a.patch:2: ensure: fragment: line 1: element <X> is not closed"},
		{name: "a missing target file",
			patches: []string{"file repository/conf/does-not-exist.xml\n" + badSet},
			code:    exitcode.NoInput, want: "WSO2_AGENT_PATCHES: {p}/a.patch:1: read {home}/repository/conf/does-not-exist.xml: no such file or directory"},
		{name: "a missing target file named by a later file line",
			patches: []string{carbon + goodEdit + "file repository/conf/nope.properties\nunprop a\n"},
			code:    exitcode.NoInput, want: "WSO2_AGENT_PATCHES: {p}/a.patch:3: read {home}/repository/conf/nope.properties: no such file or directory"},
		{name: "a missing file that the profile may lack and a patch edits",
			profile: "identityserver",
			setup:   removeFile("repository/conf/identity/sso-idp-config.xml"),
			patches: []string{"file repository/conf/identity/sso-idp-config.xml\nremove //X\n"},
			code:    exitcode.NoInput, want: "WSO2_AGENT_PATCHES: {p}/a.patch:1: read {home}/repository/conf/identity/sso-idp-config.xml: no such file or directory"},
		{name: "a malformed file that only a patch edits",
			setup:   writeHomeFile("repository/conf/extra.xml", "<a>\n  <b>\n</a>\n"),
			patches: []string{"file repository/conf/extra.xml\nremove /a/b\n"},
			code:    exitcode.DataErr, want: "WSO2_AGENT_PATCHES: {p}/a.patch:1: edit {home}/repository/conf/extra.xml: parse: line 3: end tag </a> does not match <b> (line 2)"},
		{name: "a malformed file the profile edits too",
			setup:   writeHomeFile("repository/conf/carbon.xml", "<Server>\n  <Ports>\n</Server>\n"),
			patches: []string{carbon + goodEdit},
			code:    exitcode.DataErr, want: "edit {home}/repository/conf/carbon.xml: parse: line 3: end tag </Server> does not match <Ports> (line 2)"},
		{name: "the profile's own edit that does not fit the file",
			setup:   editHomeFile("repository/conf/carbon.xml", "<KeyAlias>wso2carbon</KeyAlias>", ""),
			patches: []string{carbon + goodEdit},
			code:    exitcode.DataErr, want: "edit {home}/repository/conf/carbon.xml: set /Server/Security/KeyStore/KeyAlias: path matches 0 elements, want exactly 1"},
		{name: "the analytics carbon app that is not an archive",
			profile: "analytics",
			setup:   writeHomeFile("repository/deployment/server/carbonapps/org_wso2_carbon_analytics_apim-1.0.0.car", "not a zip\n"),
			patches: []string{"file repository/conf/carbon.xml\n" + goodEdit},
			code:    exitcode.DataErr, want: "edit {home}/repository/deployment/server/carbonapps/org_wso2_carbon_analytics_apim-1.0.0.car: carbon app archive: not a readable zip archive (10 bytes): zip: not a valid zip file"},
	}
	var rows []badCase
	for _, tc := range cases {
		tc := tc
		rows = append(rows, badCase{name: tc.name, profile: tc.profile, code: tc.code,
			setup: func(t *testing.T, b *badEnv) {
				if tc.setup != nil {
					tc.setup(t, b)
				}
				dir := t.TempDir()
				var names []string
				for i, body := range tc.patches {
					p := filepath.Join(dir, string(rune('a'+i))+".patch")
					if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
						t.Fatal(err)
					}
					names = append(names, p)
				}
				b.Roots = append(b.Roots, dir)
				b.Env["WSO2_AGENT_PATCHES"] = strings.Join(names, ",")
			},
			check: func(t *testing.T, b *badEnv, r runResult) {
				dir := filepath.Dir(strings.Split(b.Env["WSO2_AGENT_PATCHES"], ",")[0])
				want := "agent: render: " + strings.NewReplacer("{p}", dir, "{home}", b.Home).Replace(tc.want)
				if lines := levelLines(r.Stderr, "ERROR"); len(lines) != 1 || lines[0] != want {
					t.Errorf("got  %q\nwant %q", lines, want)
				}
				if !strings.HasPrefix(tc.want, "WSO2_AGENT_PATCHES: ") && strings.Contains(r.Stderr, "patch") {
					t.Errorf("an error of the profile's own edits or the product's file speaks of a patch: %s", r.Stderr)
				}
			}})
	}
	runBadMatrix(t, rows)
}

// withFile copies the fixture file fixture (relative to the fixtures'
// root) to rel in the home.
func withFile(rel, fixture string) func(t *testing.T, b *badEnv) {
	return func(t *testing.T, b *badEnv) {
		t.Helper()
		writeHomeFile(rel, readFile(t, filepath.Join(fixturesRoot, fixture)))(t, b)
	}
}

// writeHomeFile writes content to rel in the home.
func writeHomeFile(rel, content string) func(t *testing.T, b *badEnv) {
	return func(t *testing.T, b *badEnv) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(b.Home, rel), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// editHomeFile replaces the one occurrence of old in rel in the home by new.
func editHomeFile(rel, old, new string) func(t *testing.T, b *badEnv) {
	return func(t *testing.T, b *badEnv) {
		t.Helper()
		src := readFile(t, filepath.Join(b.Home, rel))
		if strings.Count(src, old) != 1 {
			t.Fatalf("%s holds %q %d times, want once", rel, old, strings.Count(src, old))
		}
		writeHomeFile(rel, strings.Replace(src, old, new, 1))(t, b)
	}
}

// removeFile removes rel from the home.
func removeFile(rel string) func(t *testing.T, b *badEnv) {
	return func(t *testing.T, b *badEnv) {
		t.Helper()
		if err := os.Remove(filepath.Join(b.Home, rel)); err != nil {
			t.Fatal(err)
		}
	}
}
