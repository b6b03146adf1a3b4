package xmlconf

import (
	"strings"
	"testing"
)

// TestMask: on the real files, Mask replaces exactly the values at the
// places the edits select (old value in brackets), and nothing that merely
// equals them: the admin user name and role stay beside the masked admin
// password, the key alias wso2carbon beside the masked store passwords.
func TestMask(t *testing.T) {
	mask := func(v string) string { return "[" + v + "]" }
	const conf = "wso2am-2.0.0/repository/conf/"
	for _, c := range []struct {
		name, file string
		edits      []Edit
		rm, add    []string
	}{
		{"text", conf + "user-mgt.xml",
			[]Edit{{Op: SetText, Path: "/UserManager/Realm/Configuration/AdminUser/Password"}},
			[]string{"                <Password>admin</Password>\n"},
			[]string{"                <Password>[admin]</Password>\n"}},
		{"every match", conf + "carbon.xml",
			[]Edit{{Op: SetText, Path: "//KeyStore/Password"}, {Op: SetText, Path: "//KeyStore/KeyPassword"}},
			[]string{"            <Password>wso2carbon</Password>\n", "            <KeyPassword>wso2carbon</KeyPassword>\n"},
			[]string{"            <Password>[wso2carbon]</Password>\n", "            <KeyPassword>[wso2carbon]</KeyPassword>\n"}},
		{"attribute", conf + "tomcat/catalina-server.xml",
			[]Edit{{Op: SetAttr, Path: "/Server/Service/Connector[@port='9443']", Attr: "keystorePass"}},
			[]string{`                   keystorePass="wso2carbon"` + "\n"},
			[]string{`                   keystorePass="[wso2carbon]"` + "\n"}},
		{"element content, with a place inside it", conf + "datasources/master-datasources.xml",
			[]Edit{{Op: SetText, Path: "//datasource[name='WSO2AM_DB']/definition/configuration/password"},
				{Op: Remove, Path: "//datasource[name='WSO2AM_DB']/definition"}},
			nil, nil},
		{"nothing selected", conf + "user-mgt.xml",
			[]Edit{{Op: SetText, Path: "/UserManager/Missing"}, {Op: SetAttr, Path: "/UserManager", Attr: "missing"}},
			nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := fixture(t, c.file)
			out, err := Mask(src, c.edits, mask)
			if err != nil {
				t.Fatal(err)
			}
			rm, add := lineDiff(src, out)
			if c.name == "element content, with a place inside it" {
				// <definition type="RDBMS">[\n <configuration>...]</definition>
				got := string(out)
				i := strings.Index(got, "<name>WSO2AM_DB</name>")
				if i < 0 || !strings.Contains(got[i:], `<definition type="RDBMS">[`+"\n") || strings.Contains(got[i:i+600], "<password>") {
					t.Fatalf("the definition's content is not masked whole:\n%s", got[i:i+600])
				}
				return
			}
			if strings.Join(rm, "") != strings.Join(c.rm, "") || strings.Join(add, "") != strings.Join(c.add, "") {
				t.Errorf("diff\n-%q\n+%q\nwant\n-%q\n+%q", rm, add, c.rm, c.add)
			}
		})
	}
}

// TestMaskProperties: every line of a named key is masked, set or remove
// alike; the user name beside it, equal to the password, stays.
func TestMaskProperties(t *testing.T) {
	src := fixture(t, "wso2am-2.0.0/repository/conf/log4j.properties")
	out, err := MaskProperties(src, []PropEdit{{Key: "log4j.appender.LOGEVENT.password", Remove: true}}, func(v string) string { return "<" + v + ">" })
	if err != nil {
		t.Fatal(err)
	}
	rm, add := lineDiff(src, out)
	if strings.Count(strings.Join(rm, ""), "log4j.appender.LOGEVENT.password=admin\n") != 2 ||
		strings.Count(strings.Join(add, ""), "log4j.appender.LOGEVENT.password=<admin>\n") != 2 ||
		strings.Contains(strings.Join(add, ""), "userName") {
		t.Errorf("diff -%q +%q", rm, add)
	}
}

// TestSecretPlace: a change that a non-secret edit makes at a place a
// secret edit selects is secret too, before or after it in the list; a
// change beside it is not.
func TestSecretPlace(t *testing.T) {
	const pw = "/UserManager/Realm/Configuration/AdminUser/Password"
	src := fixture(t, "wso2am-2.0.0/repository/conf/user-mgt.xml")
	for _, c := range []struct {
		name  string
		edits []Edit
		want  []bool
	}{
		{"after the secret edit", []Edit{{Op: SetText, Path: pw, Value: "s3cret", Secret: true}, {Op: SetText, Path: pw, Value: "plain"}}, []bool{true, true}},
		{"before it", []Edit{{Op: SetText, Path: pw, Value: "plain"}, {Op: SetText, Path: pw, Value: "s3cret", Secret: true}}, []bool{true, true}},
		{"inside an element a secret edit removes", []Edit{{Op: SetText, Path: pw, Value: "plain"}, {Op: Remove, Path: "/UserManager/Realm/Configuration/AdminUser", Secret: true}}, []bool{true, true}},
		{"beside it", []Edit{{Op: SetText, Path: pw, Value: "s3cret", Secret: true}, {Op: SetText, Path: "/UserManager/Realm/Configuration/AdminUser/UserName", Value: "bob"}}, []bool{true, false}},
		{"another attribute", []Edit{{Op: SetAttr, Path: "/UserManager/Realm/Configuration/Property[@name='dataSource']", Attr: "password", Value: "x", Secret: true},
			{Op: SetText, Path: "/UserManager/Realm/Configuration/Property[@name='dataSource']", Value: "jdbc/X"}}, []bool{true, false}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, ch, err := Apply(src, c.edits)
			if err != nil || len(ch) != len(c.want) {
				t.Fatalf("%v, changes %+v", err, ch)
			}
			for i, w := range c.want {
				if ch[i].Secret != w {
					t.Errorf("change %d (%s): Secret %v, want %v", i, ch[i].Path, ch[i].Secret, w)
				}
			}
		})
	}
	props := fixture(t, "wso2am-2.0.0/repository/conf/log4j.properties")
	_, ch, err := ApplyProperties(props, []PropEdit{{Key: "log4j.appender.LOGEVENT.password", Value: "plain"},
		{Key: "log4j.appender.LOGEVENT.password", Value: "s3cret", Secret: true}, {Key: "log4j.appender.LOGEVENT.userName", Value: "bob"}})
	if err != nil || len(ch) != 3 || !ch[0].Secret || !ch[1].Secret || ch[2].Secret {
		t.Errorf("properties: %v %+v", err, ch)
	}
}
