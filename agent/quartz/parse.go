// Package quartz parses Quartz cron expressions and computes their fire
// times exactly as org.quartz.CronExpression of Quartz 2.3.2 does in UTC.
//
// It is a port of Quartz's own parser (buildExpression, storeExpressionVals,
// checkNext, addToSet) and of its search (getTimeAfter), not a
// re-interpretation: an expression is valid here exactly when
// CronExpression.isValidExpression accepts it, and Next returns what
// getNextValidTimeAfter returns with setTimeZone(UTC). That includes Quartz's
// quirks, which are part of the contract:
//
//   - 6 or 7 whitespace-separated fields: second minute hour day-of-month
//     month day-of-week [year]; fields after the year are ignored.
//   - Exactly one of day-of-month and day-of-week must be '?'.
//   - Day-of-week is 1-7 with SUN=1; a lone L in day-of-week means 7 (SAT).
//   - Names (JAN…DEC, SUN…SAT, any case) are read by their first 3 letters;
//     after a name only -NAME, #n or L directly after the 3 letters count,
//     anything else is dropped (MONDAY = MON, MON-FRI/2 = MON-FRI).
//   - A step of 0 is accepted (*/0 = *, a/0 = a); a step larger than the
//     field's range after * or a single value is rejected (0/60, */24).
//   - Year values are not range-checked (1969 is valid and never fires); a
//     reversed year range is rejected.
//   - W uses the first value of the day-of-month list (1,15W = 1W), and nW
//     for a day the month lacks can still fire (31W in April can fire on
//     April 30 or in May), because Quartz computes it with a lenient calendar.
//   - Reversed ranges wrap (22-2 in hours, FRI-MON in day-of-week).
//   - n#5 skips months without a 5th such weekday; L-n skips months whose
//     last day minus n is below 1.
//
// Times are computed in UTC. Quartz's year limit is kept: no time after the
// current year + 100 (MaxYear, fixed when the program starts) and none after
// 2999 is ever returned. Sub-second parts of the start time are ignored.
//
// Deviations from the Java class, all outside what Quartz itself can compute:
// a few expressions that Quartz accepts but whose getNextValidTimeAfter throws
// (an empty field such as ',' or a lone 'L' in the seconds field) simply never
// fire here; year ranges are enumerated only up to 3000 (Quartz would try to
// build a set of up to 2^31 years); dates before 1582-10-15 use the proleptic
// Gregorian calendar where Java switches to the Julian one.
//
// It must not know what the expressions schedule or where they come from:
// the DAS scripts, the WSO2_DAS_APIM_* variables and their defaults are
// agent/product/carbon44's and agent/contract's; it parses an expression and computes its fire times.
package quartz

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
)

// Field indexes, in expression order.
const (
	second = iota
	minute
	hour
	dayOfMonth
	month
	dayOfWeek
	year
	numFields
)

var fieldNames = [numFields]string{"second", "minute", "hour", "day-of-month", "month", "day-of-week", "year"}

// Quartz's markers stored in a field's set: '?' and '*'.
const (
	noSpec  = 98
	allSpec = 99
)

// MaxYear is Quartz's CronExpression.MAX_YEAR: the current year + 100, fixed
// when the program starts. Open year ranges ('*', 2026/2) stop here, and no
// fire time after it is returned.
var MaxYear = time.Now().Year() + 100

// yearEnumCap bounds the enumeration of explicit year ranges; no fire time is
// ever computed after 2999, so larger years cannot matter.
const yearEnumCap = 3000

const maxInt32 = 1<<31 - 1

// Schedule is a parsed Quartz cron expression. It is immutable and safe for
// concurrent use.
type Schedule struct {
	expr string
	sets [numFields][]int // sorted, without duplicates, markers included

	lastdayOfWeek  bool
	nthdayOfWeek   int
	lastdayOfMonth bool
	nearestWeekday bool
	lastdayOffset  int
	maxYear        int
}

// String returns the expression as it was given to Parse.
func (s *Schedule) String() string { return s.expr }

// Parse parses a Quartz cron expression. The error names the field and the
// reason, for example `field 6 (day-of-week): 0 is out of range 1-7`.
func Parse(expr string) (*Schedule, error) {
	p := parser{s: &Schedule{expr: expr, maxYear: MaxYear}}
	if err := p.build(javaUpper(expr)); err != nil {
		return nil, err
	}
	return p.s, nil
}

// MustParse is Parse that panics on error, for expressions fixed in code.
func MustParse(expr string) *Schedule {
	s, err := Parse(expr)
	if err != nil {
		panic(err)
	}
	return s
}

type parser struct {
	s     *Schedule
	field int
}

// errorf returns an error about the field being parsed.
func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("field %d (%s): %s", p.field+1, fieldNames[p.field], fmt.Sprintf(format, args...))
}

// build is CronExpression.buildExpression on the upper-cased expression.
func (p *parser) build(expr []uint16) error {
	p.field = second
	for _, tok := range splitFields(expr) {
		if p.field > year {
			break // Quartz ignores anything after the year field
		}
		tok = javaTrim(tok)
		hasL := indexOf(tok, 'L') >= 0
		hasComma := indexOf(tok, ',') >= 0
		if p.field == dayOfMonth && hasL && len(tok) > 1 && hasComma {
			return p.errorf("'L' and 'LW' cannot be combined with other days of the month")
		}
		if p.field == dayOfWeek && hasL && len(tok) > 1 && hasComma {
			return p.errorf("'L' cannot be combined with other days of the week")
		}
		if p.field == dayOfWeek {
			if i := indexOf(tok, '#'); i >= 0 && indexOf(tok[i+1:], '#') >= 0 {
				return p.errorf("only one '#' (nth day) is supported")
			}
		}
		for _, v := range splitOn(tok, ',') {
			if err := p.store(v); err != nil {
				return err
			}
		}
		p.field++
	}
	if p.field <= dayOfWeek {
		return fmt.Errorf("expected 6 or 7 fields (second minute hour day-of-month month day-of-week [year]), got %d", p.field)
	}
	if p.field <= year {
		p.field = year
		if err := p.store([]uint16{'*'}); err != nil {
			return err
		}
	}
	for i := range p.s.sets {
		slices.Sort(p.s.sets[i])
		p.s.sets[i] = slices.Compact(p.s.sets[i])
	}
	domSpec := !slices.Contains(p.s.sets[dayOfMonth], noSpec)
	dowSpec := !slices.Contains(p.s.sets[dayOfWeek], noSpec)
	if domSpec == dowSpec {
		return fmt.Errorf("exactly one of day-of-month and day-of-week must be '?'")
	}
	return nil
}

// store is storeExpressionVals for one comma-separated value of the field.
func (p *parser) store(s []uint16) error {
	typ := p.field
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	if i >= len(s) {
		return nil
	}
	c := s[i]
	if c >= 'A' && c <= 'Z' && !equal(s, "L") && !equal(s, "LW") && !isLDash(s) {
		if i+3 > len(s) {
			return p.errorf("%q is not a valid value", str(s))
		}
		sub := s[i : i+3]
		sval, eval := -1, -1
		switch typ {
		case month:
			sval = monthNumber(sub)
			if sval <= 0 {
				return p.errorf("%q is not a month name (JAN-DEC)", str(sub))
			}
			if len(s) > i+3 && s[i+3] == '-' {
				i += 4
				if i+3 > len(s) {
					return p.errorf("%q: a month name must follow '-'", str(s))
				}
				sub = s[i : i+3]
				eval = monthNumber(sub)
				if eval <= 0 {
					return p.errorf("%q is not a month name (JAN-DEC)", str(sub))
				}
			}
		case dayOfWeek:
			sval = dayNumber(sub)
			if sval < 0 {
				return p.errorf("%q is not a day name (SUN-SAT)", str(sub))
			}
			if len(s) > i+3 {
				switch s[i+3] {
				case '-':
					i += 4
					if i+3 > len(s) {
						return p.errorf("%q: a day name must follow '-'", str(s))
					}
					sub = s[i : i+3]
					eval = dayNumber(sub)
					if eval < 0 {
						return p.errorf("%q is not a day name (SUN-SAT)", str(sub))
					}
				case '#':
					i += 4
					n, ok := parseJavaInt(s[i:])
					if !ok || n < 1 || n > 5 {
						return p.errorf("a number from 1 to 5 must follow '#' in %q", str(s))
					}
					p.s.nthdayOfWeek = n
				case 'L':
					p.s.lastdayOfWeek = true
				}
			}
		default:
			return p.errorf("names are not allowed here: %q", str(s))
		}
		incr := 0
		if eval != -1 {
			incr = 1
		}
		return p.addToSet(sval, eval, incr)
	}

	switch {
	case c == '?':
		i++
		if i+1 < len(s) && s[i] != ' ' && s[i+1] != '\t' {
			return p.errorf("unexpected character after '?' in %q", str(s))
		}
		if typ != dayOfWeek && typ != dayOfMonth {
			return p.errorf("'?' is only allowed in day-of-month or day-of-week")
		}
		if typ == dayOfWeek && !p.s.lastdayOfMonth {
			dom := p.s.sets[dayOfMonth]
			if len(dom) == 0 {
				return p.errorf("day-of-month is empty")
			}
			if slices.Max(dom) == noSpec {
				return fmt.Errorf("exactly one of day-of-month and day-of-week must be '?'")
			}
		}
		return p.addToSet(noSpec, -1, 0)

	case c == '*' || c == '/':
		if c == '*' && i+1 >= len(s) {
			return p.addToSet(allSpec, -1, 0)
		}
		if c == '/' && (i+1 >= len(s) || s[i+1] == ' ' || s[i+1] == '\t') {
			return p.errorf("'/' must be followed by a number in %q", str(s))
		}
		if c == '*' {
			i++
		}
		incr := 1
		if s[i] == '/' {
			i++
			if i >= len(s) {
				return p.errorf("'/' must be followed by a number in %q", str(s))
			}
			n, ok := parseJavaInt(s[i:])
			if !ok {
				return p.errorf("%q is not a valid step in %q", str(s[i:]), str(s))
			}
			if err := p.checkIncrement(n); err != nil {
				return err
			}
			incr = n
		}
		return p.addToSet(allSpec, -1, incr)

	case c == 'L':
		i++
		if typ == dayOfMonth {
			p.s.lastdayOfMonth = true
		}
		if typ == dayOfWeek {
			if err := p.addToSet(7, 7, 0); err != nil {
				return err
			}
		}
		if typ == dayOfMonth && len(s) > i {
			if s[i] == '-' {
				v, pos, err := p.getValue(0, s, i+1)
				if err != nil {
					return err
				}
				if v > 30 {
					return p.errorf("the offset from the last day must be at most 30, got %d", v)
				}
				p.s.lastdayOffset = v
				i = pos
			}
			if len(s) > i && s[i] == 'W' {
				p.s.nearestWeekday = true
			}
		}
		return nil

	case c >= '0' && c <= '9':
		val := int(c - '0')
		i++
		if i >= len(s) {
			return p.addToSet(val, -1, -1)
		}
		if s[i] >= '0' && s[i] <= '9' {
			v, pos, err := p.getValue(val, s, i)
			if err != nil {
				return err
			}
			val, i = v, pos
		}
		return p.checkNext(i, s, val)
	}
	return p.errorf("unexpected character %q in %q", str(s[i:i+1]), str(s))
}

// checkNext is CronExpression.checkNext: what follows a number.
func (p *parser) checkNext(i int, s []uint16, val int) error {
	typ := p.field
	end := -1
	if i >= len(s) {
		return p.addToSet(val, end, -1)
	}
	switch s[i] {
	case 'L':
		if typ != dayOfWeek {
			return p.errorf("'L' after a number is only allowed in day-of-week")
		}
		if val < 1 || val > 7 {
			return p.errorf("%d is out of range 1-7", val)
		}
		p.s.lastdayOfWeek = true
		p.add(val)
		return nil
	case 'W':
		if typ != dayOfMonth {
			return p.errorf("'W' is only allowed in day-of-month")
		}
		if val > 31 {
			return p.errorf("%dW: 'W' needs a day from 1 to 31", val)
		}
		p.s.nearestWeekday = true
		p.add(val)
		return nil
	case '#':
		if typ != dayOfWeek {
			return p.errorf("'#' is only allowed in day-of-week")
		}
		n, ok := parseJavaInt(s[i+1:])
		if !ok || n < 1 || n > 5 {
			return p.errorf("a number from 1 to 5 must follow '#' in %q", str(s))
		}
		p.s.nthdayOfWeek = n
		p.add(val)
		return nil
	case '-':
		i++
		if i >= len(s) {
			return p.errorf("a number must follow '-' in %q", str(s))
		}
		v, ok := javaDigit(s[i])
		if !ok {
			return p.errorf("a number must follow '-' in %q", str(s))
		}
		end = v
		i++
		if i >= len(s) {
			return p.addToSet(val, end, 1)
		}
		if s[i] >= '0' && s[i] <= '9' {
			e, pos, err := p.getValue(v, s, i)
			if err != nil {
				return err
			}
			end, i = e, pos
		}
		if i < len(s) && s[i] == '/' {
			i++
			if i >= len(s) {
				return p.errorf("'/' must be followed by a number in %q", str(s))
			}
			v2, ok := javaDigit(s[i])
			if !ok {
				return p.errorf("'/' must be followed by a number in %q", str(s))
			}
			i++
			if i >= len(s) {
				return p.addToSet(val, end, v2)
			}
			if s[i] >= '0' && s[i] <= '9' {
				v3, _, err := p.getValue(v2, s, i)
				if err != nil {
					return err
				}
				return p.addToSet(val, end, v3)
			}
			return p.addToSet(val, end, v2)
		}
		return p.addToSet(val, end, 1)
	case '/':
		if i+1 >= len(s) || s[i+1] == ' ' || s[i+1] == '\t' {
			return p.errorf("'/' must be followed by a number in %q", str(s))
		}
		i++
		v2, ok := javaDigit(s[i])
		if !ok {
			return p.errorf("'/' must be followed by a number in %q", str(s))
		}
		i++
		if i >= len(s) {
			if err := p.checkIncrement(v2); err != nil {
				return err
			}
			return p.addToSet(val, end, v2)
		}
		if s[i] >= '0' && s[i] <= '9' {
			v3, _, err := p.getValue(v2, s, i)
			if err != nil {
				return err
			}
			if err := p.checkIncrement(v3); err != nil {
				return err
			}
			return p.addToSet(val, end, v3)
		}
		return p.errorf("unexpected character %q after '/' in %q", str(s[i:i+1]), str(s))
	}
	return p.addToSet(val, end, 0)
}

// checkIncrement is CronExpression.checkIncrementRange.
func (p *parser) checkIncrement(incr int) error {
	limit := -1
	switch p.field {
	case second, minute:
		limit = 59
	case hour:
		limit = 23
	case dayOfMonth:
		limit = 31
	case dayOfWeek:
		limit = 7
	case month:
		limit = 12
	}
	if limit >= 0 && incr > limit {
		return p.errorf("step %d is larger than %d", incr, limit)
	}
	return nil
}

// getValue is CronExpression.getValue: v followed by the ASCII digits at
// s[i:], as a Java int; pos is the index after them (len+1 at the end, as in
// Quartz).
func (p *parser) getValue(v int, s []uint16, i int) (val, pos int, err error) {
	if i >= len(s) {
		return 0, 0, p.errorf("a number is missing in %q", str(s))
	}
	digits := fmt.Sprint(v)
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		digits += string(rune(s[i]))
		i++
	}
	pos = i
	if i >= len(s) {
		pos = i + 1
	}
	n, ok := parseJavaInt(utf16.Encode([]rune(digits)))
	if !ok {
		return 0, 0, p.errorf("number %s is too large", digits)
	}
	return n, pos, nil
}

// addToSet is CronExpression.addToSet: range-check val and end and add the
// values start-end/incr to the field's set.
func (p *parser) addToSet(val, end, incr int) error {
	typ := p.field
	var lo, hi int
	switch typ {
	case second, minute:
		lo, hi = 0, 59
	case hour:
		lo, hi = 0, 23
	case dayOfMonth:
		lo, hi = 1, 31
	case month:
		lo, hi = 1, 12
	case dayOfWeek:
		lo, hi = 1, 7
	}
	switch typ {
	case second, minute, hour, month:
		if (val < lo || val > hi || end > hi) && val != allSpec {
			return p.rangeErr(val, end, lo, hi)
		}
	case dayOfMonth:
		if (val < lo || val > hi || end > hi) && val != allSpec && val != noSpec {
			return p.rangeErr(val, end, lo, hi)
		}
	case dayOfWeek:
		if (val == 0 || val > hi || end > hi) && val != allSpec && val != noSpec {
			return p.rangeErr(val, end, lo, hi)
		}
	}

	if (incr == 0 || incr == -1) && val != allSpec {
		if val != -1 {
			p.add(val)
		} else {
			p.add(noSpec)
		}
		return nil
	}

	startAt, stopAt := val, end
	if val == allSpec && incr <= 0 {
		incr = 1
		p.add(allSpec)
	}
	if typ == year {
		lo, hi = 1970, p.s.maxYear
	}
	if stopAt == -1 {
		stopAt = hi
	}
	if startAt == -1 || startAt == allSpec {
		startAt = lo
	}
	wrap := -1
	if stopAt < startAt {
		switch typ {
		case second, minute:
			wrap = 60
		case hour:
			wrap = 24
		case month:
			wrap = 12
		case dayOfWeek:
			wrap = 7
		case dayOfMonth:
			wrap = 31
		case year:
			return p.errorf("the start year %d is after the end year %d", startAt, stopAt)
		}
		stopAt += wrap
	}
	if typ == year && stopAt > yearEnumCap {
		stopAt = yearEnumCap
	}
	for i := startAt; i <= stopAt; i += incr {
		if wrap == -1 {
			p.add(i)
			continue
		}
		i2 := i % wrap
		if i2 == 0 && (typ == month || typ == dayOfWeek || typ == dayOfMonth) {
			i2 = wrap
		}
		p.add(i2)
	}
	return nil
}

func (p *parser) rangeErr(val, end, lo, hi int) error {
	if val < lo || val > hi {
		return p.errorf("%d is out of range %d-%d", val, lo, hi)
	}
	return p.errorf("%d is out of range %d-%d", end, lo, hi)
}

func (p *parser) add(v int) { p.s.sets[p.field] = append(p.s.sets[p.field], v) }

// monthNumber returns 1-12 for JAN-DEC, 0 otherwise.
func monthNumber(sub []uint16) int {
	const names = "JANFEBMARAPRMAYJUNJULAUGSEPOCTNOVDEC"
	for m := 0; m < 12; m++ {
		if equal(sub, names[3*m:3*m+3]) {
			return m + 1
		}
	}
	return 0
}

// dayNumber returns 1-7 for SUN-SAT, -1 otherwise.
func dayNumber(sub []uint16) int {
	const names = "SUNMONTUEWEDTHUFRISAT"
	for d := 0; d < 7; d++ {
		if equal(sub, names[3*d:3*d+3]) {
			return d + 1
		}
	}
	return -1
}

// isLDash reports whether s matches Quartz's "^L-[0-9]*[W]?" (whole string).
func isLDash(s []uint16) bool {
	if len(s) < 2 || s[0] != 'L' || s[1] != '-' {
		return false
	}
	i := 2
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i < len(s) && s[i] == 'W' {
		i++
	}
	return i == len(s)
}

// javaUpper is String.toUpperCase(Locale.US) as UTF-16 code units,
// including the special mappings that yield ASCII letters (ß → SS, ﬁ → FI…).
func javaUpper(s string) []uint16 {
	var b strings.Builder
	for _, r := range s {
		if m, ok := specialUpper[r]; ok {
			b.WriteString(m)
			continue
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return utf16.Encode([]rune(b.String()))
}

var specialUpper = map[rune]string{
	'ß': "SS", 'ŉ': "ʼN", 'ǰ': "J̌", 'ẖ': "H̱", 'ẗ': "T̈", 'ẘ': "W̊", 'ẙ': "Y̊", 'ẚ': "Aʾ",
	'ﬀ': "FF", 'ﬁ': "FI", 'ﬂ': "FL", 'ﬃ': "FFI", 'ﬄ': "FFL", 'ﬅ': "ST", 'ﬆ': "ST",
}

// splitFields is StringTokenizer(expr, " \t"): non-empty tokens.
func splitFields(s []uint16) [][]uint16 {
	var out [][]uint16
	start := -1
	for i, c := range s {
		if c == ' ' || c == '\t' {
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

// splitOn is StringTokenizer(s, sep): non-empty tokens.
func splitOn(s []uint16, sep uint16) [][]uint16 {
	var out [][]uint16
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == sep {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	return out
}

// javaTrim is String.trim: drop code units <= ' ' at both ends.
func javaTrim(s []uint16) []uint16 {
	for len(s) > 0 && s[0] <= ' ' {
		s = s[1:]
	}
	for len(s) > 0 && s[len(s)-1] <= ' ' {
		s = s[:len(s)-1]
	}
	return s
}

// javaDigit is Character.digit(c, 10): any Unicode decimal digit.
func javaDigit(c uint16) (int, bool) {
	if c >= '0' && c <= '9' {
		return int(c - '0'), true
	}
	r := rune(c)
	if c < 0x80 || utf16.IsSurrogate(r) || !unicode.IsDigit(r) {
		return 0, false
	}
	start := r
	for unicode.IsDigit(start - 1) {
		start--
	}
	return int(r-start) % 10, true
}

// parseJavaInt is Integer.parseInt(s): an optional sign, then decimal
// digits, within the int32 range.
func parseJavaInt(s []uint16) (int, bool) {
	if len(s) == 0 {
		return 0, false
	}
	neg := false
	if s[0] == '+' || s[0] == '-' {
		neg = s[0] == '-'
		s = s[1:]
		if len(s) == 0 {
			return 0, false
		}
	}
	n := 0
	for _, c := range s {
		d, ok := javaDigit(c)
		if !ok {
			return 0, false
		}
		n = n*10 + d
		if n > maxInt32+1 {
			return 0, false
		}
	}
	if neg {
		return -n, true
	}
	if n > maxInt32 {
		return 0, false
	}
	return n, true
}

func indexOf(s []uint16, c uint16) int {
	return slices.Index(s, c)
}

func equal(s []uint16, lit string) bool {
	if len(s) != len(lit) {
		return false
	}
	for i := range s {
		if s[i] != uint16(lit[i]) {
			return false
		}
	}
	return true
}

func str(s []uint16) string { return string(utf16.Decode(s)) }
