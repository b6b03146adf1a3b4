package quartz

import (
	"strings"
	"testing"
	"time"
)

func mustTime(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// TestEdgeCases: fire times worked out independently of this package (by
// calendar: Python's calendar module and Quartz's documented rules), from
// the start time given.
func TestEdgeCases(t *testing.T) {
	cases := []struct {
		name, expr, from string
		want             []string // all 5 (or fewer when it stops firing)
	}{
		{"leap day", "0 0 12 29 2 ?", "2026-01-01T00:00:00Z",
			[]string{"2028-02-29T12:00:00Z", "2032-02-29T12:00:00Z", "2036-02-29T12:00:00Z", "2040-02-29T12:00:00Z", "2044-02-29T12:00:00Z"}},
		{"last day of February", "0 0 12 L 2 ?", "2026-01-01T00:00:00Z",
			[]string{"2026-02-28T12:00:00Z", "2027-02-28T12:00:00Z", "2028-02-29T12:00:00Z", "2029-02-28T12:00:00Z", "2030-02-28T12:00:00Z"}},
		{"L-3 in February", "0 0 12 L-3 2 ?", "2026-01-01T00:00:00Z",
			[]string{"2026-02-25T12:00:00Z", "2027-02-25T12:00:00Z", "2028-02-26T12:00:00Z", "2029-02-25T12:00:00Z", "2030-02-25T12:00:00Z"}},
		{"L-30 only in 31-day months", "0 0 0 L-30 * ?", "2026-01-01T00:00:00Z",
			[]string{"2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z", "2026-07-01T00:00:00Z", "2026-08-01T00:00:00Z", "2026-10-01T00:00:00Z"}},
		{"5th Thursday skips months", "0 0 12 ? * 5#5", "2026-01-01T00:00:00Z",
			[]string{"2026-01-29T12:00:00Z", "2026-04-30T12:00:00Z", "2026-07-30T12:00:00Z", "2026-10-29T12:00:00Z", "2026-12-31T12:00:00Z"}},
		{"THU#5 by name", "0 0 12 ? * THU#5", "2026-01-01T00:00:00Z",
			[]string{"2026-01-29T12:00:00Z", "2026-04-30T12:00:00Z", "2026-07-30T12:00:00Z", "2026-10-29T12:00:00Z", "2026-12-31T12:00:00Z"}},
		{"last Sunday", "0 0 12 ? * 1L", "2026-01-01T00:00:00Z",
			[]string{"2026-01-25T12:00:00Z", "2026-02-22T12:00:00Z", "2026-03-29T12:00:00Z", "2026-04-26T12:00:00Z", "2026-05-31T12:00:00Z"}},
		{"1W moves Saturday the 1st to Monday the 3rd", "0 0 12 1W 7-9 ? 2026", "2026-01-01T00:00:00Z",
			[]string{"2026-07-01T12:00:00Z", "2026-08-03T12:00:00Z", "2026-09-01T12:00:00Z"}},
		{"1W: Sunday 1st to Monday 2nd", "0 0 12 1W 2,3 ? 2026", "2026-01-01T00:00:00Z",
			[]string{"2026-02-02T12:00:00Z", "2026-03-02T12:00:00Z"}},
		{"30W: Sunday 30th of a 31-day month to Monday 31st; February skipped", "0 0 12 30W * ?", "2026-01-01T00:00:00Z",
			[]string{"2026-01-30T12:00:00Z", "2026-03-30T12:00:00Z", "2026-04-30T12:00:00Z", "2026-05-29T12:00:00Z", "2026-06-30T12:00:00Z"}},
		{"30W in August 2026 (30th is Sunday)", "0 0 12 30W 8 ? 2026", "2026-01-01T00:00:00Z",
			[]string{"2026-08-31T12:00:00Z"}},
		{"year range ends", "0 0 12 1 1 ? 2027-2029", "2026-01-01T00:00:00Z",
			[]string{"2027-01-01T12:00:00Z", "2028-01-01T12:00:00Z", "2029-01-01T12:00:00Z"}},
		{"year list", "0 0 0 1 1 ? 2031,2026,2040", "2026-01-01T00:00:00Z",
			[]string{"2031-01-01T00:00:00Z", "2040-01-01T00:00:00Z"}},
		{"expired year: valid, never fires", "0 0 12 * * ? 2020", "2026-01-01T00:00:00Z", nil},
		{"February 31st never exists", "0 0 12 31 2 ?", "2026-01-01T00:00:00Z", nil},
		{"February 30th with W: still never in February", "0 0 12 30 2 ?", "2026-01-01T00:00:00Z", nil},
		{"31st only in 31-day months", "0 0 0 31 * ?", "2026-01-31T00:00:00Z",
			[]string{"2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z", "2026-08-31T00:00:00Z", "2026-10-31T00:00:00Z"}},
		{"wrapping day-of-month range", "0 0 0 30-2 * ?", "2026-01-29T00:00:00Z",
			[]string{"2026-01-30T00:00:00Z", "2026-01-31T00:00:00Z", "2026-02-01T00:00:00Z", "2026-02-02T00:00:00Z", "2026-03-01T00:00:00Z"}},
		{"wrapping month names", "0 0 0 1 NOV-FEB ?", "2026-01-15T00:00:00Z",
			[]string{"2026-02-01T00:00:00Z", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z"}},
		{"year rollover at the last second", "59 59 23 31 12 ?", "2026-12-31T23:59:58Z",
			[]string{"2026-12-31T23:59:59Z", "2027-12-31T23:59:59Z", "2028-12-31T23:59:59Z", "2029-12-31T23:59:59Z", "2030-12-31T23:59:59Z"}},
		{"strictly after: a fire time equal to from is skipped", "0 0 12 * * ?", "2026-03-01T12:00:00Z",
			[]string{"2026-03-02T12:00:00Z", "2026-03-03T12:00:00Z", "2026-03-04T12:00:00Z", "2026-03-05T12:00:00Z", "2026-03-06T12:00:00Z"}},
		{"lower case and long names", "0 0 12 ? jan-feb monday", "2026-01-01T00:00:00Z",
			[]string{"2026-01-05T12:00:00Z", "2026-01-12T12:00:00Z", "2026-01-19T12:00:00Z", "2026-01-26T12:00:00Z", "2026-02-02T12:00:00Z"}},
		{"tabs and extra spaces separate fields", "0\t0  12 ? *\tSUN ", "2026-01-01T00:00:00Z",
			[]string{"2026-01-04T12:00:00Z", "2026-01-11T12:00:00Z", "2026-01-18T12:00:00Z", "2026-01-25T12:00:00Z", "2026-02-01T12:00:00Z"}},
		{"a/0 means a", "0 7/0 * * * ?", "2026-01-01T00:00:00Z",
			[]string{"2026-01-01T00:07:00Z", "2026-01-01T01:07:00Z", "2026-01-01T02:07:00Z", "2026-01-01T03:07:00Z", "2026-01-01T04:07:00Z"}},
		{"JANUARY-MARCH reads as JAN", "0 0 0 2 JANUARY-MARCH ?", "2026-01-01T00:00:00Z",
			[]string{"2026-01-02T00:00:00Z", "2027-01-02T00:00:00Z", "2028-01-02T00:00:00Z", "2029-01-02T00:00:00Z", "2030-01-02T00:00:00Z"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Parse(c.expr)
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.expr, err)
			}
			got := formatTimes(s.NextN(mustTime(t, c.from), 5))
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Errorf("%q from %s:\n got  %v\n want %v", c.expr, c.from, got, c.want)
			}
		})
	}
}

// TestQuartzSuiteParse: expressions and outcomes from Quartz's own
// CronExpressionTest (2.3.x).
func TestQuartzSuiteParse(t *testing.T) {
	invalid := []string{
		"0 43 9 1,5,29,L * ?",      // testQuartz640: L with other days of the month
		"0 43 9 ? * SAT,SUN,L",     // L with other days of the week
		"0 43 9 ? * 5L,6",          // L with other days of the week
		"0/5 * * 32W 1 ?",          // testQtz96: W after a day > 31
		"0 0 * * * *",              // testQuartz621: both day fields
		"/120 0 8-18 ? * 2-6",      // testSecRangeIntervalAfterSlash
		"0/120 0 8-18 ? * 2-6",     // "
		"/ 0 8-18 ? * 2-6",         // "
		"0 /120 8-18 ? * 2-6",      // testMinRangeIntervalAfterSlash
		"0 0/120 8-18 ? * 2-6",     // "
		"0 0 /24 ? * 2-6",          // testHourRangeIntervalAfterSlash
		"0 0 0/24 ? * 2-6",         // "
		"0 0 0 /32 * ?",            // testDayOfMonthRangeIntervalAfterSlash
		"0 0 0 0/32 * ?",           // "
		"0 0 0 * /13 ?",            // testMonthRangeIntervalAfterSlash
		"0 0 0 * 0/13 ?",           // "
		"0 0 0 ? * /8",             // testDayOfWeekRangeIntervalAfterSlash
		"0 0 0 ? * 0/8",            // "
		"0 0 12 ? * 1#2#3",         // several '#'
		"0 0 12 ? * MON#6",         // '#' > 5
		"0 0 12 L-31 * ?",          // offset > 30
		"0 0 12 ? * 3W",            // W outside day-of-month
		"0 0 12 5L * ?",            // nL outside day-of-week
		"0 0 12 ? * 8L",            // nL outside 1-7
		"0 0 12 ? FOO *",           // unknown month
		"0 0 12 ? * FUN",           // unknown day
		"0 0 12 ? * MO",            // a name needs 3 letters
		"0 0 12 ? * MON-",          // range without end
		"0 0 12 ? * 2-",            // "
		"0 0 12 ? * 2/",            // step without number
		"0 0 12 ? * */",            // "
		"0 0 12 ? * 2/x",           // "
		"0 0 12 ? * */x",           // "
		"0 0 12 ? * ?",             // both '?'
		"0 0 12 1 1 ? 3000/1",      // open year range starting after MaxYear
		"0 0 12 1 1 ? 99999999999", // not an int
		"0 0 12 * * ?x1",           // garbage after '?'
		"? 0 12 * * ?",             // '?' outside day fields
	}
	for _, e := range invalid {
		if _, err := Parse(e); err == nil {
			t.Errorf("Parse(%q) accepted an expression Quartz rejects", e)
		}
	}
	valid := []string{
		"0 43 9 ? * 5L",           // testQuartz640
		"19 15 10 4 Apr ? ",       // testQtz259-like: mixed-case month name, trailing space
		"0 15 10 L-2 * ? 2010",    // testLastDayOffset
		"0 15 10 L-5W * ? 2010",   // "
		"0 15 10 L-1 * ? 2010",    // "
		"0 15 10 L-1W * ? 2010",   // "
		"0 0 12 * JAN/2 ? 2030 x", // name then "/" dropped, field after the year ignored
		"0 0 12 ? * MON-FRI/2",    // step after a name range dropped
		"0 0 12 ? * */0",          // step 0
		"0 0 12 * * ?x",           // one character after "?" is ignored by Quartz
		"0 0 12 ? * 6#+3",         // Java Integer.parseInt accepts a sign
		"*/-5 0 12 ? * *",         // negative step after '*' = '*'
		"0 0 12 ? * L",            // L = SAT
		"0 0 12 LW * ?",
		"0 0 12 L-W * ?", // L-W = LW
		"0 0 12 ? * 1-0", // end 0 wraps to all days
	}
	for _, e := range valid {
		if _, err := Parse(e); err != nil {
			t.Errorf("Parse(%q) rejected an expression Quartz accepts: %v", e, err)
		}
	}
}

// TestQuartzSuiteSatisfied: times Quartz's CronExpressionTest expects an
// expression to be satisfied by (isSatisfiedBy = Next(t-1s) == t), and not.
func TestQuartzSuiteSatisfied(t *testing.T) {
	cases := []struct {
		expr, at string
		want     bool
	}{
		{"0 15 10 * * ? 2005", "2005-06-01T10:15:00Z", true},
		{"0 15 10 * * ? 2005", "2006-06-01T10:15:00Z", false},
		{"0 15 10 * * ? 2005", "2005-06-01T10:16:00Z", false},
		{"0 15 10 * * ? 2005", "2005-06-01T10:14:00Z", false},
		{"0 15 10 L-2 * ? 2010", "2010-10-29T10:15:00Z", true},
		{"0 15 10 L-2 * ? 2010", "2010-10-28T10:15:00Z", false},
		{"0 15 10 L-5W * ? 2010", "2010-10-26T10:15:00Z", true},
		{"0 15 10 L-1 * ? 2010", "2010-10-30T10:15:00Z", true},
		{"0 15 10 L-1W * ? 2010", "2010-10-29T10:15:00Z", true},
		{"0 0 0 ? * SUN", "2011-01-02T00:00:00Z", true}, // a Sunday
		{"0 0 0 ? * SUN", "2011-01-03T00:00:00Z", false},
	}
	for _, c := range cases {
		s, err := Parse(c.expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.expr, err)
		}
		at := mustTime(t, c.at)
		next, ok := s.Next(at.Add(-time.Second))
		if got := ok && next.Equal(at); got != c.want {
			t.Errorf("%q satisfied by %s = %v, want %v (next %v)", c.expr, c.at, got, c.want, next)
		}
	}
}

// TestErrorMessages: errors name the field and the reason.
func TestErrorMessages(t *testing.T) {
	cases := map[string]string{
		"0 0 12 ? * 0":           "field 6 (day-of-week): 0 is out of range 1-7",
		"0 0 12 ? * 8":           "field 6 (day-of-week): 8 is out of range 1-7",
		"60 0 12 * * ?":          "field 1 (second): 60 is out of range 0-59",
		"0 0 24 * * ?":           "field 3 (hour): 24 is out of range 0-23",
		"0 0 12 32 * ?":          "field 4 (day-of-month): 32 is out of range 1-31",
		"0 0 12 * 13 ?":          "field 5 (month): 13 is out of range 1-12",
		"0 0 12 * *":             "expected 6 or 7 fields (second minute hour day-of-month month day-of-week [year]), got 5",
		"":                       "expected 6 or 7 fields (second minute hour day-of-month month day-of-week [year]), got 0",
		"0 0 12 1 * MON":         "exactly one of day-of-month and day-of-week must be '?'",
		"0 0 12 ? * ?":           "exactly one of day-of-month and day-of-week must be '?'",
		"0 0/60 * * * ?":         "field 2 (minute): step 60 is larger than 59",
		"0 0 12 * * ? 2030-2027": "field 7 (year): the start year 2030 is after the end year 2027",
		"0 0 12 ? * 5#6":         "field 6 (day-of-week): a number from 1 to 5 must follow '#' in \"5#6\"",
		"0 0 12 L,15 * ?":        "field 4 (day-of-month): 'L' and 'LW' cannot be combined with other days of the month",
		"@daily":                 "field 1 (second): unexpected character \"@\" in \"@DAILY\"",
		"0 0 12 ? * FUN":         "field 6 (day-of-week): \"FUN\" is not a day name (SUN-SAT)",
	}
	for expr, want := range cases {
		_, err := Parse(expr)
		if err == nil || err.Error() != want {
			t.Errorf("Parse(%q) error = %v, want %q", expr, err, want)
		}
	}
}

// TestNextIgnoresSubSeconds: sub-second parts of the start are dropped, and
// the result is always strictly after the start.
func TestNextIgnoresSubSeconds(t *testing.T) {
	s := MustParse("* * * * * ?")
	from := mustTime(t, "2026-05-05T10:00:00Z").Add(600 * time.Millisecond)
	next, ok := s.Next(from)
	if !ok || !next.Equal(mustTime(t, "2026-05-05T10:00:01Z")) {
		t.Fatalf("Next(%v) = %v, %v", from, next, ok)
	}
	// A non-UTC start is the same instant.
	loc := time.FixedZone("X", 5*3600)
	n2, _ := s.Next(from.In(loc))
	if !n2.Equal(next) || n2.Location() != time.UTC {
		t.Fatalf("Next in another zone = %v", n2)
	}
}

func TestMaxYear(t *testing.T) {
	if MaxYear != time.Now().Year()+100 {
		t.Fatalf("MaxYear = %d", MaxYear)
	}
	// An open range of years stops at MaxYear.
	s := MustParse("0 0 0 1 1 ? 2026/1")
	got := s.NextN(mustTime(t, "2026-01-01T00:00:00Z"), 200)
	last := got[len(got)-1]
	if last.Year() != MaxYear {
		t.Fatalf("last fire %v, want in %d", last, MaxYear)
	}
}

func FuzzParse(f *testing.F) {
	for _, v := range loadVectors(f) {
		f.Add(v.expr, vectorsFrom.Unix())
	}
	for _, e := range []string{"0 0 12 31W 4 ?", "0 0 12 L-30W * ?", "0 0 12 ? * 9#1", "0 0 12 0W * ?", "0 0 12 ? * 0#5",
		"L 0 12 * * ?", ", 0 12 * * ?", "0 0 12 ? * ,", "0 0 12 * * ? 1-2999", "99 98 0 99 * ?", "0 0 12 ß * ?"} {
		f.Add(e, int64(1767225600))
	}
	f.Fuzz(func(t *testing.T, expr string, from int64) {
		s, err := Parse(expr)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		// Any start from 1900 to 2200.
		start := time.Unix(-2208988800+int64(uint64(from)%(300*365*86400)), 0).UTC()
		prev := start
		for _, n := range s.NextN(start, 5) {
			if !n.After(prev) {
				t.Fatalf("%q from %v: %v is not after %v", expr, start, n, prev)
			}
			prev = n
		}
	})
}

func BenchmarkParseNextN(b *testing.B) {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		s, err := Parse("0 0/5 * 1/1 * ? *")
		if err != nil {
			b.Fatal(err)
		}
		if len(s.NextN(from, 5)) != 5 {
			b.Fatal("short")
		}
	}
}

// BenchmarkNextNeverFires: the worst case, a search that runs to MaxYear.
func BenchmarkNextNeverFires(b *testing.B) {
	s := MustParse("0 0 12 31 2 ?")
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		if _, ok := s.Next(from); ok {
			b.Fatal("fired")
		}
	}
}
