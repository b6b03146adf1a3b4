package contract

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The types below are the non-string fields of Config. Their Decode (what
// Load calls, see decodeFields) never fails: it keeps the raw text and the
// parse error, so that Load reports every bad variable at once and a raw
// secret value never reaches an error message. The tags keep envconfig's
// names (envconfig, default), but Load reads a given environment, which
// envconfig cannot.

// Bool is a boolean variable: true/false, 1/0, yes/no, on/off, any case.
type Bool struct {
	V   bool
	Raw string
	Err error
}

// Decode reads the variable's text; it never fails (see above).
func (b *Bool) Decode(s string) error {
	b.Raw = s
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes", "on":
		b.V, b.Err = true, nil
	case "false", "0", "no", "off":
		b.V, b.Err = false, nil
	default:
		b.Err = fmt.Errorf("%q is not a boolean (use true or false)", s)
	}
	return nil
}

// Duration is a duration variable: Go syntax (90s, 2m, 1h30m) or a plain
// number of seconds.
type Duration struct {
	V   time.Duration
	Raw string
	Err error
}

// Decode reads the variable's text; it never fails (see above).
func (d *Duration) Decode(s string) error {
	d.Raw = s
	t := strings.TrimSpace(s)
	if n, err := strconv.ParseUint(t, 10, 32); err == nil {
		d.V, d.Err = time.Duration(n)*time.Second, nil
		return nil
	}
	v, err := time.ParseDuration(t)
	switch {
	case err != nil:
		d.Err = fmt.Errorf("%q is not a duration (use e.g. 30s, 2m)", s)
	case v < 0:
		d.Err = fmt.Errorf("%q is negative", s)
	default:
		d.V, d.Err = v, nil
	}
	return nil
}

// Port is a TCP port number, 1-65535, decimal.
type Port struct {
	V   int
	Raw string
	Err error
}

// Decode reads the variable's text; it never fails (see above).
func (p *Port) Decode(s string) error {
	p.Raw = s
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > 65535 {
		p.Err = fmt.Errorf("%q is not a port number (1-65535)", s)
		return nil
	}
	p.V, p.Err = n, nil
	return nil
}

// List is a comma-separated list; items are trimmed and empty items dropped.
type List struct {
	V   []string
	Set bool
}

// Decode reads the variable's text; it never fails (see above).
func (l *List) Decode(s string) error {
	l.Set = true
	l.V = nil
	for _, it := range strings.Split(s, ",") {
		if it = strings.TrimSpace(it); it != "" {
			l.V = append(l.V, it)
		}
	}
	return nil
}
