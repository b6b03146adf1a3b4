package xmlconf

import (
	"strings"
	"testing"
)

// Apply remembers which elements a path selects while the document is
// unchanged. A value edit changes the document in place (no re-scan), so a
// path whose predicate reads the changed text or attribute must be
// evaluated again: each case first asks for a path while it selects
// nothing, then changes a value so that it selects an element, then asks
// again. A stale answer shows as an error (Match One), a value left as it
// was, or a change not marked secret.
func TestSelectionFollowsValueEdits(t *testing.T) {
	const (
		ds       = "/datasources-configuration/datasources/datasource"
		renamed  = ds + "[name='RENAMED_DB']"
		conn9999 = "/Server/Service/Connector[@port='9999']"
	)
	datasources := fixture(t, "wso2am-2.0.0/repository/conf/datasources/master-datasources.xml")
	catalina := fixture(t, "wso2am-2.0.0/repository/conf/tomcat/catalina-server.xml")
	cases := []struct {
		name   string
		src    []byte
		edits  []Edit
		xpath  string // read back with etree
		attr   string // "" for the element's text
		want   string
		secret string // a change at this path must be marked secret
	}{
		{
			name: "text predicate after a text edit",
			src:  datasources,
			edits: []Edit{
				{Op: SetText, Path: renamed + "/definition/configuration/url", Value: "jdbc:early", Match: Any},
				{Op: SetText, Path: ds + "[name='WSO2AM_DB']/name", Value: "RENAMED_DB"},
				{Op: SetText, Path: renamed + "/definition/configuration/url", Value: "jdbc:mysql://db/renamed", Match: One},
			},
			xpath: renamed + "/definition/configuration/url",
			want:  "jdbc:mysql://db/renamed",
		},
		{
			name: "attribute predicate after an attribute edit",
			src:  catalina,
			edits: []Edit{
				{Op: SetAttr, Path: conn9999, Attr: "keystoreFile", Value: "early.jks", Match: Any},
				{Op: SetAttr, Path: "/Server/Service/Connector[@port='9443']", Attr: "port", Value: "9999"},
				{Op: SetAttr, Path: conn9999, Attr: "keystoreFile", Value: "late.jks", Match: One},
			},
			xpath: conn9999,
			attr:  "keystoreFile",
			want:  "late.jks",
		},
		{
			name: "a secret edit's place after a text edit",
			src:  datasources,
			edits: []Edit{
				{Op: SetText, Path: renamed + "/definition/configuration/password", Value: "s3cret-pw", Match: Any, Secret: true},
				{Op: SetText, Path: ds + "[name='WSO2AM_DB']/name", Value: "RENAMED_DB"},
				{Op: SetText, Path: ds + "[2]/definition/configuration/password", Value: "shown-elsewhere"},
			},
			xpath:  renamed + "/definition/configuration/password",
			want:   "shown-elsewhere",
			secret: ds + "[2]/definition/configuration/password",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, changes, err := Apply(tc.src, tc.edits)
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			el := etreeDoc(t, out).FindElement(tc.xpath)
			if el == nil {
				t.Fatalf("%s: not in the result", tc.xpath)
			}
			got := el.Text()
			if tc.attr != "" {
				got = el.SelectAttrValue(tc.attr, "(none)")
			}
			if got != tc.want {
				t.Errorf("%s %s = %q, want %q", tc.xpath, tc.attr, got, tc.want)
			}
			if tc.secret == "" {
				return
			}
			found := false
			for _, c := range changes {
				if strings.HasSuffix(c.Path, "/definition/configuration/password") && c.New == tc.want {
					found = true
					if !c.Secret {
						t.Errorf("change of %s (%s) is not marked secret, though a Secret edit selects it", tc.secret, c.Path)
					}
				}
			}
			if !found {
				t.Errorf("no change sets %s; changes: %+v", tc.secret, changes)
			}
		})
	}
}

// FuzzCheckAgreesWithParse: the check-only scan (no tree) accepts and
// rejects exactly what parse does, with the same error, and indexes the
// same elements and attributes; its names and values, which are views of
// the source rather than copies, read the same.
func FuzzCheckAgreesWithParse(f *testing.F) {
	for _, rel := range fixtureFiles(f, ".xml") {
		f.Add(fixture(f, rel))
	}
	for _, s := range []string{"<a b='1' b='2'/>", "<a><b></a>", "<a>&bogus;</a>", "<x:a/>", "<a>\x01</a>", "<!-- <a> --><a/>", "<a><![CDATA[</b>]]></a>", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		p, perr := parse(src)
		c, cerr := check(src)
		if (perr == nil) != (cerr == nil) || perr != nil && perr.Error() != cerr.Error() {
			t.Fatalf("parse: %v; check: %v", perr, cerr)
		}
		if perr != nil {
			return
		}
		if len(p.elems) != len(c.elems) || len(p.attrs) != len(c.attrs) {
			t.Fatalf("parse indexes %d elements, %d attributes; check %d, %d", len(p.elems), len(p.attrs), len(c.elems), len(c.attrs))
		}
		for i := range p.elems {
			pe, ce := p.elems[i], c.elems[i]
			pe.el = nil
			if pe != ce {
				t.Fatalf("element %d: parse %+v, check %+v", i, pe, ce)
			}
		}
		for i := range p.attrs {
			if p.attrs[i] != c.attrs[i] {
				t.Fatalf("attribute %d: parse %+v, check %+v", i, p.attrs[i], c.attrs[i])
			}
		}
		if c.tree != nil || c.index != nil {
			t.Fatal("check built a tree")
		}
	})
}
