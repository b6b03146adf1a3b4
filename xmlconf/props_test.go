package xmlconf

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// In-place replacement keeps key text, separator and line ending; continued
// values collapse to one line; absent keys are appended; Remove deletes
// every logical line of the key.
func TestApplyPropertiesInPlace(t *testing.T) {
	cases := []struct {
		name, src string
		edits     []PropEdit
		want      string
		changes   int
	}{
		{"equals", "a=1\nb = 2\n", []PropEdit{{Key: "b", Value: "3"}}, "a=1\nb = 3\n", 1},
		{"colon", "a:1\r\nb : 2\r\n", []PropEdit{{Key: "b", Value: "3"}}, "a:1\r\nb : 3\r\n", 1},
		{"whitespace sep", "key   value\n", []PropEdit{{Key: "key", Value: "=x"}}, "key   \\=x\n", 1},
		{"bare key", "  key\n", []PropEdit{{Key: "key", Value: "v"}}, "  key=v\n", 1},
		{"empty value", "key=\n", []PropEdit{{Key: "key", Value: "v"}}, "key=v\n", 1},
		{"continued", "a=1,\\\n    2,\\\n    3\nb=4\n", []PropEdit{{Key: "a", Value: "9"}}, "a=9\nb=4\n", 1},
		{"continued key line", "a\\\n  b=1\n", []PropEdit{{Key: "ab", Value: "2"}}, "a\\\n  b=2\n", 1},
		{"duplicates", "x=1\ny=2\nx=3\n", []PropEdit{{Key: "x", Value: "5"}}, "x=5\ny=2\nx=5\n", 1},
		{"escaped key", "my\\ key=1\n", []PropEdit{{Key: "my key", Value: "2"}}, "my\\ key=2\n", 1},
		{"comment not a key", "#x=1\n! x=2\n", []PropEdit{{Key: "x", Value: "3"}}, "#x=1\n! x=2\nx=3\n", 1},
		{"comment with backslash", "# c \\\nx=1\n", []PropEdit{{Key: "x", Value: "2"}}, "# c \\\nx=2\n", 1},
		{"append no final newline", "a=1", []PropEdit{{Key: "b", Value: "2"}}, "a=1\nb=2", 1},
		{"append crlf", "a=1\r\n", []PropEdit{{Key: "b", Value: "2"}}, "a=1\r\nb=2\r\n", 1},
		{"append after continuation at EOF", "a=1\\", []PropEdit{{Key: "b", Value: "2"}}, "a=1\\\n\nb=2", 1},
		{"append to empty", "", []PropEdit{{Key: "b", Value: "2"}}, "b=2\n", 1},
		{"same value", "a = x y \n", []PropEdit{{Key: "a", Value: "x y "}}, "a = x y \n", 0},
		{"same escaped value", "a=caf\\u00e9\n", []PropEdit{{Key: "a", Value: "café"}}, "a=caf\\u00e9\n", 0},
		{"remove", "a=1\nb=2\\\n  3\nc=4\nb=5", []PropEdit{{Key: "b", Remove: true}}, "a=1\nc=4\n", 1},
		{"remove absent", "a=1\n", []PropEdit{{Key: "b", Remove: true}}, "a=1\n", 0},
		{"set then remove", "a=1\n", []PropEdit{{Key: "a", Value: "2"}, {Key: "a", Remove: true}}, "", 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, ch, err := ApplyProperties([]byte(tc.src), tc.edits)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tc.want || len(ch) != tc.changes {
				t.Fatalf("got %q (%d changes %+v), want %q (%d)", out, len(ch), ch, tc.want, tc.changes)
			}
			again, ch2, err := ApplyProperties(out, tc.edits)
			if err != nil || !bytes.Equal(again, out) || (len(ch2) != 0 && tc.name != "set then remove") {
				t.Fatalf("not idempotent: %q %+v %v", again, ch2, err)
			}
		})
	}
}

// ReadProperties agrees with java.util.Properties.load on the real fixture
// files and on a file of edge cases.
func TestReadPropertiesMatchesJava(t *testing.T) {
	dir := t.TempDir()
	edge := "# comment\n  ! also comment\n\n a = b \\\n   c\\\n\nd\\ e:f\\tg\\u0041\\\\\nh\ti j\nk=\\\n  \\\n  l\n m \\\r\n n\rp=q\r\nempty=\nbare\nuni=\\u00e9\\u65e5\n=nokey\n\\=x=y\nlatin=\xe9\n"
	files := map[string][]byte{"edge.properties": []byte(edge)}
	for _, rel := range fixtureFiles(t, ".properties") {
		files[strings.ReplaceAll(rel, "/", "_")] = fixture(t, rel)
	}
	var args, want []string
	for name, src := range files {
		m, err := ReadProperties(src)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, src, 0o644); err != nil {
			t.Fatal(err)
		}
		for k, v := range m {
			args = append(args, f, k)
			want = append(want, javaHex(v))
		}
		if name == "edge.properties" && len(m) != 12 {
			t.Fatalf("edge file: %d keys: %q", len(m), m)
		}
	}
	got := runJava(t, "PropRead", args)
	for i := range want {
		if i >= len(got) || got[i] != want[i] {
			t.Errorf("%s key %q: java %v, ReadProperties %s", filepath.Base(args[2*i]), args[2*i+1], got[min(i, len(got)-1)], want[i])
		}
	}
}

func TestPropertiesErrors(t *testing.T) {
	_, err := ReadProperties([]byte("a=1\nb=\\u12G4\n"))
	if err == nil || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), "malformed") {
		t.Fatalf("got %v", err)
	}
	out, ch, err := ApplyProperties([]byte("a=\\u12"), []PropEdit{{Key: "b", Value: "1"}})
	if err == nil || out != nil || ch != nil {
		t.Fatalf("got %q %v %v", out, ch, err)
	}
	if _, _, err := ApplyProperties([]byte("a=1"), []PropEdit{{Value: "1"}}); err == nil {
		t.Fatal("empty key accepted")
	}
}

// The fixture properties files the agent edits: only the edited lines change.
func TestPropertiesFixtures(t *testing.T) {
	for _, tc := range []struct{ file, key, val string }{
		{"wso2am-2.0.0/repository/conf/jndi.properties", "connectionfactory.TopicConnectionFactory", "amqp://admin:p%40ss@clientid/carbon?brokerlist='tcp://tm.wso2:5672'"},
		{"wso2am-2.0.0/repository/conf/identity/EndpointConfig.properties", "Carbon.Security.KeyStore.Password", "k&s\\pw"},
		{"wso2is-5.2.0/repository/conf/log4j.properties", "log4j.appender.LOGEVENT.password", "n3w&pw"},
	} {
		src := fixture(t, tc.file)
		old, err := ReadProperties(src)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := old[tc.key]; !ok {
			t.Fatalf("%s has no %s", tc.file, tc.key)
		}
		out, ch, err := ApplyProperties(src, []PropEdit{{Key: tc.key, Value: tc.val}})
		if err != nil || len(ch) != 1 || ch[0].Old != old[tc.key] {
			t.Fatalf("%s: %v %+v", tc.file, err, ch)
		}
		rm, add := lineDiff(src, out)
		if len(rm) != 1 || len(add) != 1 || !strings.HasPrefix(add[0], strings.SplitN(rm[0], "=", 2)[0]) {
			t.Fatalf("%s: diff -%q +%q", tc.file, rm, add)
		}
		m, _ := ReadProperties(out)
		for k, v := range old {
			if k != tc.key && m[k] != v {
				t.Fatalf("%s: %s changed", tc.file, k)
			}
		}
		if m[tc.key] != tc.val {
			t.Fatalf("read back %q", m[tc.key])
		}
	}
}

func ExampleApplyProperties() {
	src := []byte("# broker\nconnectionfactory.url = amqp://old\n")
	out, ch, _ := ApplyProperties(src, []PropEdit{
		{Key: "connectionfactory.url", Value: "amqp://new"},
		{Key: "added", Value: " lead & ünï"},
	})
	fmt.Print(string(out))
	fmt.Println(len(ch), ch[0].Old)
	// Output:
	// # broker
	// connectionfactory.url = amqp://new
	// added=\ lead & \u00FCn\u00EF
	// 2 amqp://old
}
