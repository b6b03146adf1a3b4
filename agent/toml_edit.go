package agent

import (
	"fmt"

	"github.com/wso2-container/agent/tomlconf"
)

// tomlText shows a TOML value in a change: a string as it is, anything else
// in TOML syntax, nothing for none.
func tomlText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	return tomlconf.FormatValue(v)
}

// applyTOML applies edits to a TOML document in memory. It returns the new
// bytes, the changes and the secret values that the
// secret edits wrote or replaced, in every spelling the file may hold them.
func applyTOML(old []byte, edits []tomlEdit) ([]byte, []Change, []string, error) {
	d, err := tomlconf.Parse(old)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("parse: %w", err)
	}
	var changes []Change
	var secrets []string
	for _, e := range edits {
		n := len(d.Changes())
		if err := e.apply(d); err != nil {
			return nil, nil, nil, fmt.Errorf("%s: %w", e.what, err)
		}
		for _, c := range d.Changes()[n:] {
			// The patch format's names (see opName): a key added or
			// changed is set, a key removed is unset.
			op := "set"
			if c.New == nil {
				op = "unset"
			}
			target := c.Path.String()
			if c.Index >= 0 && len(c.Path) > 1 {
				target = fmt.Sprintf("%s[%d].%s", c.Path[:len(c.Path)-1], c.Index, tomlconf.Key(c.Path[len(c.Path)-1:]))
			}
			ch := Change{Target: target, Op: op, Secret: e.secret}
			ch.Old, ch.New = tomlText(c.Old), tomlText(c.New)
			if e.secret {
				for _, v := range []any{c.Old, c.New} {
					if s, ok := v.(string); ok && s != "" {
						secrets = append(secrets, s, tomlconf.EscapeString(s))
					}
				}
			}
			changes = append(changes, ch)
		}
	}
	return d.Bytes(), changes, secrets, nil
}
