package jobs

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// shellWords asks a real POSIX shell how it splits line into words, so that
// SplitArgs is checked against the thing it imitates.
func shellWords(t *testing.T, line string) []string {
	t.Helper()
	out, err := exec.Command("sh", "-c", `eval "set -- $1"; for a in "$@"; do printf '%s\0' "$a"; done`, "sh", line).Output()
	if err != nil {
		t.Fatalf("sh: eval set -- %s: %v", line, err)
	}
	words := strings.Split(string(out), "\x00")
	return words[:len(words)-1]
}

func TestSplitArgsAgreesWithShell(t *testing.T) {
	for _, line := range []string{
		`find /logs -name '*.log' -mtime +7 -delete`,
		`a b   c`,
		"a\tb c",
		`'single $HOME' "double \$x \" \\ \a"`,
		`a'b'"c"d`,
		`"" x ''`,
		`back\ slash \'q\' \"`,
		`"multi word" tail`,
		`sh -c 'echo "$1" > /tmp/x' job`,
		`a#b c~d`,
		`x\
y`,
	} {
		got, err := SplitArgs(line)
		if err != nil {
			t.Errorf("SplitArgs(%q): %v", line, err)
			continue
		}
		want := shellWords(t, line)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("SplitArgs(%q) = %q, sh splits it as %q", line, got, want)
		}
	}
}

func TestSplitArgsErrors(t *testing.T) {
	for _, c := range []struct{ line, want string }{
		{``, "empty command"},
		{"  \t ", "empty command"},
		{`echo 'open`, "unbalanced single quote"},
		{`echo "open`, "unbalanced double quote"},
		{`echo "a\"`, "unbalanced double quote"},
		{`echo x\`, "lone backslash"},
		{`echo a | wc`, `unquoted "|"`},
		{`echo $HOME`, `unquoted "$"`},
		{`rm /tmp/*.log`, `unquoted "*"`},
		{`cmd > out`, `unquoted ">"`},
		{`a; b`, `unquoted ";"`},
		{`a && b`, `unquoted "&"`},
		{`echo ~/x`, `unquoted "~"`},
		{`echo #c`, `unquoted "#"`},
		{"echo `id`", "unquoted \"`\""},
		{`ls [ab]`, `unquoted "["`},
	} {
		_, err := SplitArgs(c.line)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("SplitArgs(%q) error = %v, want one containing %q", c.line, err, c.want)
		}
	}
}

func TestSplitLine(t *testing.T) {
	from := time.Date(2026, 11, 22, 16, 7, 30, 0, time.UTC)
	for _, c := range []struct {
		line string
		spec string
		argv []string
		next string // first fire time after from
	}{
		{"*/5 * * * * echo hi", "*/5 * * * *", []string{"echo", "hi"}, "2026-11-22T16:10:00Z"},
		{"30 */5 * * * * echo hi", "30 */5 * * * *", []string{"echo", "hi"}, "2026-11-22T16:10:30Z"},
		{"0 3 * * MON-FRI /bin/purge --days 7", "0 3 * * MON-FRI", []string{"/bin/purge", "--days", "7"}, "2026-11-23T03:00:00Z"},
		{"  @daily   run  ", "@daily", []string{"run"}, "2026-11-23T00:00:00Z"},
		{"@every 5m run", "@every 5m", []string{"run"}, "2026-11-22T16:12:30Z"},
		{"@hourly sh -c 'a | b'", "@hourly", []string{"sh", "-c", "a | b"}, "2026-11-22T17:00:00Z"},
		{"CRON_TZ=UTC 0 12 * * * noon", "CRON_TZ=UTC 0 12 * * *", []string{"noon"}, "2026-11-23T12:00:00Z"},
		{"* * * * * * tick", "* * * * * *", []string{"tick"}, "2026-11-22T16:07:31Z"},
		// a command that looks like nothing a cron field holds: 5 fields
		{"0 0 * * * 2to3 x", "0 0 * * *", []string{"2to3", "x"}, "2026-11-23T00:00:00Z"},
	} {
		spec, sched, argv, err := SplitLine(c.line)
		if err != nil {
			t.Errorf("SplitLine(%q): %v", c.line, err)
			continue
		}
		if spec != c.spec || !reflect.DeepEqual(argv, c.argv) {
			t.Errorf("SplitLine(%q) = %q %q, want %q %q", c.line, spec, argv, c.spec, c.argv)
		}
		if got := sched.Next(from).UTC().Format(time.RFC3339); got != c.next {
			t.Errorf("SplitLine(%q): next after %s = %s, want %s", c.line, from.Format(time.RFC3339), got, c.next)
		}
	}
}

func TestSplitLineErrors(t *testing.T) {
	for _, c := range []struct{ line, want string }{
		{"", "empty declaration"},
		{"61 * * * * x", "above maximum (59)"},
		{"* * * * * 9 x", "above maximum (6)"}, // a sixth word made of field characters is a field
		{"* * * x", "incomplete"},
		{"* * * * *", "empty command"},
		{"* * * * * *", "empty command"},
		{"@daily", "empty command"},
		{"@fortnightly x", "unrecognized descriptor"},
		{"@every", "incomplete"},
		{"@every x", "bad duration"},
		{"@every 5 x", "bad duration"},
		{"@every 500ms x", "whole number of seconds"},
		{"@every -5m x", "whole number of seconds"},
		{"0 0 31 2 * x", "never fires"},
		{"CRON_TZ=Nowhere/X @daily x", "bad location"},
		{"@daily echo 'x", "unbalanced single quote"},
		{"* * * * * echo a|b", `unquoted "|"`},
	} {
		_, _, _, err := SplitLine(c.line)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("SplitLine(%q) error = %v, want one containing %q", c.line, err, c.want)
		}
	}
}

func TestFromEnv(t *testing.T) {
	list, errs := FromEnv([]string{
		"PATH=/bin",
		"WSO2_AGENT_JOB_PURGE_LOGS=@daily find /logs -delete",
		"WSO2_AGENT_JOB_A=* * * * * * echo a",
		"WSO2_AGENT_CRONTAB=/x", // not a job
	})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(list) != 2 || list[0].Name != "a" || list[1].Name != "purge_logs" || list[1].Source != "WSO2_AGENT_JOB_PURGE_LOGS" {
		t.Fatalf("jobs = %+v", list)
	}

	// Every bad declaration is reported, each with its variable and job.
	_, errs = FromEnv([]string{
		"WSO2_AGENT_JOB_BADCRON=61 * * * * x",
		"WSO2_AGENT_JOB_EMPTY=@daily",
		"WSO2_AGENT_JOB_QUOTE=@daily echo 'x",
		"WSO2_AGENT_JOB_DESC=@sometimes x",
		"WSO2_AGENT_JOB_=@daily x",
		"WSO2_AGENT_JOB_BAD-NAME=@daily x",
	})
	want := []string{
		`WSO2_AGENT_JOB_BADCRON: job badcron: schedule "61 * * * *": end of range (61) above maximum (59): 61`,
		`WSO2_AGENT_JOB_EMPTY: job empty: empty command`,
		`WSO2_AGENT_JOB_QUOTE: job quote: unbalanced single quote at offset 6 of the command`,
		`WSO2_AGENT_JOB_DESC: job desc: schedule "@sometimes": unrecognized descriptor: @sometimes`,
		`WSO2_AGENT_JOB_: empty job name`,
		`WSO2_AGENT_JOB_BAD-NAME: job name "BAD-NAME": only letters, digits and _ are allowed`,
	}
	if len(errs) != len(want) {
		t.Fatalf("got %d errors %v, want %d", len(errs), errs, len(want))
	}
	for i, e := range errs {
		var je *Error
		if !errors.As(e, &je) {
			t.Errorf("error %v is not a *jobs.Error", e)
		}
		if e.Error() != want[i] {
			t.Errorf("error %d:\n got %s\nwant %s", i, e, want[i])
		}
	}
}

func TestParseCrontab(t *testing.T) {
	src := "# maintenance\n" +
		"\n" +
		"   # indented comment\n" +
		"0 3 * * * /opt/purge.sh --days 7\r\n" +
		"name=certs @every 10m sh -c 'ls /certificates'\n" +
		"name=long */10 * * * * * echo one \\\n" +
		"  two\n" +
		"@weekly echo last\n" +
		"# a comment that ends in a backslash \\\n" +
		"@daily echo kept"
	list, errs := ParseCrontab("/etc/jobs", []byte(src))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	type row struct {
		name, source, spec string
		argv               []string
	}
	var got []row
	for _, j := range list {
		got = append(got, row{j.Name, j.Source, j.Spec, j.Argv})
	}
	want := []row{
		{"crontab:4", "/etc/jobs:4", "0 3 * * *", []string{"/opt/purge.sh", "--days", "7"}},
		{"certs", "/etc/jobs:5", "@every 10m", []string{"sh", "-c", "ls /certificates"}},
		{"long", "/etc/jobs:6", "*/10 * * * * *", []string{"echo", "one", "two"}},
		{"crontab:8", "/etc/jobs:8", "@weekly", []string{"echo", "last"}},
		{"crontab:10", "/etc/jobs:10", "@daily", []string{"echo", "kept"}}, // not joined to the comment
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("jobs:\n got %q\nwant %q", got, want)
	}
}

func TestParseCrontabErrors(t *testing.T) {
	src := "# header\n" +
		"61 * * * * x\n" + // 2
		"SHELL=/bin/bash\n" + // 3
		"name=ok @daily echo ok\n" + // 4
		"name=bad/name @daily x\n" + // 5
		"name=empty @daily\n" + // 6
		"* * * * root echo\n" // 7: a system crontab's user field
	_, errs := ParseCrontab("/etc/jobs", []byte(src))
	want := []string{
		`/etc/jobs:2: job crontab:2: schedule "61 * * * *": end of range (61) above maximum (59): 61`,
		`/etc/jobs:3: "SHELL=/bin/bash": variable settings are not supported`,
		`/etc/jobs:5: job name "bad/name": only letters, digits, _, - and . are allowed`,
		`/etc/jobs:6: job empty: empty command`,
		`/etc/jobs:7: job crontab:7: schedule "* * * * root": failed to parse int from root`,
	}
	if len(errs) != len(want) {
		t.Fatalf("got %d errors %q, want %d", len(errs), errs, len(want))
	}
	for i, e := range errs {
		if !strings.HasPrefix(e.Error(), want[i]) {
			t.Errorf("error %d:\n got %s\nwant %s...", i, e, want[i])
		}
	}
}

func TestReadCrontabMissing(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nope")
	_, errs := ReadCrontab(p)
	if len(errs) != 1 || errs[0].Error() != p+": read crontab: no such file or directory" {
		t.Fatalf("errors = %v", errs)
	}
}

func TestCheckNames(t *testing.T) {
	// Names are compared in lower case, so two variables can clash.
	both, _ := FromEnv([]string{"WSO2_AGENT_JOB_x=@daily b", "WSO2_AGENT_JOB_X=@daily a"})
	if errs := CheckNames(both); len(errs) != 1 || errs[0].Error() != "WSO2_AGENT_JOB_x: job x: duplicate job name: WSO2_AGENT_JOB_X declares it too" {
		t.Fatalf("errors = %v", errs)
	}

	env, _ := FromEnv([]string{"WSO2_AGENT_JOB_PURGE=@daily x"})
	tab, _ := ParseCrontab("/etc/jobs", []byte("name=Purge @hourly y\n"))
	errs := CheckNames(append(env, tab...))
	if len(errs) != 1 || errs[0].Error() != "/etc/jobs:1: job purge: duplicate job name: WSO2_AGENT_JOB_PURGE declares it too" {
		t.Fatalf("errors = %v", errs)
	}
}

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "tool")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	mk := func(name, cmd string) *Job { return &Job{Name: name, Source: "S_" + name, Argv: []string{cmd}} }
	list := []*Job{mk("bare", "tool"), mk("abs", exe), mk("rel", "./tool"), mk("missing", "nosuch"), mk("noexec", plain), mk("dir", dir)}
	errs := Resolve(list, []string{"PATH=/nonexistent:" + dir}, dir)
	if list[0].Path != exe || list[1].Path != exe || list[2].Path != exe {
		t.Errorf("paths = %q %q %q, want %q", list[0].Path, list[1].Path, list[2].Path, exe)
	}
	want := []string{
		"S_missing: job missing: command nosuch not found in PATH",
		"S_noexec: job noexec: command " + plain + " is not executable (mode -rw-r--r--)",
		"S_dir: job dir: command " + dir + " is a directory",
	}
	if len(errs) != len(want) {
		t.Fatalf("errors = %v", errs)
	}
	for i := range want {
		if errs[i].Error() != want[i] {
			t.Errorf("error %d = %s, want %s", i, errs[i], want[i])
		}
	}
}

func TestNext(t *testing.T) {
	j, err := NewFunc("sync", "VAR", "0 */15 * * * *", nil)
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 11, 22, 23, 50, 0, 0, time.UTC)
	var got []string
	for _, n := range j.Next(from, 3) {
		got = append(got, n.Format(time.RFC3339))
	}
	want := []string{"2026-11-23T00:00:00Z", "2026-11-23T00:15:00Z", "2026-11-23T00:30:00Z"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("next = %v, want %v", got, want)
	}
	if _, err := NewFunc("sync", "VAR", "bogus", nil); err == nil || !strings.HasPrefix(err.Error(), `VAR: job sync: schedule "bogus"`) {
		t.Fatalf("bad schedule error = %v", err)
	}
}

// The README says what a CRON_TZ schedule does around a daylight-saving
// change (robfig/cron's behaviour, not cronie's); this holds it to that.
func TestScheduleAcrossDaylightSavingChanges(t *testing.T) {
	for _, tc := range []struct {
		spec string
		from time.Time
		want []string // the next fire times, UTC
	}{
		{"CRON_TZ=America/New_York 30 1 * * *", time.Date(2026, 10, 31, 12, 0, 0, 0, time.UTC),
			[]string{"2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z", "2026-11-02T06:30:00Z"}}, // 01:30 twice
		{"CRON_TZ=America/New_York 30 2 * * *", time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC),
			[]string{"2026-03-09T06:30:00Z", "2026-03-10T06:30:00Z"}}, // no 02:30 on 8 March
	} {
		s, err := ParseSchedule(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		at := tc.from
		for _, w := range tc.want {
			at = s.Next(at)
			if got := at.UTC().Format(time.RFC3339); got != w {
				t.Errorf("%s: next %s, want %s", tc.spec, got, w)
				break
			}
		}
	}
}
