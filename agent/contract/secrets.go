package contract

import (
	"reflect"
	"strings"
	"sync"
)

// This file holds what the contract says about secret values beyond the
// tags of Config: which environment names hold one, the public defaults,
// and the loaded values.

// EnvSecretValues returns the values of the variables of the loaded
// environment whose names mark a secret (IsSecretName, not *_FILE), for the
// plan's masking: a patch file may use them anywhere. With them come the
// passwords written into the URLs of the agent's other variables
// (URLSecretsOf).
func (c *Config) EnvSecretValues() []string { return EnvSecrets(c.Environ()) }

// EnvSecrets is EnvSecretValues for environ (NAME=value entries).
func EnvSecrets(environ []string) []string {
	var out []string
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		switch {
		case IsSecretEnv(k):
			if v != "" {
				out = append(out, v)
			}
		case isAgentVar(k):
			out = append(out, URLPasswords(v)...)
		}
	}
	return out
}

// isAgentVar reports whether name is in the agent's name space (WSO2_*, in
// any case).
func isAgentVar(name string) bool { return strings.HasPrefix(strings.ToUpper(name), "WSO2_") }

// URLSecretsOf returns the passwords in the value v of the variable name
// (URLPasswords) when it is one of the agent's (WSO2_*, in any case): a
// JDBC or service URL may carry one, and the agent shows URLs.
func URLSecretsOf(name, v string) []string {
	if !isAgentVar(name) || IsSecretEnv(name) {
		return nil
	}
	return URLPasswords(v)
}

// SecretDefaults returns the default values of the secret variables.
func SecretDefaults() map[string]bool { return secretDefaultSet() }

var secretDefaultSet = sync.OnceValue(func() map[string]bool {
	out := map[string]bool{}
	for _, v := range Vars() {
		if v.Secret && v.Default != "" {
			out[v.Default] = true
		}
	}
	return out
})

// IsSecretEnv reports whether a variable of the environment holds a secret
// value: IsSecretName, but not a *_FILE path.
func IsSecretEnv(name string) bool {
	return !strings.HasSuffix(strings.ToUpper(name), "_FILE") && IsSecretName(name)
}

var secretNameSet = sync.OnceValue(func() map[string]bool {
	out := map[string]bool{}
	for _, n := range SecretNames() {
		out[n] = true
	}
	return out
})

// PatchLookup resolves a patch file's ${NAME}: a secret variable given
// through NAME_FILE has the file's value (the pipeline's Load does not leave it in the
// environment); anything else is the environment's.
func (c *Config) PatchLookup(name string) (string, bool) {
	if _, ok := c.Getenv(name); !ok {
		if _, viaFile := c.Getenv(name + "_FILE"); viaFile {
			if v, ok := c.secretValue(name); ok && v != "" {
				return v, true
			}
		}
	}
	return c.Getenv(name)
}

// SecretValues returns the loaded value of each secret variable of Config
// (a field tagged `secret:"true"`; the tag is the only list), in
// declaration order, so that whatever numbers them does so the same way at
// every start.
func (c *Config) SecretValues() []string {
	v := reflect.ValueOf(c).Elem()
	out := make([]string, 0, len(secretFields()))
	for _, f := range secretFields() {
		out = append(out, v.Field(f.index).String())
	}
	return out
}

// secretValue is the loaded value of the secret variable name, if Config
// has one of that name.
func (c *Config) secretValue(name string) (string, bool) {
	for _, f := range secretFields() {
		if f.name == name {
			return reflect.ValueOf(c).Elem().Field(f.index).String(), true
		}
	}
	return "", false
}

// secretField is one secret field of Config: its variable and index.
type secretField struct {
	name  string
	index int
}

// secretFields are Config's secret fields in declaration order.
var secretFields = sync.OnceValue(func() []secretField {
	var out []secretField
	t := reflect.TypeOf(Config{})
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Tag.Get("secret") != "true" {
			continue
		}
		if f.Type.Kind() != reflect.String {
			panic("contract: Config." + f.Name + ": a secret field is a string")
		}
		out = append(out, secretField{f.Tag.Get("envconfig"), i})
	}
	return out
})

// ServerEnviron is the environment the server and the jobs start with: the
// loaded environment without the secret variables and their _FILE forms,
// unless WSO2_AGENT_KEEP_SECRETS_ENV keeps them.
func (c *Config) ServerEnviron() []string {
	if c.KeepSecretsEnv.V {
		return c.environ
	}
	drop := map[string]bool{}
	for _, n := range SecretEnvNames() {
		drop[n] = true
	}
	out := make([]string, 0, len(c.environ))
	for _, kv := range c.environ {
		k, _, _ := strings.Cut(kv, "=")
		if drop[k] {
			continue
		}
		out = append(out, kv)
	}
	return out
}
