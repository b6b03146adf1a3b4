package tomlconf

import (
	"strings"
	"testing"
)

// TestMasked: on the real 4.5 control-plane file, the values of the keys
// named secret are replaced (the spacing around '=' stays; a value the mask
// declines stays), keys inside an array of tables are named by the array,
// and the user names and alias that equal the passwords stay.
func TestMasked(t *testing.T) {
	src := fixture(t, "wso2am-acp-4.5.0/repository/conf/deployment.toml")
	d, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	out := string(d.Masked(func(k Key) bool {
		last := k[len(k)-1]
		if last == "password" || last == "key_password" {
			keys = append(keys, k.String())
			return true
		}
		return false
	}, func(v Value) (string, bool) {
		s, ok := v.(string)
		if !ok || strings.HasPrefix(s, "$") {
			return "", false
		}
		return "<" + s + ">", true
	}))
	if got := strings.Join(keys, " "); got != "super_admin.password database.apim_db.password database.shared_db.password keystore.tls.password keystore.tls.key_password event_listener.properties.password" {
		t.Errorf("keys asked about: %s", got)
	}
	for _, want := range []string{
		"[super_admin]\nusername = \"admin\"\npassword = <admin>\n",
		"username = \"wso2carbon\"\npassword = <wso2carbon>\n",
		"password =  <wso2carbon>\nalias =  \"wso2carbon\"\nkey_password =  <wso2carbon>\n",
		"#password =  \"wso2carbon\"\n",
		"password = \"${admin.password}\"\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("masked file lacks %q", want)
		}
	}
	if n := strings.Count(out, "\n"); n != strings.Count(string(src), "\n") {
		t.Errorf("%d lines, want %d", n, strings.Count(string(src), "\n"))
	}
}
