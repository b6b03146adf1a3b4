package agent

// Regression tests for the old start scripts' bugs that bugs_test.go does
// not cover by name (see docs/seed-bugs.md for the whole list and the test
// guarding each entry).

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// B3 (and B12): the old scripts appended to /etc/sysctl.conf and
// /etc/security/limits.conf on every start. The agent writes nothing outside
// the product home: every path a first apply writes, for every profile, is
// below WSO2_HOME, and the host's OS configuration files are untouched.
func TestB3_NothingWrittenOutsideTheHome(t *testing.T) {
	osFiles := []string{"/etc/sysctl.conf", "/etc/security/limits.conf"}
	read := func() map[string][]byte {
		m := map[string][]byte{}
		for _, f := range osFiles {
			b, err := os.ReadFile(f)
			if err != nil {
				b = []byte("missing: " + err.Error())
			}
			m[f] = b
		}
		return m
	}
	before := read()
	for _, prof := range allProfiles {
		t.Run(prof, func(t *testing.T) {
			home := freshHome(t, prof)
			p, err := planFor(t, goldenEnv(t, prof, home), goldenDNS)
			if err != nil {
				t.Fatal(err)
			}
			written, err := p.Apply()
			if err != nil {
				t.Fatal(err)
			}
			if len(written) == 0 {
				t.Fatal("the first apply wrote nothing: the check below would prove nothing")
			}
			for _, w := range written {
				rel, err := filepath.Rel(home, w)
				if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
					t.Errorf("wrote %s, outside the home %s", w, home)
				}
			}
		})
	}
	after := read()
	for _, f := range osFiles {
		if !bytes.Equal(before[f], after[f]) {
			t.Errorf("%s changed", f)
		}
	}
}

// B10: names, ports and the network suffix were hard-coded (.wso2, 3306,
// apisqluser). Every one of them comes from the environment: with no domain,
// another port and another user, every MySQL datasource says so.
func TestB10_NamesAndPortsComeFromTheEnvironment(t *testing.T) {
	home := freshHome(t, "gateway")
	mustApply(t, with(goldenEnv(t, "gateway", home),
		"WSO2_DOMAIN", "",
		"WSO2_MYSQL_SERVER", "db.example.net",
		"WSO2_MYSQL_PORT", "3307",
		"WSO2_MYSQL_USER", "other_user"), goldenDNS)
	const ds = "/datasources-configuration/datasources/datasource/definition/configuration"
	urls := xmlTexts(t, conf(home, "datasources/master-datasources.xml"), ds+"/url")
	users := xmlTexts(t, conf(home, "datasources/master-datasources.xml"), ds+"/username")
	mysql := 0
	for i, u := range urls {
		if !strings.HasPrefix(u, "jdbc:mysql:") {
			continue
		}
		mysql++
		if !strings.HasPrefix(u, "jdbc:mysql://db.example.net:3307/") {
			t.Errorf("datasource url %q: want host db.example.net (no .wso2) and port 3307", u)
		}
		if i < len(users) && users[i] != "other_user" {
			t.Errorf("datasource %q user %q, want other_user", u, users[i])
		}
	}
	if mysql == 0 {
		t.Fatalf("no MySQL datasource in master-datasources.xml: %q", urls)
	}
}

// B27: the old publisher image ran with -Dprofile=api-publisher
// -Dprofile=api-store, and the last one won (it really ran as a store). The
// agent's publisher command names exactly one profile, api-publisher.
func TestB27_PublisherRunsOneProfile(t *testing.T) {
	home := freshHome(t, "publisher")
	p, err := planFor(t, goldenEnv(t, "publisher", home), goldenDNS)
	if err != nil {
		t.Fatal(err)
	}
	var profiles []string
	for _, a := range p.Command {
		if strings.HasPrefix(a, "-Dprofile=") {
			profiles = append(profiles, a)
		}
	}
	if len(profiles) != 1 || profiles[0] != "-Dprofile=api-publisher" {
		t.Fatalf("publisher command %q: want exactly one -Dprofile=api-publisher", p.Command)
	}
}

// B31 (repository hygiene): editor backups and merge leftovers were
// committed in the old project. None is tracked here.
func TestB31_NoEditorBackupsTracked(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("git", "-C", root, "ls-files").Output()
	if err != nil {
		t.Fatalf("git ls-files (the tests run in a git checkout): %v", err)
	}
	files := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(files) < 10 {
		t.Fatalf("git ls-files listed %d files: not the repository", len(files))
	}
	junk := regexp.MustCompile(`(~|\.orig|\.rej|\.swp|\.swo|\.bak)$|(^|/)\.#`)
	for _, f := range files {
		if junk.MatchString(f) {
			t.Errorf("tracked editor backup or merge leftover: %s", f)
		}
	}
}
