package quartz

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// This file checks Next against a brute-force search written independently
// of the port: for expressions made only of numbers, non-wrapping ranges,
// steps, '*' and '?', a fire time is simply a second whose fields are all in
// their sets. Random expressions of that kind (fixed seed) must agree.

type oracleField struct{ lo, hi int }

var oracleFields = []oracleField{{0, 59}, {0, 59}, {0, 23}, {1, 31}, {1, 12}, {1, 7}}

// randItem returns one list item for a field and the values it stands for.
func randItem(r *rand.Rand, f oracleField) (string, []int) {
	span := f.hi - f.lo + 1
	a := f.lo + r.IntN(span)
	b := a + r.IntN(f.hi-a+1)
	step := 1 + r.IntN(span/2+1)
	var vals []int
	switch r.IntN(5) {
	case 0:
		return fmt.Sprint(a), []int{a}
	case 1:
		for v := a; v <= b; v++ {
			vals = append(vals, v)
		}
		return fmt.Sprintf("%d-%d", a, b), vals
	case 2:
		for v := a; v <= f.hi; v += step {
			vals = append(vals, v)
		}
		return fmt.Sprintf("%d/%d", a, step), vals
	case 3:
		for v := a; v <= b; v += step {
			vals = append(vals, v)
		}
		return fmt.Sprintf("%d-%d/%d", a, b, step), vals
	default:
		for v := f.lo; v <= f.hi; v += step {
			vals = append(vals, v)
		}
		return fmt.Sprintf("*/%d", step), vals
	}
}

func randField(r *rand.Rand, f oracleField) (string, []int) {
	if r.IntN(4) == 0 {
		var all []int
		for v := f.lo; v <= f.hi; v++ {
			all = append(all, v)
		}
		return "*", all
	}
	var items []string
	var vals []int
	for range 1 + r.IntN(3) {
		s, v := randItem(r, f)
		items = append(items, s)
		vals = append(vals, v...)
	}
	slices.Sort(vals)
	return strings.Join(items, ","), slices.Compact(vals)
}

// bruteNext scans day by day for up to 6 years.
func bruteNext(sets [6][]int, useDOW bool, after time.Time) (time.Time, bool) {
	d := time.Date(after.Year(), after.Month(), after.Day(), 0, 0, 0, 0, time.UTC)
	for range 6 * 366 {
		dayOK := slices.Contains(sets[4], int(d.Month()))
		if useDOW {
			dayOK = dayOK && slices.Contains(sets[5], int(d.Weekday())+1)
		} else {
			dayOK = dayOK && slices.Contains(sets[3], d.Day())
		}
		if dayOK {
			for _, h := range sets[2] {
				for _, m := range sets[1] {
					for _, s := range sets[0] {
						c := d.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second)
						if c.After(after) {
							return c, true
						}
					}
				}
			}
		}
		d = d.AddDate(0, 0, 1)
	}
	return time.Time{}, false
}

func TestAgainstBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(2026, 1))
	for i := range 1500 {
		var parts [6]string
		var sets [6][]int
		for fi, f := range oracleFields {
			parts[fi], sets[fi] = randField(r, f)
		}
		useDOW := r.IntN(2) == 0
		if useDOW {
			parts[3] = "?"
		} else {
			parts[5] = "?"
		}
		expr := strings.Join(parts[:], " ")
		s, err := Parse(expr)
		if err != nil {
			t.Fatalf("#%d Parse(%q): %v", i, expr, err)
		}
		from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.Int64N(2*365*86400)) * time.Second)
		at := from
		for k := range 5 {
			want, wok := bruteNext(sets, useDOW, at)
			got, gok := s.Next(at)
			if !wok {
				break // rare: nothing within 6 years (e.g. 31 in a 30-day month only)
			}
			if !gok || !got.Equal(want) {
				t.Fatalf("#%d %q fire %d after %v: got %v (%v), brute force %v", i, expr, k+1, at, got, gok, want)
			}
			at = got
		}
	}
}
