package xmlconf

import "testing"

// axis2Edits is what a clustered gateway profile does to axis2.xml.
var axis2Edits = []Edit{
	{Op: SetAttr, Path: "/axisconfig/clustering", Attr: "enable", Value: "true"},
	{Op: SetText, Path: "/axisconfig/clustering/parameter[@name='membershipScheme']", Value: "wka"},
	{Op: SetText, Path: "/axisconfig/clustering/parameter[@name='domain']", Value: "wso2.am.domain"},
	{Op: SetText, Path: "/axisconfig/clustering/parameter[@name='localMemberHost']", Value: "10.0.0.5"},
	{Op: SetText, Path: "/axisconfig/clustering/parameter[@name='localMemberPort']", Value: "4001"},
	{Op: Ensure, Path: "/axisconfig/clustering/parameter[@name='xmlconfBench']", XML: `<parameter name="xmlconfBench">1</parameter>`, After: []string{"parameter"}},
	{Op: SetChildren, Path: "/axisconfig/clustering/members", XML: "<member><hostName>10.0.0.7</hostName><port>4000</port></member><member><hostName>10.0.0.8</hostName><port>4000</port></member>"},
	{Op: SetAttr, Path: "//transportReceiver[@name='https']/parameter[@name='proxyPort']", Attr: "locked", Value: "true", Match: Any},
}

var carbonEdits = []Edit{
	{Op: SetText, Path: "/Server/Ports/Offset", Value: "2"},
	{Op: Ensure, Path: "/Server/HostName", XML: "<HostName>gateway.wso2</HostName>", After: []string{"Version"}},
	{Op: Ensure, Path: "/Server/MgtHostName", XML: "<MgtHostName>gateway.wso2</MgtHostName>", After: []string{"HostName"}},
	{Op: SetText, Path: "/Server/Security/KeyStore/Location", Value: "/certificates/gateway.jks"},
	{Op: SetText, Path: "/Server/Security/KeyStore/Password", Value: "s3cret&pw", Secret: true},
	{Op: SetText, Path: "/Server/Security/TrustStore/Password", Value: "s3cret&pw", Secret: true},
}

func benchApply(b *testing.B, rel string, edits []Edit) {
	src := fixture(b, rel)
	out, ch, err := Apply(src, edits)
	if err != nil || len(ch) == 0 {
		b.Fatalf("Apply: %v (%d changes)", err, len(ch))
	}
	b.Run("first", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := Apply(src, edits); err != nil {
				b.Fatal(err)
			}
		}
	})
	// a restart: everything is already in place
	b.Run("restart", func(b *testing.B) {
		b.SetBytes(int64(len(out)))
		b.ReportAllocs()
		for b.Loop() {
			if _, ch, err := Apply(out, edits); err != nil || len(ch) != 0 {
				b.Fatal(err, ch)
			}
		}
	})
}

func BenchmarkApplyAxis2(b *testing.B) {
	benchApply(b, "wso2am-2.0.0/repository/conf/axis2/axis2.xml", axis2Edits)
}

func BenchmarkApplyCarbon(b *testing.B) {
	benchApply(b, "wso2am-2.0.0/repository/conf/carbon.xml", carbonEdits)
}

func BenchmarkApplyProperties(b *testing.B) {
	src := fixture(b, "wso2am-2.0.0/repository/conf/log4j.properties")
	edits := []PropEdit{
		{Key: "log4j.appender.LOGEVENT.password", Value: "n3w&pw"},
		{Key: "log4j.appender.DAS_AGENT.password", Value: "n3w&pw"},
		{Key: "log4j.rootLogger", Value: "INFO, CARBON_CONSOLE"},
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ApplyProperties(src, edits); err != nil {
			b.Fatal(err)
		}
	}
}
