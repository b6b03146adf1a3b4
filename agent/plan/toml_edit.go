package plan

import (
	"fmt"
	"regexp"
	"slices"
	"sync"

	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/tomlconf"
	"github.com/wso2-container/agent/xmlconf"
)

// TOMLText shows a TOML value in a change: a string as it is, anything else
// in TOML syntax, nothing for none.
func TOMLText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	return tomlconf.FormatValue(v)
}

// ApplyTOML applies edits to a TOML document in memory. It returns the new
// bytes, the changes, the keys whose values are secret (see tomlSecret)
// and the secret values that the changes wrote or replaced, in every
// spelling the file may hold them. A change is secret when its key is
// (tomlSecret), whichever edit made it. An edit that fails is an
// *xmlconf.EditError (the patch format's error of one edit) holding its
// index among edits and its What.
func ApplyTOML(old []byte, edits []TOMLEdit) ([]byte, []Change, []tomlconf.Key, []string, error) {
	d, err := tomlconf.Parse(old)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("parse: %w", err)
	}
	var changes []Change
	var paths, keys []tomlconf.Key
	for i, e := range edits {
		if e.Secret && e.Key != nil {
			keys = append(keys, e.Key)
		}
		n := len(d.Changes())
		if err := e.Apply(d); err != nil {
			return nil, nil, nil, nil, &xmlconf.EditError{Index: i, What: e.What, Err: err}
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
			if e.Secret {
				keys = append(keys, c.Path)
			}
			paths = append(paths, c.Path)
			changes = append(changes, Change{Target: target, Op: op, Old: TOMLText(c.Old), New: TOMLText(c.New)})
		}
	}
	var secrets []string
	for i, c := range changes {
		if !tomlSecret(keys, paths[i]) {
			continue
		}
		changes[i].Secret = true
		for _, v := range []string{c.Old, c.New} {
			if v != "" && !wso2Reference(v) {
				secrets = append(secrets, v, tomlconf.EscapeString(v))
			}
		}
	}
	return d.Bytes(), changes, keys, secrets, nil
}

// tomlSecret reports whether the value of key k is secret: k is, or lies
// under, one of keys (set by secret edits), or its own name says so
// (IsSecretName: password, key_password, client_secret, ...).
func tomlSecret(keys []tomlconf.Key, k tomlconf.Key) bool {
	if len(k) > 0 && contract.IsSecretName(k[len(k)-1]) {
		return true
	}
	for _, s := range keys {
		if len(s) <= len(k) && slices.Equal(s, k[:len(s)]) {
			return true
		}
	}
	return false
}

// wso2Reference reports whether s is wholly one reference the product
// resolves ($env{X}, $sys{x}, $secret{alias}, $ref{key}, ${property}): a
// name, not a secret value, and shown as it is.
func wso2Reference(s string) bool { return wso2RefRE().MatchString(s) }

// wso2RefRE is compiled on first use: a regular expression compiled at
// init costs every start of the agent, most of which never read TOML.
var wso2RefRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\$(env|sys|secret|ref)?\{[^{}]*\}$`) })
