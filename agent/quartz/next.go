package quartz

import (
	"sort"
	"time"
)

// maxIterations bounds one Next search. Quartz's own loop always ends by its
// year limits long before this (a never-firing expression takes a few
// thousand steps); the bound only guarantees termination.
const maxIterations = 200000

// Next returns the first fire time strictly after after, in UTC, and true;
// or false when the schedule never fires again (its years are over, the date
// cannot exist, or the search passed MaxYear or 2999). Sub-second parts of
// after are ignored, as in Quartz.
func (s *Schedule) Next(after time.Time) (time.Time, bool) {
	return s.timeAfter(after.UTC().Truncate(time.Second))
}

// NextN returns up to n successive fire times strictly after after; fewer
// when the schedule stops firing.
func (s *Schedule) NextN(after time.Time, n int) []time.Time {
	out := make([]time.Time, 0, max(n, 0))
	for len(out) < n {
		t, ok := s.Next(after)
		if !ok {
			break
		}
		out = append(out, t)
		after = t
	}
	return out
}

// cal is the part of java.util.GregorianCalendar (lenient, UTC) that
// getTimeAfter uses: fields may be set out of range and are normalised, all
// at once, when one is read.
type cal struct {
	y, mo, d, h, mi, sec int // mo is 1-based
}

func calOf(t time.Time) cal {
	y, m, d := t.Date()
	h, mi, s := t.Clock()
	return cal{y, int(m), d, h, mi, s}
}

func (c cal) time() time.Time {
	return time.Date(c.y, time.Month(c.mo), c.d, c.h, c.mi, c.sec, 0, time.UTC)
}

// norm recomputes every field from the (possibly out-of-range) fields, as
// Calendar.complete does before any get.
func (c *cal) norm() { *c = calOf(c.time()) }

// dow is Calendar.DAY_OF_WEEK: 1 = Sunday … 7 = Saturday.
func (c *cal) dow() int {
	c.norm()
	return int(c.time().Weekday()) + 1
}

// tail returns the smallest element of set that is >= v (TreeSet.tailSet(v).first()).
func tail(set []int, v int) (int, bool) {
	i := sort.SearchInts(set, v)
	if i == len(set) {
		return 0, false
	}
	return set[i], true
}

// first returns the smallest element; false for an empty set (Quartz throws
// NoSuchElementException there).
func first(set []int) (int, bool) {
	if len(set) == 0 {
		return 0, false
	}
	return set[0], true
}

func isLeap(y int) bool { return (y%4 == 0 && y%100 != 0) || y%400 == 0 }

func lastDayOfMonth(m, y int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// nearestWeekdayOf is Quartz's 'W' adjustment of day in month mon of year y
// (Saturday → Friday, Sunday → Monday, without leaving the month at its
// first or last day). The day of week is that of the lenient date, so a day
// the month lacks is taken in the following month, as Quartz does.
func nearestWeekdayOf(day, mon, y int) int {
	t := cal{y: y, mo: mon, d: day}
	ldom := lastDayOfMonth(mon, y)
	switch dow := t.dow(); {
	case dow == 7 && day == 1:
		day += 2
	case dow == 7:
		day--
	case dow == 1 && day == ldom:
		day -= 2
	case dow == 1:
		day++
	}
	return day
}

// timeAfter is CronExpression.getTimeAfter in UTC; after is whole seconds.
func (s *Schedule) timeAfter(after time.Time) (time.Time, bool) {
	seconds, minutes, hours := s.sets[second], s.sets[minute], s.sets[hour]
	daysOfMonth, months, daysOfWeek, years := s.sets[dayOfMonth], s.sets[month], s.sets[dayOfWeek], s.sets[year]
	domSpec := !contains(daysOfMonth, noSpec)
	dowSpec := !contains(daysOfWeek, noSpec)

	afterTime := after.Add(time.Second) // Quartz searches from one second later
	afterUnix := afterTime.Unix()
	cl := calOf(afterTime)

	for range maxIterations {
		cl.norm()
		if cl.y > 2999 { // Quartz: prevent endless loop
			return time.Time{}, false
		}

		// second
		sec, min := cl.sec, cl.mi
		if v, ok := tail(seconds, sec); ok {
			sec = v
		} else {
			f, ok := first(seconds)
			if !ok {
				return time.Time{}, false
			}
			sec = f
			min++
			cl.mi = min
		}
		cl.sec = sec

		// minute
		cl.norm()
		min, hr := cl.mi, cl.h
		t := -1
		if v, ok := tail(minutes, min); ok {
			t = min
			min = v
		} else {
			f, ok := first(minutes)
			if !ok {
				return time.Time{}, false
			}
			min = f
			hr++
		}
		if min != t {
			cl.sec, cl.mi, cl.h = 0, min, hr
			continue
		}
		cl.mi = min

		// hour
		cl.norm()
		hr = cl.h
		day := cl.d
		t = -1
		if v, ok := tail(hours, hr); ok {
			t = hr
			hr = v
		} else {
			f, ok := first(hours)
			if !ok {
				return time.Time{}, false
			}
			hr = f
			day++
		}
		if hr != t {
			cl.sec, cl.mi, cl.d, cl.h = 0, 0, day, hr
			continue
		}
		cl.h = hr

		// day
		cl.norm()
		day = cl.d
		mon := cl.mo
		t = -1
		tmon := mon
		if domSpec && !dowSpec {
			if s.lastdayOfMonth {
				t = day
				day = lastDayOfMonth(mon, cl.y) - s.lastdayOffset
				if !s.nearestWeekday {
					if t > day {
						mon++
						if mon > 12 {
							mon = 1
							tmon = 3333
							cl.y++
						}
						day = 1
					}
				} else {
					day = nearestWeekdayOf(day, mon, cl.y)
					n := cal{cl.y, mon, day, hr, min, sec}
					if n.time().Unix() < afterUnix {
						day = 1
						mon++
					}
				}
			} else if s.nearestWeekday {
				t = day
				f, ok := first(daysOfMonth)
				if !ok {
					return time.Time{}, false
				}
				day = nearestWeekdayOf(f, mon, cl.y)
				n := cal{cl.y, mon, day, hr, min, sec}
				if n.time().Unix() < afterUnix {
					day = f
					mon++
				}
			} else if v, ok := tail(daysOfMonth, day); ok {
				t = day
				day = v
				if day > lastDayOfMonth(mon, cl.y) {
					day = daysOfMonth[0]
					mon++
				}
			} else {
				f, ok := first(daysOfMonth)
				if !ok {
					return time.Time{}, false
				}
				day = f
				mon++
			}
			if day != t || mon != tmon {
				cl.sec, cl.mi, cl.h, cl.d, cl.mo = 0, 0, 0, day, mon
				continue
			}
		} else if dowSpec && !domSpec {
			want, ok := first(daysOfWeek)
			if !ok {
				return time.Time{}, false
			}
			switch {
			case s.lastdayOfWeek: // the last <want> day of the month
				cDow := cl.dow()
				daysToAdd := 0
				if cDow < want {
					daysToAdd = want - cDow
				}
				if cDow > want {
					daysToAdd = want + (7 - cDow)
				}
				lDay := lastDayOfMonth(mon, cl.y)
				if day+daysToAdd > lDay {
					cl.sec, cl.mi, cl.h, cl.d, cl.mo = 0, 0, 0, 1, mon+1
					continue
				}
				for day+daysToAdd+7 <= lDay {
					daysToAdd += 7
				}
				day += daysToAdd
				if daysToAdd > 0 {
					cl.sec, cl.mi, cl.h, cl.d, cl.mo = 0, 0, 0, day, mon
					continue
				}
			case s.nthdayOfWeek != 0: // the nth <want> day of the month
				cDow := cl.dow()
				daysToAdd := 0
				if cDow < want {
					daysToAdd = want - cDow
				} else if cDow > want {
					daysToAdd = want + (7 - cDow)
				}
				dayShifted := daysToAdd > 0
				day += daysToAdd
				weekOfMonth := day / 7
				if day%7 > 0 {
					weekOfMonth++
				}
				daysToAdd = (s.nthdayOfWeek - weekOfMonth) * 7
				day += daysToAdd
				if daysToAdd < 0 || day > lastDayOfMonth(mon, cl.y) {
					cl.sec, cl.mi, cl.h, cl.d, cl.mo = 0, 0, 0, 1, mon+1
					continue
				} else if daysToAdd > 0 || dayShifted {
					cl.sec, cl.mi, cl.h, cl.d, cl.mo = 0, 0, 0, day, mon
					continue
				}
			default:
				cDow := cl.dow()
				if v, ok := tail(daysOfWeek, cDow); ok {
					want = v
				}
				daysToAdd := 0
				if cDow < want {
					daysToAdd = want - cDow
				}
				if cDow > want {
					daysToAdd = want + (7 - cDow)
				}
				lDay := lastDayOfMonth(mon, cl.y)
				if day+daysToAdd > lDay {
					cl.sec, cl.mi, cl.h, cl.d, cl.mo = 0, 0, 0, 1, mon+1
					continue
				} else if daysToAdd > 0 {
					cl.sec, cl.mi, cl.h, cl.d, cl.mo = 0, 0, 0, day+daysToAdd, mon
					continue
				}
			}
		} else {
			return time.Time{}, false // unreachable: Parse rejects it
		}
		cl.d = day

		// month
		cl.norm()
		mon = cl.mo
		yr := cl.y
		t = -1
		if yr > s.maxYear {
			return time.Time{}, false
		}
		if v, ok := tail(months, mon); ok {
			t = mon
			mon = v
		} else {
			f, ok := first(months)
			if !ok {
				return time.Time{}, false
			}
			mon = f
			yr++
		}
		if mon != t {
			cl.sec, cl.mi, cl.h, cl.d, cl.mo, cl.y = 0, 0, 0, 1, mon, yr
			continue
		}
		cl.mo = mon

		// year
		cl.norm()
		yr = cl.y
		t = -1
		v, ok := tail(years, yr)
		if !ok {
			return time.Time{}, false // ran out of years
		}
		t = yr
		yr = v
		if yr != t {
			cl.sec, cl.mi, cl.h, cl.d, cl.mo, cl.y = 0, 0, 0, 1, 1, yr
			continue
		}
		cl.y = yr
		return cl.time(), true
	}
	return time.Time{}, false
}

func contains(set []int, v int) bool {
	i := sort.SearchInts(set, v)
	return i < len(set) && set[i] == v
}
