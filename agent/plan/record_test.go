package plan

// The layers are tested together from package agent; this file tests one
// rule of render's record that the whole-profile tests cannot tell apart:
// which secret values the record learns without reading files again.

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wso2-container/agent/internal/fixtures"
	"github.com/wso2-container/agent/xmlconf"
)

// After an apply, render's record (WriteText and Report without a diff)
// does not read an XML file again when its changes and secret edits are
// all values. It must still know every secret value that reading it would
// have found at its secret places, unchanged ones included, so that
// MaskSecrets hides them in free text as the dry run does; and its output
// must be the one a plan that read every file prints.
func TestRecordKnowsEverySecretTheFilesHold(t *testing.T) {
	const (
		ds        = "repository/conf/datasources/master-datasources.xml"
		catalina  = "repository/conf/tomcat/catalina-server.xml"
		unchanged = "Unchanged-Pw-7" // the WSO2AM_DB password the image already has (set below)
		changed   = "N3w-db-Pw!"
		kept      = "Kstore-Pw-9" // catalina: beside a structural change, read again
	)
	home := t.TempDir()
	for _, rel := range []string{ds, catalina} {
		b, err := os.ReadFile(filepath.Join(fixtures.Path("wso2-fixtures"), "wso2am-2.0.0", rel))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(home, rel)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(home, rel), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dsPath := "/datasources-configuration/datasources/datasource[name='%s']/definition/configuration/"
	at := func(name, leaf string) string { return strings.Replace(dsPath, "%s", name, 1) + leaf }
	// The image's WSO2AM_DB password is a value no other edit names.
	img, err := os.ReadFile(filepath.Join(home, ds))
	if err != nil {
		t.Fatal(err)
	}
	img, _, err = xmlconf.Apply(img, []xmlconf.Edit{{Op: xmlconf.SetText, Path: at("WSO2AM_DB", "password"), Value: unchanged}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ds), img, 0o644); err != nil {
		t.Fatal(err)
	}
	var set EditSet
	set.XML(ds,
		xmlconf.Edit{Op: xmlconf.SetText, Path: at("WSO2AM_DB", "password"), Value: unchanged, Secret: true},
		xmlconf.Edit{Op: xmlconf.SetText, Path: at("WSO2_CARBON_DB", "password"), Value: changed, Secret: true},
		xmlconf.Edit{Op: xmlconf.SetText, Path: at("WSO2AM_DB", "url"), Value: "jdbc:mysql://db/" + unchanged})
	set.XML(catalina,
		xmlconf.Edit{Op: xmlconf.Remove, Path: "//Valve[@className='org.apache.catalina.valves.AccessLogValve']"},
		xmlconf.Edit{Op: xmlconf.SetAttr, Path: "/Server/Service/Connector[@port='9443']", Attr: "keystorePass", Value: kept, Secret: true})
	newPlan := func() *Plan {
		p := &Plan{Home: home}
		if err := p.AddEdits(&set); err != nil {
			t.Fatal(err)
		}
		return p
	}

	record := newPlan()
	shown := record.showFiles(false)
	for _, f := range record.Changed() {
		read := len(shown[f].found) > 0 // the values at its secret places, found by reading it
		if want := filepath.Base(f.Path) == "catalina-server.xml"; read != want {
			t.Errorf("%s read again: %v, want %v", f.Display(), read, want)
		}
	}
	full := newPlan()
	full.showFiles(true) // reads every file, as the dry run's diff does
	for _, v := range full.Secrets {
		if !slices.Contains(record.Secrets, v) {
			t.Errorf("the record does not know the secret %q that the files hold", v)
		}
	}
	if !slices.Contains(record.Secrets, unchanged) {
		t.Errorf("the record does not know the unchanged secret %q", unchanged)
	}
	var got, want strings.Builder
	if err := newPlan().WriteText(&got, false); err != nil {
		t.Fatal(err)
	}
	if err := full.WriteText(&want, false); err != nil {
		t.Fatal(err)
	}
	if got.String() != want.String() {
		t.Errorf("the record differs from one that read every file:\n%s\nwant:\n%s", got.String(), want.String())
	}
	// The URL holds the unchanged secret: a value change is shown as it is
	// (render masks places, not equal strings), in both.
	if !strings.Contains(got.String(), "jdbc:mysql://db/") {
		t.Errorf("the record does not list the URL change:\n%s", got.String())
	}
}
