package xmlconf

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

var patchEnv = map[string]string{"HOST": "gw.wso2", "PW": `p&ss<"'>$`, "EMPTY": ""}

func lookupEnv(k string) (string, bool) { v, ok := patchEnv[k]; return v, ok }
func secretEnv(k string) bool           { return k == "PW" }

func TestParsePatchValid(t *testing.T) {
	src := `# image builder patch
file repository/conf/carbon.xml
set    /Server/Ports/Offset  2
set /Server/Name   "  spaced \"q\" \\ ${HOST}\n"
set --all //Role/Name ""
attr   /Server/Security/KeyStore  type  JKS
attr --any //datasource[name='WSO2 AM']/definition url jdbc:x?a=1&b=2
ensure --after=Version /Server/HostName  <HostName>${HOST}</HostName>
ensure --parent=/Server --secret /Server/Pw <Pw a="${PW}">${PW}</Pw>
remove /Server/Tools
children /axisconfig/clustering/members <<EOF
    <member><hostName>${HOST}</hostName><port>4000</port></member>
    <member><hostName>b</hostName><port>4000</port></member>
EOF
set /Server/Cost $$5 ${MISSING:-def} ${EMPTY}x

file repository/conf/log4j.properties
prop   log4j.rootLogger  INFO, CARBON_CONSOLE
prop log4j.appender.LOGEVENT.password ${PW}
unprop some.key
`
	got, err := ParsePatch("p.patch", []byte(src), lookupEnv, secretEnv)
	if err != nil {
		t.Fatal(err)
	}
	want := []FilePatch{
		{File: "repository/conf/carbon.xml", Line: 2, XML: []Edit{
			{Op: SetText, Path: "/Server/Ports/Offset", Value: "2", Line: 3},
			{Op: SetText, Path: "/Server/Name", Value: "  spaced \"q\" \\ gw.wso2\n", Line: 4},
			{Op: SetText, Path: "//Role/Name", Value: "", Match: All, Line: 5},
			{Op: SetAttr, Path: "/Server/Security/KeyStore", Attr: "type", Value: "JKS", Line: 6},
			{Op: SetAttr, Path: "//datasource[name='WSO2 AM']/definition", Attr: "url", Value: "jdbc:x?a=1&b=2", Match: Any, Line: 7},
			{Op: Ensure, Path: "/Server/HostName", XML: "<HostName>gw.wso2</HostName>", After: []string{"Version"}, Line: 8},
			{Op: Ensure, Path: "/Server/Pw", Parent: "/Server", XML: `<Pw a="p&amp;ss&lt;&quot;&apos;&gt;$">p&amp;ss&lt;&quot;&apos;&gt;$</Pw>`, Secret: true, Line: 9},
			{Op: Remove, Path: "/Server/Tools", Line: 10},
			{Op: SetChildren, Path: "/axisconfig/clustering/members", XML: "<member><hostName>gw.wso2</hostName><port>4000</port></member>\n    <member><hostName>b</hostName><port>4000</port></member>", Line: 11},
			{Op: SetText, Path: "/Server/Cost", Value: "$5 def x", Line: 15},
		}},
		{File: "repository/conf/log4j.properties", Line: 17, Props: []PropEdit{
			{Key: "log4j.rootLogger", Value: "INFO, CARBON_CONSOLE", Line: 18},
			{Key: "log4j.appender.LOGEVENT.password", Value: `p&ss<"'>$`, Secret: true, Line: 19},
			{Key: "some.key", Remove: true, Line: 20},
		}},
	}
	if !reflect.DeepEqual(got, want) {
		for i := range got {
			t.Logf("got  %+v", got[i])
		}
		for i := range want {
			t.Logf("want %+v", want[i])
		}
		t.Fatal("mismatch")
	}
	// The parsed edits apply cleanly to the real carbon.xml-like target.
	src2 := fixture(t, "wso2am-2.0.0/repository/conf/carbon.xml")
	out, _ := mustApply(t, src2, got[0].XML[5], got[0].XML[6])
	if v := etreeDoc(t, out).FindElement("/Server/Pw").SelectAttrValue("a", ""); v != patchEnv["PW"] {
		t.Fatalf("secret read back %q", v)
	}
}

func TestParsePatchInvalid(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"op before file", "set /a 1", "x.patch:1: set before any `file` line"},
		{"unknown op", "file a.xml\n\nfrobnicate /a", "x.patch:3: unknown op \"frobnicate\""},
		{"missing value", "file a.xml\nset /a", "x.patch:2: set: missing value"},
		{"missing path", "file a.xml\nremove", "x.patch:2: remove: missing path"},
		{"bad path", "file a.xml\nset //a[last()] 1", "x.patch:2: set: bad path"},
		{"unbalanced path", "file a.xml\nset //a[@n='x 1", "x.patch:2: set: unbalanced"},
		{"bad xml", "file a.xml\nensure /a/b <b>", "x.patch:2: ensure: fragment: line 1"},
		{"two elements", "file a.xml\nensure /a/b <b/><c/>", "x.patch:2: ensure: fragment: want exactly one element"},
		{"prop on xml", "file a.xml\nprop a b", "x.patch:2: prop: not allowed on XML file a.xml"},
		{"set on properties", "file a.properties\nset /a b", "x.patch:2: set: not allowed on properties file"},
		{"unset var", "file a.xml\nset /a ${NOPE}", "x.patch:2: set: variable NOPE is not set"},
		{"lone dollar", "file a.xml\nset /a $HOME", "x.patch:2: set: lone $"},
		{"unterminated quote", "file a.xml\nset /a \"abc", "x.patch:2: set: unterminated quoted value"},
		{"text after quote", "file a.xml\nset /a \"abc\" x", "x.patch:2: set: text after the closing quote"},
		{"attr missing value", "file a.xml\nattr /a name", "x.patch:2: attr: want: attr PATH NAME VALUE"},
		{"unknown option", "file a.xml\nset --first /a 1", "x.patch:2: set: unknown option --first"},
		{"after on set", "file a.xml\nset --after=x /a 1", "x.patch:2: set: unknown option --after=x"},
		{"open heredoc", "file a.xml\nchildren /a <<EOF\n<b/>\n", "x.patch:2: children: heredoc <<EOF is not closed"},
		{"unprop extra", "file a.properties\nunprop a b", "x.patch:2: unprop: unexpected argument"},
		{"file without name", "file", "x.patch:1: file: missing file name"},
		{"ensure no parent", "file a.xml\nensure //b <b/>", "x.patch:2: ensure: cannot derive the parent"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fp, err := ParsePatch("x.patch", []byte(tc.src), lookupEnv, secretEnv)
			if err == nil || !strings.Contains(err.Error(), tc.want) || fp != nil {
				t.Fatalf("got %v, want error containing %q", err, tc.want)
			}
		})
	}
	// all errors are reported at once
	_, err := ParsePatch("x.patch", []byte("file a.xml\nset /a\nremove\n"), lookupEnv, secretEnv)
	if err == nil || !strings.Contains(err.Error(), "x.patch:2:") || !strings.Contains(err.Error(), "x.patch:3:") {
		t.Fatalf("got %v", err)
	}
}

// The example in PATCHFORMAT.md parses, and its XML edits apply to the real
// fixture files of API Manager.
func TestPatchFormatExample(t *testing.T) {
	doc, err := os.ReadFile("PATCHFORMAT.md")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.SplitN(string(doc), "```\n", 3)
	if len(parts) < 3 {
		t.Fatal("no example block in PATCHFORMAT.md")
	}
	example := parts[1]
	env := map[string]string{"PUBLIC_HOST": "gw.example.com", "DB_PASSWORD": "db&pw"}
	fps, err := ParsePatch("PATCHFORMAT.md", []byte(example), func(k string) (string, bool) { v, ok := env[k]; return v, ok }, func(k string) bool { return k == "DB_PASSWORD" })
	if err != nil {
		t.Fatal(err)
	}
	if len(fps) != 4 {
		t.Fatalf("%d sections", len(fps))
	}
	for _, fp := range fps {
		src := fixture(t, "wso2am-2.0.0/"+fp.File)
		if IsProperties(fp.File) {
			if _, _, err := ApplyProperties(src, fp.Props); err != nil {
				t.Fatalf("%s: %v", fp.File, err)
			}
			continue
		}
		out, ch := mustApply(t, src, fp.XML...)
		if len(ch) == 0 {
			t.Fatalf("%s: no changes", fp.File)
		}
		if fp.File == "repository/conf/datasources/master-datasources.xml" {
			if !ch[1].Secret || etreeDoc(t, out).FindElement("//datasource[name='WSO2AM_DB']/definition/configuration/password").Text() != "db&pw" {
				t.Fatalf("password edit: %+v", ch[1])
			}
		}
	}
}
