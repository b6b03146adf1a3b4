package xmlconf

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// trickyValues are passwords and URLs that broke sed/xmlstarlet scripts.
var trickyValues = []struct{ name, v string }{
	{"amp", "a&b"},
	{"lt", "a<b"},
	{"gt", "a>b"},
	{"quot", `a"b`},
	{"apos", "a'b"},
	{"slash", "a/b"},
	{"backslash", `a\b\\`},
	{"percent", "100%"},
	{"dollar", "$HOME${X}$$"},
	{"cdata-end", "x]]>y"},
	{"entity-like", "&amp;&#233;&lt;"},
	{"latin1", "café"},
	{"cjk", "日本語"},
	{"emoji", "pw😀"},
	{"leading-space", "  lead"},
	{"trailing-space", "trail  "},
	{"only-spaces", "   "},
	{"empty", ""},
	{"tab-newline", "a\tb\nc"},
	{"cr", "a\rb\r\nc"},
	{"equals-colon-hash", "=a:b#c!d"},
	{"all", `p&ss<w>rd"'/\%$]]>é 😀 `},
}

// Each tricky value set as element text (user-mgt.xml, carbon.xml which
// declares ISO-8859-1) and as attribute values (double and single quoted)
// reads back exactly through etree and through Java's DocumentBuilder.
func TestTrickyValuesXML(t *testing.T) {
	dir := t.TempDir()
	userMgt := fixture(t, "wso2am-2.0.0/repository/conf/user-mgt.xml")
	carbon := fixture(t, "wso2am-2.0.0/repository/conf/carbon.xml")
	catalina := fixture(t, "wso2am-2.0.0/repository/conf/tomcat/catalina-server.xml")
	single := []byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<root>\n  <item key='old' other=\"x\"/>\n</root>\n")

	type query struct{ file, xpath, attr, want string }
	var queries []query
	for n, tc := range trickyValues {
		cases := []struct {
			src   []byte
			edit  Edit
			xpath string
			attr  string
			check func(out []byte) string
		}{
			{userMgt, Edit{Op: SetText, Path: "/UserManager/Realm/Configuration/AdminUser/Password", Value: tc.v},
				"/UserManager/Realm/Configuration/AdminUser/Password", "-",
				func(out []byte) string {
					return etreeDoc(t, out).FindElement("/UserManager/Realm/Configuration/AdminUser/Password").Text()
				}},
			{carbon, Edit{Op: SetText, Path: "/Server/Security/KeyStore/Password", Value: tc.v},
				"/*[local-name()='Server']/*[local-name()='Security']/*[local-name()='KeyStore']/*[local-name()='Password']", "-",
				func(out []byte) string {
					return etreeDoc(t, out).FindElement("/Server/Security/KeyStore/Password").Text()
				}},
			{catalina, Edit{Op: SetAttr, Path: "/Server/Service/Connector[@port='9443']", Attr: "keystorePass", Value: tc.v},
				"/Server/Service/Connector[@port='9443']", "keystorePass",
				func(out []byte) string {
					return etreeDoc(t, out).FindElement("/Server/Service/Connector[@port='9443']").SelectAttrValue("keystorePass", "?")
				}},
			{single, Edit{Op: SetAttr, Path: "/root/item", Attr: "key", Value: tc.v},
				"/root/item", "key",
				func(out []byte) string { return etreeDoc(t, out).FindElement("/root/item").SelectAttrValue("key", "?") }},
			{single, Edit{Op: SetAttr, Path: "/root/item", Attr: "fresh", Value: tc.v},
				"/root/item", "fresh",
				func(out []byte) string {
					return etreeDoc(t, out).FindElement("/root/item").SelectAttrValue("fresh", "?")
				}},
		}
		for k, c := range cases {
			out, _ := mustApply(t, c.src, c.edit)
			if got := c.check(out); got != tc.v {
				t.Errorf("%s case %d: etree reads %q, want %q", tc.name, k, got, tc.v)
			}
			if bytes.Contains(c.src[:60], []byte("ISO-8859-1")) {
				for _, b := range out {
					if b >= 0x80 {
						t.Errorf("%s case %d: non-ASCII byte written into an ISO-8859-1 document", tc.name, k)
						break
					}
				}
			}
			f := filepath.Join(dir, fmt.Sprintf("%d-%d.xml", n, k))
			if err := os.WriteFile(f, out, 0o644); err != nil {
				t.Fatal(err)
			}
			queries = append(queries, query{f, c.xpath, c.attr, tc.v})
		}
	}
	var args []string
	for _, q := range queries {
		args = append(args, q.file, q.xpath, q.attr)
	}
	got := runJava(t, "XmlRead", args)
	if len(got) != len(queries) {
		t.Fatalf("java printed %d lines for %d queries", len(got), len(queries))
	}
	for i, q := range queries {
		if got[i] != javaHex(q.want) {
			t.Errorf("java reads %s from %s (%s %s), want %s (%q)", got[i], filepath.Base(q.file), q.xpath, q.attr, javaHex(q.want), q.want)
		}
	}
}

// Each tricky value written into log4j.properties (an existing key that
// occurs twice, and a new key) reads back exactly with ReadProperties and
// with java.util.Properties.load.
func TestTrickyValuesProperties(t *testing.T) {
	dir := t.TempDir()
	src := fixture(t, "wso2am-2.0.0/repository/conf/log4j.properties")
	var args, jwant []string
	for n, tc := range trickyValues {
		edits := []PropEdit{
			{Key: "log4j.appender.LOGEVENT.password", Value: tc.v},
			{Key: "new key=with:odd#chars!", Value: tc.v},
		}
		out, _, err := ApplyProperties(src, edits)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		again, ch, err := ApplyProperties(out, edits)
		if err != nil || !bytes.Equal(again, out) || len(ch) != 0 {
			t.Fatalf("%s: not idempotent: %v %+v", tc.name, err, ch)
		}
		for _, b := range out {
			if b >= 0x80 {
				t.Fatalf("%s: non-ASCII byte written", tc.name)
			}
		}
		m, err := ReadProperties(out)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range edits {
			if m[e.Key] != tc.v {
				t.Errorf("%s: ReadProperties %q = %q, want %q", tc.name, e.Key, m[e.Key], tc.v)
			}
		}
		// both LOGEVENT lines replaced in place, the new key appended; nothing else
		esc := escapeProp(tc.v, false)
		want := strings.ReplaceAll(string(src), "log4j.appender.LOGEVENT.password=admin\n", "log4j.appender.LOGEVENT.password="+esc+"\n") +
			"\n" + `new\ key\=with\:odd\#chars\!=` + esc
		if string(out) != want {
			rm, add := lineDiff([]byte(want), out)
			t.Errorf("%s: unexpected output: -%q +%q", tc.name, rm, add)
		}
		f := filepath.Join(dir, fmt.Sprintf("%d.properties", n))
		if err := os.WriteFile(f, out, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, e := range edits {
			args = append(args, f, e.Key)
			jwant = append(jwant, javaHex(tc.v))
		}
	}
	got := runJava(t, "PropRead", args)
	if strings.Join(got, "\n") != strings.Join(jwant, "\n") {
		for i := range jwant {
			if i >= len(got) || got[i] != jwant[i] {
				t.Errorf("java query %d (%s %s): got %v want %s", i, args[2*i], args[2*i+1], got[min(i, len(got)-1)], jwant[i])
			}
		}
	}
}
