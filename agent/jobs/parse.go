package jobs

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// parser reads every job schedule: the standard 5 cron fields (minute hour
// day-of-month month day-of-week), an optional leading seconds field, and
// the descriptors @yearly (@annually), @monthly, @weekly, @daily
// (@midnight), @hourly and @every <duration>.
var parser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// withSeconds requires the seconds field; it only decides whether a sixth
// word belongs to the schedule.
var withSeconds = cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// ParseSchedule parses a schedule on its own (no command): 5 fields, 6 with
// seconds first, or a descriptor, optionally preceded by CRON_TZ=<zone>. A
// schedule that can never fire (31 February), and @every with less than one
// second or a fraction of a second, are errors too.
func ParseSchedule(spec string) (cron.Schedule, error) {
	words := strings.Fields(spec)
	if len(words) == 0 {
		return nil, errors.New("empty schedule")
	}
	return parseWords(words)
}

func parseWords(words []string) (cron.Schedule, error) {
	spec := strings.Join(words, " ")
	body := words
	if isTZ(body[0]) {
		body = body[1:]
		if len(body) == 0 {
			return nil, fmt.Errorf("schedule %q: nothing after the time zone", spec)
		}
	}
	if body[0] == "@every" {
		if len(body) != 2 {
			return nil, fmt.Errorf("schedule %q: @every needs one duration, such as @every 5m", spec)
		}
		d, err := time.ParseDuration(body[1])
		if err != nil {
			return nil, fmt.Errorf("schedule %q: bad duration %q (use units s, m, h: 30s, 5m, 1h30m)", spec, body[1])
		}
		if d < time.Second || d%time.Second != 0 {
			return nil, fmt.Errorf("schedule %q: @every needs a whole number of seconds, at least 1s", spec)
		}
	}
	s, err := parser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %v", spec, err)
	}
	// Any fixed time after which nothing fires within robfig's 5-year
	// search means the schedule is impossible (day 31 of February).
	if s.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return nil, fmt.Errorf("schedule %q: never fires (no such date)", spec)
	}
	return s, nil
}

// isTZ reports whether w is robfig's time-zone prefix word.
func isTZ(w string) bool { return strings.HasPrefix(w, "CRON_TZ=") || strings.HasPrefix(w, "TZ=") }

// SplitLine splits a job declaration "<schedule> <command line>" into the
// schedule (as normalised text and parsed) and the command's argv.
//
// The schedule is, after an optional CRON_TZ=<zone> word:
//   - a descriptor word (@daily ...), or @every and one duration word;
//   - otherwise 6 words (seconds first) when the first six words parse as a
//     schedule with seconds or the sixth word consists only of cron field
//     characters (digits and * ? / , -), else 5 words.
//
// The rest of the line is split into argv by SplitArgs.
func SplitLine(line string) (spec string, sched cron.Schedule, argv []string, err error) {
	type word struct {
		s   string
		end int // offset just after the word in line
	}
	var words []word
	for i := 0; i < len(line); {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		j := i
		for j < len(line) && !isSpace(line[j]) {
			j++
		}
		if j > i {
			words = append(words, word{line[i:j], j})
		}
		i = j
		if len(words) == 8 { // enough for the longest schedule
			break
		}
	}
	if len(words) == 0 {
		return "", nil, nil, errors.New("empty declaration: want \"<schedule> <command>\"")
	}
	first := 0
	if isTZ(words[0].s) {
		first = 1
	}
	n := 0 // words of the schedule, time zone included
	switch {
	case first < len(words) && words[first].s == "@every":
		n = first + 2
	case first < len(words) && strings.HasPrefix(words[first].s, "@"):
		n = first + 1
	case len(words)-first >= 6:
		six := make([]string, 0, 7)
		for _, w := range words[:first+6] {
			six = append(six, w.s)
		}
		if _, err := withSeconds.Parse(strings.Join(six, " ")); err == nil || fieldOnly(words[first+5].s) {
			n = first + 6
		} else {
			n = first + 5
		}
	default:
		n = first + 5
	}
	if n > len(words) {
		var got []string
		for _, w := range words {
			got = append(got, w.s)
		}
		return "", nil, nil, fmt.Errorf("schedule %q is incomplete: want 5 fields (minute hour day-of-month month day-of-week), 6 with seconds first, or a descriptor such as @daily or @every 5m, then the command", strings.Join(got, " "))
	}
	ws := make([]string, n)
	for i := range ws {
		ws[i] = words[i].s
	}
	sched, err = parseWords(ws)
	if err != nil {
		return "", nil, nil, err
	}
	spec = strings.Join(ws, " ")
	argv, err = SplitArgs(line[words[n-1].end:])
	if err != nil {
		return spec, nil, nil, err
	}
	return spec, sched, argv, nil
}

// fieldOnly reports whether w can only be meant as a cron field.
func fieldOnly(w string) bool {
	return strings.Trim(w, "0123456789*?/,-") == ""
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// SplitArgs splits a command line into argv the way a POSIX shell splits
// words, and does nothing else a shell does:
//
//   - blanks (space, tab, newline) separate words;
//   - 'single quotes' keep everything literally;
//   - "double quotes" keep everything literally except that a backslash
//     escapes \ " $ and ` (before any other character it stays);
//   - outside quotes a backslash makes the next character literal;
//   - quotes may join parts of one word (a'b'"c" is abc), and a pair of quotes with
//     nothing between them is an empty argument.
//
// There is no expansion of variables, globs, ~ or command substitution and
// no redirection, pipes or command lists. So that such a line does not run
// quietly with literal "$HOME" or "*.log" arguments, the characters a shell
// would interpret — | & ; < > ( ) $ ` * ? [ and a # or ~ starting a word —
// are errors unless quoted or escaped; for shell features use
// sh -c '...'.
//
// An empty command, an unbalanced quote and a trailing backslash are
// errors.
func SplitArgs(s string) ([]string, error) {
	var (
		argv   []string
		cur    strings.Builder
		inWord bool
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isSpace(c):
			if inWord {
				argv = append(argv, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\\':
			if i+1 == len(s) {
				return nil, errors.New("command ends with a lone backslash")
			}
			i++
			if s[i] != '\n' { // backslash-newline joins lines
				cur.WriteByte(s[i])
			}
			inWord = true
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unbalanced single quote at offset %d of the command", i)
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			closed := false
			for i++; i < len(s); i++ {
				d := s[i]
				if d == '"' {
					closed = true
					break
				}
				if d == '\\' && i+1 < len(s) && strings.IndexByte("\\\"$`\n", s[i+1]) >= 0 {
					i++
					if s[i] != '\n' {
						cur.WriteByte(s[i])
					}
					continue
				}
				cur.WriteByte(d)
			}
			if !closed {
				return nil, errors.New("unbalanced double quote in the command")
			}
			inWord = true
		case strings.IndexByte("|&;<>()$`*?[", c) >= 0 || (!inWord && (c == '#' || c == '~')):
			return nil, fmt.Errorf("unquoted %q in the command: the command is not run by a shell, so quote or escape it, or use sh -c '...' for shell features", string(c))
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		argv = append(argv, cur.String())
	}
	if len(argv) == 0 {
		return nil, errors.New("empty command")
	}
	return argv, nil
}

// QuoteArgs joins argv into a command line that SplitArgs splits back into
// argv: words made only of safe characters stay bare, others are put in
// single quotes.
func QuoteArgs(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=/.,:@%") == "" {
			q[i] = a
		} else {
			q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(q, " ")
}
