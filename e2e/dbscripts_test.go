package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/wso2-container/agent/internal/mariadbtest"
)

// createdTables lists, upper-cased and sorted, the tables a MySQL script
// creates: the names after each CREATE TABLE [IF NOT EXISTS] outside
// comments ("-- " to the end of the line, and /* */).
func createdTables(t *testing.T, script string) []string {
	t.Helper()
	b, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	text := regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(string(b), "")
	text = regexp.MustCompile(`(?m)--.*$`).ReplaceAllString(text, "")
	seen := map[string]bool{}
	re := regexp.MustCompile("(?i)CREATE\\s+TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?`?(\\w+)")
	for _, m := range re.FindAllStringSubmatch(text, -1) {
		seen[strings.ToUpper(m[1])] = true
	}
	var l []string
	for n := range seen {
		l = append(l, n)
	}
	sort.Strings(l)
	return l
}

// TestAPIM4DatabaseInitLoadsTheProductSchemas runs deploy/mysql/
// apim4-databases.sh, the init script of the pattern-3 deployments, with the
// real mysql client against a real MariaDB server, on the API Manager 4.5.0
// dbscripts bundled as fixtures (testdata/wso2-fixtures/MANIFEST.md). Every
// table each product script creates must then exist in its database
// (shared_db from dbscripts/mysql.sql, apim_db from dbscripts/apimgt/
// mysql.sql), and the user must have been granted both.
func TestAPIM4DatabaseInitLoadsTheProductSchemas(t *testing.T) {
	if _, err := exec.LookPath("mysql"); err != nil {
		t.Fatalf("the mysql client is needed (make deps installs mariadb-client): %v", err)
	}
	srv := mariadbtest.StartT(t)
	// As the mysql image's entrypoint does for $MYSQL_USER before it runs
	// the init scripts.
	srv.Exec(t, "", "CREATE USER 'wso2carbon'@'%' IDENTIFIED BY ?", "wso2carbon-pw")
	scripts := filepath.Join(fixturesDir(t), "wso2am-4.5.0", "dbscripts")

	// The client finds the test server's socket in ~/.my.cnf (Debian's
	// /etc/mysql/my.cnf names /run/mysqld and wins over $MYSQL_UNIX_PORT).
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, ".my.cnf"), []byte("[client]\nsocket="+srv.Socket+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", filepath.Join(repoRoot, "deploy", "mysql", "apim4-databases.sh"))
	cmd.Env = append(os.Environ(), "HOME="+home, "MYSQL_USER=wso2carbon", "MYSQL_ROOT_PASSWORD=", "DBSCRIPTS_DIR="+scripts)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("apim4-databases.sh: %v\n%s\nserver log:\n%s", err, out, srv.Log())
	}
	for _, w := range []string{"loading " + scripts + "/mysql.sql into shared_db", "loading " + scripts + "/apimgt/mysql.sql into apim_db"} {
		if !strings.Contains(string(out), w) {
			t.Errorf("apim4-databases.sh output lacks %q:\n%s", w, out)
		}
	}

	root, err := srv.Root("")
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	for _, c := range []struct{ db, script string }{
		{"shared_db", filepath.Join(scripts, "mysql.sql")},
		{"apim_db", filepath.Join(scripts, "apimgt", "mysql.sql")},
	} {
		want := createdTables(t, c.script)
		if len(want) < 40 {
			t.Fatalf("%s: only %d CREATE TABLE statements found: not the product script?", c.script, len(want))
		}
		rows, err := root.Query("SELECT UPPER(TABLE_NAME) FROM information_schema.TABLES WHERE TABLE_SCHEMA=? ORDER BY 1", c.db)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			got = append(got, n)
		}
		rows.Close()
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: tables after the init script:\n%v\nwant the %d its script creates:\n%v", c.db, got, len(want), want)
		}
		var grants int
		if err := root.QueryRow("SELECT COUNT(*) FROM mysql.db WHERE User='wso2carbon' AND Host='%' AND Db=? AND Create_priv='Y'", c.db).Scan(&grants); err != nil || grants != 1 {
			t.Errorf("%s: wso2carbon@%% not granted it (%d rows, %v)", c.db, grants, err)
		}
	}
}
