package xmlconf

import (
	"bytes"
	"sort"
	"strings"
	"testing"
)

// catalina-server.xml: the HTTPS <Connector> start tag spans 24 lines; setting
// keystoreFile and keystorePass changes exactly those two lines.
func TestCatalinaMultiLineConnector(t *testing.T) {
	for _, prod := range []string{"wso2am-2.0.0", "wso2is-5.2.0", "wso2am-analytics-2.0.0"} {
		src := fixture(t, prod+"/repository/conf/tomcat/catalina-server.xml")
		conn := "/Server/Service/Connector[@port='9443']"
		out, ch := mustApply(t, src,
			Edit{Op: SetAttr, Path: conn, Attr: "keystoreFile", Value: "/certificates/gateway.jks"},
			Edit{Op: SetAttr, Path: conn, Attr: "keystorePass", Value: `s3cr&t"pw`, Secret: true},
		)
		if len(ch) != 2 || ch[1].Old != "wso2carbon" || !ch[1].Secret || ch[0].Path != "/Server/Service/Connector[2]" {
			t.Fatalf("%s: changes %+v", prod, ch)
		}
		rm, add := lineDiff(src, out)
		wantRm := []string{
			`                   keystoreFile="${carbon.home}/repository/resources/security/wso2carbon.jks"` + "\n",
			`                   keystorePass="wso2carbon"` + "\n",
		}
		wantAdd := []string{
			`                   keystoreFile="/certificates/gateway.jks"` + "\n",
			`                   keystorePass="s3cr&amp;t&quot;pw"` + "\n",
		}
		if strings.Join(rm, "") != strings.Join(wantRm, "") || strings.Join(add, "") != strings.Join(wantAdd, "") {
			t.Fatalf("%s: diff -%q +%q", prod, rm, add)
		}
		if got := etreeDoc(t, out).FindElement(conn).SelectAttrValue("keystorePass", ""); got != `s3cr&t"pw` {
			t.Fatalf("read back %q", got)
		}
	}
}

// The kernel axis2.xml (IS, DAS) uses CRLF: edits, inserted lines and
// replaced children all keep CRLF, and only the edited lines change.
func TestAxis2CRLF(t *testing.T) {
	for _, prod := range []string{"wso2is-5.2.0", "wso2am-analytics-2.0.0"} {
		src := fixture(t, prod+"/repository/conf/axis2/axis2.xml")
		if !hasCRLFOnly(src) {
			t.Fatalf("%s fixture is expected to be CRLF", prod)
		}
		out, ch := mustApply(t, src,
			Edit{Op: SetAttr, Path: "/axisconfig/clustering", Attr: "enable", Value: "true"},
			Edit{Op: SetText, Path: "/axisconfig/clustering/parameter[@name='membershipScheme']", Value: "wka"},
			Edit{Op: SetText, Path: "/axisconfig/clustering/parameter[@name='localMemberHost']", Value: "10.0.0.5"},
			Edit{Op: Ensure, Path: "/axisconfig/clustering/parameter[@name='xmlconfExtra']",
				XML: `<parameter name="xmlconfExtra">x</parameter>`, After: []string{"parameter"}},
			Edit{Op: SetChildren, Path: "/axisconfig/clustering/members",
				XML: "<member><hostName>10.0.0.7</hostName><port>4000</port></member>"},
		)
		if len(ch) != 5 {
			t.Fatalf("changes %+v", ch)
		}
		if !hasCRLFOnly(out) {
			t.Fatalf("%s: output has LF without CR", prod)
		}
		rm, add := lineDiff(src, out)
		wantRm := []string{
			"                enable=\"false\">\r\n",
			"        <parameter name=\"membershipScheme\">multicast</parameter>\r\n",
			"        <parameter name=\"localMemberHost\">127.0.0.1</parameter>\r\n",
			"                <hostName>127.0.0.1</hostName>\r\n",
		}
		wantAdd := []string{
			"                enable=\"true\">\r\n",
			"        <parameter name=\"membershipScheme\">wka</parameter>\r\n",
			"        <parameter name=\"localMemberHost\">10.0.0.5</parameter>\r\n",
			"        <parameter name=\"xmlconfExtra\">x</parameter>\r\n",
			"                <hostName>10.0.0.7</hostName>\r\n",
		}
		sort.Strings(rm)
		sort.Strings(add)
		sort.Strings(wantRm)
		sort.Strings(wantAdd)
		if strings.Join(rm, "") != strings.Join(wantRm, "") || strings.Join(add, "") != strings.Join(wantAdd, "") {
			t.Fatalf("%s: diff -%q +%q", prod, rm, add)
		}
	}
}

// carbon.xml has only a commented-out <!--HostName>: Ensure inserts a real
// element on the line after <Version>, indented like it, and leaves the
// comment alone.
func TestCarbonEnsureHostName(t *testing.T) {
	src := fixture(t, "wso2am-2.0.0/repository/conf/carbon.xml")
	out, ch := mustApply(t, src, Edit{Op: Ensure, Path: "/Server/HostName",
		XML: "<HostName>gateway.wso2</HostName>", After: []string{"Version"}})
	if len(ch) != 1 || ch[0].Path != "/Server/HostName" {
		t.Fatalf("changes %+v", ch)
	}
	want := strings.Replace(string(src), "    <Version>${product.version}</Version>\n",
		"    <Version>${product.version}</Version>\n    <HostName>gateway.wso2</HostName>\n", 1)
	if string(out) != want {
		rm, add := lineDiff([]byte(want), out)
		t.Fatalf("diff against expectation -%q +%q", rm, add)
	}
	if !bytes.Contains(out, []byte("<!--HostName>www.wso2.org</HostName-->")) {
		t.Fatal("comment lost")
	}
	// Then SetText on it is the usual way to change the value.
	out2, ch := mustApply(t, out, Edit{Op: SetText, Path: "/Server/HostName", Value: "other"})
	if len(ch) != 1 || etreeDoc(t, out2).FindElement("/Server/HostName").Text() != "other" {
		t.Fatalf("changes %+v", ch)
	}
	// Duplicates are reduced to the first.
	dup := strings.Replace(want, "<HostName>gateway.wso2</HostName>\n", "<HostName>gateway.wso2</HostName>\n    <HostName>second</HostName>\n", 1)
	out3, ch := mustApply(t, []byte(dup), Edit{Op: Ensure, Path: "/Server/HostName", XML: "<HostName>x</HostName>"})
	if string(out3) != want || len(ch) != 1 || ch[0].Old != "<HostName>second</HostName>" {
		t.Fatalf("duplicate not removed: %+v", ch)
	}
}

// SetChildren replaces the WKA members: a second call with other addresses
// replaces them (never appends), the same call again changes nothing.
func TestAxis2MembersReplace(t *testing.T) {
	src := fixture(t, "wso2am-2.0.0/repository/conf/axis2/axis2.xml")
	members := func(ips ...string) Edit {
		var b strings.Builder
		for _, ip := range ips {
			b.WriteString("<member><hostName>" + ip + "</hostName><port>4000</port></member>")
		}
		return Edit{Op: SetChildren, Path: "/axisconfig/clustering/members", XML: b.String()}
	}
	out1, ch := mustApply(t, src, members("10.0.0.2", "10.0.0.3"))
	if len(ch) != 1 {
		t.Fatalf("changes %+v", ch)
	}
	block := func(ips ...string) string {
		s := "        <members>\n"
		for _, ip := range ips {
			s += "            <member>\n                <hostName>" + ip + "</hostName>\n                <port>4000</port>\n            </member>\n"
		}
		return s + "        </members>\n"
	}
	if !bytes.Contains(out1, []byte(block("10.0.0.2", "10.0.0.3"))) {
		t.Fatalf("members not formatted as expected:\n%s", out1)
	}
	out2, ch := mustApply(t, out1, members("10.0.0.8", "10.0.0.9"))
	if len(ch) != 1 || !bytes.Contains(out2, []byte(block("10.0.0.8", "10.0.0.9"))) || bytes.Count(out2, []byte("<member>")) != bytes.Count(src, []byte("<member>"))+1 {
		t.Fatalf("second SetChildren did not replace:\n%s", out2)
	}
	out3, ch, err := Apply(out2, []Edit{members("10.0.0.8", "10.0.0.9")})
	if err != nil || len(ch) != 0 || !bytes.Equal(out3, out2) {
		t.Fatalf("same members changed something: %v %+v", err, ch)
	}
	// only the members block differs from the original
	rm, add := lineDiff(src, out2)
	for _, l := range append(rm, add...) {
		if !strings.Contains(l, "member") && !strings.Contains(l, "hostName") && !strings.Contains(l, "port") {
			t.Fatalf("unrelated line changed: %q", l)
		}
	}
	// empty fragment empties the element; the original formatting of the
	// existing members is recognised as equal
	orig := Edit{Op: SetChildren, Path: "/axisconfig/clustering/members", XML: "<member>\n <hostName>127.0.0.1</hostName>\n <port>4000</port>\n</member>"}
	if out, ch, err := Apply(src, []Edit{orig}); err != nil || len(ch) != 0 || !bytes.Equal(out, src) {
		t.Fatalf("equal members reported as change: %v %+v", err, ch)
	}
	out4, _ := mustApply(t, src, Edit{Op: SetChildren, Path: "/axisconfig/clustering/members", XML: ""})
	if !bytes.Contains(out4, []byte("<members></members>")) {
		t.Fatal("members not emptied")
	}
}

// user-mgt.xml AdminUser/Password with each tricky value: one line changes.
func TestUserMgtAdminPassword(t *testing.T) {
	src := fixture(t, "wso2am-2.0.0/repository/conf/user-mgt.xml")
	p := "/UserManager/Realm/Configuration/AdminUser/Password"
	for _, tc := range trickyValues {
		out, ch := mustApply(t, src, Edit{Op: SetText, Path: p, Value: tc.v, Secret: true})
		if len(ch) != 1 || !ch[0].Secret || ch[0].Old != "admin" {
			t.Fatalf("%s: changes %+v", tc.name, ch)
		}
		rm, add := lineDiff(src, out)
		if len(rm) != 1 || rm[0] != "                <Password>admin</Password>\n" || len(add) < 1 || !strings.HasPrefix(add[0], "                <Password>") {
			t.Fatalf("%s: diff -%q +%q", tc.name, rm, add)
		}
		if got := etreeDoc(t, out).FindElement(p).Text(); got != tc.v {
			t.Fatalf("%s: read back %q", tc.name, got)
		}
	}
}

// master-datasources.xml: a predicate on child text selects the datasource.
func TestDatasourceURL(t *testing.T) {
	src := fixture(t, "wso2am-2.0.0/repository/conf/datasources/master-datasources.xml")
	p := "//datasource[name='WSO2AM_DB']/definition/configuration/url"
	url := "jdbc:mysql://mysql.wso2:3306/apimgtdb?autoReconnect=true&useSSL=false"
	out, ch := mustApply(t, src, Edit{Op: SetText, Path: p, Value: url})
	if len(ch) != 1 || !strings.HasPrefix(ch[0].Path, "/datasources-configuration/datasources/datasource[") {
		t.Fatalf("changes %+v", ch)
	}
	rm, add := lineDiff(src, out)
	if len(rm) != 1 || len(add) != 1 || !strings.Contains(add[0], "<url>jdbc:mysql://mysql.wso2:3306/apimgtdb?autoReconnect=true&amp;useSSL=false</url>") {
		t.Fatalf("diff -%q +%q", rm, add)
	}
	if n := len(etreeDoc(t, out).FindElements(ch[0].Path)); n != 1 {
		t.Fatalf("reported path %s selects %d elements", ch[0].Path, n)
	}
}

// A secure-vault attribute with a prefix declared on the root works; an undeclared
// prefix is an error, not invalid output.
func TestPrefixedAttribute(t *testing.T) {
	src := fixture(t, "wso2am-2.0.0/repository/conf/user-mgt.xml")
	p := "/UserManager/Realm/Configuration/AdminUser/Password"
	if _, _, err := Apply(src, []Edit{{Op: SetAttr, Path: p, Attr: "svns:secretAlias", Value: "x"}}); err == nil || !strings.Contains(err.Error(), "undeclared namespace prefix") {
		t.Fatalf("want undeclared prefix error, got %v", err)
	}
	ds := fixture(t, "wso2am-2.0.0/repository/conf/datasources/master-datasources.xml")
	pw := "//datasource[name='WSO2AM_DB']/definition/configuration/password"
	out, _ := mustApply(t, ds, Edit{Op: SetAttr, Path: pw, Attr: "svns:secretAlias", Value: "Datasources.WSO2AM_DB.Password"})
	if v := etreeDoc(t, out).FindElement(pw).SelectAttrValue("svns:secretAlias", ""); v != "Datasources.WSO2AM_DB.Password" {
		t.Fatalf("read back %q", v)
	}
}
