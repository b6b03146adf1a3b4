package tomlconf

import "testing"

const acp = "wso2am-acp-4.5.0/repository/conf/deployment.toml"

// BenchmarkParse: parsing the 4.5 control plane's stock deployment.toml.
func BenchmarkParse(b *testing.B) {
	src := fixture(b, acp)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := Parse(src); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkControlPlaneScenario: the full control-plane edit set (11 edits,
// each re-parsed and read back) on the stock control-plane file.
func BenchmarkControlPlaneScenario(b *testing.B) {
	src := fixture(b, acp)
	for b.Loop() {
		d, err := Parse(src)
		if err != nil {
			b.Fatal(err)
		}
		if err := scenario(d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRestartNoop: the same edit set on an already edited file (the
// restart case), where nothing is written.
func BenchmarkRestartNoop(b *testing.B) {
	d, err := Parse(fixture(b, acp))
	if err != nil {
		b.Fatal(err)
	}
	if err := scenario(d); err != nil {
		b.Fatal(err)
	}
	out := d.Bytes()
	for b.Loop() {
		d, err := Parse(out)
		if err != nil {
			b.Fatal(err)
		}
		if err := scenario(d); err != nil {
			b.Fatal(err)
		}
	}
}
