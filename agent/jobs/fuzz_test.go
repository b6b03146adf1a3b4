package jobs

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestQuoteArgsRoundTrip(t *testing.T) {
	for _, argv := range [][]string{
		{"a"},
		{"", "x y", "it's", `"q"`, `back\slash`, "*.log", "$HOME", "tab\there", "new\nline", "~user", "#c", "a|b"},
	} {
		back, err := SplitArgs(QuoteArgs(argv))
		if err != nil || !reflect.DeepEqual(back, argv) {
			t.Errorf("QuoteArgs(%q) = %s splits back into %q (%v)", argv, QuoteArgs(argv), back, err)
		}
	}
}

// FuzzSplitArgs: no panic, and whatever splits quotes back to the same argv.
func FuzzSplitArgs(f *testing.F) {
	for _, s := range []string{`find /logs -name '*.log' -delete`, `sh -c 'a | b'`, `"a\"b" c\ d`, `x'y'"z"`, `''`, `\`, `'`, `a$b`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		argv, err := SplitArgs(s)
		if err != nil {
			return
		}
		if len(argv) == 0 {
			t.Fatalf("SplitArgs(%q) = no words and no error", s)
		}
		back, err := SplitArgs(QuoteArgs(argv))
		if err != nil || !reflect.DeepEqual(back, argv) {
			t.Fatalf("SplitArgs(%q) = %q; QuoteArgs gives %s which splits into %q (%v)", s, argv, QuoteArgs(argv), back, err)
		}
	})
}

// FuzzParseCrontab: no panic; every job has a command and fires; every
// error names file:line.
func FuzzParseCrontab(f *testing.F) {
	for _, s := range []string{
		"# c\n0 3 * * * /bin/x --y\n",
		"name=a @every 5m sh -c 'ls'\nname=b */10 * * * * * echo one \\\n two\n",
		"CRON_TZ=UTC 0 12 * * * noon\n",
		"TZ=\n@every\n* * * * * *\nSHELL=/bin/sh\n",
		"61 * * * * x\n0 0 31 2 * x\n@reboot x\n",
	} {
		f.Add(s)
	}
	from := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		list, errs := ParseCrontab("/f", []byte(s))
		for _, j := range list {
			if len(j.Argv) == 0 {
				t.Fatalf("job %s has no command", j.Name)
			}
			if j.Schedule.Next(from).IsZero() {
				t.Fatalf("job %s (%q) never fires", j.Name, j.Spec)
			}
		}
		for _, e := range errs {
			if !strings.HasPrefix(e.Error(), "/f:") {
				t.Fatalf("error %q does not name file:line", e)
			}
		}
	})
}

func BenchmarkSplitLine(b *testing.B) {
	for b.Loop() {
		if _, _, _, err := SplitLine(`30 */5 * * * * find /wso2am/repository/logs -name '*.log' -mtime +7 -delete`); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseCrontab(b *testing.B) {
	var src strings.Builder
	for i := 0; i < 100; i++ {
		src.WriteString("# comment\n0 3 * * * /opt/purge.sh --days 7\nname=n" + strings.Repeat("x", i%5) + string(rune('a'+i%26)) + " @every 10m sh -c 'ls /certificates'\n")
	}
	data := []byte(src.String())
	for b.Loop() {
		ParseCrontab("/f", data)
	}
}
