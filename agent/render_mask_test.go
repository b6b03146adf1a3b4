package agent

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wso2-container/agent/agent/plan"
)

// TestRenderMasksByMeaning (issue 13, "mask by meaning, not by
// coincidence"): render masks the values at the places the plan knows are
// secret, before and after, and shows a value that merely equals a secret
// somewhere else. Each row plans a real fixture home (the gateway, or the
// API Manager 4.5 control plane) in process; show must be in the dry-run
// diff, showJSON in the JSON report, and hide in neither.
func TestRenderMasksByMeaning(t *testing.T) {
	const kr = "repository/conf/"
	for _, c := range []struct {
		name           string
		a4             bool
		env            []string // over the golden environment
		patch          string   // WSO2_AGENT_PATCHES
		setup          func(t *testing.T, home string)
		show, showJSON []string
		hide           []string
	}{
		{name: "default admin password: the admin user and role are shown",
			env: []string{"WSO2_ADMIN_PASSWORD", "admin"},
			// A change beside them puts them into the diff.
			patch: "file " + kr + "user-mgt.xml\nset /UserManager/Realm/Configuration/AddAdmin false\n" +
				"set /UserManager/Realm/Configuration/Property[@name='isCascadeDeleteEnabled'] false\n",
			show: []string{"\n             <AdminRole>admin</AdminRole>\n", "\n                 <UserName>admin</UserName>\n", "\n                 <Password>[secret "},
			hide: []string{"<Password>admin<"}},
		{name: "the old admin password is masked at its places, the user name equal to it is shown",
			show:     []string{"\n log4j.appender.LOGEVENT.userName=admin\n", "\n-                <Password>[secret ", "\n-log4j.appender.LOGEVENT.password=[secret "},
			showJSON: []string{`"target": "/UserManager/Realm/Configuration/AdminUser/Password", "op": "set", "old": "********", "new": "********", "secret": true`},
			hide:     []string{"<Password>admin<", "password=admin", `"old": "admin"`}},
		{name: "a jndi.properties line equal to a secret at a non-secret key is shown",
			env:   []string{"WSO2_MYSQL_PASSWORD", "throttleData"},
			patch: "file " + kr + "jndi.properties\nprop queue.MyQueue example.MyQueue\n",
			show:  []string{"\n topic.throttleData = throttleData\n", "<Destination>throttleData</Destination>"},
			// The datasources inserted whole hold the password: masked there too.
			showJSON: []string{"<password>[secret "},
			hide:     []string{"<password>throttleData<", "<Password>throttleData<"}},
		{name: "the admin user name equal to the password is shown, the password places are not",
			env:      []string{"WSO2_ADMIN_USERNAME", "Same-As-Pw-42", "WSO2_ADMIN_PASSWORD", "Same-As-Pw-42"},
			show:     []string{"\n+                <UserName>Same-As-Pw-42</UserName>\n", "\n+                <Password>[secret "},
			showJSON: []string{`"old": "admin", "new": "Same-As-Pw-42", "secret": false`},
			hide:     []string{"<Password>Same-As-Pw-42", "password=Same-As-Pw-42", "Same-As-Pw-42@", ":Same-As-Pw-42"}},
		{name: "an old secret in a file never shows at its place; the same value at a non-secret place does",
			setup: func(t *testing.T, home string) {
				f := filepath.Join(home, kr+"carbon.xml")
				b := readFile(t, f)
				for _, tag := range []string{"Password", "KeyAlias"} {
					old := "            <" + tag + ">wso2carbon</" + tag + ">\n"
					if !strings.Contains(b, old) {
						t.Fatalf("carbon.xml has no %q", old)
					}
					b = strings.Replace(b, old, "            <"+tag+">Old-Ks-S3cret</"+tag+">\n", 1)
				}
				if err := os.WriteFile(f, []byte(b), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			show:     []string{"\n-            <Password>[secret ", "\n-            <KeyAlias>Old-Ks-S3cret</KeyAlias>\n"},
			showJSON: []string{`"target": "/Server/Security/KeyStore/KeyAlias", "op": "set", "old": "Old-Ks-S3cret"`},
			hide:     []string{"<Password>Old-Ks-S3cret<", `"old": "Old-Ks-S3cret", "new": "********"`}},
		{name: "a non-secret patch edit of a secret place is secret",
			patch:    "file " + kr + "datasources/master-datasources.xml\nset //datasource[name='WSO2AM_DB']/definition/configuration/password Plain-Pw-77\n",
			showJSON: []string{`"target": "/datasources-configuration/datasources/datasource[2]/definition/configuration/password", "op": "set", "old": "********", "new": "********", "secret": true`},
			hide:     []string{"Plain-Pw-77"}},
		{name: "the XML a children edit replaces is masked where it holds a secret place's value",
			patch:    "file " + kr + "datasources/master-datasources.xml\nchildren //datasource[name='WSO2AM_DB']/definition/configuration <<EOF\n<url>jdbc:h2:mem:x</url>\nEOF\n",
			showJSON: []string{`"op": "children"`},
			hide:     []string{goldenDBPW}},
		{name: "a secret a patch puts into an element's name is masked in the file",
			env:   []string{"MY_API_TOKEN", "Tok3n-S3cret-v4lue"},
			patch: "file " + kr + "carbon.xml\nensure /Server/Token-${MY_API_TOKEN} <Token-${MY_API_TOKEN}/>\n",
			show:  []string{"\n+   <Token-[secret "},
			hide:  []string{"Tok3n-S3cret-v4lue"}},
		{name: "a secret a patch puts into a key is masked in the file",
			patch: "file " + kr + "jndi.properties\nprop topic.${WSO2_ADMIN_PASSWORD} on\n",
			show:  []string{"\n+topic.[secret "}},
		{name: "4.x: the user names equal to the old passwords are shown, a reference at a password key too",
			a4:   true,
			show: []string{"\n username = \"admin\"\n-password = \"[secret ", "\n-username = \"wso2carbon\"\n-password = \"[secret ", "\n+password = \"${admin.password}\"\n"},
			hide: []string{"password = \"admin\"", "password = \"wso2carbon\""}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var home string
			var env map[string]string
			if c.a4 {
				home = a4Layout(t, a4Cases[0])
				env = a4GoldenEnv(t, a4Cases[0], home)
			} else {
				home = freshHome(t, "gateway")
				env = goldenEnv(t, "gateway", home)
			}
			env = with(env, c.env...)
			if c.patch != "" {
				pf := filepath.Join(t.TempDir(), "render.patch")
				if err := os.WriteFile(pf, []byte(c.patch), 0o644); err != nil {
					t.Fatal(err)
				}
				env["WSO2_AGENT_PATCHES"] = pf
			}
			if c.setup != nil {
				c.setup(t, home)
			}
			p, err := planFor(t, env, goldenDNS)
			if err != nil {
				t.Fatal(err)
			}
			var text bytes.Buffer
			if err := p.WriteText(&text, true); err != nil {
				t.Fatal(err)
			}
			// The report as JSON, one action per line, without HTML escapes.
			var js bytes.Buffer
			enc := json.NewEncoder(&js)
			enc.SetEscapeHTML(false)
			r := p.Report(true)
			for _, a := range r.Actions {
				if err := enc.Encode(a); err != nil {
					t.Fatal(err)
				}
			}
			if err := enc.Encode(plan.Report{Warnings: r.Warnings, Checks: r.Checks, Jobs: r.Jobs, Changed: r.Changed}); err != nil {
				t.Fatal(err)
			}
			jsText := strings.ReplaceAll(js.String(), `","`, `", "`)
			jsText = strings.ReplaceAll(strings.ReplaceAll(jsText, `":`, `": `), `,"`, `, "`)
			for _, s := range c.show {
				if !strings.Contains(text.String(), s) {
					t.Errorf("the diff does not show %q:\n%s", s, text.String())
				}
			}
			for _, s := range c.showJSON {
				if !strings.Contains(jsText, s) {
					t.Errorf("the report does not show %q:\n%s", s, jsText)
				}
			}
			for _, s := range c.hide {
				if strings.Contains(text.String(), s) {
					t.Errorf("the diff shows %q:\n%s", s, text.String())
				}
				if strings.Contains(jsText, s) {
					t.Errorf("the report shows %q:\n%s", s, jsText)
				}
			}
			assertNoSecrets(t, text.String()+jsText)
		})
	}
}

// TestRenderMasksSecretInPaths: the home, the server command and the
// addresses waited for are free text like file names and job commands: a
// secret value that is part of them is shown as [secret N], in the JSON
// report and in the text, dry run or not. They were printed as they were.
func TestRenderMasksSecretInPaths(t *testing.T) {
	const secret = "pw-in-path-42"
	home := filepath.Join(t.TempDir(), secret, "home")
	fxCopy(t, fixtureFor(t, "gateway"), home)
	env := processEnv(t, "gateway", home)
	env["WSO2_MYSQL_PASSWORD"] = secret
	env["WSO2_AGENT_WAIT_FOR"] = "tcp://" + secret + ".example:3306"
	for _, args := range [][]string{
		{"render", "--dry-run", "--output", "json"},
		{"render", "--dry-run"},
		{"render", "--output", "json"},
	} {
		r := runPipe(t, env, args...)
		if r.Code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, r.Code, r.Stderr)
		}
		if strings.Contains(r.Stdout+r.Stderr, secret) {
			t.Errorf("%v shows the secret:\n%s", args, grepLines(r.Stdout+r.Stderr, secret))
		}
		if args[len(args)-1] == "json" {
			rep := parseReport(t, r)
			if !strings.Contains(rep.Home, "[secret ") || !strings.Contains(rep.Command[0], "[secret ") || !strings.Contains(rep.WaitFor[0], "[secret ") {
				t.Errorf("%v: home %q, command %q, wait_for %q: want [secret N] in each", args, rep.Home, rep.Command, rep.WaitFor)
			}
		}
	}
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
