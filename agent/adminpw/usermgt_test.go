package adminpw

import (
	"github.com/wso2-container/agent/internal/fixtures"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wso2-container/agent/agent/exitcode"
)

var fixtureTree = fixtures.Path("wso2-fixtures")

// homeWith copies a fixture's user-mgt.xml (optionally edited) into a fresh
// product home and returns the home.
func homeWith(t *testing.T, product string, edit func(string) string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureTree, product, UserMgtPath))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	s := string(b)
	if edit != nil {
		s = edit(s)
	}
	home := t.TempDir()
	p := filepath.Join(home, UserMgtPath)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return home
}

func replaceOnce(t *testing.T, old, new string) func(string) string {
	return func(s string) string {
		if strings.Count(s, old) < 1 {
			t.Fatalf("fixture lacks %q", old)
		}
		return strings.Replace(s, old, new, 1)
	}
}

func TestLoadStoreConfigFixtures(t *testing.T) {
	for _, product := range []string{"wso2am-2.0.0", "wso2is-5.2.0", "wso2am-analytics-2.0.0"} {
		t.Run(product, func(t *testing.T) {
			home := homeWith(t, product, nil)
			sc, err := LoadStoreConfig(home)
			if err != nil {
				t.Fatal(err)
			}
			want := StoreConfig{Digest: "SHA-256", Salted: true, PasswordRegex: `^[\S]{5,30}$`, Source: filepath.Join(home, UserMgtPath)}
			if sc != want {
				t.Fatalf("got %+v, want %+v", sc, want)
			}
		})
	}
}

func TestLoadStoreConfigDefaults(t *testing.T) {
	for name, home := range map[string]string{"no home": "", "no file": t.TempDir()} {
		sc, err := LoadStoreConfig(home)
		if err != nil || sc != Defaults() {
			t.Errorf("%s: got %+v, %v; want the defaults", name, sc, err)
		}
	}
	if d := Defaults(); d.Digest != "SHA-256" || !d.Salted || d.PasswordRegex != `^[\S]{5,30}$` {
		t.Errorf("Defaults() = %+v, not Carbon's shipped values", d)
	}
}

func TestLoadStoreConfigEdited(t *testing.T) {
	const am = "wso2am-2.0.0"
	for _, tc := range []struct {
		name string
		edit func(*testing.T) func(string) string
		want StoreConfig
	}{
		{"SHA-512 unsalted", func(t *testing.T) func(string) string {
			return func(s string) string {
				s = replaceOnce(t, `<Property name="PasswordDigest">SHA-256</Property>`, `<Property name="PasswordDigest"> SHA-512 </Property>`)(s)
				return replaceOnce(t, `<Property name="StoreSaltedPassword">true</Property>`, `<Property name="StoreSaltedPassword">false</Property>`)(s)
			}
		}, StoreConfig{Digest: "SHA-512", Salted: false, PasswordRegex: DefaultPasswordRegex}},
		{"salted TRUE any case", func(t *testing.T) func(string) string {
			return replaceOnce(t, `<Property name="StoreSaltedPassword">true</Property>`, `<Property name="StoreSaltedPassword">TRUE</Property>`)
		}, StoreConfig{Digest: "SHA-256", Salted: true, PasswordRegex: DefaultPasswordRegex}},
		{"properties absent: Carbon's absent behaviour", func(t *testing.T) func(string) string {
			return func(s string) string {
				s = replaceOnce(t, `<Property name="PasswordDigest">SHA-256</Property>`, ``)(s)
				s = replaceOnce(t, `<Property name="StoreSaltedPassword">true</Property>`, ``)(s)
				return replaceOnce(t, `<Property name="PasswordJavaRegEx">^[\S]{5,30}$</Property>`, ``)(s)
			}
		}, StoreConfig{}},
		{"own policy", func(t *testing.T) func(string) string {
			return replaceOnce(t, `<Property name="PasswordJavaRegEx">^[\S]{5,30}$</Property>`, `<Property name="PasswordJavaRegEx">^[\S]{12,64}$</Property>`)
		}, StoreConfig{Digest: "SHA-256", Salted: true, PasswordRegex: `^[\S]{12,64}$`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := homeWith(t, am, tc.edit(t))
			sc, err := LoadStoreConfig(home)
			if err != nil {
				t.Fatal(err)
			}
			tc.want.Source = filepath.Join(home, UserMgtPath)
			if sc != tc.want {
				t.Fatalf("got %+v, want %+v", sc, tc.want)
			}
		})
	}
}

func TestLoadStoreConfigErrors(t *testing.T) {
	const am = "wso2am-2.0.0"
	ldap := func(t *testing.T) func(string) string {
		// What the IS 5.2.0 build does (MANIFEST D5): the JDBC block is
		// commented out and an LDAP store is primary.
		return func(s string) string {
			s = replaceOnce(t, `<UserStoreManager class="org.wso2.carbon.user.core.jdbc.JDBCUserStoreManager">`, `<!--UserStoreManager class="org.wso2.carbon.user.core.jdbc.JDBCUserStoreManager">`)(s)
			s = replaceOnce(t, "</UserStoreManager>\n", "</UserStoreManager-->\n")(s)
			return replaceOnce(t, `<!--UserStoreManager class="org.wso2.carbon.user.core.ldap.ReadOnlyLDAPUserStoreManager">`, `<UserStoreManager class="org.wso2.carbon.user.core.ldap.ReadOnlyLDAPUserStoreManager">`)(
				replaceOnce(t, "</UserStoreManager-->\n\t\n\t    <!-- Active", "</UserStoreManager>\n\t\n\t    <!-- Active")(s))
		}
	}
	for _, tc := range []struct {
		name string
		edit func(*testing.T) func(string) string
		code int
		want string
	}{
		{"LDAP primary", ldap, exitcode.Config, `"org.wso2.carbon.user.core.ldap.ReadOnlyLDAPUserStoreManager", not a JDBCUserStoreManager`},
		{"malformed", func(t *testing.T) func(string) string {
			return replaceOnce(t, "</Realm>", "</Realmx>")
		}, exitcode.DataErr, "parse user-mgt.xml"},
		{"unknown digest", func(t *testing.T) func(string) string {
			return replaceOnce(t, `>SHA-256<`, `>BLAKE2<`)
		}, exitcode.Config, `PasswordDigest "BLAKE2" is not supported`},
		{"no store", func(t *testing.T) func(string) string {
			return func(string) string { return "<UserManager><Realm/></UserManager>" }
		}, exitcode.DataErr, "no UserManager/Realm/UserStoreManager"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := homeWith(t, am, tc.edit(t))
			_, err := LoadStoreConfig(home)
			if err == nil || exitcode.Of(err) != tc.code || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v (code %d), want code %d and %q", err, exitcode.Of(err), tc.code, tc.want)
			}
			if !strings.Contains(err.Error(), filepath.Join(home, UserMgtPath)) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
	t.Run("unreadable", func(t *testing.T) {
		home := t.TempDir()
		if err := os.MkdirAll(filepath.Join(home, UserMgtPath), 0o755); err != nil { // a directory where the file should be
			t.Fatal(err)
		}
		_, err := LoadStoreConfig(home)
		if exitcode.Of(err) != exitcode.NoInput {
			t.Fatalf("got %v (code %d), want NoInput", err, exitcode.Of(err))
		}
	})
}

func FuzzParseUserMgt(f *testing.F) {
	for _, p := range []string{"wso2am-2.0.0", "wso2is-5.2.0", "wso2am-analytics-2.0.0"} {
		b, err := os.ReadFile(filepath.Join(fixtureTree, p, UserMgtPath))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`<UserManager><Realm><UserStoreManager class="x.JDBCUserStoreManager"><Property name="PasswordDigest">md5</Property></UserStoreManager></Realm></UserManager>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := ParseUserMgt(data)
		if err != nil {
			if c := exitcode.Of(err); c != exitcode.DataErr && c != exitcode.Config {
				t.Fatalf("error with exit code %d: %v", c, err)
			}
			return
		}
		if CheckDigest(sc.Digest) != nil {
			t.Fatalf("accepted unsupported digest %q", sc.Digest)
		}
	})
}
